/**
 * report.html of a completed map folder, built by hand (writeNpy, map.json, frames.csv): statistics against values
 * computed here (NumPy's default linear quantiles, population std), the embedded d map decoded pixel by pixel, the
 * scale bar, a folder map's groups and box plot, HTML escaping and an all-flagged map.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interpolateViridis } from 'd3-scale-chromatic';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AxisCalibration } from '../../main/shared/microscopy';
import { preprocessRecipeSchema } from '../../main/shared/preprocess-recipe';
import {
  boxPlotStats,
  escapeHtml,
  groupStatistics,
  histogram,
  mapStatistics,
  quantileSorted,
  REPORT_FILE,
  scaleBar,
  writeMapReport,
} from '../../native-workers/lib/microscopy/map-report';
import { writeNpy } from '../../native-workers/lib/npy';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-map-report-'));
  dirs.push(dir);
  return dir;
}

const FLAG_NAMES = ['ok', 'saturated', 'empty', 'non-finite', 'no-centre'];

interface MapSpec {
  inputFile: string;
  format: string;
  scanShape: number[];
  scanAxes: AxisCalibration[];
  d: Float32Array;
  flags: Uint8Array;
  vbf: Float32Array;
  /** Folder maps: group and file of every frame. */
  frames?: { group: string; file: string }[];
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function makeMap(spec: MapSpec): string {
  const dir = tmpDir();
  const n = spec.d.length;
  writeNpy(path.join(dir, 'd.npy'), spec.d, spec.scanShape);
  writeNpy(path.join(dir, 'flags.npy'), spec.flags, spec.scanShape);
  writeNpy(path.join(dir, 'vbf.npy'), spec.vbf, spec.scanShape);
  writeNpy(path.join(dir, 'vadf.npy'), new Float32Array(n), spec.scanShape);
  writeNpy(path.join(dir, 'centres.npy'), new Float32Array(2 * n), [...spec.scanShape, 2]);
  const nx = spec.scanShape[spec.scanShape.length - 1] as number;
  const scan = spec.scanShape.length >= 2;
  const header = ['index', ...(scan ? ['row', 'col'] : []), ...(spec.frames ? ['group', 'file'] : []), 'd', 'flag', 'vbf', 'vadf', 'centre_row', 'centre_col'];
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const v = spec.d[i] as number;
    const cells = [String(i), ...(scan ? [String(Math.floor(i / nx)), String(i % nx)] : [])];
    const f = spec.frames?.[i];
    if (f) cells.push(csvCell(f.group), csvCell(f.file));
    cells.push(Number.isFinite(v) ? String(v) : '', FLAG_NAMES[spec.flags[i] as number] as string, String(spec.vbf[i]), '0', '0', '0');
    lines.push(cells.join(','));
  }
  fs.writeFileSync(path.join(dir, 'frames.csv'), `${lines.join('\n')}\n`);
  const recipe = preprocessRecipeSchema.parse({
    calibration: { method: 'manual', invAPerPixel: 0.0123 },
    model: { kmaxInvA: 1.5, deltaKInvA: 0.015, side: 201, transform: 'log1-minmax' },
  });
  const manifest = {
    format: 'ssro-map',
    version: 1,
    createdAt: '2024-05-06T07:08:09.000Z',
    plan: {
      input: { file: spec.inputFile, format: spec.format, frameCount: n, scanShape: spec.scanShape, frameShape: [64, 64], datasetPath: null },
      model: { file: '/models/resnet-d.onnx', sha256: 'abcdef0123456789abcdef', architecture: 'resnet18', target: 'one_minus_d' },
      recipe,
      calibrationDetail: '0.0123 Å⁻¹/px entered by the user',
      virtualDetectors: { brightFieldMaxInvA: 0.05, darkFieldInvA: [0.2, 0.8] },
      scanCentre: null,
      meanFrameCount: Math.min(n, 64),
    },
    input: { file: spec.inputFile, format: spec.format, scanShape: spec.scanShape, scanAxes: spec.scanAxes, beamEnergyKeV: 300, cameraLengthMm: null, notes: [] },
    summary: { frameCount: n, mapped: 0, seconds: { read: 1, preprocess: 1, inference: 1, total: 2.5 }, preprocessThreads: 2 },
    flags: FLAG_NAMES,
    files: {},
  };
  fs.writeFileSync(path.join(dir, 'map.json'), JSON.stringify(manifest, null, 2));
  for (const f of ['d.tif', 'd.csv']) fs.writeFileSync(path.join(dir, f), '');
  return dir;
}

const nmAxes = (ny: number, nx: number, scale: number | null, units: string | null): AxisCalibration[] => [
  { name: 'y', size: ny, scale, offset: 0, units },
  { name: 'x', size: nx, scale, offset: 0, units },
];

/** The 6 × 8 scan: d = i/100 at frame i, frames 5 (saturated) and 20 (empty) flagged (NaN). */
function scanSpec(scale: number | null): MapSpec {
  const n = 48;
  const d = new Float32Array(n);
  const flags = new Uint8Array(n);
  const vbf = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = i / 100;
    vbf[i] = 1000 + 10 * i;
  }
  d[5] = Number.NaN;
  flags[5] = 1;
  d[20] = Number.NaN;
  flags[20] = 2;
  return { inputFile: '/data/scan.h5', format: 'hdf5', scanShape: [6, 8], scanAxes: nmAxes(6, 8, scale, scale === null ? null : 'nm'), d, flags, vbf };
}

function images(html: string): PNG[] {
  return [...html.matchAll(/<img [^>]*src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1] as string, 'base64')));
}

function pixel(png: PNG, x: number, y: number): [number, number, number, number] {
  const o = 4 * (y * png.width + x);
  return [png.data[o] as number, png.data[o + 1] as number, png.data[o + 2] as number, png.data[o + 3] as number];
}

describe('statistics (NumPy definitions)', () => {
  it('quantiles interpolate linearly as np.quantile (method "linear")', () => {
    // np.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) = [1.75, 2.5, 3.25]
    expect([0.25, 0.5, 0.75].map((q) => quantileSorted([1, 2, 3, 4], q))).toEqual([1.75, 2.5, 3.25]);
    // np.percentile([1, 2, 3, 4, 10], [5, 25, 50, 75, 95]) = [1.2, 2, 3, 4, 8.8]
    const s = mapStatistics([10, Number.NaN, 3, 1, 4, 2]);
    expect(s).not.toBeNull();
    expect(s?.count).toBe(5);
    expect(s?.p5).toBeCloseTo(1.2, 12);
    expect(s?.q1).toBe(2);
    expect(s?.median).toBe(3);
    expect(s?.q3).toBe(4);
    expect(s?.p95).toBeCloseTo(8.8, 12);
    expect(s?.mean).toBeCloseTo(4, 12);
    // np.std([1, 2, 3, 4, 10]) (ddof = 0) = sqrt(10)
    expect(s?.std).toBeCloseTo(Math.sqrt(10), 12);
    expect([s?.min, s?.max]).toEqual([1, 10]);
    expect(mapStatistics(Float32Array.of(Number.NaN, Number.NaN))).toBeNull();
  });

  it('box plots put whiskers at the furthest values within 1.5 IQR', () => {
    // q1 = 2, q3 = 4, IQR 2: fences −1 and 7; 10 is an outlier, the upper whisker ends at 4.
    expect(boxPlotStats([1, 2, 3, 4, 10])).toEqual({ q1: 2, median: 3, q3: 4, whiskerLow: 1, whiskerHigh: 4, outliers: [10] });
    const groups = groupStatistics(['a', 'b', 'a', 'b', 'b'], [1, 5, 3, Number.NaN, 7]);
    expect(groups.map((g) => [g.group, g.frames, g.stats?.count, g.stats?.median])).toEqual([
      ['a', 2, 2, 2],
      ['b', 3, 2, 6],
    ]);
  });

  it('histograms split min–max into equal bins, the last one closed', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, Number.NaN], 4);
    expect(h).toEqual({ min: 0, max: 1, counts: [2, 0, 1, 2] });
  });

  it('scale bars are 1, 2 or 5 × 10ⁿ of at most a quarter of the width, in Å, nm or µm', () => {
    expect(scaleBar(0.5, 'nm', 8)).toEqual({ length: 1, units: 'nm', label: '1 nm', fraction: 0.25 });
    expect(scaleBar(1.3, 'nm', 100)).toMatchObject({ length: 20, units: 'nm', label: '20 nm' });
    expect(scaleBar(1.3, 'nm', 100)?.fraction).toBeCloseTo(20 / 130, 12);
    expect(scaleBar(2, 'µm', 100)).toMatchObject({ label: '50 µm', fraction: 0.25 });
    expect(scaleBar(0.1, 'nm', 8)).toMatchObject({ label: '2 Å' });
    expect(scaleBar(500, 'Å', 100)).toMatchObject({ label: '1 µm' });
    expect(scaleBar(null, 'nm', 8)).toBeNull();
    expect(scaleBar(1, 'px', 8)).toBeNull();
    expect(scaleBar(1, null, 8)).toBeNull();
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<b>&"x'`)).toBe('&lt;b&gt;&amp;&quot;x&#39;');
  });
});

describe('writeMapReport', () => {
  it('reports a 6 × 8 scan: statistics, flags, the d map and virtual bright field, scale bar, histogram', () => {
    const spec = scanSpec(0.5);
    const dir = makeMap(spec);
    const file = writeMapReport(dir, { modelName: 'My ResNet', now: new Date('2025-01-02T03:04:05Z') });
    expect(file).toBe(path.join(dir, REPORT_FILE));
    const html = fs.readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    // Statistics computed here by direct loops over the finite float32 values.
    let sum = 0;
    let count = 0;
    for (const v of spec.d) if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
    const mean = sum / count;
    let ss = 0;
    for (const v of spec.d) if (Number.isFinite(v)) ss += (v - mean) ** 2;
    expect(count).toBe(46);
    expect(html).toContain(`${mean.toFixed(4)} ± ${Math.sqrt(ss / count).toFixed(4)}`);
    // Sorted finite values (×100): 0–4, 6–19, 21–47. Median at (46 − 1)·0.5 = 22.5 → (24 + 25)/2; Q1 at 11.25 → 12.25;
    // Q3 at 33.75 → 35.75 (np.quantile, linear).
    expect(html).toContain('Median</th><td>0.2450<');
    expect(html).toContain('0.1225 – 0.3575');
    expect(html).toContain('0.0000 – 0.4700');
    expect(html).toContain('<strong>46</strong> of 48 frames mapped');
    expect(html).toMatch(/<strong>2<\/strong> flagged: saturated 1, empty 1/);

    // Metadata.
    expect(html).toContain('scan.h5');
    expect(html).toContain('hdf5; 48 frames, scan 6 × 8, frames 64 × 64 px');

    expect(html).toContain('My ResNet');
    expect(html).toContain('resnet-d.onnx (resnet18, output 1 − d, sha256 <code>abcdef012345</code>)');
    expect(html).toContain('0.0123 Å⁻¹/px (manual)');
    expect(html).toContain('TV denoising on (Chambolle; weight 0.1');
    expect(html).toContain('resampled to 201×201 (k ≤ 1.5 Å⁻¹');
    expect(html).toContain('300 keV');
    expect(html).toContain('2025-01-02');

    // The d map: 8 columns upscaled to 256 px (×32), flagged frame 5 (row 0, col 5) grey, the max d (frame 47) viridis(1).
    const pngs = images(html);
    expect(pngs).toHaveLength(2);
    const dMap = pngs[0] as PNG;
    expect([dMap.width, dMap.height]).toEqual([256, 192]);
    expect(pixel(dMap, 5 * 32 + 7, 0 * 32 + 3)).toEqual([0xbb, 0xbb, 0xbb, 255]);
    expect(pixel(dMap, 4 * 32 + 7, 2 * 32 + 31)).toEqual([0xbb, 0xbb, 0xbb, 255]); // frame 20 = row 2, col 4
    const top = /^#(..)(..)(..)$/.exec(interpolateViridis(1));
    expect(pixel(dMap, 7 * 32 + 31, 5 * 32 + 31)).toEqual([...(top?.slice(1) ?? []).map((h) => parseInt(h, 16)), 255]);
    const bottom = /^#(..)(..)(..)$/.exec(interpolateViridis(0));
    expect(pixel(dMap, 0, 0)).toEqual([...(bottom?.slice(1) ?? []).map((h) => parseInt(h, 16)), 255]);
    expect(html).toMatch(/2 flagged frames in grey/);
    // The virtual bright field: brightest (frame 47) white, darkest (frame 0) black.
    const vbf = pngs[1] as PNG;
    expect(pixel(vbf, 255, 191)).toEqual([255, 255, 255, 255]);
    expect(pixel(vbf, 0, 0)).toEqual([0, 0, 0, 255]);

    // Scale bar: 8 × 0.5 nm = 4 nm wide → 1 nm, a quarter of the shown width.
    expect(html).toContain('>1 nm</text>');
    expect(html).toMatch(/<svg class="scalebar" width="256"[^>]*><rect x="0" y="2" width="64.0"/);
    expect(html).not.toContain('not recorded');

    // Histogram: 30 bars holding every mapped frame.
    const bars = [...html.matchAll(/class="bar" data-count="(\d+)"/g)].map((m) => Number(m[1]));
    expect(bars).toHaveLength(30);
    expect(bars.reduce((a, b) => a + b, 0)).toBe(46);

    expect(html).toMatch(/Files in this folder: .*d\.npy.*d\.tif.*d\.csv.*frames\.csv.*map\.json/);
    expect(html).toContain('Made by SSRO Studio');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('says when the scan step is not recorded', () => {
    const html = fs.readFileSync(writeMapReport(makeMap(scanSpec(null))), 'utf8');
    expect(html).toContain('Scan step not recorded');
    expect(html).not.toContain('class="scalebar"');
  });

  it('reports a folder map per group with a box plot and no images', () => {
    const d = Float32Array.of(0.1, 0.2, 0.3, 0.4, 2.0, 0.6, 0.7, Number.NaN, 0.8, 0.9);
    const flags = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 3, 0, 0);
    const frames = Array.from({ length: 10 }, (_, i) => ({ group: i < 5 ? 'grain' : 'B&C', file: `${i < 5 ? 'grain' : 'B&C'}/p${i}, x.png` }));
    const dir = makeMap({ inputFile: '/data/patterns', format: 'folder', scanShape: [10], scanAxes: [{ name: 'frame', size: 10, scale: null, offset: 0, units: null }], d, flags, vbf: new Float32Array(10), frames });
    const html = fs.readFileSync(writeMapReport(dir), 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('<tr><td>grain</td><td class="num">5</td><td class="num">0.6000</td>');
    // Medians: grain [0.1, 0.2, 0.3, 0.4, 2.0] → 0.3; B&C [0.6, 0.7, 0.8, 0.9] → 0.75.
    expect(html).toMatch(/<tr><td>grain<\/td>(<td class="num">[^<]*<\/td>){3}<td class="num">0\.3000<\/td>/);
    expect(html).toMatch(/<tr><td>B&amp;C<\/td><td class="num">4 of 5<\/td>(<td class="num">[^<]*<\/td>){2}<td class="num">0\.7500<\/td>/);
    expect(html).toContain('<svg class="boxplot"');
    expect(html.match(/class="box"/g)).toHaveLength(2);
    expect(html.match(/class="median"/g)).toHaveLength(2);
    // grain: q1 0.2, q3 0.4, fence 0.7 → 2.0 is the one outlier.
    expect(html.match(/class="outlier"/g)).toHaveLength(1);
    expect(html).toContain('<strong>9</strong> of 10 frames mapped');
    expect(html).toContain('non-finite 1');
  });

  it('escapes text from the files', () => {
    const spec = { ...scanSpec(0.5), inputFile: '/data/<b>&amp.h5' };
    const html = fs.readFileSync(writeMapReport(makeMap(spec), { title: 'Map <i>"x"</i>' }), 'utf8');
    expect(html).toContain('&lt;b&gt;&amp;amp.h5');
    expect(html).not.toContain('<b>&');
    expect(html).toContain('<h1>Map &lt;i&gt;&quot;x&quot;&lt;/i&gt;</h1>');
  });

  it('handles a map where every frame was flagged', () => {
    const n = 6;
    const dir = makeMap({
      inputFile: '/data/dark.mib',
      format: 'mib',
      scanShape: [2, 3],
      scanAxes: nmAxes(2, 3, 1, 'nm'),
      d: new Float32Array(n).fill(Number.NaN),
      flags: new Uint8Array(n).fill(2),
      vbf: new Float32Array(n),
    });
    const file = writeMapReport(dir);
    expect(fs.existsSync(file)).toBe(true);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toMatch(/no frames mapped/i);
    expect(html).toContain('<strong>0</strong> of 6 frames mapped');
    expect(html).toContain('empty 6');
    expect(html).not.toMatch(/NaN(?! or empty = flagged)/);
    expect(html).not.toContain('Infinity');
  });
});
