/**
 * How a map's per-frame values read in words: the readout's "d = 0.431 ± 0.027", and what a frame's flag means —
 * for an out-of-distribution frame, which test it failed with the numbers (σ(d) against the ensemble's threshold,
 * the feature distance D² against the training inputs' threshold). Pure, for the map page, the linked frame view
 * and their unit test.
 */
import { MAP_FRAME_FLAGS, type MapArrays, type MapFrameFlag } from '../../../main/shared/maps';

export const OUT_OF_DISTRIBUTION: MapFrameFlag = 'out-of-distribution';

/** The flag of a flags.npy code; an unknown code (a newer app's flag) reads as its number. */
export function frameFlagName(code: number | undefined): string {
  return MAP_FRAME_FLAGS[code ?? 0] ?? `flag ${String(code)}`;
}

/** "d = 0.431 ± 0.027", "d = 0.431" without a σ, "d = —" for a frame not mapped. */
export function formatD(d: number | null | undefined, sigma: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return 'd = —';
  return sigma === null || sigma === undefined || !Number.isFinite(sigma) ? `d = ${d.toFixed(3)}` : `d = ${d.toFixed(3)} ± ${sigma.toFixed(3)}`;
}

/** One frame's values as the map holds them. */
export interface FrameValues {
  flag: string;
  d: number | null;
  sigma: number | null;
  distance: number | null;
  thresholds: MapArrays['oodThresholds'];
}

export function frameValues(arrays: MapArrays, index: number): FrameValues {
  return {
    flag: frameFlagName(arrays.flags[index]),
    d: arrays.d[index] ?? null,
    sigma: arrays.sigma[index] ?? null,
    distance: arrays.oodDistance[index] ?? null,
    thresholds: arrays.oodThresholds,
  };
}

/** Three significant figures without trailing zeros (0.06, 41.2, 0.0912). */
const num = (v: number): string => String(Number(v.toPrecision(3)));

/**
 * Which out-of-distribution tests a frame failed, each with its value and threshold. Empty when neither can be
 * told (the thresholds are not known, e.g. a map made before they were recorded).
 */
export function outOfDistributionTests(frame: Pick<FrameValues, 'sigma' | 'distance' | 'thresholds'>): string[] {
  const failed: string[] = [];
  const { sigma, distance, thresholds } = frame;
  if (distance !== null && thresholds.distance !== null && distance > thresholds.distance) {
    failed.push(`its pattern is unlike the training patterns: feature distance D² = ${num(distance)}, above the threshold ${num(thresholds.distance)}`);
  }
  if (sigma !== null && thresholds.sigma !== null && sigma > thresholds.sigma) {
    failed.push(`the ensemble members disagree: σ(d) = ${num(sigma)}, above the threshold ${num(thresholds.sigma)}`);
  }
  return failed;
}

const NOT_MAPPED: Readonly<Record<string, string>> = {
  saturated: 'too many of its pixels are saturated, so it was not mapped.',
  empty: 'it holds no counts, so it was not mapped.',
  'non-finite': 'it holds NaN or infinite pixels, so it was not mapped.',
  'no-centre': 'the direct beam’s centre could not be found, so it was not mapped.',
  vacuum: 'the halo the model reads holds almost none of the frame’s counts (vacuum or no specimen), so it was not mapped.',
};

/**
 * What a frame's flag means, in a sentence for the linked frame view; null for an 'ok' frame. An out-of-distribution
 * frame says which test failed with its numbers.
 */
export function frameFlagText(frame: FrameValues): string | null {
  if (frame.flag === 'ok') return null;
  if (frame.flag === OUT_OF_DISTRIBUTION) {
    const failed = outOfDistributionTests(frame);
    const why =
      failed.length > 0
        ? `${failed.join('; and ')}.`
        : `the thresholds it was tested against are not recorded${frame.sigma !== null ? ` (σ(d) = ${num(frame.sigma)})` : ''}${frame.distance !== null ? ` (D² = ${num(frame.distance)})` : ''}.`;
    return `Out of distribution — mapped (${formatD(frame.d, frame.sigma)}), but the model has not seen patterns like this one, so its d is shown greyed and should not be trusted: ${why}`;
  }
  const reason = NOT_MAPPED[frame.flag];
  return reason ? `${frame.flag[0]?.toUpperCase() ?? ''}${frame.flag.slice(1)}: ${reason}` : `Flagged ${frame.flag}: not mapped.`;
}
