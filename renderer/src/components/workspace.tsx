/**
 * The open project: structures on the left, the viewer in the middle, details on the right, jobs at the bottom.
 * Selects the structure an import made as soon as its job succeeds.
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { JobSummary, ProjectInfo } from '../../../main/shared/domain';
import { useJobs } from '../state/use-jobs';
import { useStructures } from '../state/use-structures';
import { ImportDialog } from './import-dialog';
import { JobsPanel } from './jobs-panel';
import { StructureDetails } from './structure-details';
import { StructureList } from './structure-list';

// NGL and three.js are ~1.4 MB: load them with the first structure shown, not with the project page.
const StructureViewer = lazy(() => import('../viewer/structure-viewer').then((m) => ({ default: m.StructureViewer })));

export interface WorkspaceProps {
  project: ProjectInfo;
}

export function Workspace({ project }: WorkspaceProps) {
  const { structures, loading, refresh } = useStructures(project.path);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  /** Import jobs started from this window whose result we still want to select. */
  const awaited = useRef(new Set<number>());
  /** The last state seen of every job, for a job that finished before its id came back to us. */
  const seen = useRef(new Map<number, JobSummary>());

  const takeResult = useCallback(
    async (job: JobSummary) => {
      if (!awaited.current.has(job.id) || job.state === 'queued' || job.state === 'running') return;
      awaited.current.delete(job.id);
      if (job.state !== 'succeeded') return; // the jobs panel shows the error
      const made = job.outputs.find((o) => o.kind === 'structure');
      await refresh();
      if (made && typeof made.id === 'number') setSelectedId(made.id);
    },
    [refresh],
  );

  const onJobUpdate = useCallback(
    (job: JobSummary) => {
      seen.current.set(job.id, job);
      void takeResult(job);
    },
    [takeResult],
  );
  const { jobs, upsert } = useJobs(project.path, onJobUpdate);

  const onImportStarted = useCallback(
    (jobId: number) => {
      awaited.current.add(jobId);
      const already = seen.current.get(jobId);
      if (already) void takeResult(already);
    },
    [takeResult],
  );

  // Keep a valid selection: the newest structure when nothing (or something deleted) is selected.
  useEffect(() => {
    if (structures.length === 0) {
      if (selectedId !== null && !loading) setSelectedId(null);
      return;
    }
    if (selectedId === null || !structures.some((s) => s.id === selectedId)) {
      setSelectedId(Math.max(...structures.map((s) => s.id)));
    }
  }, [structures, selectedId, loading]);

  const selected = structures.find((s) => s.id === selectedId) ?? null;
  return (
    <div className="workspace">
      <StructureList
        structures={structures}
        selectedId={selectedId}
        onSelect={setSelectedId}
        onImport={() => setImportOpen(true)}
        loading={loading}
      />
      <main className="viewer-area" aria-label="Viewer">
        {selected ? (
          <Suspense fallback={<div className="viewer__placeholder muted">Loading the viewer…</div>}>
            <StructureViewer structure={selected} />
          </Suspense>
        ) : (
          <div className="viewer__placeholder">
            <p>{loading ? 'Loading structures…' : 'No structure selected.'}</p>
            {!loading && structures.length === 0 && (
              <button type="button" className="button button--primary" onClick={() => setImportOpen(true)}>
                Import a structure…
              </button>
            )}
          </div>
        )}
      </main>
      <aside className="details-area">
        {selected ? <StructureDetails structure={selected} /> : <p className="empty">Details of the selected structure appear here.</p>}
      </aside>
      <JobsPanel jobs={jobs} onCancelled={upsert} />
      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} onStarted={onImportStarted} />}
    </div>
  );
}
