/**
 * A box length two grains with different periods can share: whole multiples of each period, equal within a strain
 * bound, each grain then strained to the common length (their mean, so the mismatch is split between them).
 */
import { BuilderInputError } from './builder-input-error';

export interface CommonLength {
  lengthA: number;
  /** Whole periods of grain A and grain B. */
  repeats: [number, number];
  /** Engineering strain each grain takes to reach `lengthA`: lengthA / (repeats · period) − 1. */
  strains: [number, number];
}

/** Beyond this many periods of grain A we stop looking and ask for a larger strain bound. */
const MAX_REPEATS = 100_000;
/** Strains equal to the bound up to rounding are accepted. */
const STRAIN_SLACK = 1e-12;

function candidate(periodAA: number, periodBA: number, nA: number, nB: number): CommonLength {
  const lengthA = (nA * periodAA + nB * periodBA) / 2;
  return { lengthA, repeats: [nA, nB], strains: [lengthA / (nA * periodAA) - 1, lengthA / (nB * periodBA) - 1] };
}

/**
 * The shortest common length ≥ `minLengthA` at which both grains' strains stay within `maxStrain` (a fraction, 0.02 =
 * 2 %). Commensurate periods give zero strain. Throws when nothing fits within MAX_REPEATS periods.
 */
export function commonPeriodicLength(periodAA: number, periodBA: number, minLengthA: number, maxStrain: number): CommonLength {
  if (!(periodAA > 0 && periodBA > 0)) throw new BuilderInputError('grain periods must be positive');
  if (!(Number.isFinite(minLengthA) && minLengthA >= 0)) throw new BuilderInputError(`a minimum length must be ≥ 0 Å, got ${minLengthA}`);
  if (!(Number.isFinite(maxStrain) && maxStrain >= 0 && maxStrain < 1)) {
    throw new BuilderInputError(`maxStrain is a fraction in [0, 1), got ${maxStrain}`);
  }
  let best: CommonLength | null = null;
  const firstA = Math.max(1, Math.floor((minLengthA / periodAA) * (1 - maxStrain)));
  for (let nA = firstA; nA <= MAX_REPEATS; nA++) {
    // A common length is within maxStrain of nA·periodA, so once that is past the best found, nothing shorter remains.
    if (best !== null && nA * periodAA * (1 - maxStrain) > best.lengthA) break;
    const ratio = (nA * periodAA) / periodBA;
    for (const nB of new Set([Math.max(1, Math.floor(ratio)), Math.max(1, Math.ceil(ratio))])) {
      const c = candidate(periodAA, periodBA, nA, nB);
      const fits = Math.abs(c.strains[0]) <= maxStrain + STRAIN_SLACK && Math.abs(c.strains[1]) <= maxStrain + STRAIN_SLACK;
      if (fits && c.lengthA >= minLengthA && (best === null || c.lengthA < best.lengthA)) best = c;
    }
  }
  if (best === null) {
    throw new BuilderInputError(
      `no common length for periods ${periodAA.toFixed(4)} Å and ${periodBA.toFixed(4)} Å within strain ${maxStrain} ` +
        `up to ${MAX_REPEATS} periods; allow more strain`,
    );
  }
  return best;
}
