/**
 * The Experiments tab in Chromium through the browser shell, with real onnxruntime: a synthetic 4D-STEM scan (NumPy
 * 4D, no calibration in the file) is opened by path, its shapes and the missing calibration are shown, a map is
 * started with a given pixel size and a model trained here on the synthetic dataset, and the finished d map, its
 * colour bar and the virtual bright field are drawn; pointing at a pixel reads its d. An ensemble's σ(d) map, the
 * "d ± σ" readout and out-of-distribution and vacuum frames are checked on that map with an ensemble's files written
 * into its folder (the last test says why).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { startServer, type RunningServer } from '../../main/server/server';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';
import { collectPageErrors, hasChromium, launchChromium, nonBackgroundFraction } from '../support/browser';
import { addSyntheticDataset } from '../support/synthetic-dataset';
import { frame, NX, NY, PIXEL, SIDE, trueD } from '../support/synthetic-scan';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const missing = [
  !hasChromium && 'Chromium is not at /usr/bin/chromium (apt install chromium)',
  !guiBuilt && 'the renderer is not built (npm run build)',
  !torchAvailable && `${PYTHON} cannot import torch and torchvision`,
].filter((m): m is string => typeof m === 'string');
const screenshots = path.resolve('test-output/e2e');
const title = missing.length === 0 ? 'experiments and maps in the GUI (browser shell, onnxruntime)' : `experiments in the GUI — skipped: ${missing.join('; ')}`;

describe.skipIf(missing.length > 0)(title, () => {
  let browser: Browser;
  let core: AppCore;
  let handlers: Handlers;
  let server: RunningServer;
  let page: Page;
  let pageErrors: string[] = [];
  const work = tempDir('ssro-e2e-experiments-');
  const scan = path.join(work, 'scan.npy');

  async function waitJob(id: number): Promise<JobSummary> {
    for (;;) {
      const job = await dispatch(handlers, 'jobs.get', { id });
      if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    core = new AppCore();
    handlers = createHandlers(core);
    server = await startServer({ core, handlers });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    pageErrors = collectPageErrors(page);
    const random = mulberry32(3);
    const stack = new Float32Array(NY * NX * SIDE * SIDE);
    for (let i = 0; i < NY * NX; i++) stack.set(frame(trueD(i % NX), random), i * SIDE * SIDE);
    writeNpy(scan, stack, [NY, NX, SIDE, SIDE]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
  });

  it('opens a scan, maps it with a given pixel size, and draws the d map with its colour bar and the virtual bright field', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(path.join(work, 'project'));
    await page.getByTestId('project-create').click();
    await page.getByTestId('import-open').waitFor();
    await dispatch(handlers, 'settings.set', { python3Path: PYTHON });
    const data = addSyntheticDataset(core.requireProject().project, { rows: 2, cols: 80 });
    // The synthetic strip has no structure in the project to block along: the random split.
    const trained = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, model: 'basecnn', epochs: 8, batchSize: 16, device: 'cpu', name: 'synthetic basecnn', split: 'random' });
    expect((await waitJob(trained.jobId)).error).toBeNull();

    await page.getByTestId('experiments-tab').click();
    await page.getByTestId('experiments-view').waitFor({ timeout: 30_000 });
    await page.getByTestId('experiment-path').fill(scan);
    // The NumPy file records no scan step: the user gives it (0.5 nm), for the scale bar and positions.
    await page.getByTestId('experiment-scan-step').fill('0.5');
    await page.getByTestId('experiment-open').click();
    await page.getByTestId('experiment-info').waitFor();
    const info = (await page.getByTestId('experiment-info').textContent()) ?? '';
    expect(info).toContain(`${NY * NX} of ${SIDE} × ${SIDE} px; scan ${NY} × ${NX}`);
    expect(info).toMatch(/uncalibrated/);
    // No calibration in the file: "from the file" cannot be chosen, and Map waits for a pixel size.
    expect(await page.getByTestId('map-calibration-metadata').isDisabled()).toBe(true);
    expect(await page.getByTestId('map-start').isDisabled()).toBe(true);
    // Before mapping: thumbnails spread over the scan; frame 0 is picked and, once the form can map, previewed.
    await page.getByTestId('input-page').waitFor();
    await expect(page.getByTestId('thumbnail').count()).resolves.toBe(24);
    await expect(page.getByTestId('input-page').textContent()).resolves.toContain('Choose a model and how the pixel size is known');
    // Calibrate by fitting the halo to the model's own training patterns, and look at a boundary-interior frame.
    await page.getByTestId('map-calibration-halo').check();
    await expect(page.getByTestId('map-halo-reference').textContent()).resolves.toMatch(/synthetic strip \(160 patterns, the model’s training set\)/);
    await page.locator('[data-testid="thumbnail"][title="frame 7 (row 0, column 7)"]').click();
    await page.getByTestId('input-preview-facts').filter({ hasText: 'halo' }).waitFor({ timeout: 60_000 });
    const facts = (await page.getByTestId('input-preview-facts').textContent()) ?? '';
    const found = Number(/^([\d.]+) Å⁻¹\/px/.exec(facts)?.[1]);
    expect(Math.abs(found / PIXEL - 1)).toBeLessThan(0.01);
    expect(facts).toMatch(/TV \d+ iterations/);
    for (const step of ['raw', 'denoised', 'resampled', 'model-input']) await page.getByTestId('input-preview').getByTestId(`frame-step-${step}`).waitFor();
    await page.getByTestId('input-preview').scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/experiments-input.png' });
    // Map with a given pixel size instead (the value the halo fit found is checked above and in map-cli.test.ts).
    await page.getByTestId('map-calibration-manual').check();
    await page.getByTestId('map-calibration-value').fill(String(PIXEL));
    await page.getByTestId('map-denoise').uncheck();
    await page.getByTestId('map-start').click();
    await page.locator('[data-testid="map-page"][data-map-state="complete"]').waitFor({ timeout: 120_000 });
    await page.getByTestId('map-d').waitFor();
    await expect(page.getByTestId('map-summary').textContent()).resolves.toMatch(new RegExp(`${NY * NX} of ${NY * NX} frames mapped( · \\d+ frames? out of distribution)? · d = 0\\.\\d{3} ± 0\\.\\d{3} · ${PIXEL}`));
    // Point at the middle of the boundary (the interior, highest d) and at the grain edge.
    const box = await page.getByTestId('map-d').boundingBox();
    expect(box).not.toBeNull();
    const at = async (col: number): Promise<number> => {
      await page.mouse.move((box?.x ?? 0) + ((col + 0.5) / NX) * (box?.width ?? 0), (box?.y ?? 0) + (0.5 / NY) * (box?.height ?? 0));
      const text = (await page.getByTestId('map-readout').textContent()) ?? '';
      expect(text).toMatch(new RegExp(`row 0, column ${col} at x ${col * 0.5} nm, y 0 nm \\(frame ${col}\\): d = `));
      return Number(/d = ([\d.]+)/.exec(text)?.[1]);
    };
    expect((await at(7)) - (await at(0))).toBeGreaterThan(0.3);
    // Click a pixel: its frame as recorded and after each step of the recipe, down to the model's input.
    await page.mouse.click((box?.x ?? 0) + (7.5 / NX) * (box?.width ?? 0), (box?.y ?? 0) + (0.5 / NY) * (box?.height ?? 0));
    await page.getByTestId('frame-preview').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('frame-preview').textContent()).resolves.toMatch(/Frame 7: ok · beam centre \(31\.5\d, 31\.5\d\) px/);
    for (const step of ['raw', 'resampled', 'model-input']) await page.getByTestId(`frame-step-${step}`).waitFor();
    expect(await page.getByTestId('frame-step-model-input').getAttribute('width')).toBe(String(33 * Math.floor(200 / 33)));
    // Region statistics: the whole map first, then a rectangle dragged over the interior columns 5–9.
    const whole = (await page.getByTestId('roi-summary').textContent()) ?? '';
    expect(whole).toMatch(new RegExp(`^the whole map: ${NY * NX} patterns · d = `));
    const px = (col: number, row: number): [number, number] => [(box?.x ?? 0) + ((col + 0.5) / NX) * (box?.width ?? 0), (box?.y ?? 0) + ((row + 0.5) / NY) * (box?.height ?? 0)];
    await page.mouse.move(...px(5, 0));
    await page.mouse.down();
    await page.mouse.move(...px(9, 3), { steps: 5 });
    await page.mouse.up();
    const region = (await page.getByTestId('roi-summary').textContent()) ?? '';
    expect(region).toMatch(/^rows 0–3, columns 5–9: 20 patterns · d = /);
    const meanOf = (text: string): number => Number(/d = ([\d.]+)/.exec(text)?.[1]);
    expect(meanOf(region)).toBeGreaterThan(meanOf(whole) + 0.1);
    await page.locator('[data-testid="roi-histogram"] svg').first().waitFor();
    await page.getByTestId('roi-clear').click();
    await expect(page.getByTestId('roi-summary').textContent()).resolves.toBe(whole);
    // The map as a PNG figure: map, colour bar and the scale bar of the given step.
    const download = page.waitForEvent('download');
    await page.getByTestId('map-png').click();
    const file = await (await download).path();
    const png = fs.readFileSync(file);
    fs.writeFileSync('/tmp/experiments-map-export.png', png);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(NX * Math.floor(600 / NX) + 32);
    // The scale bar of the given step: 15 positions × 0.5 nm = 7.5 nm wide, a 1 nm bar (2/15 of the map's width).
    await expect(page.getByTestId('map-scale-bar').textContent()).resolves.toBe(`1 nmstep 0.5 nm · field 7.5 × ${NY * 0.5} nm`);
    const bar = await page.getByTestId('map-scale-bar').locator('.scale-bar__bar').boundingBox();
    const mapBox = await page.getByTestId('map-d').boundingBox();
    expect(Math.abs((bar?.width ?? 0) / (mapBox?.width ?? 1) - 1 / 7.5)).toBeLessThan(0.01);
    // Exports: the float TIFF as written by the job, and the one-page report.
    const tiffDownload = page.waitForEvent('download');
    await page.getByTestId('map-export-d.tif').click();
    const tiff = fs.readFileSync(await (await tiffDownload).path());
    expect(tiff.subarray(0, 4).toString('latin1')).toBe('II*\u0000');
    const reportDownload = page.waitForEvent('download');
    await page.getByTestId('map-export-report.html').click();
    const report = fs.readFileSync(await (await reportDownload).path(), 'utf8');
    expect(report).toContain(`<strong>${NY * NX}</strong> of ${NY * NX} frames mapped`);
    const shot = await page.screenshot({ path: '/tmp/experiments-map.png' });
    expect(nonBackgroundFraction(shot)).toBeGreaterThan(0.05);
    expect(pageErrors).toEqual([]);
  });

  it('maps a folder of patterns grouped by subfolder and shows d per group as box plots (Fig. 10b)', async () => {
    const random = mulberry32(9);
    const stack = new Float32Array(6 * SIDE * SIDE);
    for (let k = 0; k < 6; k++) stack.set(frame(k < 3 ? 0.05 : 0.9, random).map((v) => Math.round(v / 2)), k * SIDE * SIDE);
    const stackFile = path.join(work, 'folder.npy');
    writeNpy(stackFile, stack, [6, SIDE, SIDE]);
    const folder = path.join(work, 'patterns');
    const py = spawnSync(PYTHON, ['-c', `
import os, numpy as np
from PIL import Image
s = np.load(${JSON.stringify(stackFile)})
for k in range(6):
    g = os.path.join(${JSON.stringify(folder)}, 'boundary A' if k < 3 else 'boundary B')
    os.makedirs(g, exist_ok=True)
    Image.fromarray(s[k].astype(np.uint16)).save(os.path.join(g, 'nbed_%02d.png' % k))
`], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    await page.getByTestId('experiment-path').fill(folder);
    await page.getByTestId('experiment-scan-shape').fill('');
    await page.getByTestId('experiment-open').click();
    // Wait for the new description (the scan's is on screen until the folder's arrives).
    await page.getByTestId('experiment-info').filter({ hasText: '6 of 64 × 64 px; scan 6' }).waitFor({ timeout: 30_000 });
    // The scan step left in the panel from the scan does not apply to a folder's patterns, and says so.
    await expect(page.getByTestId('experiment-info').textContent()).resolves.toContain('the scan step 0.5 nm is ignored: the patterns of a folder are not positions of one scan');
    await expect(page.getByTestId('thumbnail').count()).resolves.toBe(6);
    await expect(page.locator('[data-testid="thumbnail"][title="boundary B/nbed_03.png"]').count()).resolves.toBe(1);
    await page.screenshot({ path: '/tmp/experiments-folder-input.png' });
    await page.getByTestId('map-calibration-value').fill(String(PIXEL));
    await page.getByTestId('map-denoise').uncheck();
    await page.getByTestId('map-start').click();
    await page.locator('[data-testid="map-page"][data-map-id="2"][data-map-state="complete"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="map-groups"] svg').first().waitFor();
    const rows = page.getByTestId('map-groups-table').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const median = async (row: number): Promise<number> => Number(await rows.nth(row).locator('td').nth(3).textContent());
    await expect(rows.nth(0).locator('td').first().textContent()).resolves.toBe('boundary A');
    expect((await median(1)) - (await median(0))).toBeGreaterThan(0.3);
    await page.getByTestId('map-groups').scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/experiments-groups.png' });
    expect(pageErrors).toEqual([]);
  });

  it('opens a file dropped on the view (the browser shell uploads it) and shows its frames', async () => {
    const random = mulberry32(21);
    const stack = new Float32Array(3 * SIDE * SIDE);
    for (let k = 0; k < 3; k++) stack.set(frame(0.5, random), k * SIDE * SIDE);
    const file = path.join(work, 'dropped.npy');
    writeNpy(file, stack, [3, SIDE, SIDE]);
    const transfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.npy', { type: 'application/octet-stream' }));
      return dt;
    }, fs.readFileSync(file).toString('base64'));
    await page.getByTestId('experiments-view').dispatchEvent('dragover', { dataTransfer: transfer });
    await page.getByTestId('experiments-view').dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByTestId('experiment-info').filter({ hasText: '3 of 64 × 64 px' }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('experiment-path').inputValue()).resolves.toMatch(/uploads.*dropped\.npy$/);
    await expect(page.getByTestId('thumbnail').count()).resolves.toBe(3);
    expect(pageErrors).toEqual([]);
  });

  it('draws an ensemble map’s σ(d) beside d, reads d ± σ, greys out-of-distribution frames and says why', async () => {
    // The model trained above is a single network, so map 1 has no σ, and no bundled ensemble model exists to map
    // with. This test fixture writes what an ensemble model's map holds into map 1's finished folder, as mapping.ts
    // writes it: sigma.npy (σ(d) per frame), ood.npy (D² per frame), flags.npy with two frames 'out-of-distribution'
    // (code 6: one by D², one by σ) and one 'vacuum' (code 5, d NaN), and the summary's counts and thresholds.
    const project = core.requireProject().project;
    const map = project.maps.get(1);
    const at = (row: number, col: number): number => row * NX + col;
    const [byDistance, bySigma, vacuum] = [at(1, 11), at(2, 3), at(3, 14)];
    const thresholds = { sigmaThreshold: 0.06, distanceThreshold: 28.3 };
    const d = readNpy(path.join(map.dir, 'd.npy')).data as Float32Array;
    const flags = Uint8Array.from(readNpy(path.join(map.dir, 'flags.npy')).data as ArrayLike<number>);
    // The model trained above records training statistics, so its own map may already flag some frames; the fixture
    // decides which frames are out of distribution.
    for (let i = 0; i < flags.length; i++) if (flags[i] === 6) flags[i] = 0;
    const sigma = new Float32Array(NY * NX);
    const ood = new Float32Array(NY * NX);
    for (let i = 0; i < NY * NX; i++) {
      sigma[i] = 0.01 + (0.03 * Math.abs((i % NX) - 7)) / 7;
      ood[i] = 6 + Math.floor(i / NX);
    }
    sigma[bySigma] = 0.0912;
    ood[byDistance] = 41.17;
    flags[byDistance] = 6;
    flags[bySigma] = 6;
    flags[vacuum] = 5;
    for (const a of [d, sigma, ood]) a[vacuum] = Number.NaN;
    writeNpy(path.join(map.dir, 'd.npy'), d, [NY, NX]);
    writeNpy(path.join(map.dir, 'sigma.npy'), sigma, [NY, NX]);
    writeNpy(path.join(map.dir, 'ood.npy'), ood, [NY, NX]);
    writeNpy(path.join(map.dir, 'flags.npy'), flags, [NY, NX]);
    const summary = map.summary ?? {};
    const flagged = { ...(summary.flagged as Record<string, number>), ok: NY * NX - 3, vacuum: 1, 'out-of-distribution': 2 };
    const finite = Array.from(sigma).filter(Number.isFinite);
    project.maps.complete(map.id, map.recipe ?? {}, {
      ...summary,
      mapped: NY * NX - 1,
      flagged,
      sigma: { mean: finite.reduce((a, b) => a + b, 0) / finite.length, max: Math.max(...finite) },
      outOfDistribution: thresholds,
    });
    core.publish('maps.changed', { mapId: map.id });

    // Another map and back: the page reads the arrays afresh.
    await page.getByTestId('map-item').filter({ hasText: 'patterns' }).click();
    await page.getByTestId('map-item').filter({ hasText: 'scan.npy' }).click();
    await page.getByTestId('map-summary').filter({ hasText: '2 frames out of distribution' }).waitFor({ timeout: 30_000 });
    const summaryText = (await page.getByTestId('map-summary').textContent()) ?? '';
    expect(summaryText).toMatch(new RegExp(`^${NY * NX - 1} of ${NY * NX} frames mapped · 1 vacuum · 2 frames out of distribution · d = 0\\.\\d{3} ± 0\\.\\d{3} · mean σ\\(d\\) 0\\.0\\d\\d`));
    await page.getByTestId('map-sigma').waitFor();
    await expect(page.getByTestId('map-sigma-colour-bar').textContent()).resolves.toMatch(/^σ\(d\)0\.000.*0\.091/);
    await expect(page.getByTestId('map-sigma-note').textContent()).resolves.toContain('above 0.060 the frame is out of distribution');
    await expect(page.getByTestId('map-ood-legend').textContent()).resolves.toContain('hatched grey: 2 frames out of distribution');
    // The σ map is as large as the d map and reads the same pixel: d ± σ under the pointer on either.
    const dBox = await page.getByTestId('map-d').boundingBox();
    const sBox = await page.getByTestId('map-sigma').boundingBox();
    expect(sBox?.width).toBe(dBox?.width);
    const point = async (testId: string, row: number, col: number): Promise<string> => {
      const box = await page.getByTestId(testId).boundingBox();
      await page.mouse.move((box?.x ?? 0) + ((col + 0.5) / NX) * (box?.width ?? 0), (box?.y ?? 0) + ((row + 0.5) / NY) * (box?.height ?? 0));
      return (await page.getByTestId('map-readout').textContent()) ?? '';
    };
    const onD = await point('map-d', 0, 0);
    expect(onD).toMatch(/\(frame 0\): d = 0\.\d{3} ± 0\.040 · ok · VBF/);
    expect(await point('map-sigma', 0, 0)).toBe(onD);
    expect(await point('map-sigma', 2, 3)).toMatch(/\(frame 33\): d = 0\.\d{3} ± 0\.091 · out of distribution · VBF/);
    expect(await point('map-d', 3, 14)).toMatch(/\(frame 59\): d = — · vacuum · VBF/);
    // The out-of-distribution frame drawn greyed: mostly the grey of a missing pixel, unlike its ok neighbour.
    const spread = async (row: number, col: number): Promise<number> =>
      page.getByTestId('map-d').evaluate(
        (canvas, { r, c, n }) => {
          const scale = (canvas as HTMLCanvasElement).width / n;
          // A quarter in from the left at mid height lies between the hatch lines.
          const px = (canvas as HTMLCanvasElement).getContext('2d')?.getImageData(Math.floor((c + 0.25) * scale), Math.floor((r + 0.5) * scale), 1, 1).data;
          return px ? Math.max(px[0] ?? 0, px[1] ?? 0, px[2] ?? 0) - Math.min(px[0] ?? 0, px[1] ?? 0, px[2] ?? 0) : -1;
        },
        { r: row, c: col, n: NX },
      );
    expect(await spread(1, 11)).toBeLessThan(0.6 * (await spread(1, 10)));
    // Clicking an out-of-distribution frame: its flag and the test it failed, with the numbers.
    await page.getByTestId('map-d').scrollIntoViewIfNeeded();
    let box = await page.getByTestId('map-d').boundingBox();
    await page.mouse.click((box?.x ?? 0) + (11.5 / NX) * (box?.width ?? 0), (box?.y ?? 0) + (1.5 / NY) * (box?.height ?? 0));
    await page.getByTestId('frame-flag').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('frame-preview').textContent()).resolves.toMatch(new RegExp(`^Frame ${byDistance}: out-of-distribution · beam centre .* · d = 0\\.\\d{3} ± 0\\.\\d{3}`));
    const reason = (await page.getByTestId('frame-flag').textContent()) ?? '';
    expect(reason).toContain('the model has not seen patterns like this one');
    expect(reason).toContain('feature distance D² = 41.2, above the threshold 28.3');
    expect(reason).not.toContain('members disagree');
    fs.mkdirSync(screenshots, { recursive: true });
    await page.getByTestId('map-d').scrollIntoViewIfNeeded();
    await point('map-d', 1, 11);
    await page.screenshot({ path: path.join(screenshots, 'experiments-map-sigma.png') });
    // The maps with the readout of the pixel under the pointer.
    await page.locator('section[aria-label="Maps"]').screenshot({ path: path.join(screenshots, 'experiments-map-sigma-readout.png') });
    await page.getByTestId('frame-flag').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'experiments-map-ood-frame.png') });
    // The σ-flagged frame names the ensemble's test; the vacuum frame says its halo holds almost no counts.
    await page.getByTestId('map-d').scrollIntoViewIfNeeded();
    box = await page.getByTestId('map-d').boundingBox();
    await page.mouse.click((box?.x ?? 0) + (3.5 / NX) * (box?.width ?? 0), (box?.y ?? 0) + (2.5 / NY) * (box?.height ?? 0));
    await page.getByTestId('frame-flag').filter({ hasText: 'members disagree' }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('frame-flag').textContent()).resolves.toContain('σ(d) = 0.0912, above the threshold 0.06');
    await page.mouse.click((box?.x ?? 0) + (14.5 / NX) * (box?.width ?? 0), (box?.y ?? 0) + (3.5 / NY) * (box?.height ?? 0));
    await page.getByTestId('frame-flag').filter({ hasText: 'Vacuum' }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('frame-flag').textContent()).resolves.toMatch(/halo .* holds almost none of the frame’s counts .* not mapped/);
    expect(pageErrors).toEqual([]);
  });
});
