/**
 * Live NBED for the GUI and dataset browsing: one probe's pattern with its radial profile and label, the scan
 * positions a recipe would use, and per-sample metadata and patterns of a stored dataset (random access).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZoneAxis } from '../../shared/diffraction';
import type { Vec3 } from '../../shared/domain';
import { ApiError, type ParsedRequest, type Response } from '../../shared/ipc-contract';
import { planDataset } from '../../../native-workers/lib/datasets/dataset-plan';
import { DONE_FILE, META_COLUMNS, META_FILE, readDatasetManifest, readPattern } from '../../../native-workers/lib/datasets/pattern-store';
import { NbedSimulator } from '../../../native-workers/lib/diffraction/nbed-simulator';
import { speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { readLabelArrays } from '../../../native-workers/lib/labels/label-store';
import { readNpy } from '../../../native-workers/lib/npy';
import { readScatteringFactors, type ScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { readStructureFolder } from '../../../native-workers/lib/structure-store';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { resourcesDir } from '../paths';
import type { Project } from '../project/project';

let factorsCache: ScatteringFactors | null = null;
function electronFactors(): ScatteringFactors {
  factorsCache ??= readScatteringFactors('electron', path.join(resourcesDir, 'elements', 'electron-scattering-factors-peng1996.json'));
  return factorsCache;
}

/** The last structure and d array read: a user moving a probe around asks for the same ones again and again. */
let structureCache: { dir: string; structure: ParsedStructure } | null = null;
let dCache: { dir: string; d: Float64Array } | null = null;

function structureAt(dir: string): ParsedStructure {
  if (structureCache?.dir !== dir) structureCache = { dir, structure: readStructureFolder(dir) };
  return structureCache.structure;
}

function dAt(dir: string): Float64Array {
  if (dCache?.dir !== dir) dCache = { dir, d: readLabelArrays(dir).d };
  return dCache.d;
}

/** Mean intensity in rings of width Δk, from the centre out to kmax. */
function radialProfile(raw: Float64Array, side: number, deltaKInvA: number, kmaxInvA: number): { kInvA: number[]; mean: number[] } {
  const n = (side - 1) / 2;
  const rings = Math.floor(kmaxInvA / deltaKInvA) + 1;
  const sum = new Float64Array(rings);
  const count = new Float64Array(rings);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const ring = Math.round(Math.hypot(col - n, row - n));
      if (ring >= rings || ring * deltaKInvA >= kmaxInvA) continue;
      sum[ring] = (sum[ring] ?? 0) + (raw[row * side + col] ?? 0);
      count[ring] = (count[ring] ?? 0) + 1;
    }
  }
  const kInvA: number[] = [];
  const mean: number[] = [];
  for (let r = 0; r < rings; r++) {
    if ((count[r] ?? 0) === 0) continue;
    kInvA.push(r * deltaKInvA);
    mean.push((sum[r] ?? 0) / (count[r] ?? 1));
  }
  return { kInvA, mean };
}

export function previewPattern(project: Project, req: ParsedRequest<'diffraction.preview'>): Response<'diffraction.preview'> {
  if (project.structures.find(req.structureId) === null) throw new ApiError('not-found', `structure ${req.structureId} does not exist in this project`);
  const structure = structureAt(project.structures.folder(req.structureId));
  const { elements, species } = speciesOf(structure);
  const t0 = performance.now();
  let pattern;
  let simulator: NbedSimulator;
  try {
    simulator = new NbedSimulator(
      { positions: structure.positions, cell: structure.cell, ids: structure.ids, species, elements },
      {
        shape: req.probe,
        zone: req.zone as ZoneAxis,
        grid: { kmaxInvA: req.kmaxInvA, deltaKInvA: req.deltaKInvA },
        factors: electronFactors(),
        ...(req.beamEnergyKeV !== null ? { beamEnergyKeV: req.beamEnergyKeV } : {}),
      },
    );
    pattern = simulator.patternAt(req.center as Vec3);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  let dMean: number | null = null;
  if (req.labelSetId !== undefined) {
    const set = project.labels.find(req.labelSetId);
    if (set === null || set.structureId !== req.structureId) throw new ApiError('not-found', `label set ${req.labelSetId} is not a label set of structure ${req.structureId}`);
    const d = dAt(project.labels.folder(req.labelSetId));
    let sum = 0;
    for (const i of pattern.indices) sum += d[i] ?? 0;
    dMean = sum / pattern.indices.length;
  }
  const side = simulator.side;
  return {
    header: {
      side,
      kmaxInvA: req.kmaxInvA,
      deltaKInvA: req.deltaKInvA,
      atoms: pattern.indices.length,
      dMean,
      radial: radialProfile(pattern.pattern, side, req.deltaKInvA, req.kmaxInvA),
      seconds: (performance.now() - t0) / 1000,
    },
    values: Float32Array.from(pattern.pattern),
  };
}

export function scanPreview(
  project: Project,
  req: ParsedRequest<'datasets.scanPreview'>,
  validate: (project: Project, recipe: ParsedRequest<'datasets.scanPreview'>) => unknown,
): Response<'datasets.scanPreview'> {
  validate(project, req);
  const cells = req.sources.map((s) => structureAt(project.structures.folder(s.structureId)).cell);
  const plan = planDataset(req, cells);
  return {
    sampleCount: plan.sampleCount,
    blocks: plan.blocks.map((b) => ({
      structureId: req.sources[b.source]?.structureId ?? 0,
      zone: b.zone,
      probe: b.probe,
      centres: Array.from(b.scan.centresA),
    })),
  };
}

function datasetDir(project: Project, datasetId: number): string {
  if (project.datasets.find(datasetId) === null) throw new ApiError('not-found', `dataset ${datasetId} does not exist in this project`);
  const dir = project.datasets.folder(datasetId);
  if (!fs.existsSync(path.join(dir, 'dataset.json'))) throw new ApiError('invalid-request', `dataset ${datasetId} has no samples yet`);
  return dir;
}

export function datasetSamples(project: Project, req: ParsedRequest<'datasets.samples'>): Response<'datasets.samples'> {
  const dir = datasetDir(project, req.datasetId);
  const manifest = readDatasetManifest(dir);
  const meta = readNpy(path.join(dir, META_FILE)).data as Float64Array;
  const done = readNpy(path.join(dir, DONE_FILE)).data as Uint8Array;
  const c = META_COLUMNS.length;
  const col = (name: string): number => META_COLUMNS.indexOf(name);
  const n = manifest.sampleCount;
  const pick = (name: string): number[] => Array.from({ length: n }, (_, i) => meta[i * c + col(name)] ?? NaN);
  const isDone = Array.from(done, (v) => v === 1);
  return {
    count: n,
    side: manifest.side,
    done: isDone,
    meanD: pick('d_mean').map((v, i) => (isDone[i] && Number.isFinite(v) ? v : null)),
    region: pick('region').map((v, i) => (isDone[i] && v >= 0 ? v : null)),
    atoms: pick('atoms'),
    centre: Array.from({ length: 3 * n }, (_, k) => meta[Math.floor(k / 3) * c + col('centre_x_A') + (k % 3)] ?? NaN),
    structure: pick('structure'),
    zone: pick('zone'),
    probe: pick('probe'),
  };
}

export function datasetPattern(project: Project, req: ParsedRequest<'datasets.pattern'>): Response<'datasets.pattern'> {
  const dir = datasetDir(project, req.datasetId);
  const manifest = readDatasetManifest(dir);
  if (req.index >= manifest.sampleCount) throw new ApiError('invalid-request', `dataset ${req.datasetId} has ${manifest.sampleCount} samples; index ${req.index} is out of range`);
  return {
    header: { side: manifest.side, index: req.index, kmaxInvA: manifest.grid.kmaxInvA, deltaKInvA: manifest.grid.deltaKInvA },
    values: readPattern(dir, req.index),
  };
}
