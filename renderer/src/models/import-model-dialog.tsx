/**
 * Imports a model file through `models.import`: an ONNX model made by this app (it carries its own preprocessing), a
 * foreign ONNX model or a PyTorch state_dict (e.g. the authors' checkpoint), for which the user states what the app
 * must never guess: the target and the k-grid (and, for a state_dict, the architecture).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A } from '../../../main/shared/diffraction';
import { describeIssues } from '../../../main/shared/ipc-contract';
import { MODEL_ARCHITECTURES, modelImportRequestSchema, type ModelImportRequest, type ModelSummary, type ModelTarget } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { Modal } from '../components/modal';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { architectureLabel } from './model-format';

export interface ImportModelDialogProps {
  onClose: () => void;
  onImported: (model: ModelSummary) => void;
}

type Kind = 'onnx' | 'torch' | 'unknown';

function kindOf(path: string): Kind {
  const lower = path.trim().toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (/\.(pt|pth|ckpt|bin)$/.test(lower)) return 'torch';
  return 'unknown';
}

export function ImportModelDialog({ onClose, onImported }: ImportModelDialogProps) {
  const api = useApi();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  /** A foreign ONNX model needs its preprocessing stated; ours must not (the core refuses contradictions). */
  const [foreign, setForeign] = useState(false);
  const [architecture, setArchitecture] = useState('resnet18');
  const [target, setTarget] = useState<ModelTarget>('one_minus_d');
  const [kmax, setKmax] = useState(String(DEFAULT_KMAX_INV_A));
  const [deltaK, setDeltaK] = useState(String(DEFAULT_DELTA_K_INV_A));
  const [picking, setPicking] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kind = kindOf(path);
  const stating = kind === 'torch' || (kind === 'onnx' && foreign);
  // A state_dict names no architecture, so "not stated" (foreign ONNX only) falls back to the paper's.
  const shownArchitecture = kind === 'torch' && architecture === '' ? 'resnet18' : architecture;

  const request = useMemo((): { value: ModelImportRequest | null; problem: string | null } => {
    if (path.trim() === '') return { value: null, problem: null };
    if (kind === 'unknown') return { value: null, problem: 'choose an ONNX model (.onnx) or a PyTorch state_dict (.pt, .pth, .ckpt)' };
    const input: Record<string, unknown> = { path: path.trim() };
    if (name.trim()) input.name = name.trim();
    if (stating) {
      input.target = target;
      input.kmaxInvA = Number(kmax);
      input.deltaKInvA = Number(deltaK);
      if (shownArchitecture !== '') input.architecture = shownArchitecture;
    }
    const parsed = modelImportRequestSchema.safeParse(input);
    return parsed.success ? { value: parsed.data, problem: null } : { value: null, problem: describeIssues(parsed.error) };
  }, [path, name, kind, stating, target, kmax, deltaK, shownArchitecture]);

  async function pick() {
    setError(null);
    setPicking(true);
    try {
      const chosen = await api.pickFile('model');
      if (chosen) setPath(chosen.path);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setPicking(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!request.value) return;
    setSubmitting(true);
    setError(null);
    try {
      onImported(await api.invoke('models.import', request.value));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title="Import a model"
      onClose={onClose}
      testId="model-import-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="model-import-form" className="button button--primary" disabled={!request.value || submitting} data-testid="model-import-submit">
            {submitting ? (kind === 'torch' ? 'Exporting to ONNX…' : 'Importing…') : 'Import'}
          </button>
        </>
      }
    >
      <form id="model-import-form" className="import-model" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label className="field__label" htmlFor="model-import-path">
            Model file
          </label>
          <div className="import-model__path">
            <input
              id="model-import-path"
              className="input input--mono"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/path/on/the/core/model.onnx or checkpoint.pt"
              spellCheck={false}
              autoComplete="off"
              data-testid="model-import-path"
            />
            {/* The browser shell uploads the chosen file; Electron's picker is made for structure files. */}
            {api.shell === 'browser' && (
              <button type="button" className="button" onClick={() => void pick()} disabled={picking}>
                {picking ? 'Uploading…' : 'Upload…'}
              </button>
            )}
          </div>
          <span className="field__help">
            {kind === 'onnx'
              ? 'ONNX: a model made by SSRO Studio carries its target and preprocessing; a foreign one needs them stated below.'
              : kind === 'torch'
                ? 'PyTorch state_dict of ResNet-18 or the base CNN (e.g. the authors’ checkpoint): exported to ONNX with the preprocessing stated below. Needs PyTorch.'
                : 'An ONNX model (.onnx) or a PyTorch state_dict (.pt, .pth); a path on the machine that runs the core.'}
          </span>
        </div>
        <div className="field">
          <label className="field__label" htmlFor="model-import-name">
            Name <span className="muted">(optional)</span>
          </label>
          <input id="model-import-name" className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="default: the file name" data-testid="model-import-name" />
        </div>
        {kind === 'onnx' && (
          <label className="import-model__check">
            <input type="checkbox" checked={foreign} onChange={(e) => setForeign(e.target.checked)} data-testid="model-import-foreign" />
            Not made by SSRO Studio: state its target and k-grid
          </label>
        )}
        {stating && (
          <fieldset className="import-model__stated" data-testid="model-import-stated">
            <legend>What the model expects (never guessed)</legend>
            <div className="sim-grid">
              <div className="sim-field">
                <label className="sim-field__label" htmlFor="model-import-architecture">
                  Architecture
                </label>
                <select id="model-import-architecture" className="input" value={shownArchitecture} onChange={(e) => setArchitecture(e.target.value)} data-testid="model-import-architecture">
                  {kind === 'onnx' && <option value="">not stated</option>}
                  {MODEL_ARCHITECTURES.map((a) => (
                    <option key={a} value={a}>
                      {architectureLabel(a)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="sim-field">
                <label className="sim-field__label" htmlFor="model-import-target">
                  Output
                </label>
                <select id="model-import-target" className="input" value={target} onChange={(e) => setTarget(e.target.value as ModelTarget)} data-testid="model-import-target">
                  <option value="one_minus_d">1 − d (the authors’ models)</option>
                  <option value="d">d</option>
                </select>
              </div>
              <div className="sim-field">
                <label className="sim-field__label" htmlFor="model-import-kmax">
                  kmax <span className="sim-field__unit">(Å⁻¹)</span>
                </label>
                <input id="model-import-kmax" className="input" value={kmax} onChange={(e) => setKmax(e.target.value)} inputMode="decimal" data-testid="model-import-kmax" />
              </div>
              <div className="sim-field">
                <label className="sim-field__label" htmlFor="model-import-deltak">
                  Δk <span className="sim-field__unit">(Å⁻¹)</span>
                </label>
                <input id="model-import-deltak" className="input" value={deltaK} onChange={(e) => setDeltaK(e.target.value)} inputMode="decimal" data-testid="model-import-deltak" />
              </div>
            </div>
            <span className="field__help">The authors’ published models: ResNet-18, 1 − d, kmax 1.0 Å⁻¹, Δk 0.015 Å⁻¹ (133 × 133).</span>
          </fieldset>
        )}
        {request.problem && <p className="field__error">{request.problem}</p>}
        {error && <ErrorBanner title="Import refused" message={error} onDismiss={() => setError(null)} />}
      </form>
    </Modal>
  );
}
