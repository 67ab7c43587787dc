/**
 * The application frame: asks the core what is open (app.info), shows the project page or the workspace, the
 * settings dialog, the errors and the status bar.
 */
import { useCallback, useEffect, useState } from 'react';
import type { EngineStatus, ProjectInfo } from '../../main/shared/domain';
import { connectionStatus } from './api/transport-status';
import { AppHeader } from './components/app-header';
import { ErrorBanner } from './components/error-banner';
import { ErrorStack } from './components/error-stack';
import { ProjectPage } from './components/project-page';
import { SettingsDialog } from './components/settings-dialog';
import { StatusBar } from './components/status-bar';
import { Workspace } from './components/workspace';
import { errorMessage } from './format';
import { useApi } from './state/api-context';
import { rememberProject } from './state/recent-projects';
import { useStore } from './state/use-store';

type Boot = { phase: 'loading' } | { phase: 'ready' } | { phase: 'error'; message: string };

export function App() {
  const api = useApi();
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });
  const [version, setVersion] = useState<string | null>(null);
  const [engines, setEngines] = useState<EngineStatus[]>([]);
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [choosingProject, setChoosingProject] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const connection = useStore(connectionStatus);

  const loadInfo = useCallback(async () => {
    try {
      const info = await api.invoke('app.info', {});
      setVersion(info.version);
      setEngines(info.engines);
      setProject(info.project);
      if (info.project) rememberProject({ path: info.project.path, name: info.project.name });
      setBoot({ phase: 'ready' });
    } catch (error) {
      setBoot({ phase: 'error', message: errorMessage(error) });
    }
  }, [api]);

  useEffect(() => {
    void loadInfo();
  }, [loadInfo]);

  // Another window (or the CLI through the same core) may open or close the project.
  useEffect(() => api.on('project.changed', (next) => setProject(next)), [api]);

  const opened = (next: ProjectInfo) => {
    setProject(next);
    setChoosingProject(false);
  };

  const showProjectPage = !project || choosingProject;
  return (
    <div className="app">
      <AppHeader
        project={project}
        onSwitchProject={project && !choosingProject ? () => setChoosingProject(true) : null}
        onSettings={() => setSettingsOpen(true)}
      />
      {connection.state === 'reconnecting' && (
        <div className="notice notice--warning" role="status" data-testid="connection-notice">
          {connection.detail ?? 'Live updates from the core are interrupted; reconnecting…'}
        </div>
      )}
      <ErrorStack />
      {boot.phase === 'loading' && <div className="boot muted">Connecting to the SSRO core…</div>}
      {boot.phase === 'error' && (
        <div className="boot">
          <ErrorBanner title="Cannot reach the SSRO core" message={boot.message} />
          <button type="button" className="button" onClick={() => void loadInfo()}>
            Try again
          </button>
        </div>
      )}
      {boot.phase === 'ready' &&
        (showProjectPage ? (
          <ProjectPage onOpened={opened} onCancel={project ? () => setChoosingProject(false) : null} />
        ) : (
          project && <Workspace key={project.path} project={project} />
        ))}
      <StatusBar engines={engines} version={version} shell={api.shell} onSettings={() => setSettingsOpen(true)} />
      {settingsOpen && (
        <SettingsDialog engines={engines} onClose={() => setSettingsOpen(false)} onSaved={() => void loadInfo()} />
      )}
    </div>
  );
}
