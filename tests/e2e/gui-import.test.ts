/**
 * A person's first session, in Chromium through the browser shell: create a project, import a structure, watch
 * the job finish, see atoms drawn in the viewer, reload and restart and find everything still there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AppCore } from '../../main/core/app-core';
import { createHandlers } from '../../main/core/api/handlers';
import { startServer, type RunningServer } from '../../main/server/server';
import { colourFamilies, hasChromium, launchChromium, nonBackgroundFraction } from '../support/browser';
import { tempDir } from '../support/temp';

const screenshots = path.resolve('test-output/e2e');
const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));

/** A Cu–Zr FCC-based cell (4×4×4 cells, 256 atoms, every third atom Zr) written as a LAMMPS data file. */
function writeCuZrData(file: string): void {
  const a = 3.7;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const lines: string[] = [];
  let id = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++)
      for (let k = 0; k < 4; k++)
        for (const [bx, by, bz] of basis) {
          id++;
          const type = id % 3 === 0 ? 2 : 1;
          lines.push(`${id} ${type} ${((i + (bx ?? 0)) * a).toFixed(4)} ${((j + (by ?? 0)) * a).toFixed(4)} ${((k + (bz ?? 0)) * a).toFixed(4)}`);
        }
  const L = (4 * a).toFixed(4);
  fs.writeFileSync(
    file,
    `Cu-Zr test cell\n\n${id} atoms\n2 atom types\n\n0 ${L} xlo xhi\n0 ${L} ylo yhi\n0 ${L} zlo zhi\n\nMasses\n\n1 63.546\n2 91.224\n\nAtoms # atomic\n\n${lines.join('\n')}\n`,
  );
}

describe.skipIf(!hasChromium || !guiBuilt)('GUI in Chromium (browser shell)', () => {
  let browser: Browser;
  let core: AppCore;
  let server: RunningServer;
  let page: Page;
  const projectDir = path.join(tempDir('ssro-e2e-'), 'glass project');
  const structureFile = path.join(tempDir('ssro-e2e-'), 'cuzr-cell.data');

  beforeAll(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    writeCuZrData(structureFile);
    core = new AppCore();
    server = await startServer({ core, handlers: createHandlers(core) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
  });

  it('creates a project, imports a file, shows the job finishing and the atoms drawn', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-name-input').fill('Glass project');
    await page.getByTestId('project-create').click();
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path-input').fill(structureFile);
    await page.getByTestId('import-elements-input').fill('Cu,Zr');
    await page.getByTestId('import-submit').click();

    const job = page.locator('[data-testid="job-row"][data-job-kind="import"]').first();
    await job.waitFor();
    await page.locator('[data-testid="job-row"][data-job-state="succeeded"]').first().waitFor({ timeout: 60_000 });
    const item = page.getByTestId('structure-item').first();
    await item.waitFor();
    await expect(item.textContent()).resolves.toMatch(/256/);
    await item.click();

    const host = page.getByTestId('viewer-canvas-host');
    await host.locator('canvas').waitFor();
    // NGL draws asynchronously: wait until the canvas shows atoms.
    let fraction = 0;
    let shot: Buffer = Buffer.alloc(0);
    for (let attempt = 0; attempt < 40 && fraction < 0.05; attempt++) {
      await page.waitForTimeout(250);
      shot = await host.screenshot();
      fraction = nonBackgroundFraction(shot);
    }
    fs.writeFileSync(path.join(screenshots, 'viewer.png'), shot);
    await page.screenshot({ path: path.join(screenshots, 'app.png') });
    expect(fraction).toBeGreaterThan(0.05);
    // Cu and Zr are drawn in different colours: at least background + two atom colour families.
    expect(colourFamilies(shot)).toBeGreaterThanOrEqual(3);
  });

  it('finds the structure again after a reload', async () => {
    await page.reload();
    await page.getByTestId('structure-item').first().waitFor();
    expect(await page.getByTestId('structure-item').count()).toBe(1);
    await page.locator('[data-testid="job-row"][data-job-state="succeeded"]').first().waitFor();
  });

  it('finds the project, structure and job again after the app restarts', async () => {
    await server.close();
    await core.dispose();
    core = new AppCore();
    server = await startServer({ core, handlers: createHandlers(core) });
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-open').click();
    const item = page.getByTestId('structure-item').first();
    await item.waitFor();
    await expect(item.textContent()).resolves.toMatch(/cuzr-cell\.data/);
    await page.locator('[data-testid="job-row"][data-job-state="succeeded"]').first().waitFor();
  });

  it('shows a clear error for a malformed file and adds nothing', async () => {
    const bad = path.join(tempDir('ssro-e2e-'), 'truncated.data');
    fs.writeFileSync(bad, fs.readFileSync(structureFile, 'utf8').split('\n').slice(0, 40).join('\n'));
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path-input').fill(bad);
    await page.getByTestId('import-submit').click();
    const failed = page.locator('[data-testid="job-row"][data-job-state="failed"]').first();
    await failed.waitFor({ timeout: 60_000 });
    await expect(failed.textContent()).resolves.toMatch(/truncated\.data/);
    expect(await page.getByTestId('structure-item').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'failed-import.png') });
  });
});
