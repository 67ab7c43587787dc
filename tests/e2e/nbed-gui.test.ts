/**
 * Simulated NBED in the GUI, in Chromium through the browser shell: the live pattern of a probe in the demo
 * Cu64Zr36 glass (bright direct beam, amorphous halo, k-axes in Å⁻¹), a small dataset built from the builder form,
 * its histogram and lazily loaded thumbnails in the browser, and its export to a folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { startServer, type RunningServer } from '../../main/server/server';
import { hasChromium, launchChromium, collectPageErrors } from '../support/browser';
import { tempDir } from '../support/temp';

const screenshots = path.resolve('test-output/e2e');
const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const demo = path.resolve('resources/demo/cu64zr36-glass.data');

/** Luminance statistics of the pattern canvas, read from its own pixels (not a screenshot). */
interface CanvasStats {
  side: number;
  centre: number;
  max: number;
  mean: number;
  std: number;
  /** Mean luminance of the pixels in the ring 0.3 < |K|/kmax < 0.6 and in the outer ring 0.8–0.95. */
  halo: number;
  outer: number;
}

async function canvasStats(page: Page): Promise<CanvasStats> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="pattern-canvas"]');
    if (!canvas) throw new Error('no pattern canvas');
    const side = canvas.width;
    const data = canvas.getContext('2d')?.getImageData(0, 0, side, side).data;
    if (!data) throw new Error('no pixels');
    const lum = (i: number) => 0.2126 * (data[4 * i] ?? 0) + 0.7152 * (data[4 * i + 1] ?? 0) + 0.0722 * (data[4 * i + 2] ?? 0);
    const n = (side - 1) / 2;
    let max = 0;
    let sum = 0;
    let sum2 = 0;
    let halo = 0;
    let haloN = 0;
    let outer = 0;
    let outerN = 0;
    for (let r = 0; r < side; r++)
      for (let c = 0; c < side; c++) {
        const l = lum(r * side + c);
        max = Math.max(max, l);
        sum += l;
        sum2 += l * l;
        const rho = Math.hypot(r - n, c - n) / n;
        if (rho > 0.3 && rho < 0.6) {
          halo += l;
          haloN++;
        } else if (rho > 0.8 && rho < 0.95) {
          outer += l;
          outerN++;
        }
      }
    const count = side * side;
    const mean = sum / count;
    return {
      side,
      centre: lum(n * side + n),
      max,
      mean,
      std: Math.sqrt(Math.max(0, sum2 / count - mean * mean)),
      halo: halo / Math.max(1, haloN),
      outer: outer / Math.max(1, outerN),
    };
  });
}

describe.skipIf(!hasChromium || !guiBuilt)('simulated NBED in the GUI (browser shell)', () => {
  let browser: Browser;
  let core: AppCore;
  let handlers: Handlers;
  let server: RunningServer;
  let page: Page;
  const projectDir = path.join(tempDir('ssro-e2e-nbed-'), 'nbed project');
  const exportDir = path.join(tempDir('ssro-e2e-nbed-export-'), 'exported');
  let pageErrors: string[] = [];

  async function waitJob(id: number): Promise<JobSummary> {
    for (let i = 0; i < 2400; i++) {
      const job = await dispatch(handlers, 'jobs.get', { id });
      if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${id} did not finish`);
  }

  beforeAll(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    core = new AppCore();
    handlers = createHandlers(core);
    server = await startServer({ core, handlers });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    pageErrors = collectPageErrors(page);
    page.on('response', (response) => {
      if (response.status() >= 400) {
        void response.text().then((body) => process.stderr.write(`HTTP ${response.status()} ${response.url()}: ${body.slice(0, 300)}\n`));
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
  });

  it('shows the live pattern of a probe: bright direct beam, halo, atom count', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-create').click();
    await page.getByTestId('import-open').waitFor();
    // Setup through the API (the import and labels GUIs have their own tests); NBED itself through the GUI.
    const imported = await waitJob((await dispatch(handlers, 'structures.import', { path: demo, elements: 'Cu,Zr' })).jobId);
    expect(imported.state).toBe('succeeded');
    const structureId = Number(imported.outputs[0]?.id);
    const labelled = await waitJob((await dispatch(handlers, 'labels.run', { structureId })).jobId);
    expect(labelled.state).toBe('succeeded');

    const item = page.getByTestId('structure-item').first();
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    await page.locator('[data-testid="viewer-canvas-host"][data-load-state="ready"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('label-set-item').first().waitFor({ timeout: 30_000 });

    await page.getByTestId('tab-diffraction').click();
    await expect(page.getByTestId('probe-radius-input').inputValue()).resolves.toBe('5');
    await expect(page.getByTestId('probe-height-input').inputValue()).resolves.toBe('20');
    await page.getByTestId('probe-center-input').fill('12.5, 14, 15');
    await page.waitForFunction(
      () => {
        const info = document.querySelector('[data-testid="pattern-info"]');
        const panel = document.querySelector('[data-testid="pattern-panel"]');
        return info && Number(info.getAttribute('data-atoms')) > 0 && panel?.getAttribute('data-loading') === 'false';
      },
      undefined,
      { timeout: 60_000 },
    );
    const atoms = Number(await page.getByTestId('pattern-atoms').textContent());
    // A 5 Å × 20 Å cylinder in a glass of ~0.06 atoms/Å³ holds ~90 atoms.
    expect(atoms).toBeGreaterThan(40);
    expect(atoms).toBeLessThan(200);
    await expect(page.getByTestId('pattern-info').textContent()).resolves.toMatch(/mean d0\.\d{3}/);

    const stats = await canvasStats(page);
    expect(stats.side).toBe(133);
    // Not blank, and the direct beam (K = 0) is the brightest pixel.
    expect(stats.std).toBeGreaterThan(10);
    expect(stats.centre).toBeGreaterThanOrEqual(stats.max - 1);
    // The amorphous halo (|K| ≈ 0.3–0.6 Å⁻¹ for Cu–Zr) is brighter than the far tail.
    expect(stats.halo).toBeGreaterThan(stats.outer);

    await page.getByTestId('pattern-colour-bar').waitFor();
    await page.locator('[data-testid="pattern-radial"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    await expect(page.locator('.pattern-image__axes').textContent()).resolves.toMatch(/kx \(Å⁻¹\).*ky \(Å⁻¹\)|ky \(Å⁻¹\).*kx \(Å⁻¹\)/);
    await expect(page.getByTestId('viewer-canvas-host').getAttribute('data-probe')).resolves.toBe('cylinder');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(screenshots, 'nbed-diffraction.png') });
    await page.locator('.diffraction-pane').screenshot({ path: path.join(screenshots, 'nbed-pattern.png') });

    // Another zone: the axes follow (zone x → (ky, kz)).
    await page.getByTestId('zone-select').selectOption('x');
    await page.waitForFunction(() => document.querySelector('.pattern-image__axes')?.textContent?.includes('kz'), undefined, { timeout: 60_000 });
    // An impossible probe is refused with a message, not a blank.
    await page.getByTestId('probe-radius-input').fill('0');
    await page.getByTestId('probe-form-error').waitFor();
    await page.getByTestId('probe-radius-input').fill('5');
    await page.getByTestId('zone-select').selectOption('z');
  });

  it('builds a small dataset from the form', async () => {
    await page.getByTestId('datasets-open').click();
    await page.getByTestId('dataset-new').click();
    await page.getByTestId('dataset-build-form').waitFor();
    await page.getByTestId('dataset-name-input').fill('gui-grid-8A');
    // A fine step: the preview draws a thinned scan and says so; a step past the bound is refused, naming it, and
    // no stale count stays beside the reason.
    await page.getByTestId('dataset-step-input').fill('0.05');
    await page.locator('[data-testid="dataset-scan-preview"]', { hasText: /every \d+(st|nd|rd|th) row, \d+(st|nd|rd|th) column of [\d,]+ shown/ }).waitFor({ timeout: 30_000 });
    await page.getByTestId('dataset-step-input').fill('0.001');
    await page.getByText(/more than the limit of 1,000,000; use a larger step/).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dataset-sample-count').getAttribute('data-count')).toBe('');
    expect(await page.getByTestId('dataset-scan-preview').count()).toBe(0);
    // The browser logs the refused request (400) as a failed resource: expected here, and only here.
    const refused = pageErrors.filter((e) => /status of 400/.test(e));
    expect(refused.length).toBeGreaterThan(0);
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !/status of 400/.test(e)));
    await page.getByTestId('dataset-step-input').fill('8');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="dataset-sample-count"]')?.getAttribute('data-count')) > 0,
      undefined,
      { timeout: 30_000 },
    );
    const count = Number(await page.getByTestId('dataset-sample-count').getAttribute('data-count'));
    expect(count).toBeGreaterThan(4);
    expect(count).toBeLessThan(200);
    await page.locator('[data-testid="dataset-scan-preview"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(screenshots, 'nbed-builder.png') });
    await page.getByTestId('dataset-build-submit').click();
    await page.locator('[data-testid="job-row"][data-job-kind="diffract"][data-job-state="succeeded"]').waitFor({ timeout: 240_000 });
    await page.locator('[data-testid="dataset-item"][data-dataset-state="complete"]').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('dataset-done').first().textContent()).resolves.toBe(`${count} / ${count} patterns`);
  });

  it('browses the dataset: histogram, thumbnails, large view, export', async () => {
    await page.locator('[data-testid="dataset-histogram"][data-drawn="true"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="dataset-thumb"][data-loaded="true"]').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(screenshots, 'nbed-browser.png') });
    await page.getByTestId('dataset-thumb').first().click();
    await page.getByTestId('dataset-pattern-large').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.getByTestId('dataset-pattern-modal').screenshot({ path: path.join(screenshots, 'nbed-pattern-large.png') });
    await page.keyboard.press('Escape');

    await page.getByTestId('dataset-export-input').fill(exportDir);
    await page.getByTestId('dataset-export-submit').click();
    await page.getByTestId('dataset-export-result').waitFor({ timeout: 60_000 });
    const files = fs.readdirSync(exportDir);
    expect(files.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
