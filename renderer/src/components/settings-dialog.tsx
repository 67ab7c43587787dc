/** Where the external engines are: the LAMMPS executable and the Python that has PyTorch (settings.get / set). */
import { useEffect, useState, type FormEvent } from 'react';
import type { EngineStatus, Settings } from '../../../main/shared/domain';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { ErrorBanner } from './error-banner';
import { Modal } from './modal';

export interface SettingsDialogProps {
  engines: EngineStatus[];
  onClose: () => void;
  /** After a save: lets the app re-read the engines' status. */
  onSaved: (settings: Settings) => void;
}

export function SettingsDialog({ engines, onClose, onSaved }: SettingsDialogProps) {
  const api = useApi();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.invoke('settings.get', {}).then(
      (s) => !cancelled && setSettings(s),
      (e: unknown) => !cancelled && setError({ title: 'Reading the settings', message: errorMessage(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!settings) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await api.invoke('settings.set', {
        lmpPath: settings.lmpPath.trim(),
        python3Path: settings.python3Path.trim(),
      });
      onSaved(saved);
      onClose();
    } catch (err) {
      setError({ title: 'Saving the settings', message: errorMessage(err) });
    } finally {
      setSaving(false);
    }
  }

  const engine = (name: EngineStatus['name']) => engines.find((x) => x.name === name);
  return (
    <Modal title="Settings" onClose={onClose} testId="settings-dialog">
      <form className="form" onSubmit={save}>
        {!settings && !error && <p className="muted">Reading the settings…</p>}
        {settings && (
          <>
            <label className="field">
              <span className="field__label">LAMMPS executable</span>
              <input
                className="input input--mono"
                value={settings.lmpPath}
                onChange={(e) => setSettings({ ...settings, lmpPath: e.target.value })}
                spellCheck={false}
                data-testid="settings-lmp-input"
              />
              <span className="field__help">
                Debian's <code>lmp</code>, or your own MPI/GPU build. <EngineNote status={engine('lammps')} />
              </span>
            </label>
            <label className="field">
              <span className="field__label">Python with PyTorch</span>
              <input
                className="input input--mono"
                value={settings.python3Path}
                onChange={(e) => setSettings({ ...settings, python3Path: e.target.value })}
                spellCheck={false}
                data-testid="settings-python-input"
              />
              <span className="field__help">
                A <code>python3</code> that imports <code>torch</code> and <code>torchvision</code> (e.g. your CUDA
                environment). <EngineNote status={engine('pytorch')} />
              </span>
            </label>
          </>
        )}
        {error && <ErrorBanner title={error.title} message={error.message} />}
        <div className="button-row button-row--end">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!settings || saving} data-testid="settings-save">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function EngineNote({ status }: { status: EngineStatus | undefined }) {
  if (!status) return null;
  return status.available ? (
    <span className="text-ok">Found: {status.detail}</span>
  ) : (
    <span className="text-failed">
      Not usable: {status.detail}. {status.disables}
    </span>
  );
}
