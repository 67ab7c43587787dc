/**
 * One frame of a map, start to end: read it, run the recipe on it (preprocess/recipe.ts), flag it, and measure its
 * virtual bright-field and annular dark-field intensity. Used in the mapping process itself and in the preprocessing
 * threads (preprocess-pool.ts), so both give the same bytes.
 */
import type { FrameSource } from './frame-source';
import type { MapPlan, VirtualDetectors } from './mapping';
import { CentreFindingError, type BeamCentre } from './preprocess/centre';
import { createPreprocessWorkspace, preprocessFrame, type PreprocessWorkspace } from './preprocess/recipe';

/**
 * Frame flags stored in flags.npy (codes are indices: new flags are only ever appended). Every flag but 'ok' and
 * 'out-of-distribution' means the frame was not mapped (d is NaN); an out-of-distribution frame keeps its d but is
 * shown greyed, because the model has not seen anything like it (mapping.ts says how that is decided).
 */
export const FRAME_FLAGS = ['ok', 'saturated', 'empty', 'non-finite', 'no-centre', 'vacuum', 'out-of-distribution'] as const;
export type FrameFlag = (typeof FRAME_FLAGS)[number];

export interface ProcessedFrame {
  index: number;
  flag: FrameFlag;
  centre: BeamCentre;
  vbf: number;
  vadf: number;
  /** side² model input, null for a flagged frame. */
  modelInput: Float32Array | null;
  readSeconds: number;
  preprocessSeconds: number;
}

/** Sums of a frame inside the bright-field disc and the dark-field annulus about `centre`. */
export function virtualIntensities(frame: Float32Array, rows: number, cols: number, centre: BeamCentre, invAPerPixel: number, detectors: VirtualDetectors): [number, number] {
  const bf2 = (detectors.brightFieldMaxInvA / invAPerPixel) ** 2;
  const lo2 = (detectors.darkFieldInvA[0] / invAPerPixel) ** 2;
  const hi2 = (detectors.darkFieldInvA[1] / invAPerPixel) ** 2;
  let bf = 0;
  let adf = 0;
  for (let r = 0; r < rows; r++) {
    const dr2 = (r - centre.row) ** 2;
    if (dr2 > hi2 && dr2 > bf2) continue;
    for (let c = 0; c < cols; c++) {
      const q2 = dr2 + (c - centre.col) ** 2;
      const v = frame[r * cols + c] as number;
      if (!Number.isFinite(v)) continue;
      if (q2 <= bf2) bf += v;
      else if (q2 >= lo2 && q2 <= hi2) adf += v;
    }
  }
  return [bf, adf];
}

export class FrameProcessor {
  private readonly frame: Float32Array;
  private readonly workspace: PreprocessWorkspace;

  constructor(
    private readonly source: FrameSource,
    private readonly plan: MapPlan,
    private readonly badPixels: Uint8Array | null,
    private readonly dark: Float32Array | null,
  ) {
    const [rows, cols] = source.info.frameShape;
    this.frame = new Float32Array(rows * cols);
    this.workspace = createPreprocessWorkspace(rows, cols, plan.recipe.model.side);
  }

  process(index: number): ProcessedFrame {
    const { info } = this.source;
    const [rows, cols] = info.frameShape;
    const invAPerPixel = this.plan.recipe.calibration.invAPerPixel as number;
    let t = performance.now();
    this.source.readFrame(index, this.frame);
    const readSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    let r: ReturnType<typeof preprocessFrame> | null = null;
    try {
      r = preprocessFrame(this.frame, [rows, cols], this.plan.recipe, {
        dtype: info.dtype,
        dark: this.dark,
        badPixels: this.badPixels,
        centre: this.plan.scanCentre,
        invAPerPixel,
        workspace: this.workspace,
      });
    } catch (error) {
      // A frame whose beam centre cannot be found is flagged, not fatal; anything else stops the map.
      if (!(error instanceof CentreFindingError)) throw error;
    }
    const flag: FrameFlag = r === null ? 'no-centre' : r.quality.flag;
    const centre = r?.centre ?? this.plan.scanCentre ?? { row: (rows - 1) / 2, col: (cols - 1) / 2 };
    const [vbf, vadf] = virtualIntensities(this.frame, rows, cols, centre, invAPerPixel, this.plan.virtualDetectors);
    const modelInput = flag === 'ok' && r !== null ? Float32Array.from(r.modelInput) : null;
    return { index, flag, centre, vbf, vadf, modelInput, readSeconds, preprocessSeconds: (performance.now() - t) / 1000 };
  }
}
