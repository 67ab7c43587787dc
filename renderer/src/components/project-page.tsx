/**
 * Shown while no project is open: open an existing project folder or create a new one. Paths are typed (the
 * browser shell has no native folder dialog); they are paths on the machine that runs the core.
 */
import { useState, type FormEvent } from 'react';
import type { ProjectInfo } from '../../../main/shared/domain';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { forgetProject, readRecentProjects, rememberProject, type RecentProject } from '../state/recent-projects';
import { ErrorBanner } from './error-banner';

export interface ProjectPageProps {
  onOpened: (project: ProjectInfo) => void;
  onCancel: (() => void) | null;
}

type Busy = null | 'open' | 'create';

export function ProjectPage({ onOpened, onCancel }: ProjectPageProps) {
  const api = useApi();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<{ action: string; message: string } | null>(null);
  const [recent, setRecent] = useState<RecentProject[]>(readRecentProjects);

  async function run(action: 'open' | 'create', folder = path) {
    const target = folder.trim();
    if (!target) {
      setError({ action: action === 'open' ? 'Opening' : 'Creating', message: 'Type the path of the project folder first.' });
      return;
    }
    setBusy(action);
    setError(null);
    try {
      const project =
        action === 'open'
          ? await api.invoke('project.open', { path: target })
          : await api.invoke('project.create', { path: target, ...(name.trim() ? { name: name.trim() } : {}) });
      rememberProject({ path: project.path, name: project.name });
      onOpened(project);
    } catch (e) {
      setError({ action: action === 'open' ? `Opening ${target}` : `Creating ${target}`, message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void run('open');
  }

  return (
    <main className="project-page">
      <form className="card project-card" onSubmit={submit} aria-labelledby="project-title">
        <h1 id="project-title">Open or create a project</h1>
        <p className="muted">
          A project is a folder on the machine running the SSRO core. It holds <code>project.sqlite</code> and the
          folders <code>structures/</code>, <code>datasets/</code>, <code>models/</code>, <code>experiments/</code>{' '}
          and <code>maps/</code>.
        </p>
        <label className="field">
          <span className="field__label">Project folder</span>
          <input
            className="input input--mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/home/me/ssro/cuzr-glass"
            spellCheck={false}
            autoFocus
            data-testid="project-path-input"
          />
          <span className="field__help">Absolute path. To create, the folder must be empty or not exist yet.</span>
        </label>
        <label className="field">
          <span className="field__label">
            Name <span className="muted">(new projects only; default: the folder name)</span>
          </span>
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Cu64Zr36 glass, 2025 series"
            data-testid="project-name-input"
          />
        </label>
        {error && <ErrorBanner title={error.action} message={error.message} onDismiss={() => setError(null)} />}
        <div className="button-row">
          <button type="submit" className="button button--primary" disabled={busy !== null} data-testid="project-open">
            {busy === 'open' ? 'Opening…' : 'Open project'}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void run('create')}
            data-testid="project-create"
          >
            {busy === 'create' ? 'Creating…' : 'Create new project'}
          </button>
          {onCancel && (
            <button type="button" className="button button--ghost" onClick={onCancel}>
              Back to the open project
            </button>
          )}
        </div>
        {recent.length > 0 && (
          <section className="recent" aria-label="Recent projects">
            <h2>Recent</h2>
            <ul>
              {recent.map((p) => (
                <li key={p.path}>
                  <button
                    type="button"
                    className="recent__item"
                    disabled={busy !== null}
                    onClick={() => {
                      setPath(p.path);
                      void run('open', p.path);
                    }}
                    title={`Open ${p.path}`}
                  >
                    <span className="recent__name">{p.name}</span>
                    <span className="recent__path">{p.path}</span>
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Forget ${p.path}`}
                    title="Remove from this list (the folder is not touched)"
                    onClick={() => setRecent(forgetProject(p.path))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </form>
    </main>
  );
}
