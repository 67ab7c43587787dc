/**
 * The selected dataset: its label histogram (mean d per sample), a region filter, and a grid of pattern thumbnails
 * that load as they scroll into view; a click opens the pattern large with its metadata.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { Modal } from '../components/modal';
import { errorMessage } from '../format';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE } from '../analysis/plot-style';
import { useApi } from '../state/api-context';
import { regionLabel, visibleSamples, type DatasetSamples, type RegionFilter } from './dataset-samples';
import { loadPattern, type CachedPattern } from './pattern-cache';
import { PATTERN_COLORMAPS, type PatternColormap } from './pattern-colormap';
import { PatternColourBar, PatternImage } from './pattern-image';
import { PatternThumb } from './pattern-thumb';
import { kAxisNames } from './probe-settings';
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';

export interface DatasetBrowserProps {
  dataset: DatasetSummary;
}

const PAGE = 96;

function recipeZones(recipe: unknown): ZoneAxis[] {
  const zones = (recipe as { zones?: unknown } | null)?.zones;
  return Array.isArray(zones) ? (zones as ZoneAxis[]) : ['z'];
}

/** "cylinder r 5 Å, h 20 Å" from a recipe's probe entry. */
function describeProbe(probe: unknown): string {
  const p = probe as ProbeShape | undefined;
  if (!p) return '—';
  if (p.kind === 'cylinder') return `cylinder r ${p.radiusA} Å, h ${p.heightA} Å`;
  if (p.kind === 'ellipsoid') return `ellipsoid ${p.semiAxesA.join(' × ')} Å`;
  return 'one-layer cluster';
}

export function DatasetBrowser({ dataset }: DatasetBrowserProps) {
  const api = useApi();
  const [samples, setSamples] = useState<DatasetSamples | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<RegionFilter>('all');
  const [shown, setShown] = useState(PAGE);
  const [colormap, setColormap] = useState<PatternColormap>('inferno');
  const [open, setOpen] = useState<number | null>(null);

  // Re-read the metadata as the build advances (doneCount changes).
  useEffect(() => {
    // A build that has not written its first record has no sample table yet; asking would only be refused.
    if (dataset.doneCount === 0 && dataset.state !== 'complete') return;
    let cancelled = false;
    api.invoke('datasets.samples', { datasetId: dataset.id }).then(
      (s) => {
        if (cancelled) return;
        setSamples(s);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(errorMessage(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, dataset.id, dataset.doneCount]);

  const indices = useMemo(() => (samples ? visibleSamples(samples, filter) : []), [samples, filter]);
  const hasRegions = useMemo(() => samples?.region.some((r) => r !== null) ?? false, [samples]);
  const dValues = useMemo(() => {
    if (!samples) return [];
    return indices.map((i) => samples.meanD[i]).filter((d): d is number => d !== null && d !== undefined && Number.isFinite(d));
  }, [samples, indices]);

  const render = useCallback(
    (width: number) => {
      if (dValues.length === 0) throw new Error('no labelled samples yet');
      return plotPanel({
        width,
        height: 180,
        x: { label: 'mean d of the probe' },
        y: { label: 'samples' },
        marks: [Plot.rectY(dValues, { ...Plot.binX({ y: 'count' }, { x: (d: number) => d, thresholds: 30 }), fill: SERIES_BLUE }), Plot.ruleY([0])],
      });
    },
    [dValues],
  );
  const csv = useCallback(
    () =>
      toCsv(
        ['index', 'mean_d', 'region', 'atoms'],
        indices.map((i) => [i, samples?.meanD[i] ?? null, regionLabel(samples?.region[i]), samples?.atoms[i] ?? null]),
      ),
    [indices, samples],
  );
  const stem = `${dataset.name}-mean-d`.replace(/[^\w.-]+/g, '_');

  return (
    <section className="dataset-browser" aria-label={`Dataset ${dataset.name}`} data-testid="dataset-browser">
      {error && <ErrorBanner title="Cannot read the samples" message={error} />}
      {samples && (
        <>
          <PlotFigure
            testId="dataset-histogram"
            title={`Label histogram · ${dValues.length} samples`}
            exportTitle={`Mean d per probe · dataset ${dataset.name}`}
            fileStem={stem}
            render={render}
            csv={csv}
            controls={
              <label className="input-with-unit" title={hasRegions ? 'Show samples of one region only' : 'This dataset has no regions (no region axis in its recipe)'}>
                region
                <select
                  className="input input--small"
                  value={filter}
                  onChange={(e) => {
                    setFilter(e.target.value as RegionFilter);
                    setShown(PAGE);
                  }}
                  disabled={!hasRegions}
                  data-testid="dataset-region-filter"
                >
                  <option value="all">all</option>
                  <option value="grain">grain</option>
                  <option value="actr">ACTR</option>
                  <option value="interior">complexion interior</option>
                </select>
              </label>
            }
          />
          <div className="dataset-thumbs__header">
            <h3>
              Patterns <span className="count">{indices.length}</span>
            </h3>
            <select className="input input--small" value={colormap} onChange={(e) => setColormap(e.target.value as PatternColormap)} aria-label="Colormap">
              {PATTERN_COLORMAPS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <div className="dataset-thumbs">
            {indices.slice(0, shown).map((i) => (
              <PatternThumb
                key={`${dataset.id}:${i}`}
                datasetId={dataset.id}
                index={i}
                meanD={samples.meanD[i] ?? null}
                region={regionLabel(samples.region[i])}
                colormap={colormap}
                onOpen={setOpen}
              />
            ))}
          </div>
          {indices.length > shown && (
            <button type="button" className="button" onClick={() => setShown((n) => n + PAGE)}>
              Show {Math.min(PAGE, indices.length - shown)} more of {indices.length - shown}
            </button>
          )}
        </>
      )}
      {open !== null && samples && (
        <PatternModal dataset={dataset} samples={samples} index={open} colormap={colormap} onClose={() => setOpen(null)} />
      )}
    </section>
  );
}

interface PatternModalProps {
  dataset: DatasetSummary;
  samples: DatasetSamples;
  index: number;
  colormap: PatternColormap;
  onClose: () => void;
}

function PatternModal({ dataset, samples, index, colormap, onClose }: PatternModalProps) {
  const api = useApi();
  const [pattern, setPattern] = useState<CachedPattern | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    loadPattern(api, dataset.id, index).then(
      (p) => !cancelled && setPattern(p),
      (e: unknown) => !cancelled && setError(errorMessage(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, dataset.id, index]);
  const zones = recipeZones(dataset.recipe);
  const zone = zones[samples.zone[index] ?? 0] ?? 'z';
  const probes = (dataset.recipe as { probes?: unknown[] } | null)?.probes ?? [];
  const probe = probes[samples.probe[index] ?? 0];
  const centre = [0, 1, 2].map((d) => samples.centre[3 * index + d] ?? 0);
  return (
    <Modal title={`Sample #${index} of ${dataset.name}`} onClose={onClose} wide testId="dataset-pattern-modal">
      {error && <ErrorBanner title="Cannot load the pattern" message={error} />}
      <div className="pattern-panel__figure">
        {pattern ? (
          <>
            <PatternImage
              values={pattern.values}
              side={pattern.side}
              kmaxInvA={pattern.kmaxInvA}
              deltaKInvA={pattern.deltaKInvA}
              colormap={colormap}
              sizePx={400}
              axisNames={kAxisNames(zone)}
              testId="dataset-pattern-large"
            />
            <PatternColourBar colormap={colormap} heightPx={400} rawRange={null} />
          </>
        ) : (
          !error && <div className="spinner" aria-label="Loading" />
        )}
      </div>
      <dl className="pattern-info">
        <div>
          <dt>mean d</dt>
          <dd>{samples.meanD[index]?.toFixed(3) ?? '—'}</dd>
        </div>
        <div>
          <dt>Region</dt>
          <dd>{regionLabel(samples.region[index])}</dd>
        </div>
        <div>
          <dt>Atoms in probe</dt>
          <dd>{samples.atoms[index] ?? '—'}</dd>
        </div>
        <div>
          <dt>Centre (Å)</dt>
          <dd>{centre.map((c) => c.toFixed(2)).join(', ')}</dd>
        </div>
        <div>
          <dt>Structure</dt>
          <dd>#{dataset.sources[samples.structure[index] ?? -1]?.structureId ?? samples.structure[index] ?? '—'}</dd>
        </div>
        <div>
          <dt>Zone</dt>
          <dd>{typeof zone === 'string' ? zone : `[${zone.join(' ')}]`}</dd>
        </div>
        <div>
          <dt>Probe</dt>
          <dd>{describeProbe(probe)}</dd>
        </div>
      </dl>
    </Modal>
  );
}
