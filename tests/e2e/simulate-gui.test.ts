/**
 * LAMMPS simulations from the GUI, in Chromium through the browser shell: the Simulate view's glass form refuses an
 * invalid field, shows the exact atom count and the input script, runs a tiny melt–quench with Debian's `lmp`, draws
 * the live thermo plot, and opens the structure it made in the viewer with its provenance in the details.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AppCore } from '../../main/core/app-core';
import { createHandlers } from '../../main/core/api/handlers';
import { startServer, type RunningServer } from '../../main/server/server';
import { DEFAULT_POTENTIAL_PATH } from '../../main/shared/simulation';
import { collectPageErrors, hasChromium, launchChromium, nonBackgroundFraction } from '../support/browser';
import { tempDir } from '../support/temp';

const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(DEFAULT_POTENTIAL_PATH);
const missing = [
  !hasChromium && 'Chromium is not at /usr/bin/chromium (apt install chromium)',
  !guiBuilt && 'the renderer is not built (npm run build)',
  !lmpAvailable && '`lmp` is not on PATH or CuZr_mm.eam.fs is missing (apt install lammps lammps-data)',
].filter((m): m is string => typeof m === 'string');
const title = missing.length === 0 ? 'LAMMPS simulations in the GUI (browser shell, Debian lmp)' : `LAMMPS simulations in the GUI — skipped: ${missing.join('; ')}`;

/** Where the screenshots go: outside the repository, to be looked at after the run. */
const shot = (name: string) => `/tmp/simulate-${name}.png`;

describe.skipIf(missing.length > 0)(title, () => {
  let browser: Browser;
  let core: AppCore;
  let server: RunningServer;
  let page: Page;
  const projectDir = path.join(tempDir('ssro-e2e-simulate-'), 'simulate project');
  let pageErrors: string[] = [];

  beforeAll(async () => {
    core = new AppCore();
    server = await startServer({ core, handlers: createHandlers(core) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    pageErrors = collectPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
  });

  it('fills the glass form: refuses an invalid field, shows the exact atoms and the input script', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-create').click();
    await page.getByTestId('simulate-tab').click();
    await page.getByTestId('simulate-view').waitFor({ timeout: 30_000 });
    await page.getByTestId('sim-protocol-glass').click();
    await page.getByTestId('sim-form-glass').waitFor();

    // The papers' defaults are filled in.
    await expect(page.getByTestId('sim-composition').inputValue()).resolves.toBe('Cu64Zr36');
    await expect(page.getByTestId('sim-meltK').inputValue()).resolves.toBe('2000');

    // Too few atoms: Run is disabled and the field says why.
    await page.getByTestId('sim-atoms').fill('5');
    await page.getByTestId('sim-atoms-error').waitFor();
    await expect(page.getByTestId('sim-atoms-error').textContent()).resolves.toMatch(/at least 32/);
    await expect(page.getByTestId('sim-atoms').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.getByTestId('sim-run').isDisabled()).toBe(true);
    await page.getByTestId('simulate-view').screenshot({ path: shot('invalid') });
    // Not a composition either.
    await page.getByTestId('sim-composition').fill('copper');
    await page.getByTestId('sim-composition-error').waitFor();
    await page.getByTestId('sim-composition').fill('Cu64Zr36');

    // A tiny run: 108 atoms, 1 ps melt at 2000 K, 500 K/ps quench to 300 K, 0.5 ps hold, thermo every 50 steps.
    await page.getByTestId('sim-atoms').fill('108');
    await page.getByTestId('sim-meltK').fill('2000');
    await page.getByTestId('sim-meltPs').fill('1');
    await page.getByTestId('sim-quenchKPerPs').fill('500');
    await page.getByTestId('sim-finalK').fill('300');
    await page.getByTestId('sim-holdPs').fill('0.5');
    await page.locator('[data-testid="sim-advanced"] > summary').click();
    await page.getByTestId('sim-thermoEvery').fill('50');
    await page.getByTestId('sim-name').fill('tiny Cu64Zr36 glass');
    expect(await page.locator('.sim-field .field__error').count()).toBe(0);
    expect(await page.getByTestId('sim-run').isDisabled()).toBe(false);

    // The exact count comes from simulations.plan (the built start structure): 3×3×3 FCC cells.
    const atoms = page.locator('[data-testid="sim-cost-atoms"][data-exact="true"][data-atoms="108"]');
    await atoms.waitFor({ timeout: 30_000 });
    await expect(atoms.textContent()).resolves.toBe('108');
    await expect(page.getByTestId('sim-stages').textContent()).resolves.toMatch(/quench 2000 → 300 K.*1,700/);
    await expect(page.getByTestId('sim-cost-time').textContent()).resolves.toMatch(/s$/);
    await page.getByTestId('sim-script-toggle').click();
    const script = (await page.getByTestId('sim-script').textContent()) ?? '';
    expect(script).toContain('pair_style eam/fs');
    expect(script).toMatch(/^thermo 50$/m);
    await page.getByTestId('simulate-view').screenshot({ path: shot('form') });
    await page.getByTestId('sim-script-toggle').click();

    // Another protocol keeps its own form; coming back finds the glass edits intact.
    await page.getByTestId('sim-protocol-complexion').click();
    await page.getByTestId('sim-form-complexion').waitFor();
    await page.locator('[data-testid="sim-cost-atoms"][data-exact="true"]').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('sim-doping').inputValue()).resolves.toBe('canonical');
    await page.getByTestId('simulate-view').screenshot({ path: shot('complexion') });
    await page.getByTestId('sim-protocol-composite').click();
    await page.getByTestId('sim-form-composite').waitFor();
    expect(await page.getByTestId('sim-nanocrystal').count()).toBe(2);
    await page.getByTestId('simulate-view').screenshot({ path: shot('composite') });
    await page.getByTestId('sim-protocol-glass').click();
    await expect(page.getByTestId('sim-atoms').inputValue()).resolves.toBe('108');
    await page.locator('[data-testid="sim-cost-atoms"][data-exact="true"][data-atoms="108"]').waitFor({ timeout: 30_000 });
  });

  it('runs it: live thermo plot, progress, success', async () => {
    const started = Date.now();
    await page.getByTestId('sim-run').click();
    const panel = page.getByTestId('sim-run-panel');
    await panel.waitFor();
    await page.locator('[data-testid="job-row"][data-job-kind="simulate"]').first().waitFor();
    await expect(page.locator('[data-testid="job-row"][data-job-kind="simulate"] .job__kind').first().textContent()).resolves.toMatch(/Simulation.*glass Cu64Zr36/);

    // The plot draws as soon as rows arrive (live or, for a run this short, from the kept table).
    await page.locator('[data-testid="sim-thermo"][data-drawn="true"]').waitFor({ timeout: 180_000 });
    await page.locator('[data-testid="sim-run-panel"][data-job-state="succeeded"]').waitFor({ timeout: 180_000 });
    process.stderr.write(`simulate e2e: the tiny glass run took ${((Date.now() - started) / 1000).toFixed(1)} s from the click\n`);
    // Three panels (T, PE/atom, V) with a line each; the x axis reaches the planned 2,450 MD steps.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sim-thermo"] svg g[aria-label="line"] path').length >= 3, undefined, {
      timeout: 10_000,
    });
    const headings = (await page.locator('[data-testid="sim-thermo"] svg').first().textContent()) ?? '';
    expect(headings).toContain('Temperature (K)');
    expect(headings).toContain('Potential energy (eV/atom)');
    expect(headings).toContain('Volume (Å³)');
    const lastStep = Number(((await page.locator('[data-testid="sim-thermo-latest"] dd').first().textContent()) ?? '').replace(/,/g, ''));
    expect(lastStep).toBeGreaterThanOrEqual(2450);
    await page.waitForTimeout(300);
    await page.getByTestId('simulate-view').screenshot({ path: shot('run') });
  });

  it('opens the structure it made in the viewer, with its provenance', async () => {
    await page.getByTestId('sim-open-viewer').click();
    // Opening waits for the structure list to hold the new structure, then switches to the 3D view.
    await page.locator('[data-testid="viewer-tab"][aria-selected="true"]').waitFor({ timeout: 30_000 });
    const item = page.locator('[data-testid="structure-item"][aria-pressed="true"]');
    await item.waitFor({ timeout: 30_000 });
    await expect(item.textContent()).resolves.toMatch(/tiny Cu64Zr36 glass.*108 atoms/);
    expect(await page.getByTestId('simulate-view').isVisible()).toBe(false);

    const host = page.getByTestId('viewer-canvas-host');
    await page.locator('[data-testid="viewer-canvas-host"][data-load-state="ready"]').waitFor({ timeout: 60_000 });
    let fraction = 0;
    let pixels: Buffer = Buffer.alloc(0);
    // Software WebGL on a loaded machine can take a while to draw.
    for (let attempt = 0; attempt < 120 && fraction < 0.02; attempt++) {
      await page.waitForTimeout(250);
      pixels = await host.screenshot();
      fraction = nonBackgroundFraction(pixels);
    }
    expect(fraction).toBeGreaterThan(0.02);

    await page.getByTestId('details-tab').click();
    const provenance = page.getByTestId('structure-provenance');
    await provenance.waitFor();
    const text = (await provenance.textContent()) ?? '';
    expect(text).toMatch(/melt–quench glass/);
    expect(text).toMatch(/2000 → 300 K at 500 K\/ps/);
    expect(text).toMatch(/CuZr_mm\.eam\.fs/);
    expect(text).toMatch(/LAMMPS\S*\s*\d/);
    await page.screenshot({ path: shot('viewer') });
    await page.getByTestId('simulation-notes').scrollIntoViewIfNeeded();
    await page.locator('.details-area').screenshot({ path: shot('details') });

    // Back to Simulate: the finished run is still shown with its plot.
    await page.getByTestId('simulate-tab').click();
    await page.locator('[data-testid="sim-run-panel"][data-job-state="succeeded"]').waitFor();
    await page.locator('[data-testid="sim-thermo"][data-drawn="true"]').waitFor();
  });

  it('follows a longer run live and cancels it', async () => {
    await page.getByTestId('simulate-tab').click();
    await page.getByTestId('sim-meltPs').fill('1000');
    await page.getByTestId('sim-name').fill('');
    await page.locator('[data-testid="sim-cost-atoms"][data-exact="true"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('sim-run').click();
    const running = page.locator('[data-testid="sim-run-panel"][data-job-state="running"]');
    await running.waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="sim-thermo"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    // Rows keep arriving through job.series while LAMMPS runs.
    const stepNow = async () => Number(((await page.locator('[data-testid="sim-thermo-latest"] dd').first().textContent()) ?? '0').replace(/,/g, ''));
    const first = await stepNow();
    await page.waitForFunction((before) => {
      const text = document.querySelector('[data-testid="sim-thermo-latest"] dd')?.textContent ?? '0';
      return Number(text.replace(/,/g, '')) > before;
    }, first, { timeout: 30_000 });
    expect(await stepNow()).toBeGreaterThan(first);
    // The stage message comes with job.updated, which may trail the thermo rows by a moment on a busy machine.
    await page.waitForFunction(() => /melt at 2000 K: step/.test(document.querySelector('[data-testid="sim-run-message"]')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    await page.getByTestId('simulate-view').screenshot({ path: shot('live') });
    // The whole planned run on the x axis: 500,000 melt steps and more.
    await page.getByTestId('sim-thermo-span-whole').click();
    await page.waitForFunction(() => /500k/.test(document.querySelector('[data-testid="sim-thermo"] svg')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await page.getByTestId('sim-thermo-span-so-far').click();
    await page.getByTestId('sim-cancel').click();
    await page.locator('[data-testid="sim-run-panel"][data-job-state="cancelled"]').waitFor({ timeout: 30_000 });
  });

  it('shows LAMMPS\'s error and the log tail when a run fails', async () => {
    await page.getByTestId('simulate-tab').click();
    // 10,000 K with a 10 fs timestep: LAMMPS loses atoms within a few steps.
    await page.getByTestId('sim-meltK').fill('10000');
    await page.getByTestId('sim-meltPs').fill('20');
    await page.getByTestId('sim-quenchKPerPs').fill('5000');
    await page.getByTestId('sim-timestepFs').fill('10');
    await page.getByTestId('sim-thermoEvery').fill('10');
    await page.locator('[data-testid="sim-cost-atoms"][data-exact="true"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('sim-run').click();
    await page.locator('[data-testid="sim-run-panel"][data-job-state="failed"]').waitFor({ timeout: 120_000 });
    const banner = page.locator('[data-testid="sim-run-panel"] [data-testid="error-banner"]');
    await expect(banner.textContent()).resolves.toMatch(/ERROR: Lost atoms/);
    const log = page.locator('[data-testid="sim-run-log"] pre');
    await log.waitFor();
    expect(((await log.textContent()) ?? '').split('\n').length).toBeGreaterThan(3);
    await page.getByTestId('simulate-view').screenshot({ path: shot('failed') });
    expect(pageErrors).toEqual([]);
  });
});
