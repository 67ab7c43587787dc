import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainingRequestSchema } from '../../../main/shared/models';
import { configFor } from '../../../main/core/services/training-service';
import { writeSplitPlan } from '../../../native-workers/lib/datasets/split-plan';
import { structureSplit } from '../../../native-workers/lib/datasets/blocked-split';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-train-config-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const ENGINE_KEYS = ['schedule', 'minLr', 'warmupEpochs', 'emaDecay', 'tta', 'inputSide', 'balance', 'splitInfo'];

describe('the train config sends optional engine keys only when they differ from the engine defaults', () => {
  it('a default request sends none of them (the engine fills in the same values)', () => {
    const request = trainingRequestSchema.parse({ datasetId: 1 });
    expect(request).toMatchObject({ schedule: 'cosine', minLr: 1e-5, warmupEpochs: 1, emaDecay: 0.999, tta: 'none', inputSide: 133, balance: 'none', split: 'blocked', splitAxis: 'auto', splitGuardA: 0, validationFraction: 0.2 });
    const config = configFor(request, '/data', path.join(work, 'none'));
    for (const key of ENGINE_KEYS) expect(config).not.toHaveProperty(key);
  });

  it('other values are sent as given; "off" EMA is null', () => {
    const request = trainingRequestSchema.parse({ datasetId: 1, schedule: 'plateau', emaDecay: null, tta: 'd4', inputSide: 67, warmupEpochs: 0, minLr: 1e-6, balance: 'structure' });
    expect(configFor(request, '/data', path.join(work, 'none'))).toMatchObject({ schedule: 'plateau', emaDecay: null, tta: 'd4', inputSide: 67, warmupEpochs: 0, minLr: 1e-6, balance: 'structure' });
  });

  it('the split record beside split.npy goes in as splitInfo', () => {
    const modelDir = path.join(work, 'model');
    fs.mkdirSync(modelDir);
    const plan = structureSplit({ count: 4, structure: Int32Array.from([0, 0, 1, 1]), centreA: new Float64Array(12), region: new Int32Array(4).fill(-1) }, [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], [2], 42);
    writeSplitPlan(path.join(modelDir, 'split.npy'), plan);
    const config = configFor(trainingRequestSchema.parse({ datasetId: 1, split: 'structure', holdoutStructures: [2] }), '/data', modelDir);
    expect(config.splitInfo).toEqual(plan.info);
    expect(config.splitFile).toBe(path.join(modelDir, 'split.npy'));
  });

  it('refuses inconsistent split and schedule settings with the field named', () => {
    const structure = trainingRequestSchema.safeParse({ datasetId: 1, split: 'structure' });
    expect(structure.success ? [] : structure.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['holdoutStructures', 'split "structure" needs the structures to hold out (holdoutStructures)']]);
    const stray = trainingRequestSchema.safeParse({ datasetId: 1, holdoutStructures: [3] });
    expect(stray.success).toBe(false);
    const minLr = trainingRequestSchema.safeParse({ datasetId: 1, lr: 1e-4, minLr: 1e-3 });
    expect(minLr.success ? [] : minLr.error.issues.map((i) => i.path.join('.'))).toEqual(['minLr']);
    expect(trainingRequestSchema.safeParse({ datasetId: 1, validationFraction: 1 }).success).toBe(false);
    expect(trainingRequestSchema.safeParse({ datasetId: 1, inputSide: 100 }).success).toBe(false);
    expect(trainingRequestSchema.safeParse({ datasetId: 1, balance: 'region' }).success).toBe(false);
  });
});
