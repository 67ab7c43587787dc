/**
 * Where the external engines are: the LAMMPS executable and the Python that has PyTorch (settings.get / set).
 * These paths are programs SSRO Studio runs, so a new one (or one a project brought with it) is saved only after
 * the person confirms running it; the core keeps that confirmation for this machine's user.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { EngineSetting, EngineStatus, Settings, SettingsState } from '../../../main/shared/domain';
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

const ROLE: Record<EngineSetting, string> = { lmpPath: 'the LAMMPS engine', python3Path: 'the Python for PyTorch' };
const FIELDS: EngineSetting[] = ['lmpPath', 'python3Path'];

export function SettingsDialog({ engines, onClose, onSaved }: SettingsDialogProps) {
  const api = useApi();
  const [loaded, setLoaded] = useState<SettingsState | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  /** The paths waiting for the person's confirmation before the save goes out. */
  const [confirming, setConfirming] = useState<EngineSetting[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.invoke('settings.get', {}).then(
      (s) => {
        if (cancelled) return;
        setLoaded(s);
        setSettings({ lmpPath: s.lmpPath, python3Path: s.python3Path });
      },
      (e: unknown) => !cancelled && setError({ title: 'Reading the settings', message: errorMessage(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  function edit(setting: EngineSetting, value: string) {
    if (!settings) return;
    setSettings({ ...settings, [setting]: value });
    setConfirming(null);
    setError(null);
  }

  /** Changed paths, and stored ones not yet confirmed here: what this save would have the app run. */
  function toSave(): EngineSetting[] {
    if (!settings || !loaded) return [];
    return FIELDS.filter((s) => settings[s].trim() !== loaded[s] || loaded.unconfirmed.includes(s));
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!settings) return;
    const fields = toSave();
    if (fields.length === 0) return onClose();
    if (confirming === null) return setConfirming(fields);
    setSaving(true);
    setError(null);
    try {
      const request: { lmpPath?: string; python3Path?: string; confirmed: EngineSetting[] } = { confirmed: confirming };
      for (const s of fields) request[s] = settings[s].trim();
      const saved = await api.invoke('settings.set', request);
      onSaved(saved);
      onClose();
    } catch (err) {
      setConfirming(null);
      setError({ title: 'Saving the settings', message: errorMessage(err) });
    } finally {
      setSaving(false);
    }
  }

  const engine = (name: EngineStatus['name']) => engines.find((x) => x.name === name);
  /** The engine's status, or (for a stored path not confirmed here, which the status would only repeat) why it is not run. */
  const note = (setting: EngineSetting, name: EngineStatus['name']) =>
    loaded?.unconfirmed.includes(setting) && settings?.[setting] === loaded[setting] ? (
      <span className="text-failed" data-testid={`settings-unconfirmed-${setting}`}>
        This project sets this program; it has not been confirmed on this machine, so it is not run. Save to confirm
        it. {engine(name)?.disables ? `Disabled until then: ${engine(name)?.disables}.` : ''}
      </span>
    ) : (
      <EngineNote status={engine(name)} />
    );
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
                onChange={(e) => edit('lmpPath', e.target.value)}
                spellCheck={false}
                disabled={saving}
                data-testid="settings-lmp-input"
              />
              <span className="field__help">
                Debian's <code>lmp</code>, or your own MPI/GPU build. {note('lmpPath', 'lammps')}
              </span>
            </label>
            <label className="field">
              <span className="field__label">Python with PyTorch</span>
              <input
                className="input input--mono"
                value={settings.python3Path}
                onChange={(e) => edit('python3Path', e.target.value)}
                spellCheck={false}
                disabled={saving}
                data-testid="settings-python-input"
              />
              <span className="field__help">
                A <code>python3</code> that imports <code>torch</code> and <code>torchvision</code> (e.g. your CUDA
                environment). {note('python3Path', 'pytorch')}
              </span>
            </label>
          </>
        )}
        {settings && confirming && (
          <div className="notice notice--warning" role="alertdialog" aria-label="Confirm the engine programs" data-testid="settings-confirm">
            {confirming.map((s) => (
              <p key={s}>
                Run <code>{settings[s].trim()}</code> as {ROLE[s]}? It will be executed with your permissions whenever
                SSRO Studio checks or uses the engine. Confirm only a program you trust.
              </p>
            ))}
          </div>
        )}
        {error && <ErrorBanner title={error.title} message={error.message} />}
        <div className="button-row button-row--end">
          <button type="button" className="button button--ghost" onClick={confirming ? () => setConfirming(null) : onClose}>
            {confirming ? 'Back' : 'Cancel'}
          </button>
          <button type="submit" className="button button--primary" disabled={!settings || saving} data-testid="settings-save">
            {saving ? 'Saving…' : confirming ? 'Run it and save' : 'Save'}
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
