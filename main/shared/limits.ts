/**
 * Upper bounds on the work a request can ask for and on the size of a reply, for every channel whose cost grows with
 * its parameters (a scan step, a k-grid, a count). A request over a bound is refused before any work with a message
 * naming the bound, so one typed digit cannot block the app for minutes or fill its memory. Each bound is far above
 * what the science needs (stated per constant) and small enough that the worst accepted request answers in seconds.
 */
/**
 * Samples (patterns) in one dataset. The papers' datasets hold ~10⁴–10⁵ patterns; 10⁶ patterns of 133 × 133 are
 * already 70 GB on disk, and the per-sample tables of `datasets.samples` stay a few tens of MB.
 */
export const MAX_DATASET_SAMPLES = 1_000_000;
/** Structures, zone axes and probe shapes in one dataset recipe (each adds a pass over the structure when checked). */
export const MAX_DATASET_SOURCES = 64;
export const MAX_DATASET_ZONES = 48;
export const MAX_DATASET_PROBES = 64;
/** Probe centres returned by `datasets.scanPreview` in all (a plot of the scan needs a few thousand). */
export const MAX_PREVIEW_CENTRES = 20_000;
/**
 * Atoms × pattern pixels of one live pattern (`diffraction.preview`): the kinematic sum costs one complex exponential
 * per pair, ~10⁸–10⁹ per second on one core. The paper's probes (≤ 2000 atoms, 133²) need 3.5·10⁷.
 */
export const MAX_PREVIEW_WORK = 4e9;
/** Window positions of a sliding profile (`analysis.profile`, `analysis.motifs`): one per 0.01 Å over 1 µm. */
export const MAX_PROFILE_POSITIONS = 100_000;
/** q points of a structure factor (`analysis.sq`). */
export const MAX_SQ_POINTS = 100_000;
/** Predicted values returned by `predictions.get` (the rest stay in the prediction's files). */
export const MAX_PREDICTION_VALUES = 1_000_000;
/** Validation pairs returned by `models.get` for the parity plot (the KDE still uses every pair). */
export const MAX_VALIDATION_PAIRS = 200_000;
/** Thumbnail pixels of one `experiments.thumbnails` reply (count × size²): 200 thumbnails of 100 px. */
export const MAX_THUMBNAIL_PIXELS = 2_000_000;

/**
 * Atoms a structure builder makes (simulation start structures, previews of them): LAMMPS on a workstation runs
 * 10⁴–10⁶ atoms; the glass protocol accepts at most 5·10⁶.
 */
export const MAX_BUILT_ATOMS = 10_000_000;
/** Side (pixels) of a preprocessing step image in a reply; larger frames are block-averaged for display. */
export const MAX_STEP_IMAGE_SIDE = 512;

function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toPrecision(3);
}

/** The message of a request over a bound: names the bound and how to stay under it. */
export function limitMessage(what: string, value: number, limit: number, hint: string): string {
  return `${what}: ${formatCount(value)} is more than the limit of ${formatCount(limit)}; ${hint}`;
}

/**
 * Thrown by the science library when a request's parameters exceed a bound; the API answers it as an invalid request
 * (HTTP 400) with this message, not as a failure of the app.
 */
export class LimitExceeded extends Error {
  constructor(what: string, value: number, limit: number, hint: string) {
    super(limitMessage(what, value, limit, hint));
    this.name = 'LimitExceeded';
  }
}
