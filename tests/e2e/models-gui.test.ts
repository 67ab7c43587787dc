/**
 * Training and evaluation in the GUI, in Chromium through the browser shell with real PyTorch and onnxruntime-node:
 * on a small line-scan dataset of the demo Cu64Zr36 glass, the Training page refuses an invalid field, trains a base
 * CNN for two epochs with live loss curves, the model page shows its metrics, provenance and parity plot, and a
 * prediction of the dataset is listed with the core's KDE contours and the strip profile.
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
import { collectPageErrors, hasChromium, launchChromium } from '../support/browser';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const demo = path.resolve('resources/demo/cu64zr36-glass.data');
const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const workersBuilt = fs.existsSync(path.resolve('dist/native-workers/train/index.js')) && fs.existsSync(path.resolve('dist/native-workers/predict/index.js'));
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const missing = [
  !hasChromium && 'Chromium is not at /usr/bin/chromium (apt install chromium)',
  !guiBuilt && 'the renderer is not built (npm run build)',
  !workersBuilt && 'the train and predict workers are not built (npm run build:node)',
  !torchAvailable && `${PYTHON} cannot import torch and torchvision (apt install python3-torch python3-torchvision)`,
].filter((m): m is string => typeof m === 'string');
const title = missing.length === 0 ? 'training and evaluation in the GUI (browser shell, PyTorch, onnxruntime)' : `training and evaluation in the GUI — skipped: ${missing.join('; ')}`;

/** Where the screenshots go: outside the repository, to be looked at after the run. */
const shot = (name: string) => `/tmp/models-${name}.png`;

describe.skipIf(missing.length > 0)(title, () => {
  let browser: Browser;
  let core: AppCore;
  let handlers: Handlers;
  let server: RunningServer;
  let page: Page;
  const projectDir = path.join(tempDir('ssro-e2e-models-'), 'models project');
  let pageErrors: string[] = [];
  let datasetId = 0;
  let sampleCount = 0;
  let source = { structureId: 0, labelSetId: 0 };
  const suiteStarted = Date.now();

  async function waitJob(id: number, timeoutMs = 300_000): Promise<JobSummary> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const job = await dispatch(handlers, 'jobs.get', { id });
      if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${id} did not finish`);
  }

  /** Screenshots of the whole page column: a tall viewport, so nothing is cut at the fold of the scrolling pane. */
  async function shootTall(name: string, height: number): Promise<void> {
    await page.setViewportSize({ width: 1500, height });
    await page.waitForTimeout(400);
    await page.screenshot({ path: shot(name) });
    await page.setViewportSize({ width: 1500, height: 950 });
    await page.waitForTimeout(200);
  }

  beforeAll(async () => {
    core = new AppCore();
    handlers = createHandlers(core);
    server = await startServer({ core, handlers });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    pageErrors = collectPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    process.stderr.write(`models e2e: ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s in all\n`);
  });

  it('trains a base CNN from the Training page: an invalid field disables Train, the loss curves draw live, the job succeeds', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-create').click();
    await page.getByTestId('import-open').waitFor();
    // Set-up through the API (import, labels and datasets have their own GUI tests); training itself through the GUI.
    await dispatch(handlers, 'settings.set', { python3Path: PYTHON });
    const imported = await waitJob((await dispatch(handlers, 'structures.import', { path: demo, elements: 'Cu,Zr' })).jobId);
    expect(imported.state).toBe('succeeded');
    const structureId = Number(imported.outputs[0]?.id);
    const labelled = await waitJob((await dispatch(handlers, 'labels.run', { structureId })).jobId);
    expect(labelled.state).toBe('succeeded');
    const labelSetId = Number(labelled.outputs[0]?.id);
    source = { structureId, labelSetId };
    // A strip across the 36 Å glass, seen along z and along y: a few dozen patterns, and a strip profile to draw.
    const built = await dispatch(handlers, 'datasets.build', {
      name: 'glass strip',
      sources: [{ structureId, labelSetId }],
      scan: { kind: 'line', start: [1, 18, 18], direction: [1, 0, 0], lengthA: 33, stepA: 1.5 },
      zones: ['z', 'y'],
      probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
    });
    datasetId = built.datasetId;
    const diffracted = await waitJob(built.jobId);
    expect(diffracted.error).toBeNull();
    sampleCount = (await dispatch(handlers, 'datasets.list', {})).find((d) => d.id === datasetId)?.sampleCount ?? 0;
    expect(sampleCount).toBe(46);

    await page.getByTestId('models-tab').click();
    await page.getByTestId('models-view').waitFor({ timeout: 30_000 });
    await page.getByTestId('models-train-open').click();
    await page.getByTestId('training-form').waitFor();
    // The paper's defaults, and the project's dataset chosen.
    await page.waitForFunction((id) => (document.querySelector('[data-testid="train-datasetId"]') as HTMLSelectElement | null)?.value === String(id), datasetId, { timeout: 30_000 });
    await expect(page.getByTestId('train-epochs').inputValue()).resolves.toBe('400');
    await expect(page.getByTestId('train-batchSize').inputValue()).resolves.toBe('64');
    await expect(page.getByTestId('train-lr').inputValue()).resolves.toBe('1e-3');
    await expect(page.getByTestId('train-weightDecay').inputValue()).resolves.toBe('1e-5');
    await expect(page.getByTestId('train-seed').inputValue()).resolves.toBe('42');
    expect(await page.getByTestId('train-run').isDisabled()).toBe(false);

    // Zero epochs: Train is disabled and the field says why; so for a learning rate that is not a number.
    await page.getByTestId('train-epochs').fill('0');
    await page.getByTestId('train-epochs-error').waitFor();
    await expect(page.getByTestId('train-epochs-error').textContent()).resolves.toMatch(/at least 1/);
    await expect(page.getByTestId('train-epochs').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.getByTestId('train-run').isDisabled()).toBe(true);
    await page.getByTestId('train-lr').fill('fast');
    await page.getByTestId('train-lr-error').waitFor();
    await expect(page.getByTestId('train-status').textContent()).resolves.toBe('2 fields to fix');
    await page.getByTestId('models-view').screenshot({ path: shot('invalid') });
    // ImageNet weights belong to ResNet-18 only.
    await page.getByTestId('train-model-basecnn').click();
    await page.locator('[data-testid="train-advanced"] > summary').click();
    await page.getByTestId('train-imagenetWeights').fill('/nowhere/resnet18.pth');
    await expect(page.getByTestId('train-imagenetWeights-error').textContent()).resolves.toMatch(/resnet18 only/);
    await page.getByTestId('train-imagenetWeights').fill('');

    await page.getByTestId('train-epochs').fill('2');
    await page.getByTestId('train-lr').fill('1e-3');
    await page.getByTestId('train-batchSize').fill('8');
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-name').fill('glass basecnn');
    expect(await page.locator('[data-testid="training-form"] .field__error').count()).toBe(0);
    expect(await page.getByTestId('train-run').isDisabled()).toBe(false);

    const started = Date.now();
    await page.getByTestId('train-run').click();
    await page.getByTestId('training-run').waitFor();
    // The new model is listed at once, still training.
    await page.locator('[data-testid="model-item"]').first().waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('model-item').first().textContent()).resolves.toMatch(/glass basecnn/);
    await page.locator('[data-testid="training-curves"][data-drawn="true"]').waitFor({ timeout: 300_000 });
    await page.locator('[data-testid="training-run"][data-job-state="succeeded"]').waitFor({ timeout: 300_000 });
    process.stderr.write(`models e2e: 2 epochs of basecnn on ${sampleCount} patterns took ${((Date.now() - started) / 1000).toFixed(1)} s from the click\n`);
    await page.locator('[data-testid="model-item"][data-model-state="trained"]').waitFor({ timeout: 30_000 });
    // Both epochs are in the table and in the loss panel: training and validation loss lines.
    await page.waitForFunction(() => /^2 \/ 2$/.test(document.querySelector('[data-testid="training-latest"] dd')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const lines = await page.locator('[data-testid="training-curves"] svg g[aria-label="line"] path').count();
    expect(lines).toBeGreaterThanOrEqual(4);
    const figureText = (await page.locator('[data-testid="training-curves"] svg').first().textContent()) ?? '';
    expect(figureText).toContain('Loss (L1, target units)');
    expect(figureText).toContain('Learning rate');
    expect(figureText).toContain('validation loss');
    await expect(page.getByTestId('training-run-message').textContent()).resolves.toMatch(/trained 2 epochs/);
    await expect(page.locator('[data-testid="job-row"][data-job-kind="train"] .job__kind').first().textContent()).resolves.toMatch(/Training.*basecnn · 2 epochs/);
    await page.getByTestId('models-view').screenshot({ path: shot('training') });
    await page.getByTestId('training-run').screenshot({ path: shot('run') });
  });

  it('opens the model page: metrics per split, preprocessing and provenance, the parity plot of the validation split', async () => {
    await page.getByTestId('training-open-model').click();
    await page.locator('[data-testid="model-page"][data-model-state="trained"]').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('model-name').textContent()).resolves.toBe('glass basecnn');
    const table = page.getByTestId('model-metrics-table');
    await table.waitFor();
    await expect(table.locator('[data-row="validation"]').textContent()).resolves.toMatch(/validation split\s*\d+\s*0\.\d{4}\s*0\.\d{4}/);
    await expect(table.locator('[data-row="train"]').textContent()).resolves.toMatch(/training split/);
    const validationCount = Number(await table.locator('[data-row="validation"] td').first().textContent());
    const trainCount = Number(await table.locator('[data-row="train"] td').first().textContent());
    // The default blocked split leaves out the probes that could see a validation probe's atoms: the facts count them.
    const facts = (await page.getByTestId('model-provenance').textContent()) ?? '';
    const counts = /validation split\s*blocked along [xyz], guard 0 Å: (\d+) train \/ (\d+) validation \/ (\d+) excluded/.exec(facts);
    expect(counts, facts).not.toBeNull();
    const [, factsTrain, factsValidation, excluded] = (counts ?? []).map(Number);
    expect([factsTrain, factsValidation]).toEqual([trainCount, validationCount]);
    expect(validationCount + trainCount + (excluded as number)).toBe(sampleCount);

    const preprocessing = (await page.getByTestId('model-preprocessing').textContent()) ?? '';
    expect(preprocessing).toMatch(/133 × 133/);
    expect(preprocessing).toMatch(/kmax1 Å⁻¹/);
    expect(preprocessing).toMatch(/Δk0\.015 Å⁻¹/);
    const provenance = (await page.getByTestId('model-provenance').textContent()) ?? '';
    expect(provenance).toMatch(/dataset#\d+ glass strip/);
    expect(provenance).toMatch(/epochs2/);
    expect(provenance).toMatch(/torch\d+\.\d+/);
    expect(provenance).toMatch(/devicecpu/);

    await expect(page.getByTestId('evaluation-source').inputValue()).resolves.toBe('validation');
    await page.locator('[data-testid="parity-figure"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    const parity = (await page.locator('[data-testid="parity-figure"] svg').first().textContent()) ?? '';
    expect(parity).toContain('true d');
    expect(parity).toContain('predicted d');
    expect(parity).toMatch(/R² = (−|-)?\d+\.\d{3}|R² = —/);
    expect(parity).toMatch(/RMSE = 0\.\d{4}/);
    expect(await page.locator('[data-testid="parity-figure"] svg g[aria-label="dot"] circle').count()).toBe(validationCount);
    // The finished run's curves, read back from its run folder.
    await page.locator('.model-history [data-testid="training-curves"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    await shootTall('model', 2200);
    await page.getByTestId('parity-figure').screenshot({ path: shot('parity-validation') });
  });

  it('predicts the dataset: the prediction is listed, its parity plot has the core’s KDE contours, the strip profile draws', async () => {
    await page.getByTestId('models-view').waitFor();
    await expect(page.getByTestId('predict-dataset').inputValue()).resolves.toBe(String(datasetId));
    const started = Date.now();
    await page.getByTestId('predict-run').click();
    const item = page.getByTestId('prediction-item').first();
    await item.waitFor({ timeout: 180_000 });
    process.stderr.write(`models e2e: predicting ${sampleCount} patterns took ${((Date.now() - started) / 1000).toFixed(1)} s from the click\n`);
    await expect(item.textContent()).resolves.toMatch(new RegExp(`glass basecnn on glass strip.*RMSE 0\\.\\d{4}.*${sampleCount} patterns`));
    const predictionId = await item.getAttribute('data-prediction-id');
    // The finished prediction becomes what the page evaluates.
    await page.waitForFunction((id) => (document.querySelector('[data-testid="evaluation-source"]') as HTMLSelectElement | null)?.value === id, predictionId, { timeout: 30_000 });
    await page.locator('[data-testid="prediction-metrics-table"]').waitFor({ timeout: 30_000 });
    await expect(page.locator('[data-testid="prediction-metrics-table"] [data-row="overall"]').textContent()).resolves.toMatch(new RegExp(`all patterns\\s*${sampleCount}`));
    await page.locator('[data-testid="parity-figure"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="parity-figure"] svg g[aria-label="contour"] path').length > 0, undefined, { timeout: 30_000 });
    expect(await page.locator('[data-testid="parity-figure"] svg g[aria-label="dot"] circle').count()).toBe(sampleCount);
    await expect(page.locator('[data-testid="parity-figure"] .plot-figure__caption').textContent()).resolves.toMatch(/Gaussian KDE \(Scott’s rule/);
    await page.locator('[data-testid="strip-profile-figure"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    const profile = (await page.locator('[data-testid="strip-profile-figure"] svg').first().textContent()) ?? '';
    expect(profile).toContain('distance along the strip (Å)');
    expect(profile).toContain('predicted d');
    // One strip per zone; each has its 23 points.
    expect(await page.locator('[data-testid="strip-profile-select"] option').count()).toBe(2);
    await expect(page.locator('[data-testid="strip-profile-figure"] .plot-figure__caption').textContent()).resolves.toMatch(/23 points/);
    await page.locator('[data-testid="job-row"][data-job-kind="predict"][data-job-state="succeeded"]').waitFor();
    await page.getByTestId('models-view').evaluate((view) => view.querySelector('.models-view__main')?.scrollTo({ top: 0 }));
    await shootTall('prediction', 2900);
    await page.getByTestId('parity-figure').screenshot({ path: shot('parity-prediction') });
    await page.getByTestId('strip-profile-figure').screenshot({ path: shot('profile') });
  });

  it('stops a run, marks its model incomplete, and resumes it from the last saved epoch', async () => {
    await page.getByTestId('models-train-open').click();
    await page.getByTestId('training-form').waitFor();
    await page.getByTestId('train-epochs').fill('40');
    await page.getByTestId('train-name').fill('stopped basecnn');
    await page.getByTestId('train-run').click();
    const running = page.locator('[data-testid="training-run"][data-job-state="running"]');
    await running.waitFor({ timeout: 60_000 });
    const firstJob = Number(await running.getAttribute('data-job-id'));
    // Wait for a saved epoch, then stop.
    await page.locator('[data-testid="training-latest"]').waitFor({ timeout: 120_000 });
    await expect(page.getByTestId('training-run-message').textContent()).resolves.toMatch(/epoch \d+\/40.*ETA/);
    await page.getByTestId('training-stop').click();
    await page.locator(`[data-testid="training-run"][data-job-id="${firstJob}"][data-job-state="cancelled"]`).waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('training-stopped-note').textContent()).resolves.toMatch(/cancelled during epoch \d+ of 40; epochs 1–\d+ are saved/);
    await page.locator('[data-testid="model-item"][data-model-state="incomplete"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('training-resume').waitFor({ timeout: 30_000 });
    await page.getByTestId('training-run').screenshot({ path: shot('stopped') });

    await page.getByTestId('training-resume').click();
    const resumed = page.locator(`[data-testid="training-run"][data-job-state="running"]:not([data-job-id="${firstJob}"])`);
    await resumed.waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="model-item"][data-model-state="training"]').waitFor({ timeout: 30_000 });
    // The resumed job's curves start with the epochs done before it.
    await page.locator('[data-testid="training-curves"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('training-stop').click();
    await page.locator('[data-testid="training-run"][data-job-state="cancelled"]').waitFor({ timeout: 60_000 });
  });

  it('imports the trained ONNX model through the dialog: listed as imported, with its own preprocessing and metrics', async () => {
    const trained = (await dispatch(handlers, 'models.list', {})).find((m) => m.name === 'glass basecnn');
    expect(trained?.onnxPath).toBeTruthy();
    await page.getByTestId('models-import-open').click();
    await page.getByTestId('model-import-dialog').waitFor();
    await page.getByTestId('model-import-path').fill(trained?.onnxPath ?? '');
    await page.getByTestId('model-import-name').fill('imported basecnn');
    expect(await page.getByTestId('model-import-submit').isDisabled()).toBe(false);
    await page.getByTestId('model-import-dialog').screenshot({ path: shot('import') });
    await page.getByTestId('model-import-submit').click();
    await page.locator('[data-testid="model-page"][data-model-state="imported"]').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('model-name').textContent()).resolves.toBe('imported basecnn');
    await expect(page.getByTestId('model-preprocessing').textContent()).resolves.toMatch(/133 × 133/);
    await expect(page.getByTestId('model-provenance').textContent()).resolves.toMatch(/metadataSSRO Studio’s own/);
    await page.getByTestId('model-metrics-table').locator('[data-row="validation"]').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('runs a probe-size sweep from the Models view: the heatmap fills in and every cell has its RMSE (Fig. 7)', async () => {
    // Two probe sizes on the glass strip: the sweep trains the base CNN on each.
    const built = await dispatch(handlers, 'datasets.build', {
      name: 'glass strip, two probes',
      sources: [source],
      scan: { kind: 'line', start: [1, 18, 18], direction: [1, 0, 0], lengthA: 33, stepA: 1.5 },
      zones: ['z'],
      probes: [
        { kind: 'cylinder', radiusA: 5, heightA: 20 },
        { kind: 'cylinder', radiusA: 4, heightA: 15 },
      ],
    });
    expect((await waitJob(built.jobId)).error).toBeNull();
    await page.getByTestId('sweeps-new-open').click();
    await page.getByTestId('sweep-form').waitFor();
    await page.getByTestId('sweep-dataset').selectOption(String(built.datasetId));
    await page.getByTestId('sweep-model-resnet18').uncheck();
    await page.getByTestId('sweep-epochs').fill('0');
    await expect(page.getByTestId('sweep-form-error').textContent()).resolves.toMatch(/epochs/);
    expect(await page.getByTestId('sweep-start').isDisabled()).toBe(true);
    await page.getByTestId('sweep-epochs').fill('2');
    await page.getByTestId('sweep-start').click();
    await page.locator('[data-testid="sweep-page"][data-sweep-state="running"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="sweep-page"][data-sweep-state="complete"]').waitFor({ timeout: 300_000 });
    const rows = page.getByTestId('sweep-cells').locator('tbody tr[data-cell-state="done"]');
    await expect(rows.count()).resolves.toBe(2);
    const sweep = (await dispatch(handlers, 'sweeps.list', {}))[0];
    const rmse = (sweep?.cells ?? []).map((c) => c.validation?.rmse ?? Number.NaN);
    expect(rmse.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    // The heatmap writes each cell's RMSE in the cell, as the table does.
    await page.locator('[data-testid="sweep-heatmap"] svg').first().waitFor();
    const heatmapText = (await page.getByTestId('sweep-heatmap').textContent()) ?? '';
    for (const v of rmse) expect(heatmapText).toContain(v.toFixed(4));
    await expect(page.getByTestId('sweep-list').textContent()).resolves.toMatch(/complete/);
    await shootTall('sweep', 1300);
    expect(pageErrors).toEqual([]);
  });
});
