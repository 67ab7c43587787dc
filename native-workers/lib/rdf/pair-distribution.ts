/**
 * Total and partial pair distribution functions g(r), g_ab(r) and running coordination numbers, histogrammed and
 * normalised exactly as LAMMPS `compute rdf` does, for periodic (any cut-off, images included) or non-periodic cells.
 */
import type { Cell } from '../../../main/shared/domain';
import { cellVolume } from '../structure-io/cell-math';
import { forEachPairWithin } from './pair-search';

export interface PairDistributionOptions {
  /** Largest pair distance in Å; bins cover [0, rmaxA). Any value works in a periodic cell (images are counted). */
  rmaxA: number;
  /** Number of bins (LAMMPS's Nbin). Give this or `binWidthA`; default 200. */
  binCount?: number;
  /** Bin width in Å; `binCount` = round(rmaxA / binWidthA) and the width is then rmaxA / binCount. */
  binWidthA?: number;
  /** Number of species (default: largest species index + 1). */
  speciesCount?: number;
  /** Volume for the ideal-gas normalisation, Å³ (default: |cell volume|, as LAMMPS; set it for clusters in vacuum). */
  volumeA3?: number;
  /**
   * Only atoms with a non-zero entry are centres (the "a" end of a pair); every atom is a neighbour. Use it for the
   * g(r) of a region (papers/000 Fig. 1e–g). Default: every atom is a centre.
   */
  centreMask?: Uint8Array;
  /** Called every PAIRS_PER_CHECKPOINT pairs (a fraction of a second); may throw to abandon the work. */
  checkpoint?: () => void;
}

/** Pairs between two checkpoint calls. */
export const PAIRS_PER_CHECKPOINT = 1 << 16;

/** One histogram with its LAMMPS-style normalisation. */
export interface PairCurve {
  /** Ordered pairs (centre, neighbour) per bin: a centre of species a seeing a neighbour of species b. */
  counts: Float64Array;
  /** g(r) per bin: counts / (shell fraction of the volume · normFactor · centreCount). */
  g: Float64Array;
  /** Running coordination coord(r) at each bin's upper edge: mean number of neighbours per centre up to there. */
  coord: Float64Array;
  /** Number of centres (LAMMPS icount). */
  centreCount: number;
  /** Neighbour count used for the ideal gas: N_b − (atoms that are both centre and neighbour)/centreCount. */
  normFactor: number;
}

/** g_ab(r): centres of species `a`, neighbours of species `b` (both orders are stored). */
export interface PartialPairCurve extends PairCurve {
  a: number;
  b: number;
}

export interface PairDistribution {
  rmaxA: number;
  binWidthA: number;
  binCount: number;
  /** Bin centres, Å: (k + 0.5) · binWidthA, as LAMMPS's first column. */
  rA: Float64Array;
  volumeA3: number;
  atomCount: number;
  /** Atoms per species (all atoms, not only centres). */
  speciesCounts: Int32Array;
  /** Centres per species. */
  centreCounts: Int32Array;
  /** All atoms with all atoms (LAMMPS `* *`). */
  total: PairCurve;
  /** Every ordered species pair, index a · speciesCount + b. */
  partials: PartialPairCurve[];
  /**
   * Weights w_ab with total.g = Σ_ab w_ab · g_ab exactly (bin by bin): w_ab = C_a · normFactor_ab / (C · normFactor),
   * C = centres. For a whole periodic system this is N_a (N_b − δ_ab) / (N (N − 1)) ≈ c_a c_b.
   */
  partialWeights: Float64Array;
}

/** The partial g_ab of `pd` (centres a, neighbours b). */
export function partialCurve(pd: PairDistribution, a: number, b: number): PartialPairCurve {
  const s = pd.speciesCounts.length;
  const curve = pd.partials[a * s + b];
  if (!curve || a < 0 || b < 0 || a >= s || b >= s) throw new Error(`no partial for species pair (${a}, ${b})`);
  return curve;
}

/**
 * Computes g(r) and all partials g_ab(r) of the atoms at `positions` (interleaved x y z, Å) with species indices
 * `speciesIndex` (0-based) in `cell`. Pairs are binned with bin = floor(r / Δr), Δr = rmaxA / binCount, as LAMMPS
 * does; an atom's own periodic images count as neighbours (LAMMPS's ghost atoms do too).
 */
export function pairDistribution(
  positions: Float64Array,
  speciesIndex: ArrayLike<number>,
  cell: Cell,
  options: PairDistributionOptions,
): PairDistribution {
  const n = positions.length / 3;
  if (speciesIndex.length !== n) throw new Error(`speciesIndex has ${speciesIndex.length} entries for ${n} atoms`);
  const { rmaxA } = options;
  if (!(rmaxA > 0) || !Number.isFinite(rmaxA)) throw new Error(`rmaxA must be a positive number of Å (got ${rmaxA})`);
  const binCount = resolveBinCount(options);
  // Same arithmetic as LAMMPS ComputeRDF::init: delr = cutoff / nbin, delrinv = 1 / delr.
  const binWidthA = rmaxA / binCount;
  const invBinWidth = 1 / binWidthA;

  let maxSpecies = -1;
  for (let i = 0; i < n; i++) {
    const t = speciesIndex[i] as number;
    if (!Number.isInteger(t) || t < 0) throw new Error(`atom ${i} has species index ${t}; expected 0, 1, 2 …`);
    if (t > maxSpecies) maxSpecies = t;
  }
  const s = options.speciesCount ?? maxSpecies + 1;
  if (s <= maxSpecies) throw new Error(`speciesCount ${s} is smaller than the largest species index + 1 (${maxSpecies + 1})`);
  const mask = options.centreMask;
  if (mask && mask.length !== n) throw new Error(`centreMask has ${mask.length} entries for ${n} atoms`);

  const species = Int32Array.from(speciesIndex);
  const speciesCounts = new Int32Array(s);
  const centreCounts = new Int32Array(s);
  for (let i = 0; i < n; i++) {
    const t = species[i] as number;
    speciesCounts[t] = (speciesCounts[t] as number) + 1;
    if (!mask || mask[i]) centreCounts[t] = (centreCounts[t] as number) + 1;
  }

  // hist[(a · s + b) · binCount + bin]: ordered pairs with a centre of species a.
  const hist = new Float64Array(s * s * binCount);
  const checkpoint = options.checkpoint;
  let untilCheckpoint = PAIRS_PER_CHECKPOINT;
  forEachPairWithin(positions, cell, rmaxA, (i, j, rsq) => {
    if (checkpoint && --untilCheckpoint === 0) {
      untilCheckpoint = PAIRS_PER_CHECKPOINT;
      checkpoint();
    }
    const bin = Math.floor(Math.sqrt(rsq) * invBinWidth);
    if (bin >= binCount) return;
    const a = species[i] as number;
    const b = species[j] as number;
    // One unordered pair is two ordered ones: i sees j, and j sees i (each only when it is a centre).
    if (!mask || mask[i]) hist[(a * s + b) * binCount + bin] = (hist[(a * s + b) * binCount + bin] as number) + 1;
    if (!mask || mask[j]) hist[(b * s + a) * binCount + bin] = (hist[(b * s + a) * binCount + bin] as number) + 1;
  });

  const volumeA3 = options.volumeA3 ?? Math.abs(cellVolume(cell));
  if (!(volumeA3 > 0)) throw new Error(`the normalisation volume must be positive (got ${volumeA3} Å³)`);

  const rA = new Float64Array(binCount);
  for (let k = 0; k < binCount; k++) rA[k] = (k + 0.5) * binWidthA;

  const partials: PartialPairCurve[] = [];
  const totalCounts = new Float64Array(binCount);
  let totalCentres = 0;
  for (let a = 0; a < s; a++) totalCentres += centreCounts[a] as number;
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const counts = hist.slice((a * s + b) * binCount, (a * s + b + 1) * binCount);
      for (let k = 0; k < binCount; k++) totalCounts[k] = (totalCounts[k] as number) + (counts[k] as number);
      // Centres of species a are also neighbours of species b only when a = b.
      const duplicates = a === b ? (centreCounts[a] as number) : 0;
      partials.push({ a, b, ...normalise(counts, centreCounts[a] as number, speciesCounts[b] as number, duplicates, binWidthA, volumeA3) });
    }
  }
  const total = normalise(totalCounts, totalCentres, n, totalCentres, binWidthA, volumeA3);
  const partialWeights = new Float64Array(s * s);
  for (const p of partials) {
    const denominator = total.centreCount * total.normFactor;
    partialWeights[p.a * s + p.b] = denominator > 0 ? (p.centreCount * p.normFactor) / denominator : 0;
  }
  return { rmaxA, binWidthA, binCount, rA, volumeA3, atomCount: n, speciesCounts, centreCounts, total, partials, partialWeights };
}

function resolveBinCount(options: PairDistributionOptions): number {
  if (options.binCount !== undefined && options.binWidthA !== undefined) {
    throw new Error('give either binCount or binWidthA, not both');
  }
  let count = options.binCount;
  if (count === undefined && options.binWidthA !== undefined) {
    if (!(options.binWidthA > 0)) throw new Error(`binWidthA must be positive (got ${options.binWidthA})`);
    count = Math.max(1, Math.round(options.rmaxA / options.binWidthA));
  }
  count ??= 200;
  if (!Number.isInteger(count) || count < 1) throw new Error(`binCount must be a positive integer (got ${count})`);
  return count;
}

/**
 * LAMMPS ComputeRDF::compute_array, 3-d branch: vfrac = 4π (r_hi³ − r_lo³) / (3V),
 * normfac = jcount − duplicates / icount, g = hist / (vfrac · normfac · icount), coord += g · vfrac · normfac.
 */
function normalise(
  counts: Float64Array,
  centreCount: number,
  neighbourCount: number,
  duplicates: number,
  binWidthA: number,
  volumeA3: number,
): PairCurve {
  const binCount = counts.length;
  const g = new Float64Array(binCount);
  const coord = new Float64Array(binCount);
  const constant = (4 * Math.PI) / (3 * volumeA3);
  const normFactor = centreCount > 0 ? neighbourCount - duplicates / centreCount : 0;
  let running = 0;
  for (let k = 0; k < binCount; k++) {
    const rLower = k * binWidthA;
    const rUpper = (k + 1) * binWidthA;
    const vfrac = constant * (rUpper * rUpper * rUpper - rLower * rLower * rLower);
    const gr = vfrac * normFactor !== 0 ? (counts[k] as number) / (vfrac * normFactor * centreCount) : 0;
    if (centreCount !== 0) running += gr * vfrac * normFactor;
    g[k] = gr;
    coord[k] = running;
  }
  return { counts, g, coord, centreCount, normFactor };
}
