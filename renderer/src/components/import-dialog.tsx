/**
 * Starts a `structures.import` job: the file (chosen through the shell's picker, which uploads it in the browser
 * shell, or a path typed on the core's machine), its format, the element of each LAMMPS type and the frame.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { STRUCTURE_FORMATS, type StructureFormat } from '../../../main/shared/domain';
import { parseElementMapping } from '../../../main/shared/elements';
import type { Request } from '../../../main/shared/ipc-contract';
import { uploadProgress } from '../api/transport-status';
import { errorMessage, formatBytes } from '../format';
import { useApi } from '../state/api-context';
import { useStore } from '../state/use-store';
import { ErrorBanner } from './error-banner';
import { Modal } from './modal';
import { FORMAT_LABELS } from './structure-formats';

type FrameChoice = 'last' | 'first' | 'index';

export interface ImportDialogProps {
  onClose: () => void;
  /** Called with the job id once the core accepted the import. */
  onStarted: (jobId: number) => void;
}

export function ImportDialog({ onClose, onStarted }: ImportDialogProps) {
  const api = useApi();
  const upload = useStore(uploadProgress);
  const [path, setPath] = useState('');
  const [displayName, setDisplayName] = useState<string | null>(null);
  const [format, setFormat] = useState<'auto' | StructureFormat>('auto');
  const [elements, setElements] = useState('');
  const [frame, setFrame] = useState<FrameChoice>('last');
  const [frameIndex, setFrameIndex] = useState('0');
  const [name, setName] = useState('');
  const [picking, setPicking] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);

  const mapping = useMemo(() => {
    if (!elements.trim()) return null;
    try {
      return { symbols: parseElementMapping(elements), error: null };
    } catch (e) {
      return { symbols: null, error: errorMessage(e) };
    }
  }, [elements]);

  const frameIndexValue = Number(frameIndex);
  const frameIndexValid = Number.isInteger(frameIndexValue) && frameIndexValue >= 0;
  const multiFrame = format === 'auto' || format === 'lammps-dump' || format === 'extxyz';

  async function pick() {
    setError(null);
    setPicking(true);
    try {
      const chosen = await api.pickFile('structure');
      if (chosen) {
        setPath(chosen.path);
        setDisplayName(chosen.name);
      }
    } catch (e) {
      setError({ title: 'Choosing the file', message: errorMessage(e) });
    } finally {
      setPicking(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!path.trim()) {
      setError({ title: 'Nothing to import', message: 'Choose a file or type its path first.' });
      return;
    }
    if (mapping?.error) {
      setError({ title: 'Element mapping', message: mapping.error });
      return;
    }
    if (frame === 'index' && !frameIndexValid) {
      setError({ title: 'Frame', message: 'The frame index must be a whole number, 0 for the first frame.' });
      return;
    }
    const request: Request<'structures.import'> = {
      path: path.trim(),
      format,
      frame: frame === 'index' ? frameIndexValue : frame,
      // The mapping as parsed here (canonical symbols), so the core and this preview cannot disagree.
      ...(mapping?.symbols ? { elements: mapping.symbols } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(displayName ? { displayName } : {}),
    };
    setSubmitting(true);
    setError(null);
    try {
      const { jobId } = await api.invoke('structures.import', request);
      onStarted(jobId);
      onClose();
    } catch (err) {
      setError({ title: 'The import was refused', message: errorMessage(err) });
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Modal title="Import structure" onClose={onClose} testId="import-dialog">
      <form className="form" onSubmit={submit} id="import-form">
        <fieldset className="field">
          <legend className="field__label">File</legend>
          <div className="file-row">
            <button type="button" className="button" onClick={() => void pick()} disabled={picking || submitting} data-testid="import-pick">
              {api.shell === 'browser' ? 'Upload a file…' : 'Choose a file…'}
            </button>
            {displayName && <span className="file-row__name">{displayName}</span>}
          </div>
          {upload && (
            <div className="upload-progress" data-testid="upload-progress">
              <progress value={upload.loadedBytes} max={upload.totalBytes || 1} />
              <span>
                Uploading {upload.name}: {formatBytes(upload.loadedBytes)} of {formatBytes(upload.totalBytes)}
              </span>
            </div>
          )}
          <label className="field__sub">
            <span>or its path on the machine running the core</span>
            <input
              className="input input--mono"
              value={path}
              onChange={(e) => {
                setPath(e.target.value);
                setDisplayName(null);
              }}
              placeholder="/data/md/cuzr/final.data"
              spellCheck={false}
              data-testid="import-path-input"
            />
          </label>
        </fieldset>

        <div className="field-grid">
          <label className="field">
            <span className="field__label">Format</span>
            <select
              className="input"
              value={format}
              onChange={(e) => setFormat(e.target.value as 'auto' | StructureFormat)}
              data-testid="import-format-select"
            >
              <option value="auto">Detect from the file</option>
              {STRUCTURE_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">Frame</span>
            <div className="frame-row">
              <select
                className="input"
                value={frame}
                onChange={(e) => setFrame(e.target.value as FrameChoice)}
                disabled={!multiFrame}
                data-testid="import-frame-select"
              >
                <option value="last">Last</option>
                <option value="first">First</option>
                <option value="index">Index…</option>
              </select>
              {frame === 'index' && multiFrame && (
                <input
                  className={`input input--narrow${frameIndexValid ? '' : ' input--invalid'}`}
                  type="number"
                  min={0}
                  step={1}
                  value={frameIndex}
                  onChange={(e) => setFrameIndex(e.target.value)}
                  aria-label="Frame index (0 = first)"
                  data-testid="import-frame-index"
                />
              )}
            </div>
            <span className="field__help">For dumps and XYZ files with several frames.</span>
          </label>
        </div>

        <label className="field">
          <span className="field__label">Elements by atom type</span>
          <input
            className={`input input--mono${mapping?.error ? ' input--invalid' : ''}`}
            value={elements}
            onChange={(e) => setElements(e.target.value)}
            placeholder="Cu,Zr"
            spellCheck={false}
            data-testid="import-elements-input"
          />
          <span className="field__help">
            The element of LAMMPS type 1, 2, … in order (also <code>1=Cu,2=Zr</code>). Needed when the file does not
            name elements: data files without element comments in <code>Masses</code>, dumps without an{' '}
            <code>element</code> column. Leave empty when it does.
          </span>
          {mapping?.symbols && (
            <span className="mapping-preview" data-testid="import-elements-preview">
              {mapping.symbols.map((s, i) => `type ${i + 1} → ${s}`).join(' · ')}
            </span>
          )}
          {mapping?.error && <span className="field__error">{mapping.error}</span>}
        </label>

        <label className="field">
          <span className="field__label">
            Name <span className="muted">(optional; default: the file name)</span>
          </span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-testid="import-name-input" />
        </label>

        {error && <ErrorBanner title={error.title} message={error.message} onDismiss={() => setError(null)} />}

        <div className="button-row button-row--end">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button--primary"
            disabled={submitting || picking || !path.trim()}
            data-testid="import-submit"
          >
            {submitting ? 'Starting…' : 'Import'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
