/** A dataset export records the transform that made its model inputs; a model reading other inputs is refused. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_DEFAULTS, preprocessingRecord } from '../../../main/shared/model-transform';
import { openExportSource } from '../../../native-workers/lib/models/pattern-sources';
import { writeNpy } from '../../../native-workers/lib/npy';
import { tempDir } from '../../support/temp';


const GRID = { side: 133, kmaxInvA: 1, deltaKInvA: 0.015 };

function writeExport(transform: string, record: Record<string, unknown> | null): string {
  const dir = tempDir('ssro-export-');
  writeNpy(path.join(dir, 'diffraction_patterns.npy'), new Float32Array(133 * 133).fill(0.25), [1, 133, 133]);
  fs.writeFileSync(path.join(dir, 'export.json'), JSON.stringify({ sampleCount: 1, side: 133, patterns: { file: 'diffraction_patterns.npy', storedKind: 'raw-intensity', transform, preprocessing: record } }));
  return dir;
}

describe('exports and model transforms', () => {
  const v2 = preprocessingRecord({ transform: 'annulus-log', ...ANNULUS_LOG_DEFAULTS }, GRID);
  const v1 = preprocessingRecord({ transform: 'log1-minmax' }, GRID);

  it('reads an annulus-log export for a v2 model and refuses it for a v1 model', () => {
    const dir = writeExport('annulus-log', v2);
    const source = openExportSource(dir, v2);
    const out = new Float32Array(133 * 133);
    source.readModelInput(0, out);
    expect(out[0]).toBe(0.25);
    source.close();
    expect(() => openExportSource(dir, v1)).toThrow(/made with transform annulus-log from raw-intensity; the model reads log1-minmax model inputs/);
  });

  it('refuses a v1 export for a v2 model, and other annulus-log constants', () => {
    expect(() => openExportSource(writeExport('log1-minmax', null), v2)).toThrow(/the model reads annulus-log model inputs — predict on the project dataset itself/);
    const other = preprocessingRecord({ transform: 'annulus-log', ...ANNULUS_LOG_DEFAULTS, beamMaskInvA: 0.05 }, GRID);
    expect(() => openExportSource(writeExport('annulus-log', other), v2)).toThrow(/other annulus-log constants than the model's \(beamMaskInvA\)/);
  });
});
