/** The bottom line: link to the core, which engines are missing and what that disables, version and shell. */
import type { EngineStatus } from '../../../main/shared/domain';
import { connectionStatus } from '../api/transport-status';
import { useStore } from '../state/use-store';

const ENGINE_LABELS: Record<EngineStatus['name'], string> = { lammps: 'LAMMPS', pytorch: 'PyTorch', chromium: 'Chromium' };

export interface StatusBarProps {
  engines: EngineStatus[];
  version: string | null;
  shell: 'electron' | 'browser';
  onSettings: () => void;
}

export function StatusBar({ engines, version, shell, onSettings }: StatusBarProps) {
  const connection = useStore(connectionStatus);
  const missing = engines.filter((e) => !e.available);
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`status-dot status-dot--${connection.state}`} title={connection.detail ?? undefined}>
        {connection.state === 'connected' ? 'Core connected' : connection.state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
      </span>
      <span className="engines" data-testid="engines-status">
        Engines:{' '}
        {engines.length === 0
          ? 'unknown'
          : engines.map((e) => (
              <span
                key={e.name}
                className={`engine ${e.available ? 'engine--ok' : 'engine--missing'}`}
                title={`${e.detail}${e.available ? '' : ` — ${e.disables}`}`}
                data-engine={e.name}
                data-available={e.available}
              >
                {e.available ? '✓' : '✗'} {ENGINE_LABELS[e.name]}
              </span>
            ))}
        {missing.length > 0 && (
          <button type="button" className="link-button engines__missing" onClick={onSettings} title="Set the engine paths">
            {missing.map((e) => `${ENGINE_LABELS[e.name]} not available: ${e.disables}`).join(' · ')}
          </button>
        )}
      </span>
      <span className="status-bar__right">
        {version ? `v${version}` : ''} · {shell === 'electron' ? 'desktop' : 'browser shell'}
      </span>
    </footer>
  );
}
