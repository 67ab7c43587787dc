/**
 * Grain / amorphous-crystalline transition region (ACTR) / complexion interior (CI) along a grain-boundary normal,
 * from sliding-window profiles of per-atom CNA and Voronoi motifs (papers/000 Fig. 2 caption, Fig. 4b).
 *
 * Algorithm (every step on the grid of window centres, default window 2 Å, step 0.5 Å):
 *  1. Grain where the fraction of CNA-FCC atoms in the window exceeds `grainFccFraction` (0.5): "grains =
 *     crystalline by CNA". Runs shorter than `minRunA` are absorbed by their neighbours (non-grain first, then grain),
 *     so a stacking fault or a noisy window neither splits a grain nor a boundary.
 *  2. Every remaining non-grain run is one boundary zone (a periodic bicrystal has two). Inside it, the window
 *     fraction of centre atoms (Cu) with the disordered motif ⟨0,2,10,0⟩ has a plateau level P = its
 *     `plateauPercentile` (90th) percentile over the zone. The complexion interior spans from the first to the last
 *     run (≥ `minRunA`, else the longest run) where that fraction is ≥ `onsetFraction` · P (0.5: on a sharp step the
 *     crossing sits on the step itself): "the end of the ACTRs is where ⟨0,2,10,0⟩ polyhedra emerge".
 *  3. The rest of the zone, between the grain and the interior on either side, is ACTR: it begins where the crystal
 *     stops being FCC (where ⟨0,10,2,0⟩ appear, in the paper's words). A zone without any ⟨0,2,10,0⟩ is all ACTR.
 * Intervals are labelled in order along the axis: G-1, ACTR-1, CI-1, ACTR-2, G-2, ACTR-3, CI-2, ACTR-4, …; on a
 * periodic axis G-1 is the grain that holds the start of the axis (it may wrap around the cell edge).
 */
import type { Cell } from '../../../main/shared/domain';
import { CNA_TYPES } from '../../../main/shared/labels';
import { motifKey, type VoronoiIndex } from './motif-density';
import { percentileOfSorted } from './percentile';
import { axisFrame, profileGrid, selectedAtoms, SortedAxisPoints, wrapInto, type ProfileAxis } from './profile-axis';

/** Stored per-atom region codes; the uint8 code is the index. */
export const REGION_KINDS = ['grain', 'actr', 'interior'] as const;
export type RegionKind = (typeof REGION_KINDS)[number];

export interface RegionOptions {
  /** The grain-boundary normal. */
  axis: ProfileAxis;
  /** Species index of the centre atoms whose motifs are counted (paper: Cu). */
  centreSpecies: number;
  /** The centre species' element, for the notes. */
  centreName?: string;
  windowA?: number;
  stepA?: number;
  /** CNA code of FCC (default CNA_TYPES.indexOf('fcc')). */
  fccCode?: number;
  grainFccFraction?: number;
  disorderedMotif?: VoronoiIndex;
  onsetFraction?: number;
  plateauPercentile?: number;
  minRunA?: number;
  periodic?: boolean;
}

export interface RegionInterval {
  label: string;
  kind: RegionKind;
  code: number;
  /** Lower end, Å along the axis (in the axis range). */
  startA: number;
  /** Upper end, Å; below startA when the interval wraps around a periodic cell edge. */
  endA: number;
  lengthA: number;
  wraps: boolean;
  /** 1-based boundary zone the interval belongs to (null for grains). */
  boundary: number | null;
}

export interface BoundaryZone {
  index: number;
  /** Plateau level P of the ⟨0,2,10,0⟩ fraction and the onset threshold onsetFraction · P. */
  plateau: number;
  onsetThreshold: number;
}

export interface RegionDetection {
  intervals: RegionInterval[];
  /** Per atom: 0 grain, 1 ACTR, 2 complexion interior (REGION_KINDS). */
  regionCode: Uint8Array;
  /** Per atom: index into `intervals`. */
  intervalIndex: Int32Array;
  boundaries: BoundaryZone[];
  /** The profiles the decision was made on. */
  profile: { gridA: Float64Array; fccFraction: Float64Array; disorderedFraction: Float64Array; code: Uint8Array };
  periodA: number | null;
  notes: string[];
}

interface Run {
  start: number;
  length: number;
  value: number;
}

/** Runs of equal values; on a circle the last run joins the first when they match. */
function runsOf(values: ArrayLike<number>, circular: boolean): Run[] {
  const runs: Run[] = [];
  for (let k = 0; k < values.length; k++) {
    const last = runs[runs.length - 1];
    if (last && last.value === values[k]) last.length++;
    else runs.push({ start: k, length: 1, value: values[k] as number });
  }
  if (circular && runs.length > 1) {
    const first = runs[0] as Run;
    const last = runs[runs.length - 1] as Run;
    if (first.value === last.value) {
      last.length += first.length;
      runs.shift();
    }
  }
  return runs;
}

/** Flips runs of `value` shorter than `minPoints` to `replacement`. */
function absorbShortRuns(labels: Int32Array, value: number, replacement: number, minPoints: number, circular: boolean): void {
  const runs = runsOf(labels, circular);
  if (runs.length < 2) return;
  for (const run of runs) {
    if (run.value !== value || run.length >= minPoints) continue;
    for (let k = 0; k < run.length; k++) labels[(run.start + k) % labels.length] = replacement;
  }
}

/** Detects grains, ACTRs and complexion interiors; see the file comment for the algorithm. */
export function detectRegions(
  positions: Float64Array,
  cell: Cell,
  cna: ArrayLike<number>,
  voronoiIndices: Int32Array,
  speciesIndex: ArrayLike<number>,
  options: RegionOptions,
): RegionDetection {
  const n = positions.length / 3;
  if (cna.length !== n || speciesIndex.length !== n || voronoiIndices.length !== 4 * n) {
    throw new Error(`need one CNA code, one species and four Voronoi numbers per atom (${n} atoms)`);
  }
  const windowA = options.windowA ?? 2;
  const stepA = options.stepA ?? 0.5;
  const fccCode = options.fccCode ?? CNA_TYPES.indexOf('fcc');
  const grainFccFraction = options.grainFccFraction ?? 0.5;
  const motif = options.disorderedMotif ?? [0, 2, 10, 0];
  const onsetFraction = options.onsetFraction ?? 0.5;
  const plateauPercentile = options.plateauPercentile ?? 90;
  const minRunA = options.minRunA ?? 2;
  const notes: string[] = [];

  const frame = axisFrame(positions, cell, options.axis, options.periodic === undefined ? {} : { periodic: options.periodic });
  const circular = frame.periodA !== null;
  const gridA = profileGrid(frame, stepA);
  const g = gridA.length;
  const spacingA = g > 1 ? (gridA[1] as number) - (gridA[0] as number) : (frame.periodA ?? stepA);
  const minPoints = Math.max(1, Math.round(minRunA / spacingA));

  const h = windowA / 2;
  const all = new SortedAxisPoints(frame, selectedAtoms(n), h);
  const fcc = new SortedAxisPoints(frame, selectedAtoms(n).filter((i) => cna[i] === fccCode), h);
  const centres = selectedAtoms(n).filter((i) => speciesIndex[i] === options.centreSpecies);
  const centrePoints = new SortedAxisPoints(frame, centres, h);
  const motifAtoms = centres.filter((i) => motif.every((m, k) => voronoiIndices[4 * i + k] === m));
  const motifPoints = new SortedAxisPoints(frame, motifAtoms, h);

  const fccFraction = new Float64Array(g);
  const disorderedFraction = new Float64Array(g);
  let empty = 0;
  for (let k = 0; k < g; k++) {
    const total = all.count(gridA[k] as number);
    if (total === 0) empty++;
    fccFraction[k] = total > 0 ? fcc.count(gridA[k] as number) / total : Number.NaN;
    const c = centrePoints.count(gridA[k] as number);
    disorderedFraction[k] = c > 0 ? motifPoints.count(gridA[k] as number) / c : 0;
  }
  if (empty > 0) notes.push(`${empty} window(s) hold no atoms (vacuum); they count as non-grain`);

  // 1. Grain windows, with short runs absorbed.
  const grain = Int32Array.from(fccFraction, (f) => (f > grainFccFraction ? 1 : 0));
  absorbShortRuns(grain, 0, 1, minPoints, circular);
  absorbShortRuns(grain, 1, 0, minPoints, circular);

  // 2–3. Boundary zones split into ACTR | CI | ACTR.
  const code = new Uint8Array(g); // 0 grain
  const zoneOf = new Int32Array(g).fill(-1);
  const zonePlateaus: Array<{ plateau: number; onsetThreshold: number }> = [];
  const zoneRuns = runsOf(grain, circular).filter((r) => r.value === 0);
  if (zoneRuns.length === 0) notes.push('no boundary: every window is crystalline');
  for (const [z, run] of zoneRuns.entries()) {
    const points = Array.from({ length: run.length }, (_, k) => (run.start + k) % g);
    for (const p of points) {
      code[p] = 1;
      zoneOf[p] = z;
    }
    const levels = Float64Array.from(points, (p) => disorderedFraction[p] as number).sort();
    const plateau = percentileOfSorted(levels, plateauPercentile);
    const onsetThreshold = onsetFraction * plateau;
    zonePlateaus.push({ plateau, onsetThreshold });
    if (!(plateau > 0)) {
      notes.push(`boundary zone ${z + 1} has no ${motifKey(motif)} centred on ${options.centreName ?? `species ${options.centreSpecies}`}: all ACTR, no complexion interior`);
      continue;
    }
    const above = Int32Array.from(points, (p) => ((disorderedFraction[p] as number) >= onsetThreshold ? 1 : 0));
    const aboveRuns = runsOf(above, false).filter((r) => r.value === 1);
    let kept = aboveRuns.filter((r) => r.length >= minPoints);
    if (kept.length === 0) kept = [aboveRuns.reduce((best, r) => (r.length > best.length ? r : best))];
    const first = (kept[0] as Run).start;
    const last = (kept[kept.length - 1] as Run).start + (kept[kept.length - 1] as Run).length - 1;
    for (let k = first; k <= last; k++) code[points[k] as number] = 2;
  }

  // Intervals: runs of (code, zone), walked from the grain at the start of the axis.
  const key = Int32Array.from({ length: g }, (_, k) => (code[k] as number) * 1_000_000 + ((zoneOf[k] as number) + 1));
  let runs = runsOf(key, circular);
  if (circular && runs.length > 1) {
    // The run holding point 0 is the one runsOf merged across the end (start + length > g), else the first.
    const holding = Math.max(0, runs.findIndex((r) => r.start + r.length > g));
    let begin = holding;
    for (let s = 0; s < runs.length; s++) {
      const r = (holding + s) % runs.length;
      if (code[(runs[r] as Run).start] === 0) {
        begin = r;
        break;
      }
    }
    runs = [...runs.slice(begin), ...runs.slice(0, begin)];
  }
  const intervals: RegionInterval[] = [];
  const intervalOfPoint = new Int32Array(g);
  const zoneNumber = new Map<number, number>();
  let grains = 0;
  let actrs = 0;
  const period = frame.periodA;
  for (const run of runs) {
    const c = code[run.start] as number;
    const zone = zoneOf[run.start] as number;
    let boundary: number | null = null;
    if (zone >= 0) {
      if (!zoneNumber.has(zone)) zoneNumber.set(zone, zoneNumber.size + 1);
      boundary = zoneNumber.get(zone) as number;
    }
    const label = c === 0 ? `G-${++grains}` : c === 1 ? `ACTR-${++actrs}` : `CI-${boundary}`;
    let startA: number;
    let endA: number;
    let lengthA: number;
    if (period !== null) {
      lengthA = run.length * spacingA;
      if (run.length === g) {
        startA = frame.startA;
        endA = frame.startA + period;
      } else {
        startA = wrapInto((gridA[run.start] as number) - spacingA / 2, frame.startA, period);
        endA = wrapInto(startA + lengthA, frame.startA, period);
      }
    } else {
      startA = run.start === 0 ? Math.min(frame.startA, gridA[0] as number) : (gridA[run.start] as number) - spacingA / 2;
      const lastPoint = run.start + run.length - 1;
      endA = lastPoint === g - 1 ? Math.max(frame.endA, gridA[g - 1] as number) : (gridA[lastPoint] as number) + spacingA / 2;
      lengthA = endA - startA;
    }
    const index = intervals.length;
    for (let k = 0; k < run.length; k++) intervalOfPoint[(run.start + k) % g] = index;
    intervals.push({ label, kind: REGION_KINDS[c] as RegionKind, code: c, startA, endA, lengthA, wraps: period !== null && run.length < g && endA <= startA, boundary });
  }
  // CI labels follow boundary numbering in walking order, which zoneNumber assigned as it went.
  const boundaries: BoundaryZone[] = [...zoneNumber.entries()]
    .sort((u, v) => u[1] - v[1])
    .map(([zone, index]) => ({ index, ...(zonePlateaus[zone] as { plateau: number; onsetThreshold: number }) }));

  // Per atom: the grid point whose cell (half a spacing either side) holds the atom.
  const regionCode = new Uint8Array(n);
  const intervalIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = frame.coordinateA[i] as number;
    let k = Math.round((x - (gridA[0] as number)) / spacingA);
    k = period !== null ? ((k % g) + g) % g : Math.min(g - 1, Math.max(0, k));
    regionCode[i] = code[k] as number;
    intervalIndex[i] = intervalOfPoint[k] as number;
  }
  return { intervals, regionCode, intervalIndex, boundaries, profile: { gridA, fccFraction, disorderedFraction, code }, periodA: period, notes };
}
