/**
 * Live NBED for the GUI and dataset browsing: one probe's pattern with its radial profile and label, the scan
 * positions a recipe would use, and per-sample metadata and patterns of a stored dataset (random access).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZoneAxis } from '../../shared/diffraction';
import type { Vec3 } from '../../shared/domain';
import { ApiError, type ParsedRequest, type Response } from '../../shared/ipc-contract';
import { LimitExceeded, MAX_PREVIEW_CENTRES, MAX_PREVIEW_WORK } from '../../shared/limits';
import type { DatasetPlan } from '../../../native-workers/lib/datasets/dataset-plan';
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
    const probe = simulator.probe(req.center as Vec3);
    // The kinematic sum costs atoms × pixels; refuse before the work, not after minutes of a blocked app.
    const work = probe.indices.length * simulator.side * simulator.side;
    if (work > MAX_PREVIEW_WORK) {
      throw new LimitExceeded(
        `atoms × pattern pixels (${probe.indices.length.toLocaleString('en-US')} atoms, ${simulator.side} × ${simulator.side} pixels)`,
        work,
        MAX_PREVIEW_WORK,
        'use a smaller probe or a coarser k-grid (larger Δk or smaller kmax)',
      );
    }
    pattern = { ...probe, pattern: simulator.patternOf(probe) };
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

/**
 * Every rowStride-th row and colStride-th column of a rows × cols scan, at most `budget` centres: the thinned scan
 * still looks like the scan (a grid stays a grid), which a flat stride over row-major centres would not.
 */
export function scanThinning(rows: number, cols: number, budget: number): { rowStride: number; colStride: number } {
  if (rows * cols <= budget) return { rowStride: 1, colStride: 1 };
  const rowStride = Math.min(rows, Math.max(Math.ceil(Math.sqrt((rows * cols) / budget)), Math.ceil(rows / budget)));
  const keptRows = Math.ceil(rows / rowStride);
  const colStride = Math.ceil(cols / Math.max(1, Math.floor(budget / keptRows)));
  return { rowStride, colStride };
}

export function scanPreview(
  project: Project,
  req: ParsedRequest<'datasets.scanPreview'>,
  prepare: (project: Project, recipe: ParsedRequest<'datasets.scanPreview'>) => { plan: DatasetPlan },
): Response<'datasets.scanPreview'> {
  // The recipe's checks lay out the plan; reuse it rather than reading the structures and planning again.
  const { plan } = prepare(project, req);
  const structureOf = (source: number): number => req.sources[source]?.structureId ?? 0;
  // The probes of one structure and zone share a scan: its centres go once, thinned so all scans fit the bound.
  const scans = plan.blocks.filter((b) => b.probe === 0);
  const totalCentres = scans.reduce((sum, b) => sum + b.scan.descriptor.count, 0);
  return {
    sampleCount: plan.sampleCount,
    blocks: plan.blocks.map((b) => ({ structureId: structureOf(b.source), zone: b.zone, probe: b.probe, count: b.scan.descriptor.count })),
    scans: scans.map((b) => {
      const { count, rows, cols } = b.scan.descriptor;
      const budget = Math.max(1, Math.floor((MAX_PREVIEW_CENTRES * count) / totalCentres));
      const { rowStride, colStride } = scanThinning(rows, cols, budget);
      const centres: number[] = [];
      for (let row = 0; row < rows; row += rowStride) {
        for (let col = 0; col < cols; col += colStride) {
          const k = 3 * (row * cols + col);
          centres.push(b.scan.centresA[k] ?? NaN, b.scan.centresA[k + 1] ?? NaN, b.scan.centresA[k + 2] ?? NaN);
        }
      }
      return { structureId: structureOf(b.source), zone: b.zone, count, rows, cols, rowStride, colStride, centres };
    }),
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
