/**
 * A preprocessing step as the GUI draws it. Steps travel as JSON arrays, one number per pixel: a 4096² detector frame
 * through six steps would be a reply of about a gigabyte, while the GUI draws each step a few hundred pixels wide.
 * Larger images are block-averaged by an integer factor `bin` (source pixels per shown pixel along each axis), so
 * the reply is bounded whatever the detector; centres and calibrations stay in source pixels.
 */
import { MAX_STEP_IMAGE_SIDE } from '../../shared/limits';

export interface DisplayStep {
  name: string;
  /** Shape of `image` (after binning). */
  rows: number;
  cols: number;
  /** Source pixels per shown pixel along each axis (1 = as computed). */
  bin: number;
  image: number[];
}

/** Mean of each bin × bin block (partial blocks at the far edges average what they hold); NaN pixels are skipped. */
export function displayStep(name: string, rows: number, cols: number, image: ArrayLike<number>): DisplayStep {
  const bin = Math.max(1, Math.ceil(Math.max(rows, cols) / MAX_STEP_IMAGE_SIDE));
  if (bin === 1) return { name, rows, cols, bin, image: Array.from(image) };
  const outRows = Math.ceil(rows / bin);
  const outCols = Math.ceil(cols / bin);
  const sum = new Float64Array(outRows * outCols);
  const count = new Float64Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / bin) * outCols;
    for (let c = 0; c < cols; c++) {
      const v = image[r * cols + c] as number;
      if (Number.isNaN(v)) continue;
      const k = base + Math.floor(c / bin);
      sum[k] = (sum[k] as number) + v;
      count[k] = (count[k] as number) + 1;
    }
  }
  const out = new Array<number>(outRows * outCols);
  for (let k = 0; k < out.length; k++) out[k] = (count[k] as number) > 0 ? (sum[k] as number) / (count[k] as number) : NaN;
  return { name, rows: outRows, cols: outCols, bin, image: out };
}
