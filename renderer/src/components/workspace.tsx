/**
 * The open project: structures on the left, the viewer (or the analysis plots) in the middle, order labels and
 * details on the right, jobs at the bottom. Selects the structure an import made as soon as its job succeeds.
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { JobSummary, ProjectInfo } from '../../../main/shared/domain';
import { useJobs } from '../state/use-jobs';
import { useLabelSets } from '../state/use-label-sets';
import { useStructures } from '../state/use-structures';
import { ImportDialog } from './import-dialog';
import { JobsPanel } from './jobs-panel';
import { LabelsPanel } from './labels-panel';
import { StructureDetails } from './structure-details';
import { StructureList } from './structure-list';

// NGL and three.js are ~1.4 MB: load them with the first structure shown, not with the project page.
const StructureViewer = lazy(() => import('../viewer/structure-viewer').then((m) => ({ default: m.StructureViewer })));
// Observable Plot and d3 load with the first analysis opened.
const AnalysisView = lazy(() => import('../analysis/analysis-view').then((m) => ({ default: m.AnalysisView })));

type CentreTab = 'viewer' | 'analysis';
type SideTab = 'labels' | 'details';

export interface WorkspaceProps {
  project: ProjectInfo;
}

export function Workspace({ project }: WorkspaceProps) {
  const { structures, loading, refresh } = useStructures(project.path);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [centreTab, setCentreTab] = useState<CentreTab>('viewer');
  const [sideTab, setSideTab] = useState<SideTab>('labels');
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
  const labels = useLabelSets(selected?.id ?? null);
  return (
    <div className="workspace">
      <StructureList
        structures={structures}
        selectedId={selectedId}
        onSelect={setSelectedId}
        onImport={() => setImportOpen(true)}
        loading={loading}
      />
      <main className="viewer-area" aria-label="Viewer and analysis">
        <div className="tabs" role="tablist" aria-label="Centre view">
          <button
            type="button"
            role="tab"
            aria-selected={centreTab === 'viewer'}
            className={centreTab === 'viewer' ? 'active' : undefined}
            onClick={() => setCentreTab('viewer')}
            data-testid="viewer-tab"
          >
            3D view
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={centreTab === 'analysis'}
            className={centreTab === 'analysis' ? 'active' : undefined}
            onClick={() => setCentreTab('analysis')}
            title="Profiles, motif densities, distributions, g(r) and S(q) of the selected label set"
            data-testid="analysis-tab"
          >
            Analysis
          </button>
          {selected && (
            <span className="tabs__context" title={selected.sourcePath}>
              {selected.name}
              {labels.selected ? ` · label set #${labels.selected.id}` : ''}
            </span>
          )}
        </div>
        <div className="viewer-area__body">
          {selected ? (
            <Suspense fallback={<div className="viewer__placeholder muted">Loading the viewer…</div>}>
              {/* The viewer stays mounted under the analysis pane: NGL keeps its scene and camera. */}
              <StructureViewer structure={selected} labelSet={labels.selected} />
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
          {centreTab === 'analysis' && (
            <div className="analysis-pane" role="tabpanel" aria-label="Analysis">
              {selected && labels.selected ? (
                <Suspense fallback={<div className="analysis-pane__empty muted">Loading the plots…</div>}>
                  <AnalysisView key={labels.selected.id} structure={selected} labelSet={labels.selected} />
                </Suspense>
              ) : (
                <div className="analysis-pane__empty">
                  <p>
                    {selected
                      ? labels.loading
                        ? 'Loading the label sets…'
                        : 'This structure has no order labels yet. Compute them (right-hand panel) to see its profiles, motif densities, distributions, g(r) and S(q).'
                      : 'Select a structure first.'}
                  </p>
                </div>
              )}
            </div>
          )}
        </div>
      </main>
      <aside className="details-area">
        {selected ? (
          <>
            <div className="tabs" role="tablist" aria-label="Structure panels">
              <button
                type="button"
                role="tab"
                aria-selected={sideTab === 'labels'}
                className={sideTab === 'labels' ? 'active' : undefined}
                onClick={() => setSideTab('labels')}
                data-testid="labels-tab"
              >
                Order labels <span className="count">{labels.labelSets.length}</span>
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={sideTab === 'details'}
                className={sideTab === 'details' ? 'active' : undefined}
                onClick={() => setSideTab('details')}
                data-testid="details-tab"
              >
                Details
              </button>
            </div>
            {sideTab === 'labels' ? (
              <LabelsPanel structure={selected} labels={labels} jobs={jobs} />
            ) : (
              <StructureDetails structure={selected} />
            )}
          </>
        ) : (
          <p className="empty">Details of the selected structure appear here.</p>
        )}
      </aside>
      <JobsPanel jobs={jobs} onCancelled={upsert} />
      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} onStarted={onImportStarted} />}
    </div>
  );
}
