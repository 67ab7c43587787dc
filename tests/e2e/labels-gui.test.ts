/**
 * Order labels in the GUI, in Chromium through the browser shell: import an FCC Cu crystal with a disordered slab,
 * compute labels from the labels panel, colour the atoms by d (both colormap ends on the canvas), by CNA, cut a
 * slab, open the analysis tab and find every plot drawn, and export a figure's SVG, PNG and CSV.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch } from '../../main/core/api/handlers';
import { startServer, type RunningServer } from '../../main/server/server';
import { hasChromium, launchChromium, collectPageErrors } from '../support/browser';
import { tempDir } from '../support/temp';

const screenshots = path.resolve('test-output/e2e');
const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const A = 3.615; // Cu lattice parameter, Å

/**
 * FCC Cu, 12 × 6 × 6 cells, periodic. Atoms with 0.4 Lx < x < 0.6 Lx are displaced randomly by up to ±0.6 Å (a
 * disordered slab, high d), and nine ideal 13-atom icosahedra are set into the slab so that some atoms are
 * Voronoi-disordered ⟨0,0,12,0⟩ and the ordered/disordered threshold exists. ~1750 atoms.
 */
function writeSlabCrystal(file: string): number {
  let seed = 11;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const nx = 12;
  const ny = 6;
  const lx = nx * A;
  const ly = ny * A;
  const slabLo = 0.4 * lx;
  const slabHi = 0.6 * lx;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const atoms: number[][] = [];
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < ny; j++)
      for (let k = 0; k < ny; k++)
        for (const [bx = 0, by = 0, bz = 0] of basis) {
          let x = (i + bx) * A;
          let y = (j + by) * A;
          let z = (k + bz) * A;
          if (x > slabLo && x < slabHi) {
            x += (random() - 0.5) * 1.2;
            y += (random() - 0.5) * 1.2;
            z += (random() - 0.5) * 1.2;
          }
          atoms.push([x, y, z]);
        }
  const phi = (1 + Math.sqrt(5)) / 2;
  const vertices: number[][] = [];
  for (const s1 of [-1, 1]) for (const s2 of [-1, 1]) vertices.push([0, s1, s2 * phi], [s1, s2 * phi, 0], [s2 * phi, 0, s1]);
  const r0 = 2.5 / Math.hypot(1, phi); // centre–vertex distance 2.5 Å
  const centres: number[][] = [];
  const cx = (slabLo + slabHi) / 2;
  for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) centres.push([cx + (((j + k) % 2) - 0.5) * 1.5, ((j + 0.5) * ly) / 3, ((k + 0.5) * ly) / 3]);
  const distance = (p: number[], q: number[]): number => {
    let s = 0;
    for (let d = 0; d < 3; d++) {
      const period = d === 0 ? lx : ly;
      let v = (p[d] ?? 0) - (q[d] ?? 0);
      v -= period * Math.round(v / period);
      s += v * v;
    }
    return Math.sqrt(s);
  };
  const kept = atoms.filter((p) => centres.every((c) => distance(p, c) > 3.0));
  for (const [x = 0, y = 0, z = 0] of centres) {
    kept.push([x, y, z]);
    for (const [vx = 0, vy = 0, vz = 0] of vertices) kept.push([x + vx * r0, y + vy * r0, z + vz * r0]);
  }
  const lines = kept.map(([x = 0, y = 0, z = 0], i) => `${i + 1} 1 ${x.toFixed(5)} ${y.toFixed(5)} ${z.toFixed(5)}`);
  fs.writeFileSync(
    file,
    `FCC Cu with a disordered slab\n\n${kept.length} atoms\n1 atom types\n\n0 ${lx} xlo xhi\n0 ${ly} ylo yhi\n0 ${ly} zlo zhi\n\nMasses\n\n1 63.546 # Cu\n\nAtoms # atomic\n\n${lines.join('\n')}\n`,
  );
  return kept.length;
}

/**
 * Pixels of a screenshot in the two ends of viridis: dark purple (low d: red and blue above green) and green–yellow
 * (high d: green well above blue). Shading changes brightness, not these orderings. Grey and white pixels (background,
 * cell outline) count as neither.
 */
function viridisEnds(png: Buffer): { low: number; high: number } {
  const { data, width, height } = PNG.sync.read(png);
  let low = 0;
  let high = 0;
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i] ?? 0;
    const g = data[4 * i + 1] ?? 0;
    const b = data[4 * i + 2] ?? 0;
    if (Math.max(r, g, b) - Math.min(r, g, b) < 30) continue;
    if (r > g + 20 && b > g + 20) low++;
    else if (g > b + 20 && g > 90) high++;
  }
  return { low: low / (width * height), high: high / (width * height) };
}

async function waitForAtoms(host: Locator, page: Page): Promise<void> {
  await host.locator('canvas').waitFor();
  await page.locator('[data-testid="viewer-canvas-host"][data-load-state="ready"]').waitFor({ timeout: 60_000 });
}

describe.skipIf(!hasChromium || !guiBuilt)('order labels in the GUI (browser shell)', () => {
  let browser: Browser;
  let core: AppCore;
  let server: RunningServer;
  let page: Page;
  const projectDir = path.join(tempDir('ssro-e2e-labels-'), 'labels project');
  const structureFile = path.join(tempDir('ssro-e2e-labels-'), 'cu-slab.data');
  let atomCount = 0;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    atomCount = writeSlabCrystal(structureFile);
    core = new AppCore();
    server = await startServer({ core, handlers: createHandlers(core) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    pageErrors = collectPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
  });

  it('computes order labels from the labels panel', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('project-path-input').fill(projectDir);
    await page.getByTestId('project-create').click();
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path-input').fill(structureFile);
    await page.getByTestId('import-elements-input').fill('Cu');
    await page.getByTestId('import-submit').click();
    await page.locator('[data-testid="job-row"][data-job-kind="import"][data-job-state="succeeded"]').waitFor({ timeout: 60_000 });
    const item = page.getByTestId('structure-item').first();
    await item.waitFor();
    await item.click();
    await waitForAtoms(page.getByTestId('viewer-canvas-host'), page);

    // Before labels: only element colours can be chosen.
    await expect(page.locator('[data-testid="colour-by-select"] option[value="d"]').isDisabled()).resolves.toBe(true);
    await page.getByTestId('labels-edge-threshold').fill('0.6');
    await page.getByTestId('labels-run').click();
    await page.locator('[data-testid="job-row"][data-job-kind="label"]').first().waitFor();
    await page.locator('[data-testid="job-row"][data-job-kind="label"][data-job-state="succeeded"]').waitFor({ timeout: 120_000 });
    const labelSet = page.getByTestId('label-set-item').first();
    await labelSet.waitFor();
    await expect(labelSet.getAttribute('aria-pressed')).resolves.toBe('true');
    const text = (await labelSet.textContent()) ?? '';
    expect(text).toMatch(/mean d 0\.\d{3}/);
    expect(text).toMatch(/FCC \d+ %/);
    await page.screenshot({ path: path.join(screenshots, 'labels-panel.png') });
  });

  it('colours the atoms by d with a colour bar, by CNA with a legend, and cuts a slab', async () => {
    const host = page.getByTestId('viewer-canvas-host');
    // A white background makes the colour check independent of the dark background's tint.
    await page.getByLabel('White').check();
    await page.getByTestId('colour-by-select').selectOption('d');
    await page.locator('[data-testid="viewer-canvas-host"][data-colour-by="d"][data-colour-state="applied"]').waitFor({ timeout: 30_000 });
    const bar = page.getByTestId('colour-bar');
    await bar.waitFor();
    await expect(bar.getAttribute('data-min')).resolves.toBe('0');
    await expect(bar.getAttribute('data-max')).resolves.toBe('1');

    let ends = { low: 0, high: 0 };
    let shot: Buffer = Buffer.alloc(0);
    for (let attempt = 0; attempt < 40 && (ends.low < 0.01 || ends.high < 0.005); attempt++) {
      await page.waitForTimeout(250);
      shot = await host.screenshot();
      ends = viridisEnds(shot);
    }
    fs.writeFileSync(path.join(screenshots, 'labels-viewer-d.png'), shot);
    await page.screenshot({ path: path.join(screenshots, 'labels-app-d.png') });
    // Crystal atoms (d ≈ 0) are dark purple, slab atoms (d ≈ 0.6–0.9) green to yellow.
    expect(ends.low).toBeGreaterThan(0.01);
    expect(ends.high).toBeGreaterThan(0.005);

    // The readout shows the labels of the atom under the pointer.
    const box = await host.boundingBox();
    if (!box) throw new Error('no canvas box');
    let labelled = false;
    for (const [fx, fy] of [[0.5, 0.5], [0.45, 0.55], [0.55, 0.45], [0.4, 0.5], [0.6, 0.5]] as const) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      try {
        await page.getByTestId('atom-readout-labels').waitFor({ timeout: 3000 });
        labelled = true;
        break;
      } catch {
        // Nothing picked under this point (between atoms): try the next one.
      }
    }
    expect(labelled).toBe(true);
    await expect(page.getByTestId('atom-readout-labels').textContent()).resolves.toMatch(/d \d\.\d{3}.*1−Q6 \d\.\d{3}.*CNA .*Voronoi class/);
    await page.screenshot({ path: path.join(screenshots, 'labels-readout.png') });

    await page.getByTestId('colour-by-select').selectOption('cna');
    await page.locator('[data-testid="viewer-canvas-host"][data-colour-by="cna"][data-colour-state="applied"]').waitFor({ timeout: 30_000 });
    const legend = page.getByTestId('category-legend');
    await legend.waitFor();
    await expect(legend.textContent()).resolves.toMatch(/FCC/);
    await page.waitForTimeout(500);
    await host.screenshot({ path: path.join(screenshots, 'labels-viewer-cna.png') });

    await page.getByTestId('colour-by-select').selectOption('d');
    await page.getByTestId('slab-toggle').check();
    await page.getByTestId('slab-axis-z').click();
    await page.getByTestId('viewer-tab').click();
    await page.getByRole('button', { name: 'z', exact: true }).click();
    await page.waitForFunction(
      (total) => {
        const el = document.querySelector('[data-testid="viewer-canvas-host"]');
        const drawn = Number(el?.getAttribute('data-drawn-atoms'));
        return drawn > 0 && drawn < total;
      },
      atomCount,
      { timeout: 10_000 },
    );
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(screenshots, 'labels-slab.png') });
    await page.getByTestId('slab-toggle').uncheck();
    await page.waitForFunction(
      (total) => Number(document.querySelector('[data-testid="viewer-canvas-host"]')?.getAttribute('data-drawn-atoms')) === total,
      atomCount,
    );
  });

  it('draws every analysis plot', async () => {
    await page.getByTestId('analysis-tab').click();
    for (const id of ['plot-profile', 'plot-motifs', 'plot-distributions', 'plot-rdf', 'plot-sq']) {
      const figure = page.locator(`[data-testid="${id}"][data-drawn="true"]`);
      await figure.waitFor({ timeout: 60_000 });
      const paths = await figure.locator('svg path').count();
      expect(paths, `${id} has drawn paths`).toBeGreaterThan(0);
      await figure.scrollIntoViewIfNeeded();
      await figure.screenshot({ path: path.join(screenshots, `labels-${id}.png`) });
    }
    await expect(page.getByTestId('threshold-note').textContent()).resolves.toMatch(/Threshold d = 0\.\d{3}/);
    await page.getByTestId('plot-profile').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'labels-analysis.png') });
    await page.getByTestId('plot-rdf').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'labels-analysis-lower.png') });
  });

  it('exports a plot as CSV, SVG and PNG', async () => {
    const figure = page.getByTestId('plot-profile');
    const labelSetId = Number(await page.getByTestId('analysis-view').getAttribute('data-label-set-id'));
    const expected = await dispatch(createHandlers(core), 'analysis.profile', { labelSetId, property: 'd', axis: 'x' });

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), figure.getByTestId('export-csv').click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/^cu-slab-data-labels\d+-profile-x\.csv$/);
    const csv = fs.readFileSync(await csvDownload.path(), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('position_A,region,d_mean,d_p5,d_p95,one_minus_q6_mean,one_minus_q6_p5,one_minus_q6_p95,atoms_in_window');
    expect(csv.length - 1).toBe(expected.positionA.length);
    expect(csv.slice(1).some((row) => /ACTR/.test(row))).toBe(true);

    const [svgDownload] = await Promise.all([page.waitForEvent('download'), figure.getByTestId('export-svg').click()]);
    expect(svgDownload.suggestedFilename()).toMatch(/\.svg$/);
    const svg = fs.readFileSync(await svgDownload.path(), 'utf8');
    expect(svg).toMatch(/^<\?xml/);
    expect(svg).toContain('<svg');
    expect(svg).toContain('1 − Q6');
    expect(svg).toContain('x (Å)');

    const [pngDownload] = await Promise.all([page.waitForEvent('download'), figure.getByTestId('export-png').click()]);
    expect(pngDownload.suggestedFilename()).toMatch(/\.png$/);
    const png = PNG.sync.read(fs.readFileSync(await pngDownload.path()));
    const svgWidth = Number(/<svg[^>]*\swidth="(\d+)/.exec(svg)?.[1]);
    expect(png.width).toBe(2 * svgWidth);
    fs.copyFileSync(await pngDownload.path(), path.join(screenshots, 'labels-export-profile.png'));

    expect(pageErrors, pageErrors.join('\n')).toEqual([]);
  });
});
