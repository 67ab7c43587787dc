/**
 * Requests whose work or reply grows with their parameters are bounded: over a bound they are refused at once as
 * invalid requests naming the bound; under it, replies that could be huge (a scan's centres, a detector frame's
 * preprocessing steps) come back thinned to a fixed size with the true counts.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import { scanThinning } from '../../main/core/services/diffraction-service';
import { displayStep } from '../../main/core/services/display-step';
import type { JobSummary } from '../../main/shared/domain';
import { ApiError } from '../../main/shared/ipc-contract';
import { MAX_PREVIEW_CENTRES, MAX_STEP_IMAGE_SIDE } from '../../main/shared/limits';
import { waitForJob } from '../support/jobs';
import { tempDir } from '../support/temp';

const demo = path.resolve('resources/demo/cu64zr36-glass.data');
let core: AppCore;
let handlers: Handlers;
let structureId = 0;
let labelSetId = 0;

const waitJob = (id: number): Promise<JobSummary> => waitForJob(handlers, id);

/** The refusal of a request: an invalid request (HTTP 400), answered without doing the work. */
async function refusal(run: () => Promise<unknown>): Promise<{ error: ApiError; seconds: number }> {
  const t0 = performance.now();
  try {
    await run();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { error, seconds: (performance.now() - t0) / 1000 };
  }
  throw new Error('the request was accepted');
}

beforeAll(async () => {
  core = new AppCore();
  handlers = createHandlers(core);
  await core.createProject(path.join(tempDir(), 'p'));
  const imported = await waitJob((await dispatch(handlers, 'structures.import', { path: demo, elements: 'Cu,Zr' })).jobId);
  structureId = Number(imported.outputs[0]?.id);
  const labelled = await waitJob((await dispatch(handlers, 'labels.run', { structureId })).jobId);
  labelSetId = Number(labelled.outputs[0]?.id);
});
afterAll(async () => {
  await core.dispose();
});

const recipe = (stepA: number, extra: Record<string, unknown> = {}) => ({
  name: 'limits',
  sources: [{ structureId, labelSetId }],
  scan: { kind: 'grid' as const, stepA },
  ...extra,
});

describe('datasets.scanPreview', () => {
  it('sends counts for every block and at most MAX_PREVIEW_CENTRES centres, thinned as a grid', async () => {
    // 32.15 Å cell at 0.1 Å: 322 × 322 positions per zone, three zones, two probes.
    const zones = ['z', 'x', 'y'] as const;
    const probes = [
      { kind: 'cylinder' as const, radiusA: 5, heightA: 20 },
      { kind: 'cylinder' as const, radiusA: 3, heightA: 10 },
    ];
    const plan = await dispatch(handlers, 'datasets.scanPreview', recipe(0.1, { zones: [...zones], probes }));
    const perScan = plan.scans[0]?.count ?? 0;
    expect(perScan).toBe(322 * 322);
    expect(plan.sampleCount).toBe(3 * 2 * perScan);
    expect(plan.blocks.map((b) => [b.zone, b.probe, b.count])).toEqual([0, 1, 2].flatMap((z) => [[z, 0, perScan], [z, 1, perScan]]));
    expect(plan.scans).toHaveLength(3);
    const sent = plan.scans.reduce((sum, s) => sum + s.centres.length / 3, 0);
    expect(sent).toBeLessThanOrEqual(MAX_PREVIEW_CENTRES);
    expect(sent).toBeGreaterThan(MAX_PREVIEW_CENTRES / 2);
    for (const scan of plan.scans) {
      expect(scan.rowStride).toBeGreaterThan(1);
      expect(scan.centres.length / 3).toBe(Math.ceil(scan.rows / scan.rowStride) * Math.ceil(scan.cols / scan.colStride));
    }
    // The reply is small although the recipe is a 620,000-pattern dataset.
    expect(JSON.stringify(plan).length).toBeLessThan(2_000_000);
  });

  it('refuses a step that would make more patterns than a dataset may hold, naming the limit', async () => {
    const { error, seconds } = await refusal(() => dispatch(handlers, 'datasets.scanPreview', recipe(0.001)));
    expect(error.code).toBe('invalid-request');
    expect(error.message).toMatch(/more than the limit of 1,000,000; use a larger step/);
    expect(seconds).toBeLessThan(10);
    const build = await refusal(() => dispatch(handlers, 'datasets.build', recipe(0.05, { zones: ['z', 'x', 'y'] })));
    expect(build.error.message).toMatch(/patterns in one dataset .* more than the limit of 1,000,000/);
    expect(await dispatch(handlers, 'datasets.list', {})).toEqual([]);
  });

  it('refuses recipes with more zones or probes than a dataset may hold', async () => {
    const { error } = await refusal(() => dispatch(handlers, 'datasets.scanPreview', recipe(3, { zones: Array.from({ length: 49 }, () => 'z') })));
    expect(error.message).toMatch(/zones: at most 48 zone axes per dataset/);
  });
});

describe('work bounds of live channels', () => {
  it('diffraction.preview refuses atoms × pixels over the bound before computing', async () => {
    // ~1600 atoms in a 2001 × 2001 pattern: 6·10⁹ exponentials.
    const { error, seconds } = await refusal(() =>
      dispatch(handlers, 'diffraction.preview', {
        structureId,
        center: [16, 16, 16],
        probe: { kind: 'cylinder', radiusA: 16, heightA: 32 },
        kmaxInvA: 10,
        deltaKInvA: 0.01,
      }),
    );
    expect(error.code).toBe('invalid-request');
    expect(error.message).toMatch(/atoms × pattern pixels \(\d[\d,]* atoms, 2001 × 2001 pixels\).*more than the limit.*coarser k-grid/);
    expect(seconds).toBeLessThan(10);
  });

  it('analysis.profile and analysis.sq refuse steps that would make millions of points', async () => {
    const profile = await refusal(() => dispatch(handlers, 'analysis.profile', { labelSetId, property: 'd', axis: 'x', windowA: 2, stepA: 1e-6 }));
    expect(profile.error.code).toBe('invalid-request');
    expect(profile.error.message).toMatch(/window positions at a 0.000001 Å step: .* more than the limit of 100,000/);
    const sq = await refusal(() => dispatch(handlers, 'analysis.sq', { labelSetId, qmaxInvA: 40, dqInvA: 1e-6 }));
    expect(sq.error.message).toMatch(/q points .* more than the limit of 100,000; use a larger q step/);
    // Under the bounds both answer.
    const ok = await dispatch(handlers, 'analysis.profile', { labelSetId, property: 'd', axis: 'x', windowA: 2, stepA: 0.5 });
    expect(ok.positionA.length).toBeGreaterThan(10);
  });

  it('replies sized by a count are capped in the schema', async () => {
    const thumbs = await refusal(() => dispatch(handlers, 'experiments.thumbnails', { path: demo, count: 200, size: 256 }));
    expect(thumbs.error.message).toMatch(/count × size² must be at most 2000000 pixels/);
    const values = await refusal(() => dispatch(handlers, 'predictions.get', { id: 1, limit: 5_000_000 }));
    expect(values.error.message).toMatch(/limit: at most 1000000 values per reply/);
  });

  it('a simulation start structure larger than the bound is refused before it is built', async () => {
    const { error, seconds } = await refusal(() =>
      dispatch(handlers, 'simulations.plan', { protocol: 'composite', cells: [500, 500, 500] }),
    );
    expect(error.code).toBe('invalid-request');
    expect(error.message).toMatch(/atoms of the crystal: 500,000,000 is more than the limit of 10,000,000/);
    expect(seconds).toBeLessThan(10);
  });
});

describe('bounded images and scans (pure)', () => {
  it('a detector frame larger than the display bound is block-averaged, its blocks exact means', () => {
    const rows = 2048;
    const cols = 1500;
    const image = Float32Array.from({ length: rows * cols }, (_, k) => (k % cols) + 1000 * Math.floor(k / cols));
    const step = displayStep('raw', rows, cols, image);
    expect(step.bin).toBe(4);
    expect([step.rows, step.cols]).toEqual([512, 375]);
    expect(Math.max(step.rows, step.cols)).toBeLessThanOrEqual(MAX_STEP_IMAGE_SIDE);
    // Block (r, c) holds columns 4c … 4c+3 and rows 4r … 4r+3: mean column 4c + 1.5, mean row 4r + 1.5.
    expect(step.image[10 * 375 + 7]).toBeCloseTo(4 * 7 + 1.5 + 1000 * (4 * 10 + 1.5), 6);
    const small = displayStep('model-input', 133, 133, new Float32Array(133 * 133).fill(0.5));
    expect(small.bin).toBe(1);
    expect(small.image).toHaveLength(133 * 133);
  });

  it('scan thinning keeps whole rows and columns and never exceeds the budget', () => {
    for (const [rows, cols, budget] of [
      [1000, 1000, 20_000],
      [1, 1_000_000, 20_000],
      [1_000_000, 1, 20_000],
      [3, 500_000, 1000],
      [7, 7, 1000],
    ] as const) {
      const { rowStride, colStride } = scanThinning(rows, cols, budget);
      const kept = Math.ceil(rows / rowStride) * Math.ceil(cols / colStride);
      expect(kept, `${rows} × ${cols}`).toBeLessThanOrEqual(Math.max(budget, 1));
      expect(kept, `${rows} × ${cols}`).toBeGreaterThan(Math.min(rows * cols, budget) / 4);
    }
  });
});
