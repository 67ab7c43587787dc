/**
 * The probe-size sweep (papers/000 Fig. 7) with real PyTorch: `ssro sweep` trains each architecture on each cylinder
 * probe of a synthetic two-probe dataset (one probe's patterns carry d, the other's do not, so their RMSEs must
 * differ the right way), each cell sees only its probe's patterns, checkpoints are dropped once a cell is done,
 * a cancelled sweep keeps its finished cells and resumes with only the others, and a one-probe dataset is refused.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import { Project } from '../../main/core/project/project';
import type { JobSummary } from '../../main/shared/domain';
import type { SweepSummary } from '../../main/shared/sweeps';
import { readNpy } from '../../native-workers/lib/npy';
import { addSyntheticDataset } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const bin = path.resolve('bin/ssro.js');
const work = tempDir('ssro-sweep-');
const COLS = 120;
const probes = [
  { kind: 'cylinder' as const, radiusA: 5, heightA: 20 },
  { kind: 'cylinder' as const, radiusA: 3, heightA: 10 },
];

function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function addDatasets(dir: string): { sweepDataset: number; singleDataset: number } {
  const project = Project.open(dir);
  try {
    const sweepDataset = addSyntheticDataset(project, { name: 'two probes', rows: 1, cols: COLS, probes, blindProbes: [1] }).datasetId;
    const singleDataset = addSyntheticDataset(project, { name: 'one probe', rows: 1, cols: 40 }).datasetId;
    return { sweepDataset, singleDataset };
  } finally {
    project.close();
  }
}

const title = torchAvailable ? 'probe-size sweep with PyTorch' : `probe-size sweep — skipped: ${PYTHON} cannot import torch (apt install python3-torch python3-torchvision)`;

describe.skipIf(!torchAvailable)(title, () => {
  const projectDir = path.join(work, 'project');
  let ids = { sweepDataset: 0, singleDataset: 0 };

  beforeAll(() => {
    expect(ssro('project', 'init', projectDir).status).toBe(0);
    ids = addDatasets(projectDir);
  });

  it('ssro sweep trains every cell on its own probe and prints the RMSE tables', () => {
    // The synthetic strip has no structure in the project to block along: the random split, labelled as optimistic.
    const r = ssro('sweep', projectDir, '--dataset', String(ids.sweepDataset), '--models', 'basecnn', '--epochs', '4', '--batch', '16', '--device', 'cpu', '--split', 'random', '--json');
    expect(r.status, r.stderr).toBe(0);
    const sweep = JSON.parse(r.stdout) as SweepSummary;
    expect(sweep.state).toBe('complete');
    expect(sweep.cells.map((c) => c.key).sort()).toEqual(['basecnn-r3-h10', 'basecnn-r5-h20']);
    for (const cell of sweep.cells) {
      expect(cell.state).toBe('done');
      expect(cell.trainCount + cell.validationCount).toBe(COLS);
      expect(cell.validation?.count).toBe(cell.validationCount);
    }
    const informative = sweep.cells.find((c) => c.radiusA === 5) as SweepSummary['cells'][number];
    const blind = sweep.cells.find((c) => c.radiusA === 3) as SweepSummary['cells'][number];
    // The blind probe's patterns say nothing about d: its RMSE stays near the spread of d, the other learns.
    expect(informative.validation?.rmse as number).toBeLessThan(0.8 * (blind.validation?.rmse as number));
    expect(r.stderr).toMatch(/split: random \(overlapping probes — optimistic\)\nbasecnn: validation RMSE \(rows: height Å, columns: radius Å\)/);
    expect(r.stderr).toContain(`${(informative.validation?.rmse as number).toFixed(4)}`);

    // Each cell's split holds only its probe's patterns (probe-major: the second probe's are the last COLS).
    const project = Project.open(projectDir);
    try {
      const dir = project.sweeps.folder(sweep.id);
      const split = Array.from(readNpy(path.join(dir, 'split-r5-h20.npy')).data as Int8Array);
      expect(split.slice(0, COLS).every((v) => v === 0 || v === 1)).toBe(true);
      expect(split.slice(COLS).every((v) => v === -1)).toBe(true);
      const other = Array.from(readNpy(path.join(dir, 'split-r3-h10.npy')).data as Int8Array);
      expect(other.slice(0, COLS).every((v) => v === -1)).toBe(true);
      // The same positions fall in validation for both probes only by chance: each uses the dataset's own split.
      for (const cell of sweep.cells) {
        expect(fs.existsSync(path.join(dir, cell.key, 'metrics.json'))).toBe(true);
        expect(fs.existsSync(path.join(dir, cell.key, 'last.pt'))).toBe(false);
        expect(fs.existsSync(path.join(dir, cell.key, 'model.onnx'))).toBe(false);
      }
    } finally {
      project.close();
    }
  });

  it('blocks by default, and refuses a dataset whose structure is gone with what to do', () => {
    const r = ssro('sweep', projectDir, '--dataset', String(ids.sweepDataset), '--models', 'basecnn', '--epochs', '1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/probe r 5 Å h 20 Å: split: structure 1, which the dataset was built from, is no longer in the project.*--split random/);
    const bad = ssro('sweep', projectDir, '--dataset', String(ids.sweepDataset), '--split', 'structure', '--holdout-structure', '1');
    expect(bad.stderr).toMatch(/leave-structure-out needs a dataset of two or more structures/);
  });

  it('a dataset with one probe is refused with what to build instead', () => {
    const r = ssro('sweep', projectDir, '--dataset', String(ids.singleDataset), '--models', 'basecnn', '--epochs', '1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/a sweep compares cylinder probe sizes, but this dataset has one cylinder probe; build one with several radii and heights/);
  });

  describe('cancel and resume', () => {
    let core: AppCore;
    let handlers: Handlers;
    beforeAll(async () => {
      core = new AppCore();
      handlers = createHandlers(core);
      await dispatch(handlers, 'project.open', { path: projectDir });
      await dispatch(handlers, 'settings.set', { python3Path: PYTHON });
    });
    afterAll(async () => {
      await core.dispose();
    });

    async function waitJob(id: number): Promise<JobSummary> {
      for (;;) {
        const job = await dispatch(handlers, 'jobs.get', { id });
        if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) return job;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('keeps finished cells when cancelled and trains only the others on resume', async () => {
      const { sweepId, jobId } = await dispatch(handlers, 'sweeps.run', {
        datasetId: ids.sweepDataset,
        models: ['basecnn'],
        split: 'random',
        epochs: 2,
        batchSize: 16,
        device: 'cpu',
        name: 'to cancel',
      });
      expect((await dispatch(handlers, 'sweeps.list', {})).find((s) => s.id === sweepId)?.state).toBe('running');
      for (;;) {
        const live = await dispatch(handlers, 'sweeps.get', { id: sweepId });
        if (live.cells.some((c) => c.state === 'done')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await dispatch(handlers, 'jobs.cancel', { id: jobId });
      const cancelled = await waitJob(jobId);
      const stopped = await dispatch(handlers, 'sweeps.get', { id: sweepId });
      if (cancelled.state === 'succeeded') {
        // The second cell finished before the cancel arrived: nothing left to resume.
        expect(stopped.state).toBe('complete');
        return;
      }
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.error).toMatch(/^cancelled in cell 2 of 2 \(basecnn r 3 Å h 10 Å\); 1 cells are done and kept; resume it with "ssro sweep PROJECT --resume \d+"/);
      expect(stopped.state).toBe('incomplete');
      const first = stopped.cells.find((c) => c.state === 'done') as SweepSummary['cells'][number];
      expect(stopped.cells.filter((c) => c.state === 'done')).toHaveLength(1);

      const resumed = await dispatch(handlers, 'sweeps.resume', { sweepId });
      expect((await waitJob(resumed.jobId)).state).toBe('succeeded');
      const done = await dispatch(handlers, 'sweeps.get', { id: sweepId });
      expect(done.state).toBe('complete');
      // The finished cell was not trained again: same metrics, same time.
      expect(done.cells.find((c) => c.key === first.key)).toEqual(first);
      await expect(dispatch(handlers, 'sweeps.resume', { sweepId })).rejects.toThrow(/is complete/);
    });
  });
});
