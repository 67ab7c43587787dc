/**
 * The open project: structures on the left, the viewer (or the analysis, diffraction, datasets, simulate or models pane) in
 * the middle, order labels and details on the right, jobs at the bottom. Selects the structure an import made as
 * soon as its job succeeds.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Cell, JobSummary, ProjectInfo, Vec3 } from '../../../main/shared/domain';
import { defaultProbeForm, formProbe, formZone, parseVec3, zoneBasis, type ProbeForm, type ProbeOverlay } from '../nbed/probe-settings';
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
const DiffractionView = lazy(() => import('../nbed/diffraction-view').then((m) => ({ default: m.DiffractionView })));
const DatasetsView = lazy(() => import('../nbed/datasets-view').then((m) => ({ default: m.DatasetsView })));
const SimulateView = lazy(() => import('../simulate/simulate-view').then((m) => ({ default: m.SimulateView })));
const ModelsView = lazy(() => import('../models/models-view').then((m) => ({ default: m.ModelsView })));
const ExperimentsView = lazy(() => import('../experiments/experiments-view').then((m) => ({ default: m.ExperimentsView })));

type CentreTab = 'viewer' | 'analysis' | 'diffraction' | 'datasets' | 'simulate' | 'models' | 'experiments';

/** The centre tabs in order; test ids are what the e2e tests click. */
const CENTRE_TABS: { id: CentreTab; label: string; title?: string; testId: string }[] = [
  { id: 'viewer', label: '3D view', testId: 'viewer-tab' },
  { id: 'analysis', label: 'Analysis', title: 'Profiles, motif densities, distributions, g(r) and S(q) of the selected label set', testId: 'analysis-tab' },
  { id: 'diffraction', label: 'Diffraction', title: 'Simulated nanobeam electron diffraction of a probe in the selected structure', testId: 'tab-diffraction' },
  { id: 'datasets', label: 'Datasets', title: 'Build and browse simulated NBED datasets', testId: 'datasets-tab' },
  { id: 'simulate', label: 'Simulate', title: 'Make a structure with LAMMPS: melt–quench glass, grain-boundary complexion, nanocomposite', testId: 'simulate-tab' },
  { id: 'models', label: 'Models', title: 'Train models of d on a dataset, evaluate them, predict', testId: 'models-tab' },
  { id: 'experiments', label: 'Experiments', title: 'Open experimental NBED / 4D-STEM data and map d over it', testId: 'experiments-tab' },
];

/** The middle of the cell: the first probe centre of a structure. */
function cellCentre(cell: Cell): Vec3 {
  return [0, 1, 2].map((d) => (cell.origin[d] ?? 0) + ((cell.a[d] ?? 0) + (cell.b[d] ?? 0) + (cell.c[d] ?? 0)) / 2) as Vec3;
}

/** The probe the Diffraction tab's form describes, for the 3D view; null while the form does not parse. */
function probeOverlay(form: ProbeForm | null): ProbeOverlay | null {
  if (!form) return null;
  try {
    const centre = parseVec3(form.centre);
    return centre ? { centre, probe: formProbe(form), basis: zoneBasis(formZone(form)) } : null;
  } catch {
    return null;
  }
}
type SideTab = 'labels' | 'details';

export interface WorkspaceProps {
  project: ProjectInfo;
}

export function Workspace({ project }: WorkspaceProps) {
  const { structures, loading, refresh } = useStructures(project.path);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [centreTab, setCentreTabState] = useState<CentreTab>('viewer');
  /** The Simulate view stays mounted once opened: its forms and the run it follows survive switching tabs. */
  const [simulateOpened, setSimulateOpened] = useState(false);
  /** So does the Models view: a training form and the run it follows. */
  const [modelsOpened, setModelsOpened] = useState(false);
  const setCentreTab = useCallback((tab: CentreTab) => {
    if (tab === 'simulate') setSimulateOpened(true);
    if (tab === 'models') setModelsOpened(true);
    setCentreTabState(tab);
  }, []);
  const [sideTab, setSideTab] = useState<SideTab>('labels');
  /** The Diffraction tab's probe form, per structure (kept while switching tabs). */
  const [probeForms, setProbeForms] = useState<Record<number, ProbeForm>>({});
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

  const openSimulated = useCallback(
    async (structureId: number) => {
      await refresh();
      setSelectedId(structureId);
      setCentreTab('viewer');
    },
    [refresh, setCentreTab],
  );

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
  const probeForm = selected ? (probeForms[selected.id] ?? defaultProbeForm(cellCentre(selected.cell))) : null;
  const setProbeForm = useCallback(
    (form: ProbeForm) => {
      if (selected) setProbeForms((all) => ({ ...all, [selected.id]: form }));
    },
    [selected],
  );
  const probeKey = centreTab === 'diffraction' && probeForm ? JSON.stringify(probeForm) : null;
  // Stable between renders with the same form: the viewer rebuilds its probe shape only when the probe changes.
  const probe = useMemo(() => (probeKey ? probeOverlay(JSON.parse(probeKey) as ProbeForm) : null), [probeKey]);
  const centreOnAtom = useCallback(
    (atom: { position: Vec3 }) => {
      if (centreTab !== 'diffraction' || !probeForm) return;
      setProbeForm({ ...probeForm, centre: atom.position.map((c) => c.toFixed(2)).join(', ') });
    },
    [centreTab, probeForm, setProbeForm],
  );
  return (
    <div className="workspace">
      <StructureList
        structures={structures}
        selectedId={selectedId}
        onSelect={setSelectedId}
        onImport={() => setImportOpen(true)}
        loading={loading}
        onOpenDatasets={() => setCentreTab('datasets')}
      />
      <main className="viewer-area" aria-label="Viewer and analysis">
        <div className="tabs" role="tablist" aria-label="Centre view">
          {CENTRE_TABS.map((tab) => (
            <button
              key={tab.id}
              type="button"
              role="tab"
              aria-selected={centreTab === tab.id}
              className={centreTab === tab.id ? 'active' : undefined}
              onClick={() => setCentreTab(tab.id)}
              title={tab.title}
              data-testid={tab.testId}
            >
              {tab.label}
            </button>
          ))}
          {selected && (
            <span className="tabs__context" title={selected.sourcePath}>
              {selected.name}
              {labels.selected ? ` · label set #${labels.selected.id}` : ''}
            </span>
          )}
        </div>
        <div className={`viewer-area__body${centreTab === 'diffraction' && selected ? ' viewer-area__body--diffraction' : ''}`}>
          {selected ? (
            <Suspense fallback={<div className="viewer__placeholder muted">Loading the viewer…</div>}>
              {/* The viewer stays mounted under the analysis pane: NGL keeps its scene and camera. */}
              <StructureViewer structure={selected} labelSet={labels.selected} probe={probe} onAtomClicked={centreOnAtom} />
            </Suspense>
          ) : (
            <div className="viewer__placeholder">
              <p>{loading ? 'Loading structures…' : 'No structure selected.'}</p>
              {!loading && structures.length === 0 && (
                <div className="button-row">
                  <button type="button" className="button button--primary" onClick={() => setImportOpen(true)}>
                    Import a structure…
                  </button>
                  <button type="button" className="button" onClick={() => setCentreTab('simulate')}>
                    Simulate one…
                  </button>
                </div>
              )}
            </div>
          )}
          {centreTab === 'diffraction' && selected && probeForm && (
            <Suspense fallback={<div className="diffraction-pane muted">Loading…</div>}>
              <DiffractionView structure={selected} labelSet={labels.selected} form={probeForm} onForm={setProbeForm} />
            </Suspense>
          )}
          {centreTab === 'datasets' && (
            <div className="analysis-pane datasets-pane" role="tabpanel" aria-label="Datasets">
              <Suspense fallback={<div className="analysis-pane__empty muted">Loading…</div>}>
                <DatasetsView structures={structures} jobs={jobs} />
              </Suspense>
            </div>
          )}
          {simulateOpened && (
            <div className="analysis-pane simulate-pane" role="tabpanel" aria-label="Simulate" hidden={centreTab !== 'simulate'}>
              <Suspense fallback={<div className="analysis-pane__empty muted">Loading…</div>}>
                <SimulateView jobs={jobs} structures={structures} onOpenStructure={(id) => void openSimulated(id)} onCancelled={upsert} />
              </Suspense>
            </div>
          )}
          {modelsOpened && (
            <div className="analysis-pane models-pane" role="tabpanel" aria-label="Models" hidden={centreTab !== 'models'}>
              <Suspense fallback={<div className="analysis-pane__empty muted">Loading…</div>}>
                <ModelsView jobs={jobs} onCancelled={upsert} onOpenDatasets={() => setCentreTab('datasets')} />
              </Suspense>
            </div>
          )}
          {centreTab === 'experiments' && (
            <div className="analysis-pane models-pane" role="tabpanel" aria-label="Experiments">
              <Suspense fallback={<div className="analysis-pane__empty muted">Loading…</div>}>
                <ExperimentsView jobs={jobs} onCancelled={upsert} />
              </Suspense>
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
