/**
 * EMPAD against HyperSpy on HyperSpy's own EMPAD descriptions (the .raw files are not shipped: they are written
 * here to match each .xml, then both readers decode the same pair), including a non-square scan and the 1.2.0 XML
 * layout; and folders of single patterns: natural order, groups by subfolder, per-frame file and group, ignored
 * files, calibration carried over, and clear errors for mixed shapes, multi-frame files and empty folders.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MicroscopyFileError } from '../../native-workers/lib/microscopy/frame-source';
import { empad12ScanStepNm, openEmpad, sniffEmpad } from '../../native-workers/lib/microscopy/readers/empad';
import { naturalCompare, openFolder } from '../../native-workers/lib/microscopy/readers/folder';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const HS_EMPAD = '/usr/lib/python3/dist-packages/hyperspy/tests/io/empad_data';
const peer = spawnSync(PYTHON, ['-c', 'import hyperspy.api, tifffile, PIL, numpy'], { encoding: 'utf8' });
const peerAvailable = peer.status === 0 && fs.existsSync(path.join(HS_EMPAD, 'map4x4.xml'));
const peerProblem = `HyperSpy peer missing: ${PYTHON} cannot import hyperspy.api/tifffile/PIL/numpy or ${HS_EMPAD} is absent ` +
  `(apt install python3-hyperspy python3-tifffile python3-pil): ${peer.error?.message ?? peer.stderr}`;

/** EMPAD pairs (raw written to match each XML) read by HyperSpy, and a folder of patterns with known values. */
const GENERATE = String.raw`
import json, os, re, shutil, sys, warnings
warnings.simplefilter('ignore')
import logging; logging.disable(logging.CRITICAL)
import numpy as np, tifffile
from PIL import Image
import hyperspy.api as hs

src, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(3)
report = {}
os.makedirs(f'{out}/empad', exist_ok=True)
def raw_for(xml_name, frames, raw_name=None):
    xml = open(os.path.join(src, xml_name)).read()
    if raw_name is None:
        raw_name = re.search(r'<raw_file filename="([^"]*)"', xml).group(1)
    return xml, raw_name
def axes(s):
    return [dict(name=str(a.name), size=int(a.size), scale=float(a.scale), offset=float(a.offset),
                 units=None if str(a.units) in ('<undefined>', '') else str(a.units)) for a in s.axes_manager._axes]
cases = {}
xml, raw = raw_for('map4x4.xml', 16); shutil.copy(os.path.join(src, 'map4x4.xml'), f'{out}/empad/map4x4.xml'); cases['map4x4.xml'] = (raw, 16)
xml, raw = raw_for('stack_images.xml', 10); shutil.copy(os.path.join(src, 'stack_images.xml'), f'{out}/empad/stack_images.xml'); cases['stack_images.xml'] = (raw, 10)
# A non-square scan: HyperSpy's map description with pix_x = 2, pix_y = 8 and its own raw file name.
xml = open(os.path.join(src, 'map4x4.xml')).read().replace('<pix_x>4</pix_x>', '<pix_x>2</pix_x>').replace('<pix_y>4</pix_y>', '<pix_y>8</pix_y>').replace('scan_x4_y4.raw', 'scan_x2_y8.raw')
open(f'{out}/empad/map2x8.xml', 'w').write(xml); cases['map2x8.xml'] = ('scan_x2_y8.raw', 16)
for name, (raw, frames) in cases.items():
    data = (rng.random((frames, 130, 128)) * 1000 - 100).astype('<f4')
    data.tofile(f'{out}/empad/{raw}')
    s = hs.load(f'{out}/empad/{name}')
    np.save(f'{out}/empad/{name}.hs.npy', s.data.astype('float64').reshape(-1, 128, 128))
    report[name] = axes(s)
# The 1.2.0 description (128 × 128 scan, its field of view as full_scan_field_of_view x/y/scale_factor): a sparse
# raw file of the right size (1.1 GB of zeros), read lazily, for HyperSpy's axes.
shutil.copy(os.path.join(src, 'map128x128_version1.2.0.xml'), f'{out}/empad/map128x128_version1.2.0.xml')
with open(f'{out}/empad/scan_x128_y128.raw', 'wb') as f:
    f.truncate(128 * 128 * 130 * 128 * 4)
report['map128x128_version1.2.0.xml'] = axes(hs.load(f'{out}/empad/map128x128_version1.2.0.xml', lazy=True))

# Folder of patterns: top-level files and three subfolders, PNG and TIFF mixed, plus files to ignore.
root = f'{out}/patterns'
os.makedirs(f'{out}/refs', exist_ok=True)
for sub in ['', 'sample 10', 'sample 2', 'Sample1']:
    os.makedirs(os.path.join(root, sub), exist_ok=True)
files = ['a10.png', 'a2.png', 'a1.tif', 'sample 2/p10.tif', 'sample 2/p9.png', 'sample 10/x.png', 'Sample1/p01.tif', 'Sample1/p1.tif']
for f in files:
    a = rng.integers(0, 65536, (24, 20)).astype('uint16')
    if f.endswith('.png'): Image.fromarray(a).save(os.path.join(root, f))
    else: tifffile.imwrite(os.path.join(root, f), a, imagej=True, resolution=(10, 10), metadata={'unit': 'nm'})
    np.save(os.path.join(out, 'refs', f.replace('/', '__') + '.npy'), a.astype('float64'))
open(os.path.join(root, 'notes.txt'), 'w').write('not a pattern')
open(os.path.join(root, '.DS_Store'), 'w').write('hidden')
# Calibrated TIFFs only: the calibration carries over to the folder.
os.makedirs(f'{out}/calibrated', exist_ok=True)
for i in range(3):
    tifffile.imwrite(f'{out}/calibrated/c{i}.tif', rng.random((16, 16)).astype('float32'), imagej=True, resolution=(20, 20), metadata={'unit': '1/nm'})
# Mixed shapes, and a multi-frame file.
os.makedirs(f'{out}/mixed/sub', exist_ok=True)
Image.fromarray(rng.integers(0, 255, (24, 20)).astype('uint8')).save(f'{out}/mixed/a.png')
Image.fromarray(rng.integers(0, 255, (20, 24)).astype('uint8')).save(f'{out}/mixed/sub/b.png')
os.makedirs(f'{out}/stacked', exist_ok=True)
tifffile.imwrite(f'{out}/stacked/s.tif', rng.random((6, 8, 8)).astype('float32'))
os.makedirs(f'{out}/empty/sub', exist_ok=True)
open(f'{out}/empty/readme.md', 'w').write('nothing')
json.dump(report, open(f'{out}/report.json', 'w'), indent=1)
`;

type Axes = { name: string; size: number; scale: number; offset: number; units: string | null }[];

let dir = '';
let report: Record<string, Axes>;

function expectError(fn: () => unknown, target: string, problem: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, target).toBeInstanceOf(MicroscopyFileError);
  const message = (caught as Error).message;
  expect(message, message).toContain(target);
  expect(message, message).toMatch(problem);
}

describe('EMPAD and pattern folders', () => {
  it('has the HyperSpy peer (python3-hyperspy) to compare with', () => {
    if (!peerAvailable) throw new Error(peerProblem);
  });

  describe.skipIf(!peerAvailable)('on generated files', () => {
    beforeAll(() => {
      dir = tempDir('ssro-empad-folder-');
      const script = path.join(dir, 'generate.py');
      fs.writeFileSync(script, GENERATE);
      const r = spawnSync(PYTHON, [script, HS_EMPAD, path.join(dir, 'out')], { encoding: 'utf8', timeout: 170_000 });
      if (r.status !== 0) throw new Error(`generator failed: ${r.stderr}`);
      report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8')) as Record<string, Axes>;
    });
    const empad = (name: string): string => path.join(dir, 'out', 'empad', name);

    it('decodes EMPAD frames (130-row frames, last two rows dropped) to HyperSpy’s arrays, with its calibration', () => {
      for (const name of ['map4x4.xml', 'stack_images.xml', 'map2x8.xml']) {
        const src = openEmpad(empad(name));
        const reference = readNpy(empad(`${name}.hs.npy`)).data as Float64Array;
        expect(src.info.frameShape).toEqual([128, 128]);
        expect(src.info.frameCount * 128 * 128, name).toBe(reference.length);
        for (let f = 0; f < src.info.frameCount; f++) {
          const frame = src.readFrame(f);
          for (let i = 0; i < frame.length; i++) {
            if (frame[i] !== reference[f * 16384 + i]) throw new Error(`${name} frame ${f} pixel ${i}: ${frame[i]} ≠ HyperSpy ${reference[f * 16384 + i]}`);
          }
        }
        const hsAxes = report[name]!;
        const [rows, cols] = src.info.detectorAxes;
        const [hsRows, hsCols] = hsAxes.slice(-2);
        if (name === 'stack_images.xml') {
          expect(src.info.scanShape).toEqual([10]);
          expect([rows.scale, cols.scale]).toEqual([null, null]); // HyperSpy: scale 1, undefined units
          expect(hsRows!.units).toBeNull();
        } else {
          expect(rows.units).toBe('1/nm');
          expect(rows.scale).toBeCloseTo(hsRows!.scale, 12);
          expect(rows.offset).toBeCloseTo(hsRows!.offset, 10);
          expect(cols.scale).toBeCloseTo(hsCols!.scale, 12);
          expect(cols.offset).toBeCloseTo(hsCols!.offset, 10);
          // HyperSpy's scan axes are in its compact unit (µm here); ours are nm.
          const nav = hsAxes.slice(0, 2);
          expect(src.info.scanShape).toEqual(nav.map((a) => a.size));
          src.info.scanAxes.forEach((axis, k) => {
            expect(axis.name).toBe(nav[k]!.name);
            expect(nav[k]!.units).toBe('µm');
            expect(axis.units).toBe('nm');
            expect(axis.scale! / 1000).toBeCloseTo(nav[k]!.scale, 10);
            expect(axis.offset / 1000).toBeCloseTo(nav[k]!.offset, 10);
          });
          expect(src.info.beamEnergyKeV).toBe(300);
          expect(src.info.cameraLengthMm).toBeCloseTo(722.5, 9);
        }
        src.close();
      }
      const nonSquare = openEmpad(empad('map2x8.xml'));
      expect(nonSquare.info.scanShape).toEqual([2, 8]);
      expect(nonSquare.info.notes.join(' ')).toMatch(/Non-square scan 2×8/);
      nonSquare.close();
    });

    it('opens an EMPAD pair from its .raw too, and reads the 1.2.0 XML (128×128 scan) without reading the raw file', () => {
      const fromRaw = openEmpad(empad('scan_x4_y4.raw'));
      expect(fromRaw.info.file).toBe(empad('map4x4.xml'));
      expect(fromRaw.info.scanShape).toEqual([4, 4]);
      fromRaw.close();
      // 128 × 128 frames of 66 560 bytes: a sparse file of the right size stands in for the 1.1 GB raw data.
      const big = empad('scan_x128_y128.raw');
      fs.closeSync(fs.openSync(big, 'w'));
      fs.truncateSync(big, 128 * 128 * 130 * 128 * 4);
      const src = openEmpad(empad('map128x128_version1.2.0.xml'));
      expect(src.info.scanShape).toEqual([128, 128]);
      expect(src.info.beamEnergyKeV).toBe(300);
      expect(src.info.cameraLengthMm).toBeCloseTo(115.9, 9);
      expect(src.info.notes.join(' ')).toMatch(/no calibrated_pixelsize/);
      // HyperSpy 1.7.3 takes the scan step only from optics.get_full_scan_field_of_view, which the 1.2.0 layout
      // lacks: its scan axes are scale 1 without units. We read the 1.2 block as RosettaSciIO's later reader does:
      // x / scale_factor × scan_size / max(scan) = 9.266641250196717e-9 m / 0.72 × 1.0 / 128 → 0.10055 nm.
      const hsNav = report['map128x128_version1.2.0.xml']!.slice(0, 2);
      expect(hsNav.map((a) => [a.name, a.size, a.scale, a.offset, a.units])).toEqual([
        ['scan_x', 128, 1, 0, null],
        ['scan_y', 128, 1, 0, null],
      ]);
      const step = ((9.266641250196717e-9 / 0.72) * 1.0 * 1e9) / 128;
      expect(src.info.scanAxes.map((a) => [a.name, a.size, a.offset, a.units])).toEqual(hsNav.map((a) => [a.name, a.size, a.offset, 'nm']));
      for (const a of src.info.scanAxes) expect(a.scale).toBeCloseTo(step, 14);
      expect(src.info.notes.join(' ')).toMatch(/Scan step 0\.100549 nm from the 1\.2 full_scan_field_of_view \(x 9\.266641250196717e-9 m \/ scale_factor 0\.72 × scan_size 1 \/ 128 positions\)/);
      // Unequal x and y, a zero scale factor or a missing value establish no step; scan_size scales the field.
      const fovOf = (x: string, y: string, f: string): string => `<x>${x}</x><y>${y}</y><scale_factor>${f}</scale_factor>`;
      expect(empad12ScanStepNm(fovOf('1e-8', '2e-8', '1'), '', 10, 10)).toBeNull();
      expect(empad12ScanStepNm(fovOf('1e-8', '1e-8', '0'), '', 10, 10)).toBeNull();
      expect(empad12ScanStepNm('<x>1e-8</x>', '', 10, 10)).toBeNull();
      expect(empad12ScanStepNm(fovOf('1e-8', '1e-8', '0.5'), '<scan_parameters mode="acquire"><scan_size>0.5</scan_size></scan_parameters>', 10, 20)?.nm).toBeCloseTo(0.5, 12);
      expect(src.readFrame(128 * 128 - 1).every((v) => v === 0)).toBe(true);
      src.close();
      expect(sniffEmpad(fs.readFileSync(empad('map4x4.xml')).subarray(0, 4096), empad('map4x4.xml'))).toBe(true);
      expect(sniffEmpad(Buffer.from('<?xml version="1.0"?><svg/>'), 'x.xml')).toBe(false);
    });

    it('refuses EMPAD pairs whose raw file does not match the XML', () => {
      const bad = path.join(dir, 'bad-empad');
      fs.mkdirSync(bad, { recursive: true });
      fs.copyFileSync(empad('map4x4.xml'), path.join(bad, 'map4x4.xml'));
      const raw = path.join(bad, 'scan_x4_y4.raw');
      fs.writeFileSync(raw, fs.readFileSync(empad('scan_x4_y4.raw')).subarray(0, 15 * 66560 + 1000));
      expectError(() => openEmpad(path.join(bad, 'map4x4.xml')), raw, /describes 4×4 frames .*\(15 whole frame\(s\) \+ 1000 bytes\): truncated/);
      fs.rmSync(raw);
      expectError(() => openEmpad(path.join(bad, 'map4x4.xml')), path.join(bad, 'map4x4.xml'), /raw file .*scan_x4_y4\.raw cannot be opened/);
      const noRaw = path.join(bad, 'noraw.xml');
      fs.writeFileSync(noRaw, '<root><pix_x>2</pix_x></root>');
      expectError(() => openEmpad(noRaw), noRaw, /no <raw_file filename/);
    });

    it('lists a folder in natural order, grouped by subfolder, with each frame’s file and group', () => {
      const root = path.join(dir, 'out', 'patterns');
      const src = openFolder(root);
      const rel = src.frames.map((f) => path.relative(root, f.file));
      expect(rel).toEqual(['a1.tif', 'a2.png', 'a10.png', 'Sample1/p1.tif', 'Sample1/p01.tif', 'sample 2/p9.png', 'sample 2/p10.tif', 'sample 10/x.png']);
      expect(src.frames.map((f) => f.group)).toEqual(['patterns', 'patterns', 'patterns', 'Sample1', 'Sample1', 'sample 2', 'sample 2', 'sample 10']);
      expect(src.info).toMatchObject({ format: 'folder', frameCount: 8, scanShape: [8], frameShape: [24, 20], dtype: 'uint16' });
      expect(src.info.notes.join(' ')).toMatch(/8 pattern\(s\) in 4 group\(s\)/);
      expect(src.info.notes.join(' ')).toMatch(/1 other file\(s\) ignored \(notes\.txt\)/);
      // PNGs carry no calibration, the TIFFs do: the folder is uncalibrated, and says why.
      expect(src.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
      expect(src.info.notes.join(' ')).toMatch(/different pixel calibrations/);
      const out = new Float32Array(24 * 20);
      for (let i = src.frames.length - 1; i >= 0; i--) {
        const reference = readNpy(path.join(dir, 'out', 'refs', `${rel[i]!.replace('/', '__')}.npy`)).data as Float64Array;
        expect(src.readFrame(i, out)).toBe(out);
        expect(Array.from(out), rel[i]).toEqual(Array.from(reference));
      }
      src.close();
      expect(naturalCompare('p2', 'p10')).toBeLessThan(0);
      expect(naturalCompare('p010', 'p10')).toBeGreaterThan(0);
      expect(naturalCompare('B1', 'a2')).toBeGreaterThan(0);
    });

    it('carries a calibration shared by every file over to the folder', () => {
      const src = openFolder(path.join(dir, 'out', 'calibrated'));
      expect(src.info.detectorAxes.map((a) => [a.scale, a.units])).toEqual([
        [0.05, '1/nm'],
        [0.05, '1/nm'],
      ]);
      src.close();
    });

    it('refuses folders of mixed shapes (naming both files), multi-frame files and empty folders', () => {
      const mixed = path.join(dir, 'out', 'mixed');
      expectError(() => openFolder(mixed), mixed, /patterns of different shapes: a\.png is 24×20 but sub\/b\.png is 20×24/);
      const stacked = path.join(dir, 'out', 'stacked', 's.tif');
      expectError(() => openFolder(path.dirname(stacked)), stacked, /holds 6 frames; a folder of single patterns needs one per file/);
      const empty = path.join(dir, 'out', 'empty');
      expectError(() => openFolder(empty), empty, /no pattern files \(\.png, \.tif, \.tiff\)/);
      expectError(() => openFolder(path.join(dir, 'out', 'report.json')), path.join(dir, 'out', 'report.json'), /not a folder/);
    });
  });
});
