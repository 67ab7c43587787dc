/** The top bar: app name, the open project (name and folder), and the project and settings buttons. */
import type { ProjectInfo } from '../../../main/shared/domain';

export interface AppHeaderProps {
  project: ProjectInfo | null;
  onSwitchProject: (() => void) | null;
  onSettings: () => void;
}

export function AppHeader({ project, onSwitchProject, onSettings }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header__brand">
        <span className="brand__mark" aria-hidden="true" />
        SSRO Studio
      </div>
      {project && (
        <div className="app-header__project" data-testid="project-header">
          <span className="project__name" data-testid="project-name">
            {project.name}
          </span>
          <span className="project__path" title={project.path} data-testid="project-path">
            {/* The box is right-to-left so a long path loses its start, not its end; <bdi> keeps the path itself LTR. */}
            <bdi dir="ltr">{project.path}</bdi>
          </span>
        </div>
      )}
      <div className="app-header__actions">
        {onSwitchProject && (
          <button type="button" className="button button--ghost" onClick={onSwitchProject} data-testid="project-switch">
            Open another project…
          </button>
        )}
        <button type="button" className="button button--ghost" onClick={onSettings} data-testid="settings-open">
          Settings
        </button>
      </div>
    </header>
  );
}
