/**
 * Train/validation splits of simulated NBED probes that keep the two sides from seeing the same atoms.
 *
 * Neighbouring probes of a scan overlap (a 5 Å-radius cylinder every 1–2.5 Å shares most of its atoms with the next
 * one), so a random split over probes validates on atoms the model trained on, and its validation error is
 * optimistic (Roberts et al., "Cross-validation strategies for data with temporal, spatial, hierarchical, or
 * phylogenetic structure", Ecography 40, 913 (2017): block the data and leave a buffer between blocks).
 *
 * Blocked split, per structure: one contiguous validation slab along a Cartesian axis a, of width validationFraction ×
 * the structure's length along a, at a seeded position. A probe is validation when its centre lies in the slab. A
 * probe trains only when, for every validation probe, the (periodic) distance along a between the two centres exceeds
 * e_train + e_val + guard, where e is the probe's half-extent along a: every atom a probe sees lies within e of its
 * centre along a (probes.ts takes, for each atom, an image inside the volume centred on the centre), and periodic
 * images differ by whole periods, so two probes farther apart than e₁ + e₂ (modulo the period) can share no atom.
 * The remaining probes are excluded (−1). Extents: cylinder with axis w (the zone), radius r, height h centred on the
 * centre: e = r·√(1 − (a·w)²) + (h/2)|a·w|; ellipsoid with semi-axes A, B, C along u, v, w: e = ‖(A a·u, B a·v, C a·w)‖
 * (its support function); a one-layer cluster has no fixed volume, so its extent is measured per probe from the atoms
 * it holds (split-plan.ts). Probes of other zones and shapes in the same structure are handled by the same rule,
 * since it works on extents.
 *
 * Leave-structure-out: every probe of the named structures validates, the others train.
 */
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { splitTitle, type SplitAxis, type SplitCounts, type SplitInfo, type SplitKind, type SplitStructureInfo } from '../../../main/shared/splits';
import { REGION_KINDS } from '../analysis/regions';
import { zoneBasis } from '../diffraction/pattern-grid';
import { mulberry32, randomSplit } from './random-split';

/** A split that cannot be made as asked; the message says why and what to do. */
export class SplitRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitRefused';
  }
}

const AXIS_VECTORS: Record<SplitAxis, Vec3> = { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] };
const AXIS_INDEX: Record<SplitAxis, 0 | 1 | 2> = { x: 0, y: 1, z: 2 };

function dot(a: readonly number[], b: readonly number[]): number {
  return (a[0] as number) * (b[0] as number) + (a[1] as number) * (b[1] as number) + (a[2] as number) * (b[2] as number);
}

/**
 * Half-extent (Å) along `axis` of a probe volume centred on its centre; null for a one-layer cluster (no fixed
 * volume: measure it from the probe's atoms).
 */
export function probeHalfExtentA(shape: ProbeShape, zone: ZoneAxis, axis: SplitAxis): number | null {
  const { u, v, w } = zoneBasis(zone);
  const a = AXIS_VECTORS[axis];
  if (shape.kind === 'cylinder') {
    const along = Math.min(1, Math.abs(dot(a, w)));
    return shape.radiusA * Math.sqrt(Math.max(0, 1 - along * along)) + (shape.heightA / 2) * along;
  }
  if (shape.kind === 'ellipsoid') {
    const [p, q, r] = shape.semiAxesA;
    return Math.hypot(p * dot(a, u), q * dot(a, v), r * dot(a, w));
  }
  return null;
}

/** True when `axis` is perpendicular to the zone direction (within rounding). */
export function axisPerpendicularToZone(axis: SplitAxis, zone: ZoneAxis): boolean {
  return Math.abs(dot(AXIS_VECTORS[axis], zoneBasis(zone).w)) < 1e-9;
}

export function zoneName(zone: ZoneAxis): string {
  return typeof zone === 'string' ? zone : `[${zone.join(' ')}]`;
}

/** A structure's extent along an axis: periodic with one period, or a bounded interval [lowA, lowA + lengthA]. */
export interface AxisSpan {
  periodic: boolean;
  lowA: number;
  lengthA: number;
}

/**
 * The structure's length along `axis`. Periodic when a periodic cell vector has a component along it; then exactly one
 * may (the others must lie perpendicular to the axis), so that periodic images repeat along the axis with one period.
 * Otherwise the cell's projection onto the axis (no wrap).
 */
export function axisSpan(cell: Cell, axis: SplitAxis, what: string): AxisSpan {
  const k = AXIS_INDEX[axis];
  const vectors = [cell.a, cell.b, cell.c];
  const scale = Math.max(...vectors.map((v) => Math.hypot(...v)));
  const tol = 1e-9 * scale;
  const periodicAlong = [0, 1, 2].filter((i) => cell.pbc[i] === true && Math.abs((vectors[i] as Vec3)[k]) > tol);
  if (periodicAlong.length > 1) {
    throw new SplitRefused(
      `${what}: periodic cell vectors ${periodicAlong.map((i) => 'abc'[i]).join(' and ')} both have a component along ${axis} ` +
        `(a tilted cell), so its images do not repeat along ${axis} with one period; choose another --split-axis or --split structure`,
    );
  }
  if (periodicAlong.length === 1) {
    const i = periodicAlong[0] as number;
    return { periodic: true, lowA: cell.origin[k], lengthA: Math.abs((vectors[i] as Vec3)[k]) };
  }
  let low = cell.origin[k];
  let length = 0;
  for (const v of vectors) {
    if (v[k] < 0) low += v[k];
    length += Math.abs(v[k]);
  }
  if (!(length > 0)) throw new SplitRefused(`${what}: the cell has no length along ${axis}; choose another --split-axis`);
  return { periodic: false, lowA: low, lengthA: length };
}

/**
 * The automatic axis: perpendicular to every zone (a probe is narrowest across its zone axis) and to the region axis
 * (slabs along the region axis would put whole regions on one side). Among several, the one along which the
 * shortest structure is longest.
 */
export function chooseSplitAxis(zones: readonly ZoneAxis[], regionAxis: SplitAxis | null, lengthOf: (axis: SplitAxis) => number): SplitAxis {
  return splitAxisCandidates(zones, regionAxis, lengthOf)[0] as SplitAxis;
}

/**
 * The axes an automatic choice may take, best first (see chooseSplitAxis); refuses when there is none. A caller may
 * fall back to the next when the best cannot block (e.g. a strip scan has no spread across it).
 */
export function splitAxisCandidates(zones: readonly ZoneAxis[], regionAxis: SplitAxis | null, lengthOf: (axis: SplitAxis) => number): SplitAxis[] {
  const candidates = (['x', 'y', 'z'] as const).filter((a) => a !== regionAxis && zones.every((z) => axisPerpendicularToZone(a, z)));
  if (candidates.length === 0) {
    const zonesText = zones.map(zoneName).join(', ');
    throw new SplitRefused(
      `no axis is perpendicular to every zone (${zonesText})${regionAxis ? ` and to the region axis ${regionAxis}` : ''}, so none can be chosen automatically; ` +
        'give --split-axis x, y or z (slabs along a zone axis exclude more probes, along the region axis leave regions out of validation), or use --split structure',
    );
  }
  const lengths = new Map(candidates.map((a) => [a, lengthOf(a)]));
  // Stable: equal lengths keep x, y, z order.
  return [...candidates].sort((p, q) => (lengths.get(q) as number) - (lengths.get(p) as number));
}

/** Per-pattern facts a split needs (from meta.npy), optionally restricted to a subset (a sweep cell's probe). */
export interface SplitSamples {
  count: number;
  /** Per pattern: index into `structures`. */
  structure: Int32Array;
  /** Per pattern: centre x y z (Å), interleaved. */
  centreA: Float64Array;
  /** Per pattern: region code (REGION_KINDS index, −1 unknown). */
  region: Int32Array;
  /** 1 = the pattern takes part; others get −1 and are not counted (default: all take part). */
  include?: Uint8Array;
}

export interface SplitStructure {
  id: number;
  name: string;
}

export interface SplitPlan {
  /** Per pattern: 0 train, 1 validation, −1 excluded or not taking part. */
  split: Int8Array;
  info: SplitInfo;
}

export interface BlockedOptions {
  axis: SplitAxis;
  axisAuto: boolean;
  guardA: number;
  validationFraction: number;
  seed: number;
  /** Per structure: its span along the axis. */
  spans: AxisSpan[];
  /** Per pattern: the probe's half-extent along the axis (Å). */
  extentA: Float64Array;
}

const emptyCounts = (): SplitCounts => ({ train: 0, validation: 0, excluded: 0 });

function bump(counts: SplitCounts, code: number): void {
  if (code === 0) counts.train++;
  else if (code === 1) counts.validation++;
  else counts.excluded++;
}

function checkFraction(f: number): void {
  if (!(f > 0 && f < 1)) throw new SplitRefused(`the validation fraction must lie between 0 and 1 (got ${f})`);
}

/** Counts per structure and region, and the dataset-wide ones. */
function tally(samples: SplitSamples, structures: readonly SplitStructure[], split: Int8Array): { counts: SplitCounts; regions: Record<string, SplitCounts>; perStructure: SplitStructureInfo[] } {
  const counts = emptyCounts();
  const regions: Record<string, SplitCounts> = {};
  const perStructure: SplitStructureInfo[] = structures.map((s, index) => ({ index, id: s.id, name: s.name, counts: emptyCounts(), regions: {} }));
  for (let i = 0; i < samples.count; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    const code = split[i] as number;
    const s = perStructure[samples.structure[i] as number];
    if (!s) throw new Error(`pattern ${i} refers to structure ${samples.structure[i]}, which the dataset does not list`);
    bump(counts, code);
    bump(s.counts, code);
    const kind = REGION_KINDS[samples.region[i] as number];
    if (kind !== undefined) {
      bump((regions[kind] ??= emptyCounts()), code);
      bump((s.regions[kind] ??= emptyCounts()), code);
    }
  }
  return { counts, regions, perStructure };
}

/** Every region that has probes must have validation probes. */
function requireRegionsValidated(regions: Record<string, SplitCounts>, advice: string): void {
  for (const [kind, c] of Object.entries(regions)) {
    if (c.validation === 0) {
      throw new SplitRefused(`the split leaves region ${kind} with no validation probe (${c.train} train, ${c.excluded} excluded); ${advice}`);
    }
  }
}

/** Positions of one group of validation probes (equal extent) along the axis, sorted, for nearest-distance queries. */
interface ValidationGroup {
  extentA: number;
  positions: Float64Array;
}

/** Distance along the axis from x to the nearest of the sorted positions (periodic with `period` when given). */
function nearestDistance(sorted: Float64Array, x: number, period: number | null): number {
  const n = sorted.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  const candidates = [lo - 1, lo];
  if (period !== null) candidates.push(0, n - 1);
  let best = Infinity;
  for (const c of candidates) {
    if (c < 0 || c >= n) continue;
    let d = Math.abs((sorted[c] as number) - x);
    if (period !== null) d = Math.min(d, period - d);
    if (d < best) best = d;
  }
  return best;
}

/** Rounds extents up onto a 1/64 Å grid so probes with (nearly) equal extents share a group; conservative. */
const groupExtent = (e: number): number => Math.ceil(e * 64) / 64;

/** The blocked split; see the file comment. */
export function blockedSplit(samples: SplitSamples, structures: readonly SplitStructure[], options: BlockedOptions): SplitPlan {
  const { axis, guardA, validationFraction, seed, spans, extentA } = options;
  checkFraction(validationFraction);
  if (!(guardA >= 0) || !Number.isFinite(guardA)) throw new SplitRefused(`the split guard must be a number of Å ≥ 0 (got ${guardA})`);
  const k = AXIS_INDEX[axis];
  const n = samples.count;
  const split = new Int8Array(n).fill(-1);
  const members: number[][] = structures.map(() => []);
  for (let i = 0; i < n; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    const s = samples.structure[i] as number;
    const list = members[s];
    if (!list) throw new Error(`pattern ${i} refers to structure ${s}, which the dataset does not list`);
    list.push(i);
  }
  const random = mulberry32(seed);
  const slabs: ({ startA: number; endA: number } | null)[] = [];
  const extentRange: ({ min: number; max: number } | null)[] = [];
  structures.forEach((structure, s) => {
    // One draw per structure, in order, whether or not it has probes here: a structure's slab does not depend on the others.
    const draw = random();
    const list = members[s] as number[];
    if (list.length === 0) {
      slabs.push(null);
      extentRange.push(null);
      return;
    }
    const span = spans[s];
    if (!span) throw new Error(`no span along ${axis} for structure ${structure.id}`);
    const L = span.lengthA;
    const width = validationFraction * L;
    const period = span.periodic ? L : null;
    const startA = span.periodic ? span.lowA + draw * L : span.lowA + draw * (L - width);
    slabs.push({ startA, endA: startA + width });
    const reduce = (x: number): number => (period === null ? x : x - Math.floor((x - span.lowA) / L) * L);
    const inSlab = (x: number): boolean => {
      const offset = period === null ? x - startA : ((((x - startA) % L) + L) % L);
      return offset >= 0 && offset < width;
    };
    const groups = new Map<number, number[]>();
    let eMin = Infinity;
    let eMax = -Infinity;
    for (const i of list) {
      const x = samples.centreA[3 * i + k] as number;
      const e = extentA[i] as number;
      if (!(e >= 0)) throw new Error(`pattern ${i}: probe extent ${e}`);
      eMin = Math.min(eMin, e);
      eMax = Math.max(eMax, e);
      if (inSlab(x)) {
        split[i] = 1;
        const g = groupExtent(e);
        const at = groups.get(g) ?? [];
        at.push(reduce(x));
        groups.set(g, at);
      }
    }
    extentRange.push({ min: eMin, max: eMax });
    const validation: ValidationGroup[] = [...groups].map(([e, xs]) => ({ extentA: e, positions: Float64Array.from(xs).sort() }));
    let validationCount = 0;
    let trainCount = 0;
    for (const i of list) {
      if (split[i] === 1) {
        validationCount++;
        continue;
      }
      const x = reduce(samples.centreA[3 * i + k] as number);
      const e = extentA[i] as number;
      const clear = validation.every((g) => nearestDistance(g.positions, x, period) > e + g.extentA + guardA);
      if (clear) {
        split[i] = 0;
        trainCount++;
      }
    }
    const where = `structure ${structure.id} (${structure.name})`;
    const slabText = `${round2(width)} Å slab along ${axis} (of ${round2(L)} Å${span.periodic ? ', periodic' : ''})`;
    if (validationCount === 0) {
      throw new SplitRefused(
        `${where}: the ${slabText} holds no probe centre, so this structure would have no validation probe; use a larger --validation-fraction or another --split-axis`,
      );
    }
    if (trainCount === 0) {
      const needed = width + 2 * (eMin + eMax) + 2 * guardA;
      throw new SplitRefused(
        `${where}: no probe can train — every probe outside the ${slabText} lies within its own extent plus a validation probe's ` +
          `(${round2(eMin)}–${round2(eMax)} Å each)${guardA > 0 ? ` plus the ${guardA} Å guard` : ''} of a validation probe; blocking needs ` +
          `more than about ${round2(needed)} Å along ${axis}${list.length === 1 ? ' and more than one probe' : ''}. ` +
          'Use a larger (replicated) cell, smaller probes, a smaller --validation-fraction or --split-guard, another --split-axis, or --split structure',
      );
    }
  });
  const { counts, regions, perStructure } = tally(samples, structures, split);
  perStructure.forEach((s, index) => {
    const slab = slabs[index];
    const span = spans[index];
    const range = extentRange[index];
    if (slab && span && range) {
      s.lengthA = span.lengthA;
      s.periodic = span.periodic;
      s.slab = span.periodic ? { startA: slab.startA, endA: slab.endA > span.lowA + span.lengthA ? slab.endA - span.lengthA : slab.endA } : slab;
      s.extentA = range;
    }
  });
  requireRegionsValidated(regions, `slabs along ${axis} miss it; choose --split-axis perpendicular to the region axis or a larger --validation-fraction`);
  const info = {
    kind: 'blocked' as SplitKind,
    seed,
    validationFraction,
    axis,
    axisAuto: options.axisAuto,
    guardA,
    holdoutStructures: [],
    counts,
    regions,
    structures: perStructure,
  };
  return { split, info: { ...info, label: splitTitle(info) } };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Leave-structure-out: the probes of `holdout` (structure ids) validate, the rest train. */
export function structureSplit(samples: SplitSamples, structures: readonly SplitStructure[], holdout: readonly number[], seed: number): SplitPlan {
  const listing = structures.map((s) => `${s.id} ${s.name}`).join(', ');
  if (structures.length < 2) {
    throw new SplitRefused(`leave-structure-out needs a dataset of two or more structures; this one has only ${listing}; use --split blocked`);
  }
  if (holdout.length === 0) throw new SplitRefused(`leave-structure-out needs --holdout-structure ID (this dataset's structures: ${listing})`);
  for (const id of holdout) {
    if (!structures.some((s) => s.id === id)) throw new SplitRefused(`structure ${id} is not in this dataset (its structures: ${listing})`);
  }
  if (structures.every((s) => holdout.includes(s.id))) throw new SplitRefused(`holding out every structure (${listing}) leaves nothing to train on; hold out fewer`);
  const held = new Set(holdout);
  const split = new Int8Array(samples.count).fill(-1);
  for (let i = 0; i < samples.count; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    const s = structures[samples.structure[i] as number];
    if (!s) throw new Error(`pattern ${i} refers to structure ${samples.structure[i]}, which the dataset does not list`);
    split[i] = held.has(s.id) ? 1 : 0;
  }
  const { counts, regions, perStructure } = tally(samples, structures, split);
  for (const s of perStructure) {
    if (held.has(s.id) && s.counts.validation === 0) throw new SplitRefused(`structure ${s.id} (${s.name}) has no probes here to validate on; hold out another structure`);
  }
  if (counts.train === 0) throw new SplitRefused('the structures left for training have no probes here; hold out fewer structures');
  requireRegionsValidated(regions, 'the held-out structures do not contain it; hold out a structure that has it too, or use --split blocked');
  const info = {
    kind: 'structure' as SplitKind,
    seed,
    validationFraction: counts.validation / Math.max(counts.train + counts.validation, 1),
    axis: null,
    axisAuto: false,
    guardA: null,
    holdoutStructures: [...holdout],
    counts,
    regions,
    structures: perStructure,
  };
  return { split, info: { ...info, label: splitTitle(info) } };
}

/** The seeded random split over all patterns (random-split.ts), restricted to the included ones. */
export function randomSplitPlan(samples: SplitSamples, structures: readonly SplitStructure[], seed: number, validationFraction: number): SplitPlan {
  checkFraction(validationFraction);
  const base = randomSplit(samples.count, { seed, validationFraction }).split;
  const split = new Int8Array(samples.count).fill(-1);
  for (let i = 0; i < samples.count; i++) {
    if (samples.include && samples.include[i] !== 1) continue;
    split[i] = base[i] as number;
  }
  const { counts, regions, perStructure } = tally(samples, structures, split);
  const info = { kind: 'random' as SplitKind, seed, validationFraction, axis: null, axisAuto: false, guardA: null, holdoutStructures: [], counts, regions, structures: perStructure };
  return { split, info: { ...info, label: splitTitle(info) } };
}
