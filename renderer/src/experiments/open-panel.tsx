/**
 * Opening experimental data: a path typed (the core reads it where it lies, however large) or chosen with the
 * system dialog, an optional scan shape and HDF5 dataset; what the file says about itself is shown: format, type,
 * frames, scan and frame shapes, calibrations with units, beam energy, camera length and the reader's notes.
 */
import { useEffect, useRef, useState } from 'react';
import type { AxisCalibration, MicroscopyInfo } from '../../../main/shared/microscopy';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount } from '../format';
import { useApi } from '../state/api-context';

export interface OpenedInput {
  path: string;
  scanShape: number[] | null;
  datasetPath: string | null;
  /** The real-space scan step (nm) the user gave, when the file records none. */
  scanStepNm: number | null;
  info: MicroscopyInfo;
}

function axisText(a: AxisCalibration): string {
  return a.scale === null ? `${a.size} (uncalibrated)` : `${a.size} × ${a.scale.toPrecision(4)} ${a.units ?? ''}`.trim();
}

/** A path to open from outside the panel (a drop on the view); `serial` makes the same path open again. */
export interface OpenRequest {
  path: string;
  serial: number;
}

export function OpenPanel({ opened, onOpened, request = null, dropError = null }: { opened: OpenedInput | null; onOpened: (input: OpenedInput) => void; request?: OpenRequest | null; dropError?: string | null }) {
  const api = useApi();
  const [path, setPath] = useState(opened?.path ?? '');
  const [scanShape, setScanShape] = useState('');
  const [datasetPath, setDatasetPath] = useState('');
  const [scanStep, setScanStep] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function open(target: string) {
    setBusy(true);
    setError(null);
    try {
      const shape = scanShape.trim() ? scanShape.split(/[,x×]/).map((v) => Number(v.trim())) : null;
      if (shape && shape.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`scan shape "${scanShape}": give rows,columns as positive integers`);
      const step = scanStep.trim() ? Number(scanStep) : null;
      if (step !== null && !(Number.isFinite(step) && step > 0)) throw new Error(`scan step "${scanStep}": give the distance between scan positions in nm`);
      const info = (await api.invoke('experiments.open', {
        path: target,
        ...(shape ? { scanShape: shape } : {}),
        ...(datasetPath.trim() ? { datasetPath: datasetPath.trim() } : {}),
        ...(step !== null ? { scanStepNm: step } : {}),
      })) as unknown as MicroscopyInfo;
      onOpened({ path: target, scanShape: shape, datasetPath: datasetPath.trim() || null, scanStepNm: step, info });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const handled = useRef<number | null>(null);
  useEffect(() => {
    if (request === null || handled.current === request.serial) return;
    handled.current = request.serial;
    setPath(request.path);
    void open(request.path);
    // open() reads the current scan shape and dataset fields; only a new request opens.
  }, [request]);
  useEffect(() => {
    if (dropError) setError(dropError);
  }, [dropError]);

  async function browse() {
    const chosen = await api.pickFile('microscopy');
    if (chosen) {
      setPath(chosen.path);
      await open(chosen.path);
    }
  }

  const info = opened?.info ?? null;
  return (
    <section className="sim-card model-card" aria-label="Open data" data-testid="experiments-open">
      <header className="model-card__header">
        <h3>Experimental data</h3>
        <span className="muted">DM3/DM4 · MRC · NPY · HDF5/EMD · HyperSpy .hspy/.zspy · MIB · EMPAD · BLO · TIFF · PNG · folders</span>
      </header>
      <p className="drop-hint muted" data-testid="experiment-drop-hint">
        Drop a file or a folder of patterns anywhere here, or give its path.
      </p>
      <div className="sweep-form">
        <label htmlFor="experiment-path">File or folder</label>
        <input id="experiment-path" className="input input--mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/session/scan.mib" data-testid="experiment-path" />
        <label htmlFor="experiment-scan-shape">Scan shape</label>
        <input id="experiment-scan-shape" className="input input--small" value={scanShape} onChange={(e) => setScanShape(e.target.value)} placeholder="from the file" data-testid="experiment-scan-shape" />
        <label htmlFor="experiment-scan-step">Scan step (nm)</label>
        <input id="experiment-scan-step" className="input input--small" value={scanStep} onChange={(e) => setScanStep(e.target.value)} placeholder="from the file" inputMode="decimal" data-testid="experiment-scan-step" />
        <label htmlFor="experiment-dataset">HDF5 dataset</label>
        <input id="experiment-dataset" className="input input--mono" value={datasetPath} onChange={(e) => setDatasetPath(e.target.value)} placeholder="found automatically" />
        <div className="button-row">
          <button type="button" className="button button--primary" disabled={busy || !path.trim()} onClick={() => void open(path.trim())} data-testid="experiment-open">
            Open
          </button>
          <button type="button" className="button" disabled={busy} onClick={() => void browse()}>
            Browse…
          </button>
        </div>
      </div>
      {error && <ErrorBanner title="Cannot open" message={error} onDismiss={() => setError(null)} />}
      {info && (
        <dl className="facts" data-testid="experiment-info">
          <dt>Format</dt>
          <dd>
            {info.format} · {info.dtype}
          </dd>
          <dt>Frames</dt>
          <dd>
            {formatCount(info.frameCount)} of {info.frameShape.join(' × ')} px; scan {info.scanShape.length ? info.scanShape.join(' × ') : 'single pattern'}
          </dd>
          <dt>Detector</dt>
          <dd>{info.detectorAxes.map(axisText).join(' · ')}</dd>
          <dt>Scan</dt>
          <dd>{info.scanAxes.length ? info.scanAxes.map(axisText).join(' · ') : '—'}</dd>
          <dt>Beam</dt>
          <dd>
            {info.beamEnergyKeV !== null ? `${info.beamEnergyKeV} keV` : 'energy not recorded'} · {info.cameraLengthMm !== null ? `camera length ${info.cameraLengthMm.toPrecision(4)} mm` : 'camera length not recorded'}
          </dd>
          {info.notes.length > 0 && (
            <>
              <dt>Notes</dt>
              <dd>
                <ul className="notes">
                  {info.notes.map((n) => (
                    <li key={n}>{n}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
