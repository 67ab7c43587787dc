/**
 * Our DM3/DM4 reader against HyperSpy (Debian python3-hyperspy 1.7.3) on HyperSpy's own test files, which nobody
 * here wrote: every 2D and 3D file of dm3_2D_data, dm3_3D_data, dm4_2D_data, dm4_3D_data (plus the locale and
 * stack-builder files), frame by frame and axis by axis (scale, offset = −Origin·Scale, units), beam energy and
 * camera length. HyperSpy loads each file once (hs.load) in one Python process that saves the arrays as .npy
 * (float64, exact for every integer type here) and the axes and metadata as JSON.
 * Conventions bridged, not hidden: HyperSpy reports uncalibrated DM axes as scale 1, offset 0, units '' where we
 * report scale null; HyperSpy moves the energy axis of a DM spectrum image last (to_signal1D) and we read DM's own
 * x–y planes, so the Python side moves it back. Complex and RGB files are refused by design (listed below, with
 * HyperSpy's dtype checked so that the list stays honest); 1D spectra are refused (no 2D frame). Malformed copies
 * of a real file (truncated, wrong Dimensions, wrong DM4 tag size, wrong header) must fail with the file and the
 * problem named. A hand-built 4D DM4 scan (tests/unit/microscopy/dm-builder.ts) checks the 4D layout against
 * HyperSpy too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AxisCalibration } from '../../native-workers/lib/microscopy/frame-source';
import { openDm, readDmTagTree, sniffDm } from '../../native-workers/lib/microscopy/readers/dm';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';
import { buildDmImage, num, text } from '../unit/microscopy/dm-builder';

const PYTHON = '/usr/bin/python3';
const HS_IO = '/usr/lib/python3/dist-packages/hyperspy/tests/io';
const peerCheck = fs.existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import hyperspy.api, numpy'], { encoding: 'utf8' }) : null;
const peerAvailable = peerCheck !== null && peerCheck.status === 0 && fs.existsSync(HS_IO);
const PEER_MISSING = `HyperSpy peer missing: ${PYTHON} cannot import hyperspy.api or ${HS_IO} is absent (apt install python3-hyperspy)${peerCheck?.stderr ? `: ${peerCheck.stderr.trim().split('\n').pop()}` : ''}`;

/** Files refused by design: HyperSpy reads them, but complex (FFT) and colour images are not diffraction intensities. */
const REFUSED: Record<string, { reason: string; hsDtype: RegExp; ours: RegExp }> = {
  'test-3': { reason: 'complex64 (DataType 3)', hsDtype: /^complex64$/, ours: /DataType 3 is complex64: complex \(FFT\) images are not diffraction intensities/ },
  'test-5': { reason: 'packed complex64 (saved as DataType 3)', hsDtype: /^complex64$/, ours: /is complex64: complex/ },
  'test-13': { reason: 'complex128 (DataType 13)', hsDtype: /^complex128$/, ours: /DataType 13 is complex128: complex/ },
  'test-27': { reason: 'packed complex64 (FFT)', hsDtype: /^complex64$/, ours: /complex/ },
  'test-28': { reason: 'packed complex128 (FFT)', hsDtype: /^complex128$/, ours: /complex/ },
  'test-8': { reason: 'RGB (DataType 8, saved as RGBA 23)', hsDtype: /R.*G.*B.*A/, ours: /RGBA \(colour\): colour images are not diffraction intensities/ },
  'test-23': { reason: 'RGBA (DataType 23)', hsDtype: /R.*G.*B.*A/, ours: /RGBA \(colour\): colour images/ },
};

const COMPARED_DIRS = ['dm3_2D_data', 'dm3_3D_data', 'dm4_2D_data', 'dm4_3D_data', 'dm3_locale', 'dm_stackbuilder_plugin'];
const SPECTRA_DIRS = ['dm3_1D_data', 'dm4_1D_data'];

function listFiles(dirs: string[]): string[] {
  if (!fs.existsSync(HS_IO)) return [];
  return dirs.flatMap((d) =>
    fs
      .readdirSync(path.join(HS_IO, d))
      .filter((f) => /\.dm[34]$/i.test(f))
      .sort()
      .map((f) => path.join(HS_IO, d, f)),
  );
}

const comparedFiles = listFiles(COMPARED_DIRS);
const spectrumFiles = listFiles(SPECTRA_DIRS);

const PY_SCRIPT = String.raw`
import json, logging, sys, warnings
logging.disable(logging.CRITICAL)
warnings.filterwarnings('ignore')
import numpy as np
import hyperspy.api as hs

files = json.load(open(sys.argv[1]))
out = sys.argv[2]
results = []

def instrument(md, key):
    for group in ('TEM', 'SEM'):
        v = md.get_item('Acquisition_instrument.%s.%s' % (group, key))
        if v is not None:
            return float(v)
    return None

for i, f in enumerate(files):
    r = {'file': f}
    try:
        loaded = hs.load(f)
    except Exception as e:
        r['error'] = '%s: %s' % (type(e).__name__, e)
        results.append(r)
        continue
    signals = loaded if isinstance(loaded, list) else [loaded]
    r['n_signals'] = len(signals)
    candidates = [s for s in signals if s.data.ndim >= 2]
    if not candidates:
        r['ndim'] = max(s.data.ndim for s in signals)
        r['dtype'] = str(signals[0].data.dtype)
        results.append(r)
        continue
    best = candidates[0]
    for s in candidates:
        if s.data.size >= best.data.size:
            best = s
    data = best.data
    am = best.axes_manager
    axes = sorted(am._axes, key=lambda a: a.index_in_array)
    if am.signal_dimension == 1 and data.ndim >= 3:
        # to_signal1D moved DM's slowest axis (energy, wavelength) last: move it back to DM's order.
        data = np.moveaxis(data, -1, 0)
        axes = [axes[-1]] + axes[:-1]
    r['dtype'] = str(data.dtype)
    r['shape'] = list(data.shape)
    r['signal_dimension'] = am.signal_dimension
    r['axes'] = [{'name': str(a.name), 'size': int(a.size), 'scale': float(a.scale), 'offset': float(a.offset), 'units': '' if a.units is None or str(a.units) == '<undefined>' else str(a.units)} for a in axes]
    r['beam_energy'] = instrument(best.metadata, 'beam_energy')
    r['camera_length'] = instrument(best.metadata, 'camera_length')
    if data.dtype.kind in 'biuf':
        r['npy'] = '%s/%d.npy' % (out, i)
        np.save(r['npy'], np.ascontiguousarray(data, dtype='<f8'))
    results.append(r)

json.dump(results, open('%s/results.json' % out, 'w'))
`;

interface HsAxis {
  name: string;
  size: number;
  scale: number;
  offset: number;
  units: string;
}

interface HsResult {
  file: string;
  error?: string;
  n_signals?: number;
  ndim?: number;
  dtype?: string;
  shape?: number[];
  axes?: HsAxis[];
  beam_energy?: number | null;
  camera_length?: number | null;
  npy?: string;
}

function runHyperSpy(files: string[], dir: string): Map<string, HsResult> {
  const list = path.join(dir, 'files.json');
  const script = path.join(dir, 'read_dm.py');
  fs.writeFileSync(list, JSON.stringify(files));
  fs.writeFileSync(script, PY_SCRIPT);
  const run = spawnSync(PYTHON, [script, list, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (run.status !== 0) throw new Error(`HyperSpy script failed (status ${run.status}): ${run.stderr.slice(-3000)}`);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as HsResult[];
  return new Map(results.map((r) => [r.file, r]));
}

/** Our axis against HyperSpy's: equal calibration, or our null against HyperSpy's uncalibrated 1 / 0 / ''. */
function expectSameAxis(ours: AxisCalibration, hs: HsAxis, label: string): void {
  expect(ours.size, `${label} size`).toBe(hs.size);
  if (ours.scale === null) {
    expect({ scale: hs.scale, offset: Math.abs(hs.offset), units: hs.units }, `${label}: we say uncalibrated`).toEqual({ scale: 1, offset: 0, units: '' });
    return;
  }
  expect(Math.abs(ours.scale - hs.scale), `${label} scale ${ours.scale} vs ${hs.scale}`).toBeLessThanOrEqual(1e-12 * Math.abs(hs.scale));
  expect(Math.abs(ours.offset - hs.offset), `${label} offset ${ours.offset} vs ${hs.offset}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(hs.offset)));
  expect(ours.units ?? '', `${label} units`).toBe(hs.units);
}

/** Reads every frame with our reader and compares with HyperSpy's array; returns the number of values compared. */
function compareFile(file: string, hs: HsResult): number {
  const source = openDm(file);
  try {
    const { info } = source;
    const shape = hs.shape as number[];
    expect([...info.scanShape, ...info.frameShape], 'shape (scan…, rows, cols)').toEqual(shape);
    const axes = [...info.scanAxes, ...info.detectorAxes];
    (hs.axes as HsAxis[]).forEach((a, k) => expectSameAxis(axes[k] as AxisCalibration, a, `axis ${k} (${a.name})`));
    expect(info.beamEnergyKeV, 'beam energy (keV)').toBe(hs.beam_energy ?? null);
    if (hs.camera_length == null) expect(info.cameraLengthMm, 'camera length').toBeNull();
    else expect(info.cameraLengthMm, 'camera length (mm)').toBeCloseTo(hs.camera_length, 9);
    const expected = readNpy(hs.npy as string).data as Float64Array;
    const pixels = info.frameShape[0] * info.frameShape[1];
    expect(expected.length).toBe(pixels * info.frameCount);
    const frame = new Float32Array(pixels);
    for (let k = 0; k < info.frameCount; k++) {
      source.readFrame(k, frame);
      for (let p = 0; p < pixels; p++) {
        const want = Math.fround(expected[k * pixels + p] as number);
        if (frame[p] !== want) throw new Error(`${file}: frame ${k} pixel ${p}: ours ${frame[p]}, HyperSpy ${want}`);
      }
    }
    return expected.length;
  } finally {
    source.close();
  }
}

describe('DM3/DM4 reader against HyperSpy', () => {
  it('has its peer: HyperSpy and its test files', () => {
    if (!peerAvailable) throw new Error(PEER_MISSING);
    expect(comparedFiles.length).toBeGreaterThan(60);
  });

  describe.skipIf(!peerAvailable)('HyperSpy test files', () => {
    const work = tempDir('ssro-dm-hs-');
    const synthetic = path.join(work, 'synthetic-4d.dm4');
    const syntheticPixels = Array.from({ length: 7 * 6 * 4 * 3 }, (_, i) => (i * 7919) % 30000 - 15000);
    let hs = new Map<string, HsResult>();

    beforeAll(() => {
      // A 4D scan: DM dims x 7, y 6 (the pattern, in 1/nm), scan x 4, scan y 3 (nm); int16 with a thumbnail first.
      fs.writeFileSync(
        synthetic,
        buildDmImage({
          version: 4,
          dims: [
            { size: 7, scale: 0.05, origin: 3, units: '1/nm' },
            { size: 6, scale: 0.05, origin: 2.5, units: '1/nm' },
            { size: 4, scale: 1.5, origin: 0, units: 'nm' },
            { size: 3, scale: 1.5, origin: -2, units: 'nm' },
          ],
          dataType: 1,
          elementType: 2,
          pixels: syntheticPixels,
          microscope: [num('Voltage', 300000), num('STEM Camera Length', 115), text('Illumination Mode', 'STEM')],
        }),
      );
      hs = runHyperSpy([...comparedFiles, ...spectrumFiles, synthetic], work);
    }, 300_000);

    const summary: string[] = [];
    for (const file of comparedFiles) {
      const rel = path.relative(HS_IO, file);
      const refused = REFUSED[path.basename(file).replace(/\.dm[34]$/i, '')];
      if (refused !== undefined) {
        it(`${rel}: refused (${refused.reason}), as HyperSpy's dtype confirms`, () => {
          const result = hs.get(file) as HsResult;
          expect(result.error, 'HyperSpy reads it').toBeUndefined();
          expect(result.dtype).toMatch(refused.hsDtype);
          expect(() => openDm(file)).toThrow(refused.ours);
          expect(() => openDm(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
        });
        continue;
      }
      it(`${rel}: frames, axes, beam energy and camera length equal HyperSpy's`, () => {
        const result = hs.get(file) as HsResult;
        expect(result.error, 'HyperSpy reads it').toBeUndefined();
        const values = compareFile(file, result);
        summary.push(`${rel}: ${values} values`);
        expect(values).toBeGreaterThan(0);
      });
    }

    it('multi_signal.dm3: the 512×512 image is chosen and the 1D plot is noted', () => {
      const source = openDm(path.join(HS_IO, 'dm3_2D_data', 'multi_signal.dm3'));
      expect(source.info.frameShape).toEqual([512, 512]);
      expect(source.info.notes).toContain('The file holds 2 images; reading ImageList.TagGroup1 (512×512), ignoring ImageList.TagGroup2 (512).');
      expect(source.info.metadata['ImageTags.Microscope Info.Voltage']).toBe(300000);
      source.close();
    });

    it('test_diffraction_pattern.dm3: 1/nm calibration, 200 keV and the TEM-diffraction camera length', () => {
      const file = path.join(HS_IO, 'dm3_2D_data', 'test_diffraction_pattern.dm3');
      const source = openDm(file);
      const { info } = source;
      expect(info.format).toBe('dm3');
      expect(info.dtype).toBe('int32');
      expect(info.detectorAxes.map((a) => a.units)).toEqual(['1/nm', '1/nm']);
      expect(info.beamEnergyKeV).toBe(200);
      expect(info.cameraLengthMm).toBeCloseTo(320, 9);
      expect(info.metadata).toMatchObject({ 'Data type': 'int32', 'ImageData.DataType': 7, 'ImageTags.DataBar.Acquisition Date': '7/9/2014' });
      expect(info.notes.join(' ')).toMatch(/Indicated Magnification/);
      source.close();
      const tree = readDmTagTree(file);
      expect(tree['ImageList.TagGroup1.ImageData.Calibrations.Dimension.TagGroup0.Origin']).toBe(-786);
      expect(Object.keys(tree).length).toBeGreaterThan(200);
    });

    it('a hand-built 4D DM4 scan: HyperSpy and we agree on pattern and scan axes', () => {
      const result = hs.get(synthetic) as HsResult;
      expect(result.error, 'HyperSpy reads the hand-built file').toBeUndefined();
      expect(result.shape).toEqual([3, 4, 6, 7]);
      compareFile(synthetic, result);
      const source = openDm(synthetic);
      expect(source.info.scanShape).toEqual([3, 4]);
      expect(source.info.detectorAxes[1]).toEqual({ name: 'x', size: 7, scale: expect.closeTo(0.05, 8), offset: expect.closeTo(-0.15, 8), units: '1/nm' });
      // Frame k = scan row ⌊k/4⌋, column k mod 4 (row-major over [ny, nx]).
      expect(Array.from(source.readFrame(5))).toEqual(syntheticPixels.slice(42 * 5, 42 * 6));
      source.close();
    });

    for (const file of spectrumFiles) {
      it(`${path.relative(HS_IO, file)}: a 1D spectrum is refused with a clear message`, () => {
        const result = hs.get(file) as HsResult;
        expect(result.error).toBeUndefined();
        expect(result.ndim).toBe(1);
        expect(() => openDm(file)).toThrow(/DM file holds no 2D image: only 1D data/);
      });
    }

    it('prints what was compared', () => {
      expect(summary.length).toBe(comparedFiles.filter((f) => REFUSED[path.basename(f).replace(/\.dm[34]$/i, '')] === undefined).length);
      console.log(`DM vs HyperSpy: ${summary.length} files equal; refused by design: ${Object.entries(REFUSED).map(([k, v]) => `${k} (${v.reason})`).join(', ')}`);
    });
  });

  describe.skipIf(!fs.existsSync(HS_IO))('malformed copies of a real file', () => {
    const work = tempDir('ssro-dm-bad-');
    const original = path.join(HS_IO, 'dm3_2D_data', 'test_diffraction_pattern.dm3');
    const originalDm4 = path.join(HS_IO, 'dm4_3D_data', 'test-7.dm4');

    function copyWith(name: string, source: string, edit: (buf: Buffer) => Buffer): string {
      const file = path.join(work, name);
      fs.writeFileSync(file, edit(Buffer.from(fs.readFileSync(source))));
      return file;
    }

    it('is recognised by its header, not its name', () => {
      const head = fs.readFileSync(original).subarray(0, 4096);
      expect(sniffDm(head, 'whatever.bin')).toBe(true);
      expect(sniffDm(Buffer.from('IMGBLO'.padEnd(300, '\0'), 'latin1'), 'x.dm3')).toBe(false);
    });

    it('truncated in the pixel block or in the tags', () => {
      const inPixels = copyWith('cut-pixels.dm3', original, (b) => b.subarray(0, 160_000));
      expect(() => openDm(inPixels)).toThrow(new RegExp(`cut-pixels\\.dm3: truncated or corrupt DM file: the 7569-element array tag "ImageList\\.TagGroup1\\.ImageData\\.Data" needs 30276 bytes`));
      const inTags = copyWith('cut-tags.dm3', original, (b) => b.subarray(0, 5_000));
      expect(() => openDm(inTags)).toThrow(/cut-tags\.dm3: truncated or corrupt DM file: .* but the file has 5000 bytes/);
      const empty = copyWith('empty.dm3', original, (b) => b.subarray(0, 0));
      expect(() => openDm(empty)).toThrow(/empty\.dm3: truncated or corrupt DM file: the DM version field needs 4 bytes/);
    });

    it('Dimensions that do not match the pixel block', () => {
      const file = copyWith('bad-dims.dm3', original, (b) => {
        // The first Dimensions entry: '%%%%', 1 info entry, type 5 (uint32), value 87 little-endian.
        const at = b.indexOf(Buffer.from([0x25, 0x25, 0x25, 0x25, 0, 0, 0, 1, 0, 0, 0, 5, 87, 0, 0, 0]), b.indexOf('Dimensions', 0, 'latin1'));
        expect(at).toBeGreaterThan(0);
        b.writeUInt32LE(88, at + 12);
        return b;
      });
      expect(() => openDm(file)).toThrow(/bad-dims\.dm3: DM ImageData\.Data holds 30276 bytes, but Dimensions 88×87 of int32 need 30624/);
    });

    it('a wrong DM4 tag size, version or byte-order field', () => {
      const badSize = copyWith('bad-size.dm4', originalDm4, (b) => {
        const at = b.indexOf('DataType', 0, 'latin1') + 'DataType'.length;
        b.writeBigUInt64BE(b.readBigUInt64BE(at) + 8n, at);
        return b;
      });
      expect(() => openDm(badSize)).toThrow(/bad-size\.dm4: corrupt DM4 file: tag ".*DataType" declares \d+ bytes but its content takes \d+/);
      const badVersion = copyWith('bad-version.dm4', originalDm4, (b) => {
        b.writeUInt32BE(2, 0);
        return b;
      });
      expect(() => openDm(badVersion)).toThrow(/bad-version\.dm4: not a DM3\/DM4 file \(version field 2/);
      const badOrder = copyWith('bad-order.dm4', originalDm4, (b) => {
        b.writeUInt32BE(256, 12);
        return b;
      });
      expect(() => openDm(badOrder)).toThrow(/bad-order\.dm4: corrupt DM header: byte-order field is 256/);
      expect(() => openDm(path.join(work, 'missing.dm4'))).toThrow(/missing\.dm4: cannot open/);
    });
  });
});
