/**
 * Voronoi motif statistics around one centre species: the most frequent motifs ⟨n3,n4,n5,n6⟩ (FCC excluded by
 * default) and their sliding-window density profiles along an axis (papers/000 Fig. 2b and Fig. 3).
 */
import type { Cell } from '../../../main/shared/domain';
import { axisFrame, profileGrid, selectedAtoms, SortedAxisPoints, type AxisFrame, type ProfileAxis } from './profile-axis';

export type VoronoiIndex = [number, number, number, number];

export const FCC_MOTIF: VoronoiIndex = [0, 12, 0, 0];

/** '⟨n3,n4,n5,n6⟩' — the key motifs are grouped and reported by. */
export function motifKey(index: readonly number[]): string {
  return `<${index.join(',')}>`;
}

export interface MotifFrequency {
  index: VoronoiIndex;
  key: string;
  /** Centre atoms with this motif. */
  count: number;
  /** count / all centre atoms considered (FCC included in the denominator). */
  fractionOfCentres: number;
}

export interface MotifFrequencyOptions {
  /** Species index of the centre atoms (paper: Cu). */
  centreSpecies: number;
  /** Leave ⟨0,12,0,0⟩ out of the ranking (default true, as Fig. 3). */
  excludeFcc?: boolean;
  /** Only atoms with a non-zero entry count (e.g. the complexion). */
  mask?: ArrayLike<number>;
}

export interface MotifCensus {
  /** Every motif seen on a centre atom, most frequent first (ties: lexicographic index). */
  motifs: MotifFrequency[];
  /** Centre atoms considered. */
  centreCount: number;
  /** Distinct motifs among them, FCC included (the paper's "816 different motifs"). */
  distinctMotifs: number;
}

function checkInputs(n: number, voronoiIndices: Int32Array, speciesIndex: ArrayLike<number>): void {
  if (voronoiIndices.length !== 4 * n) throw new Error(`voronoiIndices must hold 4 numbers per atom (${4 * n}), got ${voronoiIndices.length}`);
  if (speciesIndex.length !== n) throw new Error(`speciesIndex has ${speciesIndex.length} entries for ${n} atoms`);
}

function indexOf(voronoiIndices: Int32Array, i: number): VoronoiIndex {
  return [voronoiIndices[4 * i] as number, voronoiIndices[4 * i + 1] as number, voronoiIndices[4 * i + 2] as number, voronoiIndices[4 * i + 3] as number];
}

/** Counts the motifs of the centre atoms. */
export function motifCensus(voronoiIndices: Int32Array, speciesIndex: ArrayLike<number>, options: MotifFrequencyOptions): MotifCensus {
  const n = speciesIndex.length;
  checkInputs(n, voronoiIndices, speciesIndex);
  const excludeFcc = options.excludeFcc ?? true;
  const counts = new Map<string, { index: VoronoiIndex; count: number }>();
  let centreCount = 0;
  for (const i of selectedAtoms(n, options.mask)) {
    if (speciesIndex[i] !== options.centreSpecies) continue;
    centreCount++;
    const index = indexOf(voronoiIndices, i);
    const key = motifKey(index);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { index, count: 1 });
  }
  const fccKey = motifKey(FCC_MOTIF);
  const motifs = [...counts.entries()]
    .filter(([key]) => !(excludeFcc && key === fccKey))
    .map(([key, e]) => ({ index: e.index, key, count: e.count, fractionOfCentres: centreCount > 0 ? e.count / centreCount : 0 }))
    .sort((u, v) => v.count - u.count || compareIndex(u.index, v.index));
  return { motifs, centreCount, distinctMotifs: counts.size };
}

function compareIndex(u: VoronoiIndex, v: VoronoiIndex): number {
  for (let k = 0; k < 4; k++) if (u[k] !== v[k]) return (u[k] as number) - (v[k] as number);
  return 0;
}

export interface MotifDensityOptions extends MotifFrequencyOptions {
  axis: ProfileAxis;
  /** How many of the most frequent motifs to profile (default 8, as Fig. 3). Ignored when `motifs` is given. */
  topK?: number;
  /** Profile exactly these motifs instead (e.g. ⟨0,10,2,0⟩ and ⟨0,2,10,0⟩ for Fig. 2b). */
  motifs?: VoronoiIndex[];
  windowA?: number;
  stepA?: number;
  gridA?: ArrayLike<number>;
  periodic?: boolean;
  /** Slab area perpendicular to the axis for densities, Å² (default: from the cell when it is a slab along the axis). */
  crossSectionA2?: number;
}

export interface MotifProfile extends MotifFrequency {
  /** Centre atoms with this motif in each window. */
  countInWindow: Int32Array;
  /** Number density: countInWindow / (crossSection · windowA), atoms per Å³ (NaN without a cross-section). */
  densityPerA3: Float64Array;
  /** countInWindow / centre atoms in the window (NaN for an empty window): independent of the local density. */
  fractionOfCentresInWindow: Float64Array;
}

export interface MotifDensityProfiles {
  gridA: Float64Array;
  windowA: number;
  periodA: number | null;
  crossSectionA2: number | null;
  /** Centre atoms (of any motif) in each window. */
  centreCountInWindow: Int32Array;
  motifs: MotifProfile[];
  /** Share of all centre atoms covered by the profiled motifs (paper: the top 8 cover 27.53 % of Cu). */
  coveredFraction: number;
  census: MotifCensus;
}

/**
 * Density profiles of the top-k (or the given) motifs around `centreSpecies`. Both normalisations are returned:
 * atoms per Å³ in the window's slab (window width × cross-section; near a non-periodic edge the window is
 * partly empty and the density reads low) and the fraction of the window's centre atoms.
 */
export function motifDensityProfiles(
  positions: Float64Array,
  cell: Cell,
  voronoiIndices: Int32Array,
  speciesIndex: ArrayLike<number>,
  options: MotifDensityOptions,
): MotifDensityProfiles {
  const n = positions.length / 3;
  checkInputs(n, voronoiIndices, speciesIndex);
  const frame = axisFrame(positions, cell, options.axis, options.periodic === undefined ? {} : { periodic: options.periodic });
  return motifDensityInFrame(frame, voronoiIndices, speciesIndex, options);
}

/** As motifDensityProfiles, for an axis frame already computed. */
export function motifDensityInFrame(
  frame: AxisFrame,
  voronoiIndices: Int32Array,
  speciesIndex: ArrayLike<number>,
  options: Omit<MotifDensityOptions, 'axis' | 'periodic'>,
): MotifDensityProfiles {
  const n = frame.coordinateA.length;
  checkInputs(n, voronoiIndices, speciesIndex);
  const windowA = options.windowA ?? 2;
  const gridA = options.gridA ? Float64Array.from(options.gridA) : profileGrid(frame, options.stepA ?? 0.5);
  const census = motifCensus(voronoiIndices, speciesIndex, options);
  const chosen: MotifFrequency[] = options.motifs
    ? options.motifs.map((index) => {
        const key = motifKey(index);
        const found = census.motifs.find((m) => m.key === key);
        return found ?? { index: [...index] as VoronoiIndex, key, count: 0, fractionOfCentres: 0 };
      })
    : census.motifs.slice(0, options.topK ?? 8);

  const centres = selectedAtoms(n, options.mask).filter((i) => speciesIndex[i] === options.centreSpecies);
  const centrePoints = new SortedAxisPoints(frame, centres, windowA / 2);
  const centreCountInWindow = Int32Array.from(gridA, (g) => centrePoints.count(g));
  const crossSectionA2 = options.crossSectionA2 ?? frame.crossSectionA2;
  const windowVolume = crossSectionA2 === null ? Number.NaN : crossSectionA2 * windowA;

  const motifs: MotifProfile[] = chosen.map((m) => {
    const atoms = centres.filter((i) => compareIndex(indexOf(voronoiIndices, i), m.index) === 0);
    const points = new SortedAxisPoints(frame, atoms, windowA / 2);
    const countInWindow = Int32Array.from(gridA, (g) => points.count(g));
    return {
      ...m,
      countInWindow,
      densityPerA3: Float64Array.from(countInWindow, (c) => c / windowVolume),
      fractionOfCentresInWindow: Float64Array.from(countInWindow, (c, k) => {
        const total = centreCountInWindow[k] as number;
        return total > 0 ? c / total : Number.NaN;
      }),
    };
  });
  const covered = chosen.reduce((sum, m) => sum + m.count, 0);
  return {
    gridA,
    windowA,
    periodA: frame.periodA,
    crossSectionA2,
    centreCountInWindow,
    motifs,
    coveredFraction: census.centreCount > 0 ? covered / census.centreCount : 0,
    census,
  };
}
