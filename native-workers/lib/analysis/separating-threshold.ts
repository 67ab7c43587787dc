/**
 * The value of a per-atom descriptor (d_i) that best separates a "low" group (ordered Voronoi motifs) from a "high"
 * group (disordered motifs): papers/000 §3 finds d = 0.768 on its complexion. One sort and one sweep, O(n log n).
 */
import { VORONOI_CLASSES } from '../../../main/shared/labels';

const ORDERED_CODE = VORONOI_CLASSES.indexOf('ordered');
const DISORDERED_CODE = VORONOI_CLASSES.indexOf('disordered');

/**
 * 'balanced-accuracy' (default): maximise (TPR + TNR)/2, i.e. minimise the sum of the two groups' error rates
 *   (equivalently maximise Youden's J = TPR + TNR − 1); insensitive to how many atoms each group has. This is one
 *   reading of the paper's "minimizing the total error rate".
 * 'total-error': minimise the pooled number of misclassified atoms (maximise plain accuracy); the larger group
 *   weighs more. The other reading of the same sentence.
 */
export type SeparationCriterion = 'balanced-accuracy' | 'total-error';

export interface SeparatingThreshold {
  /** Classify value < threshold as "low", value ≥ threshold as "high". Midway between the two data values it splits. */
  threshold: number;
  criterion: SeparationCriterion;
  /** (fractionLowBelow + fractionHighAbove) / 2. */
  balancedAccuracy: number;
  /** Correctly classified / all. */
  accuracy: number;
  lowCount: number;
  highCount: number;
  /** Low-group values below the threshold. */
  lowBelow: number;
  /** High-group values at or above the threshold. */
  highAbove: number;
  fractionLowBelow: number;
  fractionHighAbove: number;
  totalErrors: number;
}

/**
 * Sweeps every cut between consecutive distinct values (plus below all and above all) and keeps the best by
 * `criterion`; ties go to the lowest such cut. Non-finite values are ignored. Both groups must be non-empty.
 */
export function separatingThreshold(
  lowValues: ArrayLike<number>,
  highValues: ArrayLike<number>,
  criterion: SeparationCriterion = 'balanced-accuracy',
): SeparatingThreshold {
  const entries: Array<[number, 0 | 1]> = [];
  for (let i = 0; i < lowValues.length; i++) if (Number.isFinite(lowValues[i] as number)) entries.push([lowValues[i] as number, 0]);
  for (let i = 0; i < highValues.length; i++) if (Number.isFinite(highValues[i] as number)) entries.push([highValues[i] as number, 1]);
  const lowCount = entries.filter((e) => e[1] === 0).length;
  const highCount = entries.length - lowCount;
  if (lowCount === 0 || highCount === 0) throw new Error('both groups need at least one finite value');
  entries.sort((u, v) => u[0] - v[0]);

  // Integer scores (exact in doubles up to ~10^7 atoms per group), so equal criteria compare equal: balanced
  // accuracy · 2 · lowCount · highCount, or the number of correctly classified atoms.
  const score = (lowBelow: number, highBelow: number): number =>
    criterion === 'balanced-accuracy' ? lowBelow * highCount + (highCount - highBelow) * lowCount : lowBelow + (highCount - highBelow);

  // Cut before index 0: nothing below.
  let bestScore = score(0, 0);
  let best = { index: 0, lowBelow: 0, highBelow: 0 };
  let lowBelow = 0;
  let highBelow = 0;
  for (let k = 0; k < entries.length; k++) {
    const [value, group] = entries[k] as [number, 0 | 1];
    if (group === 0) lowBelow++;
    else highBelow++;
    const next = entries[k + 1];
    // Only cut between distinct values: equal values must fall on the same side.
    if (next && next[0] === value) continue;
    const s = score(lowBelow, highBelow);
    if (s > bestScore) {
      bestScore = s;
      best = { index: k + 1, lowBelow, highBelow };
    }
  }
  const before = entries[best.index - 1];
  const after = entries[best.index];
  let threshold: number;
  if (!before) threshold = (after as [number, 0 | 1])[0];
  else if (!after) threshold = Infinity; // everything is "low"
  else {
    threshold = 0.5 * (before[0] + after[0]);
    // The midpoint of two adjacent doubles may round onto the lower one; the cut must stay above it.
    if (threshold <= before[0]) threshold = after[0];
  }

  const highAbove = highCount - best.highBelow;
  const fractionLowBelow = best.lowBelow / lowCount;
  const fractionHighAbove = highAbove / highCount;
  return {
    threshold,
    criterion,
    balancedAccuracy: 0.5 * (fractionLowBelow + fractionHighAbove),
    accuracy: (best.lowBelow + highAbove) / (lowCount + highCount),
    lowCount,
    highCount,
    lowBelow: best.lowBelow,
    highAbove,
    fractionLowBelow,
    fractionHighAbove,
    totalErrors: lowCount - best.lowBelow + best.highBelow,
  };
}

/**
 * The threshold between the paper's ordered (Voronoi class code 1) and disordered (code 3) motifs, from per-atom
 * values and VORONOI_CLASSES codes.
 */
export function orderedDisorderedThreshold(
  values: ArrayLike<number>,
  voronoiClassCodes: ArrayLike<number>,
  criterion: SeparationCriterion = 'balanced-accuracy',
): SeparatingThreshold {
  if (values.length !== voronoiClassCodes.length) throw new Error('values and class codes must have the same length');
  const low: number[] = [];
  const high: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (voronoiClassCodes[i] === ORDERED_CODE) low.push(values[i] as number);
    else if (voronoiClassCodes[i] === DISORDERED_CODE) high.push(values[i] as number);
  }
  return separatingThreshold(low, high, criterion);
}
