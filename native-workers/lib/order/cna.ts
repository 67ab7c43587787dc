/**
 * Common neighbour analysis per atom: conventional CNA with a fixed cutoff (LAMMPS `compute cna/atom` semantics) and
 * adaptive CNA with a per-atom cutoff (Stukowski 2012, as OVITO). Codes are indices into CNA_TYPES.
 */
import { CNA_TYPES, type CnaMode, type CnaType } from '../../../main/shared/labels';
import { neighborsAvailable, validateAtoms, type AtomsInput } from '../neighbors/atoms-input';
import { CutoffNeighborQuery, gridForCutoff } from '../neighbors/cutoff-neighbors';
import { NearestNeighborQuery, gridForNearest } from '../neighbors/nearest-neighbors';
import { STOP_CHECK_ATOMS, type CheckpointOptions } from './checkpoint';

function codeOf(type: CnaType): number {
  return CNA_TYPES.indexOf(type);
}

export const CNA_OTHER = codeOf('other');
export const CNA_FCC = codeOf('fcc');
export const CNA_HCP = codeOf('hcp');
export const CNA_BCC = codeOf('bcc');
export const CNA_ICO = codeOf('ico');

/** (1 + √2)/2: midway between the first (1) and second (√2) FCC shells, in units of the nearest-neighbour distance. */
export const ADAPTIVE_CUTOFF_FACTOR = (1 + Math.SQRT2) / 2;

/** Neighbour shells CNA looks at: 12 (FCC, HCP, ICO) or 14 (BCC's 8 + 6); LAMMPS keeps at most 16 per atom. */
const MAX_SHELL = 16;

/**
 * Bond bit masks among one atom's `count` neighbours (count ≤ 16): bit q of masks[p] is set when neighbours p and q
 * are closer than the cutoff (strictly, or inclusively as OVITO does for adaptive CNA).
 */
function neighborBondMasks(
  dx: Float64Array,
  dy: Float64Array,
  dz: Float64Array,
  count: number,
  cutoffSq: number,
  inclusive: boolean,
  masks: Int32Array,
): void {
  masks.fill(0, 0, count);
  for (let p = 0; p < count; p++) {
    const px = dx[p] as number;
    const py = dy[p] as number;
    const pz = dz[p] as number;
    for (let q = p + 1; q < count; q++) {
      const ex = (dx[q] as number) - px;
      const ey = (dy[q] as number) - py;
      const ez = (dz[q] as number) - pz;
      const d2 = ex * ex + ey * ey + ez * ez;
      if (inclusive ? d2 <= cutoffSq : d2 < cutoffSq) {
        masks[p] = (masks[p] as number) | (1 << q);
        masks[q] = (masks[q] as number) | (1 << p);
      }
    }
  }
}

/** Per-pair CNA signature of atom i and its neighbour j. */
interface PairSignature {
  /** Neighbours i and j have in common. */
  common: number;
  /** Bonds among those common neighbours. */
  bonds: number;
  /** Most and fewest bonds any one common neighbour has (LAMMPS's criterion). */
  maxBondsPerAtom: number;
  minBondsPerAtom: number;
  /** Bonds in the largest connected cluster of common-neighbour bonds (OVITO's "longest chain"). */
  longestChain: number;
}

function bitCount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function lowestBitIndex(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/**
 * Signature of atom i with its neighbour j, from the bond masks of i's neighbours. Every pattern needs 4, 5 or 6
 * common neighbours, so other counts return early with only `common` filled in.
 */
function pairSignature(masks: Int32Array, j: number, out: PairSignature): void {
  const commonMask = masks[j] as number;
  const common = bitCount(commonMask);
  out.common = common;
  out.bonds = 0;
  out.maxBondsPerAtom = 0;
  out.minBondsPerAtom = 0;
  out.longestChain = 0;
  if (common < 4 || common > 6) return;
  let degreeSum = 0;
  let most = 0;
  let fewest = MAX_SHELL;
  for (let rest = commonMask; rest !== 0; rest &= rest - 1) {
    const degree = bitCount((masks[lowestBitIndex(rest)] as number) & commonMask);
    degreeSum += degree;
    if (degree > most) most = degree;
    if (degree < fewest) fewest = degree;
  }
  // Connected clusters of common neighbours (flood fill on bit masks); a cluster's bonds are half its degree sum.
  let longest = 0;
  for (let unvisited = commonMask; unvisited !== 0; ) {
    let cluster = unvisited & -unvisited;
    let frontier = cluster;
    while (frontier !== 0) {
      const p = lowestBitIndex(frontier);
      frontier &= frontier - 1;
      const fresh = (masks[p] as number) & commonMask & ~cluster;
      cluster |= fresh;
      frontier |= fresh;
    }
    unvisited &= ~cluster;
    let clusterDegrees = 0;
    for (let rest = cluster; rest !== 0; rest &= rest - 1) {
      clusterDegrees += bitCount((masks[lowestBitIndex(rest)] as number) & cluster);
    }
    if (clusterDegrees / 2 > longest) longest = clusterDegrees / 2;
  }
  out.bonds = degreeSum / 2;
  out.maxBondsPerAtom = most;
  out.minBondsPerAtom = fewest;
  out.longestChain = longest;
}

const signature: PairSignature = { common: 0, bonds: 0, maxBondsPerAtom: 0, minBondsPerAtom: 0, longestChain: 0 };

/** LAMMPS cna/atom's pattern test on an atom with exactly 12 or 14 neighbours within the cutoff. */
function conventionalPattern(masks: Int32Array, count: number): number {
  if (count === 12) {
    let fcc = 0;
    let hcp = 0;
    let ico = 0;
    for (let j = 0; j < 12; j++) {
      pairSignature(masks, j, signature);
      const { common, bonds, maxBondsPerAtom: most, minBondsPerAtom: fewest } = signature;
      if (common === 4 && bonds === 2 && most === 1 && fewest === 1) fcc++;
      else if (common === 4 && bonds === 2 && most === 2 && fewest === 0) hcp++;
      else if (common === 5 && bonds === 5 && most === 2 && fewest === 2) ico++;
    }
    if (fcc === 12) return CNA_FCC;
    if (fcc === 6 && hcp === 6) return CNA_HCP;
    if (ico === 12) return CNA_ICO;
    return CNA_OTHER;
  }
  if (count === 14) {
    let bcc4 = 0;
    let bcc6 = 0;
    for (let j = 0; j < 14; j++) {
      pairSignature(masks, j, signature);
      const { common, bonds, maxBondsPerAtom: most, minBondsPerAtom: fewest } = signature;
      if (common === 4 && bonds === 4 && most === 2 && fewest === 2) bcc4++;
      else if (common === 6 && bonds === 6 && most === 2 && fewest === 2) bcc6++;
    }
    return bcc4 === 6 && bcc6 === 8 ? CNA_BCC : CNA_OTHER;
  }
  return CNA_OTHER;
}

/**
 * Conventional CNA with one cutoff for all atoms (LAMMPS `compute cna/atom cutoffA`): neighbours are atoms strictly
 * closer than the cutoff; an atom is FCC (421 × 12), HCP (421 × 6 + 422 × 6) or ICO (555 × 12) with exactly 12
 * neighbours, BCC (444 × 6 + 666 × 8) with exactly 14, else other. LAMMPS suggests 0.854·a for FCC (midway between
 * the first two shells) and 1.207·a for BCC. Common neighbours are found geometrically from image-resolved bond
 * vectors, so boxes thinner than twice the cutoff are handled too.
 */
export function conventionalCna(input: AtomsInput, cutoffA: number, options: CheckpointOptions = {}): Uint8Array {
  const grid = gridForCutoff(input, cutoffA);
  const n = grid.atomCount;
  const query = new CutoffNeighborQuery(grid, cutoffA);
  const codes = new Uint8Array(n).fill(CNA_OTHER);
  const masks = new Int32Array(MAX_SHELL);
  const cutoffSq = cutoffA * cutoffA;
  const buffer = query.candidates;
  for (let start = 0; start < n; start += STOP_CHECK_ATOMS) {
    options.checkpoint?.();
    const end = Math.min(n, start + STOP_CHECK_ATOMS);
    for (let slot = start; slot < end; slot++) {
      const count = query.find(slot);
      if (count !== 12 && count !== 14) continue;
      neighborBondMasks(buffer.dx, buffer.dy, buffer.dz, count, cutoffSq, false, masks);
      codes[grid.atomOfSlot[slot] as number] = conventionalPattern(masks, count);
    }
  }
  return codes;
}

/** OVITO's adaptive test on the 12 nearest neighbours: FCC, HCP, ICO or other. */
function adaptive12(masks: Int32Array): number {
  let n421 = 0;
  let n422 = 0;
  let n555 = 0;
  for (let j = 0; j < 12; j++) {
    pairSignature(masks, j, signature);
    const { common, bonds, longestChain } = signature;
    if (common === 4 && bonds === 2 && longestChain === 1) n421++;
    else if (common === 4 && bonds === 2 && longestChain === 2) n422++;
    else if (common === 5 && bonds === 5 && longestChain === 5) n555++;
    else return CNA_OTHER;
  }
  if (n421 === 12) return CNA_FCC;
  if (n421 === 6 && n422 === 6) return CNA_HCP;
  if (n555 === 12) return CNA_ICO;
  return CNA_OTHER;
}

/** OVITO's adaptive test on the 14 nearest neighbours: BCC or other. */
function adaptive14(masks: Int32Array): number {
  let n444 = 0;
  let n666 = 0;
  for (let j = 0; j < 14; j++) {
    pairSignature(masks, j, signature);
    const { common, bonds, longestChain } = signature;
    if (common === 4 && bonds === 4 && longestChain === 4) n444++;
    else if (common === 6 && bonds === 6 && longestChain === 6) n666++;
    else return CNA_OTHER;
  }
  return n444 === 6 && n666 === 8 ? CNA_BCC : CNA_OTHER;
}

/**
 * Adaptive CNA (Stukowski, Modelling Simul. Mater. Sci. Eng. 20, 045021 (2012), as OVITO): no cutoff to choose.
 * FCC/HCP/ICO are tested on the 12 nearest neighbours with the local cutoff (1 + √2)/2 · their mean distance; atoms
 * that fail are tested for BCC on the 14 nearest with (1 + √2)/2 · (2/√3 · Σ first 8 + Σ last 6)/14. Bonds among
 * neighbours are inclusive (≤ cutoff), as in OVITO.
 */
export function adaptiveCna(input: AtomsInput, options: CheckpointOptions = {}): Uint8Array {
  const n = validateAtoms(input);
  const codes = new Uint8Array(n).fill(CNA_OTHER);
  const available = neighborsAvailable(input.cell, n);
  // A cluster too small for a 14-neighbour shell can still hold FCC/HCP/ICO environments (e.g. a 13-atom icosahedron).
  const k = available >= 14 ? 14 : 12;
  if (n === 0 || available < 12) return codes;
  const grid = gridForNearest(input, k);
  const query = new NearestNeighborQuery(grid, k);
  const masks = new Int32Array(MAX_SHELL);
  const { dx, dy, dz, distSq } = query;
  const bccScale = 2 / Math.sqrt(3);
  for (let start = 0; start < n; start += STOP_CHECK_ATOMS) {
    options.checkpoint?.();
    const end = Math.min(n, start + STOP_CHECK_ATOMS);
    for (let slot = start; slot < end; slot++) {
      query.find(slot);
      let mean12 = 0;
      for (let m = 0; m < 12; m++) mean12 += Math.sqrt(distSq[m] as number);
      mean12 /= 12;
      const cutoff12 = ADAPTIVE_CUTOFF_FACTOR * mean12;
      neighborBondMasks(dx, dy, dz, 12, cutoff12 * cutoff12, true, masks);
      let code = adaptive12(masks);
      if (code === CNA_OTHER && k === 14) {
        let scaled = 0;
        for (let m = 0; m < 8; m++) scaled += bccScale * Math.sqrt(distSq[m] as number);
        for (let m = 8; m < 14; m++) scaled += Math.sqrt(distSq[m] as number);
        const cutoff14 = (ADAPTIVE_CUTOFF_FACTOR * scaled) / 14;
        neighborBondMasks(dx, dy, dz, 14, cutoff14 * cutoff14, true, masks);
        code = adaptive14(masks);
      }
      codes[grid.atomOfSlot[slot] as number] = code;
    }
  }
  return codes;
}

/** CNA codes per atom in the mode a label set asks for (DEFAULT_LABEL_PARAMS: adaptive). */
export function commonNeighborAnalysis(input: AtomsInput, mode: CnaMode, options: CheckpointOptions = {}): Uint8Array {
  return mode.mode === 'adaptive' ? adaptiveCna(input, options) : conventionalCna(input, mode.cutoffA, options);
}
