/** Domain types shared by every process: cells, structures, jobs, settings. Pure data, no behaviour. */

export type Vec3 = [number, number, number];

/**
 * A simulation cell: origin plus three edge vectors in Å (rows a, b, c). Orthogonal LAMMPS boxes have a = (lx,0,0),
 * b = (0,ly,0), c = (0,0,lz); restricted triclinic boxes have a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz).
 */
export interface Cell {
  origin: Vec3;
  a: Vec3;
  b: Vec3;
  c: Vec3;
  pbc: [boolean, boolean, boolean];
}

export const STRUCTURE_FORMATS = ['lammps-data', 'lammps-dump', 'extxyz', 'poscar'] as const;
export type StructureFormat = (typeof STRUCTURE_FORMATS)[number];

export const EXPORT_FORMATS = ['lammps-data', 'extxyz'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface StructureSummary {
  id: number;
  name: string;
  sourcePath: string;
  format: StructureFormat;
  atomCount: number;
  /** Element symbol per type; type t (1-based, as LAMMPS counts) is typeElements[t − 1]. */
  typeElements: string[];
  /** Atoms per element symbol. */
  composition: Record<string, number>;
  cell: Cell;
  triclinic: boolean;
  /** Frame that was imported (dumps) with its timestep, when the source had one. */
  timestep: number | null;
  createdAt: string;
  /** The job that made it (import, simulate …), null when it came from elsewhere. */
  jobId: number | null;
  /** Notes from the import, e.g. how many atoms were wrapped into the periodic box. */
  notes: string[];
  /** How the structure was made when the app made it (a simulate job); null for imported files. */
  provenance: StructureProvenance | null;
}

/** A JSON record of how a structure was made (see SimulationProvenance in simulation.ts for simulate jobs). */
export interface StructureProvenance {
  kind: string;
  [key: string]: unknown;
}

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** What a job read or made: project rows by id ('dataset', 'model', 'prediction' too), or files by path. */
export const ARTIFACT_KINDS = ['structure', 'label-set', 'file', 'dataset', 'model', 'prediction', 'sweep', 'map'] as const;

export interface ArtifactRef {
  kind: (typeof ARTIFACT_KINDS)[number];
  id: number | string;
}

export interface JobSummary {
  id: number;
  kind: string;
  params: unknown;
  state: JobState;
  /** 0 … 1, or null while the worker has not said. */
  progress: number | null;
  message: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  logTail: string[];
  error: string | null;
  inputs: ArtifactRef[];
  outputs: ArtifactRef[];
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  createdAt: string;
}

export interface Settings {
  /** The LAMMPS executable (Debian's `lmp`, or the user's MPI/GPU build). */
  lmpPath: string;
  /** The Python that has torch and torchvision (Debian's /usr/bin/python3, or the user's CUDA environment). */
  python3Path: string;
}

/** The settings that name a program SSRO Studio runs (an engine). */
export const ENGINE_SETTINGS = ['lmpPath', 'python3Path'] as const;
export type EngineSetting = (typeof ENGINE_SETTINGS)[number];

/** The settings as stored, and which stored engine paths this machine's user has not confirmed (they are not run). */
export interface SettingsState extends Settings {
  unconfirmed: EngineSetting[];
}

export interface EngineStatus {
  name: 'lammps' | 'pytorch' | 'chromium';
  available: boolean;
  detail: string;
  /** What is disabled while this engine is missing. */
  disables: string;
}

/** Atoms as the viewer needs them: float32 positions (Å), per-atom species index into `elements`, and the cell. */
export interface AtomFrame {
  count: number;
  positions: Float32Array;
  speciesIndex: Uint8Array;
  elements: string[];
  cell: Cell;
}

/** What a label run found, small enough to list: means, class counts, most frequent motifs, timings. */
export interface LabelSummary {
  atomCount: number;
  dMean: number;
  dStd: number;
  oneMinusQ6Mean: number;
  cnaCounts: Record<string, number>;
  voronoiClassCounts: Record<string, number>;
  /** Most frequent Voronoi indices ⟨n3,n4,n5,n6⟩ with their counts, most frequent first. */
  topMotifs: { index: [number, number, number, number]; count: number }[];
  /** Atoms whose Voronoi cell could not be built cleanly (their Voronoi values are not meaningful). */
  flaggedAtoms: number;
  seconds: Record<string, number>;
}

export interface LabelSetSummary {
  id: number;
  structureId: number;
  params: { edgeThresholdA: number; cna: { mode: 'adaptive' } | { mode: 'cutoff'; cutoffA: number } };
  summary: LabelSummary;
  createdAt: string;
  jobId: number | null;
}

export interface DatasetSummary {
  id: number;
  name: string;
  /** 'building' until every sample is written; a building dataset can be resumed, not exported. */
  state: 'building' | 'complete';
  sampleCount: number;
  doneCount: number;
  recipe: unknown;
  summary: Record<string, unknown>;
  createdAt: string;
  jobId: number | null;
  sources: { structureId: number; labelSetId: number }[];
}
