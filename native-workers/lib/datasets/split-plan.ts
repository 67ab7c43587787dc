/**
 * Plans the train/validation split of a dataset folder (blocked-split.ts does the geometry) and writes it: split.npy
 * (int8 per pattern: 0 train, 1 validation, −1 excluded; what ssro_torch.train reads) and split.json beside it (the
 * split record, SplitInfo). The structures' cells come from the caller (the project's structure folders), since a
 * dataset folder records only which structures it was built from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cell } from '../../../main/shared/domain';
import { parseSplitInfo, SPLIT_AXES, type SplitAxis, type SplitInfo, type SplitRequest } from '../../../main/shared/splits';
import { ProbeSelector, type ProbeStructure } from '../diffraction/probes';
import { readNpy, writeNpy } from '../npy';
import { axisSpan, blockedSplit, probeHalfExtentA, splitAxisCandidates, randomSplitPlan, SplitRefused, structureSplit, type AxisSpan, type SplitPlan, type SplitSamples } from './blocked-split';
import { META_COLUMNS, PatternReader, type DatasetManifest } from './pattern-store';

export { SplitRefused, type SplitPlan } from './blocked-split';

/** A dataset structure's geometry: its cell, and its atoms when a probe's extent must be measured (one-layer clusters). */
export interface SplitStructureSource {
  cell: Cell;
  atoms: () => ProbeStructure;
}

export interface DatasetSplitOptions {
  /** The dataset's split seed (its recipe's; 42 by default). */
  seed: number;
  /** Loads structure `id` of the project (throws with a message when it is gone). */
  loadStructure: (id: number) => SplitStructureSource;
  /** Only the patterns of this probe shape (index into the dataset's probes) take part: a sweep cell. */
  probe?: number;
}

/** The region axis a dataset's recipe labels regions along, if any. */
export function regionAxisOf(manifest: DatasetManifest): SplitAxis | null {
  const recipe = manifest.recipe;
  if (typeof recipe !== 'object' || recipe === null || !('regionAxis' in recipe)) return null;
  const axis = (recipe as { regionAxis: unknown }).regionAxis;
  return SPLIT_AXES.find((a) => a === axis) ?? null;
}

function samplesOf(manifest: DatasetManifest, meta: Float64Array, probe: number | undefined): SplitSamples & { zone: Int32Array; probe: Int32Array } {
  const n = manifest.sampleCount;
  const C = META_COLUMNS.length;
  const col = (name: string): number => META_COLUMNS.indexOf(name);
  const [cs, cx, cz, cp, cr] = [col('structure'), col('centre_x_A'), col('zone'), col('probe'), col('region')];
  const structure = new Int32Array(n);
  const centreA = new Float64Array(3 * n);
  const zone = new Int32Array(n);
  const probeOf = new Int32Array(n);
  const region = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    structure[i] = meta[i * C + cs] as number;
    for (let k = 0; k < 3; k++) centreA[3 * i + k] = meta[i * C + cx + k] as number;
    zone[i] = meta[i * C + cz] as number;
    probeOf[i] = meta[i * C + cp] as number;
    const r = meta[i * C + cr] as number;
    region[i] = Number.isFinite(r) ? r : -1;
  }
  const samples: SplitSamples & { zone: Int32Array; probe: Int32Array } = { count: n, structure, centreA, region, zone, probe: probeOf };
  if (probe !== undefined) samples.include = Uint8Array.from(probeOf, (p) => (p === probe ? 1 : 0));
  return samples;
}

/**
 * Each pattern's probe half-extent along `axis`: from the probe's shape and zone, or for one-layer clusters measured
 * from the atoms the probe holds (the same selection the simulator uses).
 */
function extentsAlong(axis: SplitAxis, manifest: DatasetManifest, samples: ReturnType<typeof samplesOf>, sources: (() => SplitStructureSource)[]): Float64Array {
  const k = SPLIT_AXES.indexOf(axis);
  const fixed = manifest.zones.map((zone) => manifest.probes.map((shape) => probeHalfExtentA(shape, zone, axis)));
  const selectors = new Map<string, ProbeSelector>();
  const extent = new Float64Array(samples.count);
  for (let i = 0; i < samples.count; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    const z = samples.zone[i] as number;
    const p = samples.probe[i] as number;
    const e = fixed[z]?.[p];
    if (e === undefined) throw new Error(`pattern ${i} refers to zone ${z} or probe ${p}, which the dataset does not list`);
    if (e !== null) {
      extent[i] = e;
      continue;
    }
    const s = samples.structure[i] as number;
    const key = `${s}:${z}:${p}`;
    let selector = selectors.get(key);
    if (!selector) {
      const source = sources[s];
      if (!source) throw new Error(`pattern ${i} refers to structure ${s}, which the dataset does not list`);
      selector = new ProbeSelector(source().atoms(), manifest.probes[p] as { kind: 'cluster' }, manifest.zones[z] as ProbeSelector['zone']);
      selectors.set(key, selector);
    }
    const { relative } = selector.select([samples.centreA[3 * i] as number, samples.centreA[3 * i + 1] as number, samples.centreA[3 * i + 2] as number]);
    let max = 0;
    for (let a = k; a < relative.length; a += 3) max = Math.max(max, Math.abs(relative[a] as number));
    // A hair more than the farthest atom, so rounding never lets a training probe touch it.
    extent[i] = max * (1 + 1e-9) + 1e-9;
  }
  return extent;
}

/** How far the included probe centres spread along each axis (Å, rounded to 0.1 Å so near-equal spreads tie). */
function centreSpread(samples: SplitSamples): Record<SplitAxis, number> {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < samples.count; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    for (let k = 0; k < 3; k++) {
      const x = samples.centreA[3 * i + k] as number;
      lo[k] = Math.min(lo[k] as number, x);
      hi[k] = Math.max(hi[k] as number, x);
    }
  }
  const spread = (k: number): number => (hi[k] === -Infinity ? 0 : Math.round(((hi[k] as number) - (lo[k] as number)) * 10) / 10);
  return { x: spread(0), y: spread(1), z: spread(2) };
}

/** The split of the dataset in `dir` that `request` asks for; refusals are SplitRefused with what to do. */
export function planDatasetSplit(dir: string, request: SplitRequest, options: DatasetSplitOptions): SplitPlan {
  const reader = PatternReader.open(dir);
  let manifest: DatasetManifest;
  let meta: Float64Array;
  try {
    manifest = reader.manifest;
    meta = reader.readMeta();
  } finally {
    reader.close();
  }
  const samples = samplesOf(manifest, meta, options.probe);
  const structures = manifest.structures.map((s) => ({ id: s.id, name: s.name }));
  let plan: SplitPlan;
  if (request.split === 'random') {
    plan = randomSplitPlan(samples, structures, options.seed, request.validationFraction);
  } else if (request.split === 'structure') {
    plan = structureSplit(samples, structures, request.holdoutStructures, options.seed);
  } else {
    const cache = new Map<number, SplitStructureSource>();
    const sources = manifest.structures.map((s) => () => {
      let source = cache.get(s.id);
      if (!source) {
        source = options.loadStructure(s.id);
        cache.set(s.id, source);
      }
      return source;
    });
    const spanCache = new Map<SplitAxis, AxisSpan[]>();
    const spans = (axis: SplitAxis): AxisSpan[] => {
      let list = spanCache.get(axis);
      if (!list) {
        list = manifest.structures.map((s, index) => axisSpan((sources[index] as () => SplitStructureSource)().cell, axis, `structure ${s.id} (${s.name})`));
        spanCache.set(axis, list);
      }
      return list;
    };
    const blockAlong = (axis: SplitAxis, axisAuto: boolean): SplitPlan =>
      blockedSplit(samples, structures, {
        axis,
        axisAuto,
        guardA: request.splitGuardA,
        validationFraction: request.validationFraction,
        seed: options.seed,
        spans: spans(axis),
        extentA: extentsAlong(axis, manifest, samples, sources),
      });
    if (request.splitAxis !== 'auto') {
      plan = blockAlong(request.splitAxis, false);
    } else {
      // Best first: the axis along which the probe centres spread most (a strip scan spreads along one axis
      // only), then the longest cells; the next candidate is tried when one cannot block.
      const spread = centreSpread(samples);
      const candidates = splitAxisCandidates(manifest.zones, regionAxisOf(manifest), (a) => {
        try {
          return spread[a] * 1e6 + Math.min(...spans(a).map((s) => s.lengthA));
        } catch (error) {
          if (error instanceof SplitRefused) return -Infinity;
          throw error;
        }
      });
      let first: unknown = null;
      let found: SplitPlan | null = null;
      for (const axis of candidates) {
        try {
          found = blockAlong(axis, true);
          break;
        } catch (error) {
          if (!(error instanceof SplitRefused)) throw error;
          first ??= error;
        }
      }
      if (found === null) throw first;
      plan = found;
    }
  }
  if (options.probe !== undefined) plan.info.probe = options.probe;
  return plan;
}

/** split.json beside split.npy: the split record. */
export function splitInfoFile(splitFile: string): string {
  return path.join(path.dirname(splitFile), `${path.basename(splitFile, '.npy')}.json`);
}

/** Writes split.npy (atomically) and its split.json record. */
export function writeSplitPlan(file: string, plan: SplitPlan): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeNpy(temp, plan.split, [plan.split.length]);
  fs.renameSync(temp, file);
  const infoFile = splitInfoFile(file);
  const infoTemp = `${infoFile}.${process.pid}.tmp`;
  fs.writeFileSync(infoTemp, `${JSON.stringify(plan.info, null, 2)}\n`);
  fs.renameSync(infoTemp, infoFile);
}

/** The split record beside a split file; null when there is none (splits written before records were kept: random). */
export function readSplitInfo(splitFile: string): SplitInfo | null {
  const file = splitInfoFile(splitFile);
  if (!fs.existsSync(file)) return null;
  return parseSplitInfo(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** A split file as int8 codes (0 train, 1 validation, −1 excluded); checks its length. */
export function readSplitFile(file: string, sampleCount: number): Int8Array {
  const { data } = readNpy(file);
  if (data.length !== sampleCount) throw new Error(`${file} holds ${data.length} entries, but the dataset has ${sampleCount} patterns`);
  return Int8Array.from(data as ArrayLike<number>, (v) => Number(v));
}
