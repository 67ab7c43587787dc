/**
 * Dataset building as users run it: a diffract job on a labelled structure, the samples and labels it writes,
 * cancel and resume giving the same bytes as one uninterrupted build, the export layout, and bad recipes refused
 * before any work starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { readNpy } from '../../native-workers/lib/npy';
import { waitForJob } from '../support/jobs';
import { tempDir } from '../support/temp';

const demo = path.resolve('resources/demo/cu64zr36-glass.data');
let core: AppCore;
let handlers: Handlers;
let structureId = 0;
let labelSetId = 0;
const work = tempDir();

const waitJob = (id: number): Promise<JobSummary> => waitForJob(handlers, id);

const recipe = (name: string) => ({
  name,
  sources: [{ structureId, labelSetId }],
  scan: { kind: 'grid' as const, stepA: 3 },
  zones: ['z' as const, 'x' as const],
  probes: [{ kind: 'cylinder' as const, radiusA: 5, heightA: 20 }],
});

beforeAll(async () => {
  core = new AppCore();
  handlers = createHandlers(core);
  await core.createProject(path.join(work, 'p'));
  const imported = await waitJob((await dispatch(handlers, 'structures.import', { path: demo, elements: 'Cu,Zr' })).jobId);
  structureId = Number(imported.outputs[0]?.id);
  const labelled = await waitJob((await dispatch(handlers, 'labels.run', { structureId })).jobId);
  labelSetId = Number(labelled.outputs[0]?.id);
});
afterAll(async () => {
  await core.dispose();
});

describe('diffract job and datasets', () => {
  let fullDataset = 0;

  it('builds a dataset: every sample a 133×133 pattern with the mean d of its atoms', async () => {
    const { datasetId, jobId } = await dispatch(handlers, 'datasets.build', recipe('full'));
    fullDataset = datasetId;
    const job = await waitJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(job.logTail.join('\n')).toMatch(/on 2 threads/);
    const [dataset] = await dispatch(handlers, 'datasets.list', {});
    expect(dataset).toMatchObject({ state: 'complete', name: 'full' });
    // 32.15 Å cell, 3 Å steps: 11 × 11 centres per zone, two zones.
    expect(dataset?.sampleCount).toBe(2 * 11 * 11);
    const dir = core.requireProject().project.datasets.folder(datasetId);
    const patterns = readNpy(path.join(dir, 'patterns.npy'));
    expect(patterns.shape).toEqual([242, 133, 133]);
    const labels = readNpy(path.join(dir, 'labels.npy')).data as Float64Array;
    for (const d of labels) {
      expect(d).toBeGreaterThan(0.6);
      expect(d).toBeLessThan(1.1);
    }
    // The forward beam (centre pixel) carries (Σf)²/N: the brightest node of every raw pattern.
    const side = 133;
    const first = (patterns.data as Float32Array).subarray(0, side * side);
    const centre = first[66 * side + 66] ?? 0;
    expect(Math.max(...first)).toBe(centre);
  });

  it('a cancelled build resumes to exactly the bytes of an uninterrupted one', async () => {
    const { datasetId, jobId } = await dispatch(handlers, 'datasets.build', recipe('resumed'));
    for (let i = 0; i < 400; i++) {
      const j = await dispatch(handlers, 'jobs.get', { id: jobId });
      if ((j.progress ?? 0) > 0.2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await dispatch(handlers, 'jobs.cancel', { id: jobId });
    expect((await waitJob(jobId)).state).toBe('cancelled');
    const partial = (await dispatch(handlers, 'datasets.list', {})).find((d) => d.id === datasetId);
    expect(partial?.state).toBe('building');
    expect(partial?.doneCount).toBeLessThan(partial?.sampleCount ?? 0);
    await expect(dispatch(handlers, 'datasets.export', { datasetId, dir: path.join(work, 'nope') })).rejects.toThrow(/still building/);
    const resumed = await waitJob((await dispatch(handlers, 'datasets.resume', { datasetId })).jobId);
    expect(resumed.state).toBe('succeeded');
    const a = core.requireProject().project.datasets.folder(fullDataset);
    const b = core.requireProject().project.datasets.folder(datasetId);
    for (const file of ['patterns.npy', 'labels.npy', 'meta.npy']) {
      expect(fs.readFileSync(path.join(b, file)).equals(fs.readFileSync(path.join(a, file))), file).toBe(true);
    }
  });

  it('exports the authors\' layout with a seeded 80/20 split', async () => {
    const out = path.join(work, 'export');
    const result = await dispatch(handlers, 'datasets.export', { datasetId: fullDataset, dir: out });
    expect(result.files).toEqual(expect.arrayContaining(['diffraction_patterns.npy', 'targets.npy', 'metadata.csv', 'split.csv']));
    const patterns = readNpy(path.join(out, 'diffraction_patterns.npy'));
    expect(patterns.dtype).toBe('<f4');
    expect(patterns.shape).toEqual([242, 133, 133]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of patterns.data as Float32Array) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
    const split = fs.readFileSync(path.join(out, 'split.csv'), 'utf8').trim().split('\n').slice(1);
    expect(split.filter((l) => l.endsWith('validation'))).toHaveLength(Math.floor(0.2 * 242));
  });

  it('previews one probe live and browses the stored samples', async () => {
    const preview = await dispatch(handlers, 'diffraction.preview', { structureId, labelSetId, center: [10, 10, 15] });
    const side = preview.header.side;
    expect(side).toBe(133);
    expect(preview.values).toHaveLength(side * side);
    expect(preview.header.atoms).toBeGreaterThan(50);
    expect(preview.header.dMean).toBeGreaterThan(0.7);
    expect(Math.max(...preview.values)).toBe(preview.values[66 * side + 66]);
    expect(preview.header.radial.kInvA[0]).toBe(0);
    expect(preview.header.radial.kInvA.at(-1)).toBeLessThan(1);
    await expect(dispatch(handlers, 'diffraction.preview', { structureId, center: [10, 10, 15], probe: { kind: 'cylinder', radiusA: 0.05, heightA: 0.1 } })).rejects.toThrow(/no atoms within/);

    const plan = await dispatch(handlers, 'datasets.scanPreview', recipe('plan'));
    expect(plan.sampleCount).toBe(242);
    expect(plan.blocks.map((b) => b.count)).toEqual([121, 121]);
    expect(plan.scans.map((s) => [s.count, s.rowStride, s.colStride, s.centres.length / 3])).toEqual([[121, 1, 1, 121], [121, 1, 1, 121]]);
    const samples = await dispatch(handlers, 'datasets.samples', { datasetId: fullDataset });
    expect(samples.count).toBe(242);
    expect(samples.done.every(Boolean)).toBe(true);
    const dir = core.requireProject().project.datasets.folder(fullDataset);
    const labels = readNpy(path.join(dir, 'labels.npy')).data as Float64Array;
    expect(samples.meanD).toEqual(Array.from(labels));
    const stored = readNpy(path.join(dir, 'patterns.npy')).data as Float32Array;
    const one = await dispatch(handlers, 'datasets.pattern', { datasetId: fullDataset, index: 5 });
    expect(Array.from(one.values)).toEqual(Array.from(stored.subarray(5 * 133 * 133, 6 * 133 * 133)));
    await expect(dispatch(handlers, 'datasets.pattern', { datasetId: fullDataset, index: 999 })).rejects.toThrow(/out of range/);
  });

  it('refuses bad recipes before any work, naming the problem', async () => {
    await expect(dispatch(handlers, 'datasets.build', { ...recipe('x'), probes: [{ kind: 'cylinder', radiusA: 5, heightA: 60 }] })).rejects.toThrow(
      /spans 60 Å across periodic cell direction c.*would see atoms twice/,
    );
    await expect(dispatch(handlers, 'datasets.build', { ...recipe('x'), kmaxInvA: 5, deltaKInvA: 0.001 })).rejects.toThrow(/side|large|2049/i);
    await expect(dispatch(handlers, 'datasets.build', { ...recipe('x'), sources: [{ structureId, labelSetId: 77 }] })).rejects.toThrow(/label set 77 does not exist/);
    await expect(dispatch(handlers, 'datasets.build', { ...recipe('x'), probes: [{ kind: 'cylinder', radiusA: -1, heightA: 5 }] })).rejects.toThrow(/radiusA/);
    const before = (await dispatch(handlers, 'datasets.list', {})).length;
    expect(before).toBe(2);
    await expect(dispatch(handlers, 'structures.delete', { id: structureId })).rejects.toThrow(/source of datasets 1, 2/);
  });
});
