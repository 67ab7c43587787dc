/**
 * The atom viewer of one structure. Owns NGL's lifecycle the Mol* way: the Stage is created in an effect on a host
 * element held in a ref, follows the host's size through a ResizeObserver, and is disposed on unmount. Atoms come
 * from `structures.atoms` and are drawn by AtomScene.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Stage, type Component, type PickingProxy } from 'ngl';
import type { AtomFrame, LabelSetSummary, StructureSummary } from '../../../main/shared/domain';
import type { LabelProperty } from '../../../main/shared/labels';
import { errorMessage, formatAtoms, formatDurationMs } from '../format';
import { useApi } from '../state/api-context';
import { ErrorBanner } from '../components/error-banner';
import { formatLabelValue, PROPERTY_INFO } from '../labels/label-properties';
import {
  AtomScene,
  BALL_STICK_MAX_ATOMS,
  DEFAULT_ATOM_SCALE,
  SPACEFILL_DEFAULT_MAX_ATOMS,
  SPACEFILL_DEFAULT_MAX_ATOMS_SOFTWARE,
  type PickedAtom,
  type Representation,
  type ViewAxis,
} from './atom-scene';
import { AtomReadout, type ReadoutLabel } from './atom-readout';
import { CategoryLegend, ColourBar } from './colour-legend';
import { DisplayToolbar, type SlabAxis, type SlabSettings } from './display-toolbar';
import { ElementLegend } from './element-legend';
import { addProbeShape } from './probe-shape';
import type { ProbeOverlay } from '../nbed/probe-settings';
import { useLabelColouring, useReadoutValues } from './use-label-colouring';
import { ViewerToolbar } from './viewer-toolbar';
import { useViewerPrefs, type ViewerBackground } from './viewer-prefs';

const BACKGROUND: Record<ViewerBackground, { color: string; cell: number }> = {
  dark: { color: '#14181f', cell: 0xa8b3c4 },
  light: { color: '#ffffff', cell: 0x3a4250 },
};

type LoadState =
  | { phase: 'loading' }
  | { phase: 'ready'; fetchMs: number; drawMs: number }
  | { phase: 'error'; message: string };

export interface StructureViewerProps {
  structure: StructureSummary;
  /** The label set whose values colour the atoms and fill the readout; null = element colours only. */
  labelSet: LabelSetSummary | null;
  /** An NBED probe to draw at its centre (the Diffraction tab), or nothing. */
  probe?: ProbeOverlay | null;
  /** Called with the atom the user clicks (the Diffraction tab centres its probe there). */
  onAtomClicked?: (atom: PickedAtom) => void;
}

const AXIS_INDEX: Record<SlabAxis, 0 | 1 | 2> = { x: 0, y: 1, z: 2 };
/** A first slab a few atomic layers thick. */
const DEFAULT_SLAB_THICKNESS_A = 8;

export function StructureViewer({ structure, labelSet, probe = null, onAtomClicked }: StructureViewerProps) {
  const api = useApi();
  const hostRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Stage | null>(null);
  const sceneRef = useRef<AtomScene | null>(null);
  const [scene, setScene] = useState<AtomScene | null>(null);
  const [load, setLoad] = useState<LoadState>({ phase: 'loading' });
  const [prefs, setPrefs] = useViewerPrefs();
  const [representation, setRepresentation] = useState<Representation>('spacefill');
  const [atomScale, setAtomScale] = useState<Record<Representation, number>>({ ...DEFAULT_ATOM_SCALE });
  const [hovered, setHovered] = useState<PickedAtom | null>(null);
  const [pinned, setPinned] = useState<PickedAtom | null>(null);
  const [reloadCount, setReloadCount] = useState(0);
  const softwareRendererRef = useRef(false);
  const [softwareRenderer, setSoftwareRenderer] = useState(false);
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const onAtomClickedRef = useRef(onAtomClicked);
  onAtomClickedRef.current = onAtomClicked;
  const colouring = useLabelColouring(labelSet);
  const readoutValues = useReadoutValues(labelSet);
  const [colourError, setColourError] = useState<string | null>(null);
  /** Which colouring the canvas shows (for tests and for "still loading"): 'element' or 'labelSetId:property'. */
  const [appliedColours, setAppliedColours] = useState<string>('element');
  const [slab, setSlab] = useState<SlabSettings>({ enabled: false, axis: 'z', centreA: 0, thicknessA: DEFAULT_SLAB_THICKNESS_A });
  const [drawnCount, setDrawnCount] = useState(0);

  // The Stage lives as long as the component: created on mount, disposed on unmount.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const stage = new Stage(host, {
      backgroundColor: BACKGROUND[prefsRef.current.background].color,
      tooltip: false,
      // Pick only once the pointer rests: a picking pass over 10⁶ atoms on every mouse move is wasted work.
      hoverTimeout: 60,
      cameraFov: 30,
    });
    stageRef.current = stage;
    softwareRendererRef.current = isSoftwareRenderer(stage);
    setSoftwareRenderer(softwareRendererRef.current);
    const pickedAtom = (proxy: PickingProxy | undefined): PickedAtom | null => {
      const current = sceneRef.current;
      if (!proxy || !current || !current.owns(proxy.picker)) return null;
      return current.atom(current.pickedAtomIndex(proxy.pid));
    };
    stage.signals.hovered.add((proxy: PickingProxy | undefined) => setHovered(pickedAtom(proxy)));
    stage.signals.clicked.add((proxy: PickingProxy | undefined) => {
      const atom = pickedAtom(proxy);
      setPinned(atom);
      if (atom) onAtomClickedRef.current?.(atom);
    });
    const resize = new ResizeObserver(() => stage.handleResize());
    resize.observe(host);
    return () => {
      resize.disconnect();
      sceneRef.current?.dispose();
      sceneRef.current = null;
      stageRef.current = null;
      stage.dispose();
    };
  }, []);

  // Load the atoms of the selected structure and build its scene.
  useEffect(() => {
    let cancelled = false;
    const started = performance.now();
    setLoad({ phase: 'loading' });
    setHovered(null);
    setPinned(null);
    // Never leave the previous structure on screen under the new one's name.
    sceneRef.current?.dispose();
    sceneRef.current = null;
    setScene(null);
    void (async () => {
      let frame: AtomFrame;
      try {
        frame = await api.invoke('structures.atoms', { id: structure.id });
      } catch (error) {
        if (!cancelled) setLoad({ phase: 'error', message: errorMessage(error) });
        return;
      }
      const stage = stageRef.current;
      if (cancelled || !stage) return;
      const fetched = performance.now();
      try {
        const next = new AtomScene(stage, frame);
        const software = softwareRendererRef.current;
        const spacefillMax = software ? SPACEFILL_DEFAULT_MAX_ATOMS_SOFTWARE : SPACEFILL_DEFAULT_MAX_ATOMS;
        const rep: Representation = frame.count > spacefillMax ? 'points' : 'spacefill';
        // NGL supersamples a still frame with 8 extra passes: free on a GPU, but seconds per frame for a CPU
        // rasteriser or at 10⁶ atoms, during which the page does not respond.
        stage.setParameters({ sampleLevel: software || frame.count > 200_000 ? -1 : 0 });
        next.setRepresentation(rep, DEFAULT_ATOM_SCALE[rep]);
        next.setCell(prefsRef.current.showCell, BACKGROUND[prefsRef.current.background].cell);
        next.orient('default');
        sceneRef.current = next;
        setDrawnCount(next.drawnCount);
        setAppliedColours('element');
        setRepresentation(rep);
        setAtomScale({ ...DEFAULT_ATOM_SCALE });
        setScene(next);
        await nextRenderedFrame(stage);
        if (cancelled) return;
        const done = performance.now();
        setLoad({ phase: 'ready', fetchMs: fetched - started, drawMs: done - fetched });
      } catch (error) {
        if (!cancelled) setLoad({ phase: 'error', message: `Drawing the atoms failed: ${errorMessage(error)}` });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, structure.id, reloadCount]);

  useEffect(() => {
    stageRef.current?.setParameters({ backgroundColor: BACKGROUND[prefs.background].color });
    scene?.setCell(prefs.showCell, BACKGROUND[prefs.background].cell);
  }, [scene, prefs.background, prefs.showCell]);

  const changeRepresentation = useCallback(
    (rep: Representation) => {
      if (!scene) return;
      try {
        scene.setRepresentation(rep, atomScale[rep]);
        setRepresentation(rep);
      } catch (error) {
        setLoad({ phase: 'error', message: `Switching to ${rep} failed: ${errorMessage(error)}` });
      }
    },
    [scene, atomScale],
  );

  const changeScale = useCallback(
    (value: number) => {
      setAtomScale((s) => ({ ...s, [representation]: value }));
      scene?.setAtomScale(value);
    },
    [scene, representation],
  );

  const orient = useCallback((axis: ViewAxis) => scene?.orient(axis, 400), [scene]);

  // Atom colours: element colours, or the chosen label property once its values are here. Only the colour
  // attribute of the buffers changes.
  const colourKey = colouring.effective === 'element' ? 'element' : `${labelSet?.id}:${colouring.effective}`;
  useEffect(() => {
    if (!scene) return;
    const { colours, data } = colouring;
    if (colouring.effective !== 'element' && !colours) return; // keep the old colours while the values load
    if (data && data.count !== scene.frame.count) {
      setColourError(`The label set has ${data.count} values but the structure has ${scene.frame.count} atoms.`);
      return;
    }
    try {
      scene.setColors(colouring.effective === 'element' ? null : colours);
      setColourError(null);
      setAppliedColours(colourKey);
    } catch (error) {
      setColourError(`Colouring the atoms failed: ${errorMessage(error)}`);
    }
  }, [scene, colouring.effective, colouring.colours, colouring.data, colourKey]);

  // The coordinate range of the atoms along each axis: the slab sliders' limits.
  const extentA = useMemo(() => {
    const ext: Record<SlabAxis, [number, number]> = { x: [0, 1], y: [0, 1], z: [0, 1] };
    if (!scene) return ext;
    const p = scene.frame.positions;
    (['x', 'y', 'z'] as const).forEach((axis, d) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < scene.frame.count; i++) {
        const v = p[3 * i + d] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (Number.isFinite(lo)) ext[axis] = [Math.floor(lo * 10) / 10, Math.ceil(hi * 10) / 10];
    });
    return ext;
  }, [scene]);

  // A new structure starts without a slab, centred for when it is switched on.
  useEffect(() => {
    const [lo, hi] = extentA.z;
    setSlab((s) => ({ ...s, enabled: false, axis: 'z', centreA: (lo + hi) / 2, thicknessA: Math.min(DEFAULT_SLAB_THICKNESS_A, Math.max(hi - lo, 1)) }));
  }, [extentA]);

  // Slab changes rebuild the buffers from the atoms inside; coalesced to one rebuild per frame while a slider moves.
  useEffect(() => {
    if (!scene) return;
    const frame = requestAnimationFrame(() => {
      try {
        const half = slab.thicknessA / 2;
        setDrawnCount(
          scene.setSlab(slab.enabled ? { axis: AXIS_INDEX[slab.axis], lowA: slab.centreA - half, highA: slab.centreA + half } : null),
        );
        setHovered(null);
      } catch (error) {
        setLoad({ phase: 'error', message: `Drawing the slab failed: ${errorMessage(error)}` });
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [scene, slab]);

  // The NBED probe: one Shape component, replaced whenever the probe changes, removed with the tab.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage || !scene || !probe) return;
    let component: Component | null = null;
    try {
      component = addProbeShape(stage, probe);
    } catch (error) {
      setLoad({ phase: 'error', message: `Drawing the probe failed: ${errorMessage(error)}` });
    }
    stage.viewer.requestRender();
    return () => {
      if (component) stage.removeComponent(component);
      stage.viewer.requestRender();
    };
  }, [scene, probe]);

  const readout = pinned ?? hovered;
  const readoutLabels = useMemo<ReadoutLabel[]>(() => {
    if (!readout) return [];
    const shown = new Map<LabelProperty, ReadoutLabel>();
    const add = (property: LabelProperty, values: { values: Float32Array; categories: string[] } | undefined) => {
      const v = values?.values[readout.index];
      if (v === undefined || shown.has(property)) return;
      shown.set(property, { name: PROPERTY_INFO[property].symbol, value: formatLabelValue(property, v, values?.categories ?? []) });
    };
    for (const [property, values] of Object.entries(readoutValues.values)) add(property as LabelProperty, values);
    if (colouring.effective !== 'element' && colouring.data) add(colouring.effective, colouring.data);
    return [...shown.values()];
  }, [readout, readoutValues.values, colouring.effective, colouring.data]);

  return (
    <div className={`viewer viewer--${prefs.background}`}>
      <ViewerToolbar
        representation={representation}
        onRepresentation={changeRepresentation}
        ballStickDisabledReason={
          structure.atomCount > BALL_STICK_MAX_ATOMS
            ? `Ball+stick draws about 6 neighbour sticks per atom; above ${formatAtoms(BALL_STICK_MAX_ATOMS)} that is too much for the GPU. Use spacefill or points.`
            : null
        }
        atomScale={atomScale[representation]}
        onAtomScale={changeScale}
        showCell={prefs.showCell}
        onShowCell={(showCell) => setPrefs({ ...prefs, showCell })}
        background={prefs.background}
        onBackground={(background) => setPrefs({ ...prefs, background })}
        onOrient={orient}
        disabled={!scene || load.phase !== 'ready'}
        stickCount={representation === 'ball+stick' ? (scene?.stickCount ?? null) : null}
      />
      <DisplayToolbar
        colourBy={colouring.effective}
        onColourBy={colouring.setColourBy}
        labelSetId={labelSet?.id ?? null}
        colormap={colouring.colormap}
        onColormap={colouring.setColormap}
        slab={slab}
        onSlab={setSlab}
        extentA={extentA}
        drawnCount={drawnCount}
        totalCount={scene?.frame.count ?? structure.atomCount}
        disabled={!scene || load.phase !== 'ready'}
      />
      <div className="viewer__stage">
        <div
          className="viewer__canvas-host"
          ref={hostRef}
          data-testid="viewer-canvas-host"
          data-structure-id={structure.id}
          data-load-state={load.phase}
          data-load-ms={load.phase === 'ready' ? Math.round(load.fetchMs + load.drawMs) : undefined}
          data-colour-by={colouring.effective}
          data-colour-state={colourError ? 'error' : appliedColours === colourKey ? 'applied' : 'loading'}
          data-drawn-atoms={drawnCount}
          data-probe={probe ? probe.probe.kind : undefined}
        />
        {load.phase === 'loading' && (
          <div className="viewer__overlay">
            <div className="spinner" aria-hidden="true" />
            Loading {formatAtoms(structure.atomCount)}…
          </div>
        )}
        {load.phase === 'error' && (
          <div className="viewer__overlay viewer__overlay--error">
            <ErrorBanner title={`Cannot show ${structure.name}`} message={load.message} />
            <button type="button" className="button" onClick={() => setReloadCount((n) => n + 1)}>
              Try again
            </button>
          </div>
        )}
        {scene && load.phase === 'ready' && (
          <div className="viewer__key">
            {colouring.effective === 'element' && (
              <ElementLegend styles={scene.styles} counts={scene.counts} total={scene.frame.count} />
            )}
            {colouring.info && colouring.status === 'loading' && (
              <div className="viewer__key-note">
                <div className="spinner spinner--small" aria-hidden="true" /> Loading {colouring.info.symbol} of label set #{labelSet?.id}…
              </div>
            )}
            {colouring.info && colouring.status === 'error' && (
              <div className="viewer__key-note viewer__key-note--error">
                <ErrorBanner title={`Cannot load ${colouring.info.symbol}`} message={colouring.error ?? ''} />
                <button type="button" className="button button--small" onClick={colouring.retry}>
                  Try again
                </button>
              </div>
            )}
            {colourError && (
              <div className="viewer__key-note viewer__key-note--error">
                <ErrorBanner title="Cannot colour the atoms" message={colourError} />
              </div>
            )}
            {colouring.info?.kind === 'continuous' && colouring.status === 'ready' && (
              <ColourBar
                info={colouring.info}
                colormap={colouring.colormap}
                range={colouring.range}
                dataRange={colouring.dataRange}
                onRange={colouring.setRange}
                onReset={colouring.resetRange}
              />
            )}
            {colouring.info?.kind === 'categorical' && colouring.status === 'ready' && colouring.entries && (
              <CategoryLegend
                title={colouring.info.symbol}
                entries={colouring.entries}
                total={colouring.data?.count ?? 0}
              />
            )}
          </div>
        )}
        <AtomReadout
          atom={readout}
          pinned={pinned !== null}
          onUnpin={() => setPinned(null)}
          labels={readoutLabels}
          labelsError={readoutValues.error}
        />
        {load.phase === 'ready' && (
          <div className="viewer__stats" title="Time to fetch the atoms from the core, and to draw the first frame">
            {formatAtoms(scene?.frame.count ?? 0)} · fetched in {formatDurationMs(load.fetchMs)} · drawn in{' '}
            {formatDurationMs(load.drawMs)}
            {softwareRenderer && (
              <span title="WebGL runs on the CPU here (no GPU driver): large structures start as points and still frames are not supersampled">
                {' '}
                · software rendering
              </span>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

/** True when WebGL runs on a CPU rasteriser (SwiftShader, llvmpipe), e.g. headless Chromium or a remote desktop. */
function isSoftwareRenderer(stage: Stage): boolean {
  try {
    const gl = stage.viewer.renderer.getContext();
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

/** Resolves after NGL has drawn the scene once more (the frame with the new atoms). */
function nextRenderedFrame(stage: Stage): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      // One more animation frame so the compositor has the pixels too.
      requestAnimationFrame(() => resolve());
    };
    stage.viewer.signals.rendered.addOnce(finish);
    stage.viewer.requestRender();
    // A hidden tab never renders; do not hang the loading state on it.
    window.setTimeout(finish, 10_000);
  });
}
