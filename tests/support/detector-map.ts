/**
 * Maps a synthetic detector scan (detector-scan.ts) through the app's own path, as a user's file would be:
 * written as NPY, opened with openMicroscopy, planned with the recipe's defaults and the model's recorded transform
 * (planMap) and mapped (runMap). Shared by the robustness tests and the robustness benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FRAME_FLAGS, MAP_FILES, planMap, runMap, type FrameFlag, type MapSummary } from '../../native-workers/lib/microscopy/mapping';
import { openMicroscopy } from '../../native-workers/lib/microscopy/open';
import { defaultPreprocessThreads } from '../../native-workers/lib/microscopy/preprocess-pool';
import { recipeModelFromPreprocessing } from '../../native-workers/lib/microscopy/preprocess/recipe';
import type { InferenceModel } from '../../native-workers/lib/models/onnx-inference';
import { readNpy } from '../../native-workers/lib/npy';
import type { DetectorScan } from './detector-scan';
import { writeScanNpy } from './detector-writers';

export interface MappedScan {
  d: Float32Array;
  sigma: Float32Array;
  /** Squared feature distance to the training inputs. */
  ood: Float32Array;
  flags: FrameFlag[];
  /** frames.csv's reason per frame ('' for ok frames). */
  reasons: string[];
  summary: MapSummary;
}

/** Writes `scan` into `dir`, maps it into `dir`/map and reads the map back; the scan file is removed afterwards. */
export async function mapDetectorScan(model: InferenceModel, scan: DetectorScan, dir: string): Promise<MappedScan> {
  fs.mkdirSync(dir, { recursive: true });
  const written = writeScanNpy(path.join(dir, 'scan.npy'), scan);
  const source = await openMicroscopy(written.file);
  try {
    const recipe = { calibration: { method: 'manual', invAPerPixel: written.invAPerPixel }, model: recipeModelFromPreprocessing(model.metadata.preprocessing) };
    const { plan, badPixels } = planMap(source, model, recipe);
    const out = path.join(dir, 'map');
    const summary = await runMap(source, model, plan, badPixels, out, { threads: defaultPreprocessThreads() });
    const read = (name: string): Float32Array => {
      const data = readNpy(path.join(out, name)).data;
      if (!(data instanceof Float32Array)) throw new Error(`${name} is not float32`);
      return data;
    };
    const codes = readNpy(path.join(out, MAP_FILES.flags)).data;
    if (!(codes instanceof Uint8Array)) throw new Error(`${MAP_FILES.flags} is not uint8`);
    const rows = fs.readFileSync(path.join(out, MAP_FILES.frames), 'utf8').trim().split('\n');
    const reasonColumn = (rows[0] as string).split(',').indexOf('reason');
    return {
      d: read(MAP_FILES.d),
      sigma: read(MAP_FILES.sigma),
      ood: read(MAP_FILES.ood),
      flags: Array.from(codes, (c) => FRAME_FLAGS[c] ?? 'ok'),
      // None of the reasons holds a comma, so the column is found by splitting.
      reasons: rows.slice(1).map((line) => line.split(',')[reasonColumn] ?? ''),
      summary,
    };
  } finally {
    source.close();
    fs.rmSync(written.file, { force: true });
  }
}
