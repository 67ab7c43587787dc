/**
 * `ssro map` end to end with real PyTorch (to train the model) and onnxruntime (to map): a synthetic 4D-STEM scan
 * whose frames are made on a detector twice as fine as the model's k-grid, from a known d map, is written as a NumPy
 * 4D array, an EMD-style HDF5 file with its 1/Å calibration (h5py) and a Merlin MIB stream; each is mapped back.
 * The three d maps must be identical (the same counts in three formats), follow the known d map within the model's
 * own error, and the calibration must be taken from the file where it exists and required where it does not.
 * Saturated frames are flagged and left out; a cancelled map continues where it stopped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../main/core/project/project';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';
import { MapCancelled, planMap, runMap } from '../../native-workers/lib/microscopy/mapping';
import { openMicroscopy } from '../../native-workers/lib/microscopy/open';
import { recipeModelFromPreprocessing } from '../../native-workers/lib/microscopy/preprocess/recipe';
import { loadInferenceModel } from '../../native-workers/lib/models/onnx-inference';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import { addSyntheticDataset } from '../support/synthetic-dataset';
import { frame, NX, NY, PIXEL, SIDE, trueD } from '../support/synthetic-scan';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const peers = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy, h5py'], { stdio: 'ignore' }).status === 0;
const bin = path.resolve('bin/ssro.js');
const work = tempDir('ssro-map-');

function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function python(script: string): void {
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

/** A Merlin MIB stream of U32 frames (rows stored bottom-up: readers flip them, as rosettasciio does). */
function writeMib(file: string, frames: Float32Array[]): void {
  const headerSize = 384;
  const parts: Buffer[] = [];
  frames.forEach((f, i) => {
    const text =
      `MQ1,${String(i + 1).padStart(6, '0')},${String(headerSize).padStart(5, '0')},01,${String(SIDE).padStart(4, '0')},${String(SIDE).padStart(4, '0')},U32,   1x1,01,` +
      '2020-05-18 16:51:49.971626,0.000555,0,0,0,1.200000E+2,5.110000E+2,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,' +
      '0.000000E+0,0.000000E+0,3RX,175,511,000,000,000,000,000,000,125,255,125,125,100,100,082,100,087,030,128,004,255,129,' +
      '128,176,168,511,511,MQ1A,2020-05-18T14:51:49.971626178Z,555000ns,32,';
    const header = Buffer.alloc(headerSize, 0);
    header.write(text, 0, 'latin1');
    const body = Buffer.alloc(SIDE * SIDE * 4);
    for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) body.writeUInt32BE(f[(SIDE - 1 - r) * SIDE + c] as number, 4 * (r * SIDE + c));
    parts.push(header, body);
  });
  fs.writeFileSync(file, Buffer.concat(parts));
}

const title = peers ? 'ssro map on a synthetic 4D-STEM scan in three formats' : `ssro map — skipped: ${PYTHON} cannot import torch, torchvision, numpy and h5py`;

/** Polls a job until it has ended. */
async function finished(handlers: Handlers, jobId: number): Promise<JobSummary> {
  for (;;) {
    const job = await dispatch(handlers, 'jobs.get', { id: jobId });
    if (job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!peers)(title, () => {
  const projectDir = path.join(work, 'project');
  const files = { npy: path.join(work, 'scan.npy'), emd: path.join(work, 'scan.emd'), mib: path.join(work, 'scan.mib') };
  let onnx = '';
  let validationRmse = 0;
  let trainingDatasetId = 0;
  const dMap = new Float64Array(NY * NX);

  beforeAll(() => {
    expect(ssro('project', 'init', projectDir).status).toBe(0);
    const project = Project.open(projectDir);
    let datasetId = 0;
    try {
      const synthetic = addSyntheticDataset(project, { rows: 2, cols: 80 });
      datasetId = synthetic.datasetId;
      trainingDatasetId = datasetId;
      // The training patterns (raw, on the model's 33 × 33 grid): the simulated halo a halo calibration fits to.
      fs.copyFileSync(path.join(synthetic.dir, 'patterns.npy'), path.join(work, 'reference.npy'));
    } finally {
      project.close();
    }
    // An 8-epoch model that must follow the map: the constant rate and raw weights it was designed with (a cosine decay
    // and a weight average over 8 short epochs learn the strip's contrast only partly); this test is about mapping.
    const trained = ssro('train', projectDir, '--dataset', String(datasetId), '--model', 'basecnn', '--epochs', '8', '--batch', '16', '--device', 'cpu', '--split', 'random', '--schedule', 'plateau', '--ema-decay', 'off');
    expect(trained.status, trained.stderr).toBe(0);
    const model = (JSON.parse(ssro('model', 'list', projectDir, '--json').stdout) as { onnxPath: string; metrics: { validation: { rmse: number } } }[])[0];
    onnx = model?.onnxPath ?? '';
    validationRmse = model?.metrics.validation.rmse ?? 1;

    const random = mulberry32(11);
    const frames: Float32Array[] = [];
    for (let iy = 0; iy < NY; iy++) {
      for (let ix = 0; ix < NX; ix++) {
        dMap[iy * NX + ix] = trueD(ix);
        frames.push(frame(trueD(ix), random));
      }
    }
    // One frame saturates half its detector (2³² − 256: exact in float32 and uint32): it must be flagged, not mapped.
    frames[NX + 3]?.fill(4_294_967_040, 0, (SIDE * SIDE) / 2);
    const stack = new Float32Array(NY * NX * SIDE * SIDE);
    frames.forEach((f, i) => stack.set(f, i * SIDE * SIDE));
    writeNpy(files.npy, stack, [NY, NX, SIDE, SIDE]);
    python(`
import numpy as np, h5py
data = np.load(${JSON.stringify(files.npy)})
with h5py.File(${JSON.stringify(files.emd)}, 'w') as f:
    f.attrs['version_major'] = 0; f.attrs['version_minor'] = 2
    g = f.create_group('data/scan'); g.attrs['emd_group_type'] = 1
    g.create_dataset('data', data=data.astype('uint32'))
    for i, (name, n, step, units) in enumerate([('R_y', ${NY}, 1.0, 'n_m'), ('R_x', ${NX}, 1.0, 'n_m'), ('Q_y', ${SIDE}, ${PIXEL}, 'A^-1'), ('Q_x', ${SIDE}, ${PIXEL}, 'A^-1')]):
        d = g.create_dataset('dim%d' % (i + 1), data=(np.arange(n) - (n // 2 if name.startswith('Q') else 0)) * step)
        d.attrs['name'] = name; d.attrs['units'] = units
`);
    writeMib(files.mib, frames);
  });

  function readMap(dir: string): { d: Float32Array; flags: Uint8Array; manifest: { plan: { calibrationDetail: string; recipe: { calibration: { invAPerPixel: number } } }; summary: { mapped: number; flagged: Record<string, number> } } } {
    const d = readNpy(path.join(dir, 'd.npy'));
    expect(d.shape).toEqual([NY, NX]);
    return {
      d: d.data as Float32Array,
      flags: readNpy(path.join(dir, 'flags.npy')).data as Uint8Array,
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'map.json'), 'utf8')),
    };
  }

  it('maps the EMD file with its own 1/Å calibration, flags the saturated frame, and follows the known d map', async () => {
    const out = path.join(work, 'map-emd');
    const r = ssro('map', onnx, files.emd, '--out', out, '--denoise', 'none', '--saturation', '4e9');
    expect(r.status, r.stderr).toBe(0);
    const { d, flags, manifest } = readMap(out);
    expect(manifest.plan.recipe.calibration.invAPerPixel).toBeCloseTo(PIXEL, 12);
    expect(manifest.plan.calibrationDetail).toMatch(/from the file/);
    expect(manifest.summary.flagged.saturated).toBe(1);
    // The CLI preprocesses in worker threads (one per core); the resumed in-process map below must agree with it.
    expect((manifest.summary as unknown as { preprocessThreads: number }).preprocessThreads).toBeGreaterThanOrEqual(1);
    expect(flags[NX + 3]).toBe(1);
    expect(Number.isNaN(d[NX + 3])).toBe(true);
    let se = 0;
    let n = 0;
    for (let i = 0; i < d.length; i++) {
      if (i === NX + 3) continue;
      se += ((d[i] as number) - (dMap[i] as number)) ** 2;
      n++;
    }
    const rmse = Math.sqrt(se / n);
    process.stderr.write(`map-cli: map RMSE ${rmse.toFixed(4)} vs the model's validation RMSE ${validationRmse.toFixed(4)}\n`);
    // Resampled from a twice-finer detector, the scan is mapped about as well as the model predicts its own patterns.
    expect(rmse).toBeLessThan(Math.max(2 * validationRmse, 0.1));
    // The profile across the boundary is there: interior columns well above grain columns.
    expect((d[7] as number) - (d[0] as number)).toBeGreaterThan(0.4);
    expect(fs.readFileSync(path.join(out, 'd.csv'), 'utf8').trim().split('\n')).toHaveLength(NY);
    // d.tif: float32, read back by our TIFF reader and by Pillow, equal to d.npy (NaN where flagged).
    const tif = await openMicroscopy(path.join(out, 'd.tif'));
    try {
      expect(tif.info).toMatchObject({ format: 'tiff', dtype: 'float32', frameShape: [NY, NX] });
      const back = tif.readFrame(0);
      for (let i = 0; i < d.length; i++) expect(Object.is(back[i], d[i]) || back[i] === d[i]).toBe(true);
    } finally {
      tif.close();
    }
    const pillow = spawnSync(PYTHON, ['-c', `import numpy as np; from PIL import Image; a = np.array(Image.open(${JSON.stringify(path.join(out, 'd.tif'))})); print(a.dtype, a.shape, float(np.nanmax(a)))`], { encoding: 'utf8' });
    expect(pillow.stdout.trim()).toBe(`float32 (${NY}, ${NX}) ${Math.max(...Array.from(d).filter((v) => Number.isFinite(v)))}`);
  });

  it('gives the identical map from the NumPy and MIB files, whose calibration must be given', () => {
    const emd = readMap(path.join(work, 'map-emd')).d;
    const refused = ssro('map', onnx, files.npy, '--out', path.join(work, 'map-npy'), '--denoise', 'none');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/scan\.npy.*--calibration/s);
    for (const [name, file, extra] of [
      ['npy', files.npy, []],
      ['mib', files.mib, ['--scan-shape', `${NY},${NX}`]],
    ] as const) {
      const out = path.join(work, `map-${name}`);
      // The same detector, so the same saturation level as the EMD run (float32 and MIB files cannot state it).
      const r = ssro('map', onnx, file, '--out', out, '--denoise', 'none', '--saturation', '4e9', '--calibration', String(PIXEL), ...extra);
      expect(r.status, r.stderr).toBe(0);
      const { d } = readMap(out);
      for (let i = 0; i < d.length; i++) {
        if (i === NX + 3) continue;
        expect(d[i], `${name} frame ${i}`).toBeCloseTo(emd[i] as number, 6);
      }
    }
    expect(ssro('map', onnx, files.mib, '--out', path.join(work, 'map-bad'), '--calibration', String(PIXEL), '--scan-shape', '7,9').stderr).toMatch(/scan shape 7×9 = 63 frames, but the file has 60 frames/);
  });

  it('TV denoising (the paper’s recipe) is applied and recorded with the map', () => {
    const out = path.join(work, 'map-tv');
    const r = ssro('map', onnx, files.emd, '--out', out, '--saturation', '4e9');
    expect(r.status, r.stderr).toBe(0);
    const { d, manifest } = readMap(out);
    expect(manifest.summary.mapped).toBe(NY * NX - 1);
    const recipe = (manifest.plan.recipe as unknown as { denoise: Record<string, unknown> }).denoise;
    expect(recipe).toEqual({ method: 'tv-chambolle', weight: 0.1, eps: 2e-4, maxIterations: 200, scale: 'halo' });
    // This model learned from noisy patterns, so denoised inputs are not what it saw: the values move (how much is
    // the model's business); the test only asks that denoising really reached the inputs.
    const plain = readMap(path.join(work, 'map-emd')).d;
    let moved = 0;
    for (let i = 0; i < d.length; i++) if (i !== NX + 3 && Math.abs((d[i] as number) - (plain[i] as number)) > 1e-3) moved++;
    expect(moved).toBeGreaterThan((NY * NX) / 2);
  });

  it('a cancelled map keeps its frames and continues to the same result; another recipe is refused in that folder', async () => {
    const model = await loadInferenceModel(onnx, { threads: 2 });
    const source = await openMicroscopy(files.npy);
    try {
      const recipe = { calibration: { method: 'manual', invAPerPixel: PIXEL }, denoise: { method: 'none' }, quality: { saturationValue: 4e9 }, model: recipeModelFromPreprocessing(model.metadata.preprocessing) };
      const { plan, badPixels } = planMap(source, model, recipe);
      const out = path.join(work, 'map-resumed');
      let batches = 0;
      await expect(runMap(source, model, plan, badPixels, out, { batchSize: 16, isCancelled: () => batches++ >= 2 })).rejects.toBeInstanceOf(MapCancelled);
      expect(fs.existsSync(path.join(out, 'd.npy'))).toBe(false);
      expect(Array.from(readNpy(path.join(out, 'done.npy')).data as Uint8Array).filter((v) => v === 1)).toHaveLength(32);
      const summary = await runMap(source, model, plan, badPixels, out, { batchSize: 16 });
      expect(summary.resumedFrom).toBe(32);
      const once = readMap(path.join(work, 'map-npy')).d;
      const resumed = readMap(out).d;
      for (let i = 0; i < once.length; i++) if (i !== NX + 3) expect(resumed[i]).toBeCloseTo(once[i] as number, 6);
      const other = planMap(source, model, { ...recipe, denoise: { method: 'tv-chambolle' } });
      await expect(runMap(source, model, other.plan, other.badPixels, out)).rejects.toThrow(/holds a map made with another model, input or recipe/);
    } finally {
      source.close();
      await model.release();
    }
  });

  it('runs as a map job in the project: refused before anything is made when the scan shape is wrong, then complete with its arrays', async () => {
    const core = new AppCore();
    const handlers = createHandlers(core);
    try {
      await dispatch(handlers, 'project.open', { path: projectDir });
      const modelId = (await dispatch(handlers, 'models.list', {}))[0]?.id ?? 0;
      const recipe = { calibration: { method: 'manual', invAPerPixel: PIXEL }, denoise: { method: 'none' }, quality: { saturationValue: 4e9 } };
      await expect(dispatch(handlers, 'maps.run', { modelId, input: files.mib, scanShape: [7, 9], recipe })).rejects.toThrow(/scan shape 7×9 = 63 frames, but the file has 60 frames/);
      expect(await dispatch(handlers, 'maps.list', {})).toEqual([]);
      const info = await dispatch(handlers, 'experiments.open', { path: files.emd });
      expect(info).toMatchObject({ format: 'emd-1.0', frameShape: [SIDE, SIDE], scanShape: [NY, NX], frameCount: NY * NX });
      const { mapId, jobId } = await dispatch(handlers, 'maps.run', { modelId, input: files.npy, recipe, name: 'synthetic scan' });
      expect((await finished(handlers, jobId)).error).toBeNull();
      const map = await dispatch(handlers, 'maps.get', { id: mapId });
      expect(map).toMatchObject({ state: 'complete', name: 'synthetic scan', modelId });
      expect(map.recipe).toMatchObject({ calibration: { method: 'manual', invAPerPixel: PIXEL }, model: { side: 33 } });
      const arrays = await dispatch(handlers, 'maps.arrays', { id: mapId });
      expect(arrays.shape).toEqual([NY, NX]);
      const cli = readMap(path.join(work, 'map-npy')).d;
      arrays.d.forEach((v, i) => {
        if (i !== NX + 3) expect(v).toBeCloseTo(cli[i] as number, 6);
      });
      await expect(dispatch(handlers, 'maps.resume', { mapId })).rejects.toThrow(/is complete/);
    } finally {
      await core.dispose();
    }
  });

  it('ssro model map runs a project map job from the command line, as the Experiments tab does', () => {
    const r = ssro('model', 'map', projectDir, '1', files.emd, '--denoise', 'none', '--saturation', '4e9', '--name', 'from the CLI');
    expect(r.status, r.stderr).toBe(0);
    const mapId = Number(r.stdout.trim());
    const project = Project.open(projectDir);
    try {
      const map = project.maps.get(mapId);
      expect(map).toMatchObject({ name: 'from the CLI', state: 'complete' });
      expect(fs.existsSync(path.join(map.dir, 'report.html'))).toBe(true);
      const emd = readMap(path.join(work, 'map-emd')).d;
      const d = readMap(map.dir).d;
      emd.forEach((v, i) => (Number.isNaN(v) ? expect(Number.isNaN(d[i] as number)).toBe(true) : expect(d[i]).toBeCloseTo(v, 6)));
    } finally {
      project.close();
    }
    const refused = ssro('model', 'map', projectDir, '1', files.npy, '--denoise', 'none');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/calibrat/i);
  });

  it('a hot pixel is found on the mean frame and repaired in every frame; the linked view redoes a frame with it', async () => {
    // Every frame gets one hot pixel inside the model's k range (11.5 px = 0.086 Å⁻¹ from the centre).
    const source = readNpy(files.npy);
    const stack = Float32Array.from(source.data as Float32Array);
    const hot = 20 * SIDE + 31;
    for (let i = 0; i < NY * NX; i++) stack[i * SIDE * SIDE + hot] = 1e6;
    const hotFile = path.join(work, 'scan-hot-pixel.npy');
    writeNpy(hotFile, stack, [NY, NX, SIDE, SIDE]);
    const core = new AppCore();
    const handlers = createHandlers(core);
    try {
      await dispatch(handlers, 'project.open', { path: projectDir });
      const recipe = { calibration: { method: 'manual', invAPerPixel: PIXEL }, denoise: { method: 'none' }, quality: { saturationValue: 4e9 } };
      const { mapId, jobId } = await dispatch(handlers, 'maps.run', { modelId: 1, input: hotFile, recipe });
      expect((await finished(handlers, jobId)).error).toBeNull();
      const arrays = await dispatch(handlers, 'maps.arrays', { id: mapId });
      const clean = readMap(path.join(work, 'map-npy')).d;
      // The repaired pixel takes its neighbours' median, not its true value: d moves a little, far less than the
      // model's own error (validation RMSE ≈ 0.07); an unrepaired 10⁶-count pixel would swamp the normalisation.
      const diffs = arrays.d.map((v, i) => Math.abs((v as number) - (clean[i] as number))).filter((_, i) => i !== NX + 3);
      expect(Math.max(...diffs)).toBeLessThan(0.05);
      expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThan(0.01);
      const frame = await dispatch(handlers, 'maps.frame', { id: mapId, index: 7 });
      expect(frame.steps.map((st) => st.name)).toEqual(['raw', 'defects-corrected', 'resampled', 'model-input']);
      expect(frame.steps[0]?.image[hot]).toBe(1e6);
      expect(frame.steps[1]?.image[hot]).toBeLessThan(1e4);
    } finally {
      await core.dispose();
    }
  });

  it('maps a real NanoMegas BLO file (HyperSpy’s test1.blo: 8-bit, the direct beam saturated in every frame, a stuck pixel in some)', () => {
    const blo = '/usr/lib/python3/dist-packages/hyperspy/tests/io/blockfile_data/test1.blo';
    expect(fs.existsSync(blo), 'the set-up installs python3-hyperspy, which carries this file').toBe(true);
    const out = path.join(work, 'map-blo');
    const r = ssro('map', onnx, blo, '--out', out, '--calibration', '0.01', '--denoise', 'tv');
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'map.json'), 'utf8')) as { summary: { mapped: number; flagged: Record<string, number> } };
    expect(manifest.summary.flagged).toMatchObject({ ok: 6, saturated: 0 });
    expect(Array.from(readNpy(path.join(out, 'd.npy')).data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('refuses a file whose every frame is flagged, saying how many of which and why (HyperSpy’s test-14.dm4: constant frames)', () => {
    const dm4 = '/usr/lib/python3/dist-packages/hyperspy/tests/io/dm4_3D_data/test-14.dm4';
    const r = ssro('map', onnx, dm4, '--out', path.join(work, 'map-constant'), '--calibration', '0.01');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${dm4}: every sampled frame is flagged (2 empty), nothing to map; frame 0: every pixel has the value 1`);
    expect(fs.existsSync(path.join(work, 'map-constant', 'd.npy'))).toBe(false);
  });

  it('a map being made shows its finished frames (maps.arrays reads the work files); stopped and resumed, they keep their values', async () => {
    const core = new AppCore();
    const handlers = createHandlers(core);
    try {
      await dispatch(handlers, 'project.open', { path: projectDir });
      // TV and two frames per batch: slow enough to be seen half done.
      const recipe = { calibration: { method: 'metadata' }, quality: { saturationValue: 4e9 } };
      const { mapId, jobId } = await dispatch(handlers, 'maps.run', { modelId: 1, input: files.emd, recipe, batchSize: 2, name: 'live' });
      let seen = await dispatch(handlers, 'maps.arrays', { id: mapId });
      while (seen.done < 4) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await dispatch(handlers, 'maps.arrays', { id: mapId });
      }
      await dispatch(handlers, 'jobs.cancel', { id: jobId });
      const stopped = await finished(handlers, jobId);
      expect(stopped.state, 'the map should still have been running when it was stopped').toBe('cancelled');
      const partial = await dispatch(handlers, 'maps.arrays', { id: mapId });
      expect(partial).toMatchObject({ partial: true, shape: [NY, NX] });
      expect(partial.done).toBeGreaterThanOrEqual(4);
      expect(partial.done).toBeLessThan(NY * NX);
      expect(partial.d.filter((v) => v === null).length).toBeGreaterThanOrEqual(NY * NX - partial.done);
      expect(partial.vbf.filter((v) => v === null)).toHaveLength(NY * NX - partial.done);
      // The linked view works on a stopped map (its resolved recipe is in plan.json).
      const firstDone = partial.vbf.findIndex((v) => v !== null);
      await expect(dispatch(handlers, 'maps.frame', { id: mapId, index: firstDone })).resolves.toMatchObject({ index: firstDone });
      const resumed = await dispatch(handlers, 'maps.resume', { mapId });
      expect((await finished(handlers, resumed.jobId)).error).toBeNull();
      const whole = await dispatch(handlers, 'maps.arrays', { id: mapId });
      expect(whole).toMatchObject({ partial: false, done: NY * NX });
      partial.d.forEach((v, i) => {
        if (v !== null) expect(whole.d[i]).toBeCloseTo(v, 6);
      });
      const tv = readMap(path.join(work, 'map-tv')).d;
      whole.d.forEach((v, i) => (v === null ? expect(Number.isNaN(tv[i] as number)).toBe(true) : expect(v).toBeCloseTo(tv[i] as number, 5)));
    } finally {
      await core.dispose();
    }
  });

  it('maps a folder of PNG patterns grouped by subfolder (Fig. 10): frames.csv and the job name each frame’s group', async () => {
    // Half the counts (16-bit PNG): the model's log and min–max normalisation make the scale irrelevant.
    const random = mulberry32(5);
    const stack = new Float32Array(8 * SIDE * SIDE);
    for (let k = 0; k < 8; k++) stack.set(frame(k < 4 ? 0.05 : 0.9, random).map((v) => Math.round(v / 2)), k * SIDE * SIDE);
    const stackFile = path.join(work, 'folder-stack.npy');
    writeNpy(stackFile, stack, [8, SIDE, SIDE]);
    const folder = path.join(work, 'patterns');
    python(`
import os, numpy as np
from PIL import Image
s = np.load(${JSON.stringify(stackFile)})
for k in range(8):
    g = os.path.join(${JSON.stringify(folder)}, 'grain' if k < 4 else 'interior')
    os.makedirs(g, exist_ok=True)
    Image.fromarray(s[k].astype(np.uint16)).save(os.path.join(g, 'p%d.png' % (k % 4 + 1)))
`);
    const out = path.join(work, 'map-folder');
    const r = ssro('map', onnx, folder, '--out', out, '--denoise', 'none', '--calibration', String(PIXEL));
    expect(r.status, r.stderr).toBe(0);
    const rows = fs.readFileSync(path.join(out, 'frames.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,group,file,d,sigma,ood_distance2,flag,reason,vbf,vadf,centre_row,centre_col');
    const parsed = rows.slice(1).map((line) => line.split(','));
    expect(parsed.map((c) => c[1])).toEqual(['grain', 'grain', 'grain', 'grain', 'interior', 'interior', 'interior', 'interior']);
    expect(parsed.map((c) => c[2])).toEqual(['grain/p1.png', 'grain/p2.png', 'grain/p3.png', 'grain/p4.png', 'interior/p1.png', 'interior/p2.png', 'interior/p3.png', 'interior/p4.png']);
    const mean = (g: string): number => parsed.filter((c) => c[1] === g).reduce((a, c) => a + Number(c[3]), 0) / 4;
    expect(mean('interior') - mean('grain')).toBeGreaterThan(0.3);

    const core = new AppCore();
    const handlers = createHandlers(core);
    try {
      await dispatch(handlers, 'project.open', { path: projectDir });
      const modelId = (await dispatch(handlers, 'models.list', {}))[0]?.id ?? 0;
      const { mapId, jobId } = await dispatch(handlers, 'maps.run', { modelId, input: folder, recipe: { calibration: { method: 'manual', invAPerPixel: PIXEL }, denoise: { method: 'none' } } });
      await finished(handlers, jobId);
      const arrays = await dispatch(handlers, 'maps.arrays', { id: mapId });
      expect(arrays.groups).toEqual(parsed.map((c) => c[1]));
      expect(arrays.files).toEqual(parsed.map((c) => c[2]));
      arrays.d.forEach((v, i) => expect(v).toBeCloseTo(Number(parsed[i]?.[3]), 6));
    } finally {
      await core.dispose();
    }
  });

  it('calibrates by fitting the scan’s amorphous halo to the simulated patterns the model learned from', () => {
    const out = path.join(work, 'map-halo');
    // The detector saturates at 4e9 counts here (float32 files cannot say it): the saturated frame stays out of the mean.
    const r = ssro('map', onnx, files.npy, '--out', out, '--denoise', 'none', '--saturation', '4e9', '--halo-reference', path.join(work, 'reference.npy'));
    expect(r.status, r.stderr).toBe(0);
    const { d, manifest } = readMap(out);
    // The detector pixel is half the model's Δk: the fit finds it within 1 %, and the map follows the known one.
    expect(manifest.plan.recipe.calibration.invAPerPixel / PIXEL).toBeGreaterThan(0.99);
    expect(manifest.plan.recipe.calibration.invAPerPixel / PIXEL).toBeLessThan(1.01);
    expect(manifest.plan.calibrationDetail).toMatch(/halo/i);
    expect((d[7] as number) - (d[0] as number)).toBeGreaterThan(0.4);
    const refused = ssro('map', onnx, files.npy, '--out', path.join(work, 'map-halo-bad'), '--halo-reference', files.npy);
    expect(refused.stderr).toMatch(/the halo reference must be 33×33 patterns on the model's grid/);
  });

  it('looks before mapping (thumbnails, a frame through the recipe) and maps with a halo fit against the model’s training set as a job; exports and the report', async () => {
    const core = new AppCore();
    const handlers = createHandlers(core);
    try {
      await dispatch(handlers, 'project.open', { path: projectDir });
      const modelId = (await dispatch(handlers, 'models.list', {}))[0]?.id ?? 0;
      // Thumbnails: frames spread evenly, reduced by 2×2 blocks; the direct beam (centre 2×2) is the brightest.
      // A scan step given for a file that records none: every scan axis gets it, and the notes say so.
      const stepped = JSON.parse(ssro('open', files.npy, '--scan-step', '0.25').stdout) as { scanAxes: { scale: number | null; units: string | null }[]; notes: string[] };
      expect(stepped.scanAxes.map((a) => [a.scale, a.units])).toEqual([[0.25, 'nm'], [0.25, 'nm']]);
      expect(stepped.notes.join(' ')).toMatch(/step 0\.25 nm given by the user \(the file had no calibration\)/);
      const { frameCount, thumbnails } = await dispatch(handlers, 'experiments.thumbnails', { path: files.npy, count: 8, size: 32 });
      expect(frameCount).toBe(NY * NX);
      expect(thumbnails.map((t) => t.index)).toEqual([0, 7, 15, 22, 30, 37, 45, 52]);
      expect(thumbnails[1]).toMatchObject({ label: 'frame 7 (row 0, column 7)', rows: 32, cols: 32 });
      const t0 = thumbnails[0]?.pixels ?? [];
      expect(t0.indexOf(Math.max(...t0))).toBe(15 * 32 + 15);
      expect(Math.max(...t0)).toBe(255);

      const recipe = { calibration: { method: 'halo' }, denoise: { method: 'none' }, quality: { saturationValue: 4e9 } };
      await expect(dispatch(handlers, 'experiments.preview', { path: files.npy, modelId, recipe, index: 7 })).rejects.toThrow(/a halo calibration needs the dataset of simulated patterns/);
      const preview = await dispatch(handlers, 'experiments.preview', { path: files.npy, modelId, recipe, haloReferenceDatasetId: trainingDatasetId, index: 7 });
      expect(preview.calibration).toMatch(/halo/i);
      expect((preview.invAPerPixel ?? 0) / PIXEL).toBeGreaterThan(0.99);
      expect((preview.invAPerPixel ?? 0) / PIXEL).toBeLessThan(1.01);
      expect(preview.meanFrameCount).toBe(NY * NX - 1);
      expect(preview.quality).toBe('ok');
      expect(preview.badPixels).toBe(0);
      expect(preview.steps.map((s) => s.name)).toEqual(['raw', 'resampled', 'model-input']);
      expect(preview.steps.at(-1)).toMatchObject({ rows: 33, cols: 33 });
      // Without a calibration the preview still shows the frame and says why it stops there.
      const uncalibrated = await dispatch(handlers, 'experiments.preview', { path: files.npy, modelId, recipe: { calibration: { method: 'metadata' } }, index: 0 });
      expect(uncalibrated.invAPerPixel).toBeNull();
      expect(uncalibrated.steps.map((s) => s.name)).toEqual(['raw']);
      expect(uncalibrated.calibration).toMatch(/calibrat/i);

      const { mapId, jobId } = await dispatch(handlers, 'maps.run', { modelId, input: files.npy, recipe, haloReferenceDatasetId: trainingDatasetId, name: 'halo job' });
      expect((await finished(handlers, jobId)).error).toBeNull();
      const map = await dispatch(handlers, 'maps.get', { id: mapId });
      // The job resolves what the preview resolved, and what the CLI found against the same patterns.
      expect((map.recipe as { calibration: { invAPerPixel: number } }).calibration.invAPerPixel).toBe(preview.invAPerPixel);
      const cli = readMap(path.join(work, 'map-halo'));
      expect(cli.manifest.plan.recipe.calibration.invAPerPixel).toBeCloseTo(preview.invAPerPixel ?? 0, 10);
      const arrays = await dispatch(handlers, 'maps.arrays', { id: mapId });
      arrays.d.forEach((v, i) => {
        if (i !== NX + 3) expect(v).toBeCloseTo(cli.d[i] as number, 6);
      });
      // Exports are the map folder's own files; the report was written by the job.
      const tif = await dispatch(handlers, 'maps.file', { id: mapId, name: 'd.tif' });
      expect(Buffer.from(tif.base64, 'base64').equals(fs.readFileSync(path.join(map.dir, 'd.tif')))).toBe(true);
      expect(fs.existsSync(path.join(map.dir, 'report.html'))).toBe(true);
      const report = Buffer.from((await dispatch(handlers, 'maps.file', { id: mapId, name: 'report.html' })).base64, 'base64').toString('utf8');
      expect(report).toContain('halo');
      expect(report).toContain('<title>halo job</title>');
      expect(report).toMatch(/<img[^>]+data:image\/png;base64,/);
      // A reference on another grid is refused by name.
      await expect(dispatch(handlers, 'maps.run', { modelId, input: files.npy, recipe, haloReferenceDatasetId: 999 })).rejects.toThrow(/dataset 999 \(the halo reference\) does not exist/);
    } finally {
      await core.dispose();
    }
  });
});
