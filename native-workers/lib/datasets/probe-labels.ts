/**
 * The labels of one probe from the per-atom labels of the atoms it saw: mean d (the paper's target, papers/000
 * Fig. 8 caption: "the average of each atom-by-atom d_i value in the region"), the atom count, and the probe's region.
 *
 * Region rule: every atom votes with its region code (REGION_KINDS: 0 grain, 1 ACTR, 2 complexion interior); the
 * probe's region is the code with the most atoms, ties going to the lower code (the more ordered region), and the
 * fractions per code are reported alongside so a caller can apply a stricter rule (e.g. "pure" probes only).
 * An index listed twice (a probe wider than the cell sees the same atom in two periodic images) counts twice.
 */
import { REGION_KINDS } from '../analysis/regions';

export const REGION_COUNT = REGION_KINDS.length;

export interface ProbeLabels {
  /** Mean d_i over the probe's atoms. */
  meanD: number;
  atomCount: number;
  /** Majority region code, or null when no region codes were given. */
  region: number | null;
  /** Fraction of the probe's atoms per region code (length REGION_COUNT), empty when no region codes were given. */
  regionFractions: number[];
  /** Means of the extra per-atom arrays, by the names they were given under. */
  means: Record<string, number>;
}

export interface PerAtomLabels {
  /** d_i per atom (label set `d.npy`, structure atom order). */
  d: ArrayLike<number>;
  /** Region code per atom (detectRegions().regionCode); optional. */
  regionCode?: ArrayLike<number>;
  /** Other per-atom values to average over the probe too (e.g. one_minus_q6). */
  extra?: Record<string, ArrayLike<number>>;
}

/** Mean of `values` over `indices`; `indices` must be non-empty and in range. */
function meanOver(values: ArrayLike<number>, indices: ArrayLike<number>, name: string): number {
  let sum = 0;
  for (let k = 0; k < indices.length; k++) {
    const v = values[indices[k] as number] as number;
    if (!Number.isFinite(v)) throw new Error(`${name} of atom ${indices[k]} is not finite (${v})`);
    sum += v;
  }
  return sum / indices.length;
}

/** The labels of a probe that saw the atoms `atomIndices` (0-based, structure atom order). */
export function probeLabels(atomIndices: ArrayLike<number>, perAtom: PerAtomLabels): ProbeLabels {
  const n = atomIndices.length;
  if (n === 0) throw new Error('the probe holds no atoms: its mean d is undefined (move the probe into the material or enlarge it)');
  const atomTotal = perAtom.d.length;
  for (let k = 0; k < n; k++) {
    const i = atomIndices[k] as number;
    if (!Number.isInteger(i) || i < 0 || i >= atomTotal) throw new Error(`probe atom index ${i} is outside 0 … ${atomTotal - 1}`);
  }
  const meanD = meanOver(perAtom.d, atomIndices, 'd');

  let region: number | null = null;
  let regionFractions: number[] = [];
  if (perAtom.regionCode) {
    const codes = perAtom.regionCode;
    if (codes.length !== atomTotal) throw new Error(`need one region code per atom (${atomTotal}), got ${codes.length}`);
    const counts = new Array<number>(REGION_COUNT).fill(0);
    for (let k = 0; k < n; k++) {
      const code = codes[atomIndices[k] as number] as number;
      if (!(code >= 0 && code < REGION_COUNT && Number.isInteger(code))) throw new Error(`atom ${atomIndices[k]} has region code ${code}; codes are 0 … ${REGION_COUNT - 1} (${REGION_KINDS.join(', ')})`);
      counts[code] = (counts[code] as number) + 1;
    }
    region = 0;
    for (let c = 1; c < REGION_COUNT; c++) if ((counts[c] as number) > (counts[region] as number)) region = c;
    regionFractions = counts.map((c) => c / n);
  }

  const means: Record<string, number> = {};
  for (const [name, values] of Object.entries(perAtom.extra ?? {})) {
    if (values.length !== atomTotal) throw new Error(`${name}: need one value per atom (${atomTotal}), got ${values.length}`);
    means[name] = meanOver(values, atomIndices, name);
  }
  return { meanD, atomCount: n, region, regionFractions, means };
}
