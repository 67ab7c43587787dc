/**
 * The TIFF and PNG readers against HyperSpy (Debian python3-hyperspy, tifffile / imageio underneath) on the same
 * files: HyperSpy's own test TIFFs (ImageJ, DigitalMicrograph, FEI, Zeiss, TVIPS, JEOL, Hamamatsu, RGBA16 stacks)
 * and TIFF/PNG files written here by tifffile and Pillow with every sample type, byte order, BigTIFF, tiles,
 * Deflate/LZW/PackBits and both predictors. Frames must equal HyperSpy's arrays (RGB as BT.601 luminance) and
 * every calibration we report must be HyperSpy's; files tifffile cannot decode without imagecodecs (LZW, the
 * floating-point predictor) are checked against the arrays they were written from. Malformed copies (truncated,
 * corrupt header, corrupt compressed data, JPEG) must fail with an error that names the file and the problem.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MicroscopyFileError, type FrameSource } from '../../native-workers/lib/microscopy/frame-source';
import { openPng, sniffPng } from '../../native-workers/lib/microscopy/readers/png';
import { openTiff, sniffTiff } from '../../native-workers/lib/microscopy/readers/tiff/index';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const HS_TIFF = '/usr/lib/python3/dist-packages/hyperspy/tests/io/tiff_files';
const peer = spawnSync(PYTHON, ['-c', 'import hyperspy.api, tifffile, PIL, numpy'], { encoding: 'utf8' });
const peerAvailable = peer.status === 0 && fs.existsSync(HS_TIFF);
const peerProblem = `HyperSpy peer missing: ${PYTHON} cannot import hyperspy.api/tifffile/PIL/numpy or ${HS_TIFF} is absent ` +
  `(apt install python3-hyperspy python3-tifffile python3-pil): ${peer.error?.message ?? peer.stderr}`;

/** Writes the synthetic files, unpacks HyperSpy's test TIFFs, and records HyperSpy's reading of every file. */
const GENERATE = String.raw`
import glob, gzip, json, os, shutil, sys, warnings, zipfile
warnings.simplefilter('ignore')
import logging; logging.disable(logging.CRITICAL)
import numpy as np, tifffile
from PIL import Image
import hyperspy.api as hs

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for f in glob.glob(os.path.join(src, '*')):
    b = os.path.basename(f)
    if b.endswith('.zip'):
        with zipfile.ZipFile(f) as z: z.extractall(out)
    elif b.endswith('.gz'):
        with gzip.open(f) as g, open(os.path.join(out, b[:-3]), 'wb') as o: o.write(g.read())
    elif b.endswith('.tif'):
        shutil.copy(f, out)

rng = np.random.default_rng(7)
ref = {}
def keep(name, arr):
    np.save(os.path.join(out, name + '.ref.npy'), np.asarray(arr, dtype='float64'))
    ref[name] = True

a = rng.integers(-128, 128, (33, 47)).astype('int8'); tifffile.imwrite(f'{out}/syn_int8.tif', a); keep('syn_int8.tif', a)
a = rng.integers(-30000, 30000, (31, 29)).astype('int16'); tifffile.imwrite(f'{out}/syn_int16_be.tif', a, byteorder='>'); keep('syn_int16_be.tif', a)
a = rng.integers(0, 2**32 - 1, (20, 24), dtype='uint64').astype('uint32'); tifffile.imwrite(f'{out}/syn_uint32_bigtiff.tif', a, bigtiff=True); keep('syn_uint32_bigtiff.tif', a)
a = rng.integers(-2**31, 2**31 - 1, (17, 19)).astype('int32'); tifffile.imwrite(f'{out}/syn_int32_be.tif', a, byteorder='>'); keep('syn_int32_be.tif', a)
a = rng.normal(0, 1e5, (25, 26)); tifffile.imwrite(f'{out}/syn_float64.tif', a); keep('syn_float64.tif', a)
a = rng.integers(0, 60000, (40, 50)).astype('uint16'); tifffile.imwrite(f'{out}/syn_u16_tiles_deflate_pred.tif', a, tile=(16, 16), compression='zlib', predictor=True); keep('syn_u16_tiles_deflate_pred.tif', a)
a = rng.integers(0, 60000, (45, 37)).astype('uint16'); tifffile.imwrite(f'{out}/syn_u16_strips_deflate_pred_be.tif', a, compression='zlib', predictor=True, rowsperstrip=7, byteorder='>'); keep('syn_u16_strips_deflate_pred_be.tif', a)
a = rng.random((5, 20, 30)).astype('float32'); tifffile.imwrite(f'{out}/syn_f32_stack.tif', a, imagej=False, metadata=None); keep('syn_f32_stack.tif', a)
a = rng.random((4, 22, 18)).astype('float32')
tifffile.imwrite(f'{out}/syn_imagej_nm_stack.tif', a, imagej=True, resolution=(1 / 0.025, 1 / 0.05), metadata={'unit': 'nm', 'spacing': 3.5, 'axes': 'ZYX'}); keep('syn_imagej_nm_stack.tif', a)
rgb = rng.integers(0, 256, (21, 23, 3)).astype('uint8')
lum = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
tifffile.imwrite(f'{out}/syn_rgb8.tif', rgb, photometric='rgb'); keep('syn_rgb8.tif', lum)
tifffile.imwrite(f'{out}/syn_rgb8_planar.tif', np.moveaxis(rgb, -1, 0), photometric='rgb', planarconfig='separate'); keep('syn_rgb8_planar.tif', lum)
a = rng.integers(0, 256, (15, 16)).astype('uint8'); tifffile.imwrite(f'{out}/syn_u8_72dpi.tif', a, resolution=(72, 72), resolutionunit='INCH'); keep('syn_u8_72dpi.tif', a)
b = rng.integers(0, 2, (13, 21)).astype(bool); Image.fromarray(b).save(f'{out}/syn_bilevel.tif'); keep('syn_bilevel.tif', b)
# Pillow/libtiff for what tifffile cannot write without imagecodecs (LZW, floating-point predictor).
a = rng.integers(0, 4000, (300, 310)).astype('uint16'); Image.fromarray(a).save(f'{out}/pil_u16_lzw_pred2.tif', compression='tiff_lzw', tiffinfo={317: 2}); keep('pil_u16_lzw_pred2.tif', a)
a = (rng.random((120, 130)) * 1000).astype('float32'); Image.fromarray(a).save(f'{out}/pil_f32_lzw_pred3.tif', compression='tiff_lzw', tiffinfo={317: 3}); keep('pil_f32_lzw_pred3.tif', a)
a = (rng.random((64, 70)) - 0.5).astype('float32'); Image.fromarray(a).save(f'{out}/pil_f32_lzw_pred2.tif', compression='tiff_lzw', tiffinfo={317: 2}); keep('pil_f32_lzw_pred2.tif', a)
a = (np.add.outer(np.arange(200), np.arange(190)) % 256).astype('uint8'); Image.fromarray(a).save(f'{out}/pil_u8_lzw.tif', compression='tiff_lzw'); keep('pil_u8_lzw.tif', a)
a = rng.integers(0, 256, (50, 60)).astype('uint8'); a[10:20] = 7; Image.fromarray(a).save(f'{out}/pil_u8_packbits.tif', compression='packbits'); keep('pil_u8_packbits.tif', a)
a = rng.integers(0, 65536, (44, 33)).astype('uint16'); Image.fromarray(a).save(f'{out}/pil_u16_adobe_deflate.tif', compression='tiff_adobe_deflate'); keep('pil_u16_adobe_deflate.tif', a)
# PNG.
a = rng.integers(0, 256, (37, 41)).astype('uint8'); Image.fromarray(a).save(f'{out}/png_grey8.png'); keep('png_grey8.png', a)
a = rng.integers(0, 65536, (30, 28)).astype('uint16'); Image.fromarray(a).save(f'{out}/png_grey16.png'); keep('png_grey16.png', a)
Image.fromarray(rgb).save(f'{out}/png_rgb.png'); keep('png_rgb.png', lum)
rgba = np.concatenate([rgb, rng.integers(0, 256, (21, 23, 1)).astype('uint8')], axis=-1); Image.fromarray(rgba).save(f'{out}/png_rgba.png'); keep('png_rgba.png', lum)
a = rng.integers(0, 256, (19, 24)).astype('uint8'); a[0, :5] = 9; Image.fromarray(a).save(f'{out}/png_grey8_trns.png', transparency=9); keep('png_grey8_trns.png', a)
a = rng.integers(0, 16, (18, 20)).astype('uint8'); Image.fromarray(a).convert('L').save(f'{out}/png_grey4bit.png', bits=4); keep('png_grey4bit.png', a)
pal = Image.fromarray(rgb).quantize(colors=16); pal.save(f'{out}/png_palette.png')
prgb = np.asarray(pal.convert('RGB')).astype('float64'); keep('png_palette.png', 0.299 * prgb[..., 0] + 0.587 * prgb[..., 1] + 0.114 * prgb[..., 2])

report = {}
for f in sorted(glob.glob(os.path.join(out, '*.tif')) + glob.glob(os.path.join(out, '*.png'))):
    name = os.path.basename(f)
    try:
        s = hs.load(f)
        s = s[0] if isinstance(s, list) else s
        d = s.data
        if d.dtype.names:  # RGB(A) as structured array
            d = 0.299 * d['R'].astype('float64') + 0.587 * d['G'].astype('float64') + 0.114 * d['B'].astype('float64')
        np.save(os.path.join(out, name + '.hs.npy'), np.asarray(d, dtype='float64'))
        axes = [dict(name=str(a.name), size=int(a.size), scale=float(a.scale), offset=float(a.offset),
                     units=None if str(a.units) in ('<undefined>', '') else str(a.units)) for a in s.axes_manager._axes]
        report[name] = dict(ok=True, shape=list(d.shape), axes=axes)
    except Exception as e:
        report[name] = dict(ok=False, error=f'{type(e).__name__}: {e}')
json.dump(dict(hyperspy=report, ref=ref), open(os.path.join(out, 'report.json'), 'w'), indent=1)
`;

interface HsAxis {
  name: string;
  size: number;
  scale: number;
  offset: number;
  units: string | null;
}

interface Report {
  hyperspy: Record<string, { ok: true; shape: number[]; axes: HsAxis[] } | { ok: false; error: string }>;
  ref: Record<string, boolean>;
}

let dir = '';
let report: Report;

function open(file: string): FrameSource {
  return file.endsWith('.png') ? openPng(file) : openTiff(file);
}

/** All frames of a source, concatenated. */
function readAll(src: FrameSource): Float32Array {
  const [rows, cols] = src.info.frameShape;
  const all = new Float32Array(src.info.frameCount * rows * cols);
  for (let i = 0; i < src.info.frameCount; i++) all.set(src.readFrame(i), i * rows * cols);
  return all;
}

/** Largest |ours − reference| where the reference is rounded to float32 first (our frames are float32). */
function maxDiff(ours: Float32Array, reference: Float64Array, relative: boolean): number {
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const r = Math.fround(reference[i]!);
    const d = Math.abs(ours[i]! - r) / (relative ? Math.max(1, Math.abs(r)) : 1);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Files HyperSpy calibrates through a vendor tag we do not read (we then report no calibration at all). */
const uncalibratedByUs = new Set<string>();

function expectCalibrationLikeHyperSpy(name: string, src: FrameSource, axes: HsAxis[]): void {
  const { info } = src;
  const signal = axes.slice(-2);
  const nav = axes.slice(0, -2);
  for (const [ours, theirs] of [
    [info.detectorAxes[0], signal[0]!],
    [info.detectorAxes[1], signal[1]!],
  ] as const) {
    expect(ours.size, `${name} ${ours.name} size`).toBe(theirs.size);
    if (ours.scale === null) {
      if (theirs.scale !== 1 || theirs.units !== null) uncalibratedByUs.add(name);
      continue;
    }
    expect(ours.scale, `${name} ${ours.name} scale`).toBeCloseTo(theirs.scale, 12);
    expect(ours.offset, `${name} ${ours.name} offset`).toBeCloseTo(theirs.offset, 9);
    // HyperSpy 1.7 keeps an ImageJ unit only when it is 'micron' (the scale it takes whatever the unit).
    if (theirs.units !== null) expect(ours.units, `${name} ${ours.name} units`).toBe(theirs.units.replace(/ /g, ''));
  }
  if (nav.length === 1 && info.scanAxes.length === 1 && info.scanAxes[0]!.scale !== null) {
    expect(info.scanAxes[0]!.scale, `${name} stack scale`).toBeCloseTo(nav[0]!.scale, 12);
    expect(info.scanAxes[0]!.offset, `${name} stack offset`).toBeCloseTo(nav[0]!.offset, 12);
  }
}

describe('TIFF and PNG readers vs HyperSpy', () => {
  it('has the HyperSpy peer (python3-hyperspy) to compare with', () => {
    if (!peerAvailable) throw new Error(peerProblem);
  });

  describe.skipIf(!peerAvailable)('on the same files', () => {
    beforeAll(() => {
      dir = tempDir('ssro-tiff-png-');
      const script = path.join(dir, 'generate.py');
      fs.writeFileSync(script, GENERATE);
      const r = spawnSync(PYTHON, [script, HS_TIFF, path.join(dir, 'files')], { encoding: 'utf8', timeout: 170_000 });
      if (r.status !== 0) throw new Error(`generator failed: ${r.stderr}`);
      report = JSON.parse(fs.readFileSync(path.join(dir, 'files', 'report.json'), 'utf8')) as Report;
    });

    const file = (name: string): string => path.join(dir, 'files', name);

    it('decodes every file HyperSpy reads to HyperSpy’s array, and every reported calibration is HyperSpy’s', () => {
      const checked: string[] = [];
      for (const [name, hs] of Object.entries(report.hyperspy)) {
        if (!hs.ok) continue;
        const src = open(file(name));
        try {
          const [rows, cols] = src.info.frameShape;
          expect(hs.shape.slice(-2), name).toEqual([rows, cols]);
          expect(hs.shape.slice(0, -2).reduce((a, b) => a * b, 1), `${name} frames`).toBe(src.info.frameCount);
          const reference = readNpy(file(`${name}.hs.npy`)).data as Float64Array;
          const rgb = src.info.notes.some((n) => n.includes('luminance'));
          expect(maxDiff(readAll(src), reference, rgb), name).toBeLessThanOrEqual(rgb ? 1e-5 : 0);
          expectCalibrationLikeHyperSpy(name, src, hs.axes);
          checked.push(name);
        } finally {
          src.close();
        }
      }
      // HyperSpy's own test files (not only ours) are among them.
      for (const name of [
        'test_loading_image_saved_with_DM.tif',
        'test_loading_image_saved_with_DM_stack.tif',
        'test_loading_image_saved_with_imageJ.tif',
        'test_loading_image_saved_with_imageJ_stack.tif',
        'test_loading_image_saved_with_imageJ_no_scale.tif',
        'test_rgba16.tif',
        'TVIPS_bin4.tif',
        'FEI-Helios-Ebeam-16bits.tif',
        'JEOL-SightX-SAED-dummy.tif',
        'test_tiff_Zeiss_SEM_1k.tif',
        'optical_Zeiss_AxioVision_RGB.tif',
        'syn_int16_be.tif',
        'syn_uint32_bigtiff.tif',
        'syn_u16_tiles_deflate_pred.tif',
        'png_grey16.png',
        'png_rgb.png',
      ]) {
        expect(checked, name).toContain(name);
      }
      expect(checked.length).toBeGreaterThanOrEqual(35);
      // Vendor calibrations we do not read (SEM / TEM image and streak-camera tags, none a diffraction calibration):
      // for these we report an uncalibrated detector rather than a wrong one.
      expect([...uncalibratedByUs].sort()).toEqual([
        'FEI-Helios-Ebeam-16bits.tif',
        'FEI-Helios-Ebeam-8bits.tif',
        'FEI-Helios-navcam.tif',
        'TVIPS_bin4.tif',
        'test_hamamatsu_streak_FOCUS.tif',
        'test_hamamatsu_streak_SCAN.tif',
        'test_tiff_Zeiss_SEM_1k.tif',
        'test_tiff_Zeiss_SEM_512pix.tif',
      ]);
    });

    it('decodes LZW, PackBits, Deflate and both predictors to the arrays they were written from', () => {
      for (const name of Object.keys(report.ref)) {
        const src = open(file(name));
        try {
          const reference = readNpy(file(`${name}.ref.npy`)).data as Float64Array;
          const rgb = src.info.notes.some((n) => n.includes('luminance'));
          expect(maxDiff(readAll(src), reference, rgb), name).toBeLessThanOrEqual(rgb ? 1e-5 : 0);
        } finally {
          src.close();
        }
      }
      expect(Object.keys(report.ref).length).toBe(26);
    });

    it('reads DigitalMicrograph and ImageJ calibrations as the files state them', () => {
      const dm = openTiff(file('test_loading_image_saved_with_DM_stack.tif'));
      expect(dm.info.scanShape).toEqual([2]);
      expect(dm.info.scanAxes[0]).toMatchObject({ size: 2, scale: 2.5, units: 's' });
      expect(dm.info.detectorAxes[0]).toMatchObject({ units: 'µm' });
      expect(dm.info.detectorAxes[0].scale).toBeCloseTo(1.6867400407791138, 14);
      expect(dm.info.detectorAxes[1].scale).toBeCloseTo(0.16867400705814362, 14);
      dm.close();
      const ij = openTiff(file('syn_imagej_nm_stack.tif'));
      expect(ij.info.detectorAxes.map((a) => [a.scale, a.units])).toEqual([
        [0.05, 'nm'],
        [0.025, 'nm'],
      ]);
      expect(ij.info.scanAxes[0]).toMatchObject({ size: 4, scale: 3.5 });
      ij.close();
      const plain = openTiff(file('test_loading_image_saved_with_imageJ_no_scale.tif'));
      expect(plain.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
      expect(plain.info.notes.join(' ')).toMatch(/no pixel calibration/);
      plain.close();
      // JEOL SightX SAED: camera length and high tension from its XML description, 1/nm pixels as HyperSpy has them.
      const saed = openTiff(file('JEOL-SightX-SAED-dummy.tif'));
      expect(saed.info.beamEnergyKeV).toBe(200);
      expect(saed.info.cameraLengthMm).toBe(400);
      expect(saed.info.detectorAxes[0].units).toBe('1/nm');
      saed.close();
      // A 72-dpi display resolution is kept as metadata and never becomes a pixel size (HyperSpy ignores it too).
      const dpi = openTiff(file('syn_u8_72dpi.tif'));
      expect(dpi.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
      dpi.close();
    });

    it('reads one frame of a stack without touching the others, into a given buffer', () => {
      const src = openTiff(file('syn_f32_stack.tif'));
      expect(src.info.frameCount).toBe(5);
      expect(src.info.scanShape).toEqual([5]);
      expect(src.info.notes.join(' ')).toMatch(/give the scan shape/);
      const reference = readNpy(file('syn_f32_stack.tif.ref.npy')).data as Float64Array;
      const out = new Float32Array(20 * 30);
      expect(src.readFrame(3, out)).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(reference.subarray(3 * 600, 4 * 600), Math.fround));
      expect(() => src.readFrame(5)).toThrow(/frame 5 out of range/);
      src.close();
      const shaped = openTiff(file('syn_f32_stack.tif'), { scanShape: [5, 1] });
      expect(shaped.info.scanShape).toEqual([5, 1]);
      shaped.close();
      expect(() => openTiff(file('syn_f32_stack.tif'), { scanShape: [2, 2] })).toThrow(/2×2 = 4 frames, but the file has 5/);
    });

    it('sniffs TIFF and PNG from the first bytes', () => {
      const head = (name: string): Buffer => fs.readFileSync(file(name)).subarray(0, 4096);
      expect(sniffTiff(head('syn_int16_be.tif'), 'x')).toBe(true);
      expect(sniffTiff(head('syn_uint32_bigtiff.tif'), 'x')).toBe(true);
      expect(sniffTiff(head('png_rgb.png'), 'x')).toBe(false);
      expect(sniffPng(head('png_rgb.png'), 'x')).toBe(true);
      expect(sniffPng(head('syn_int8.tif'), 'x')).toBe(false);
    });

    it('fails clearly on malformed files, naming the file and the problem', () => {
      const bad = path.join(dir, 'bad');
      fs.mkdirSync(bad, { recursive: true });
      const copy = (name: string, edit: (b: Buffer) => Buffer): string => {
        const to = path.join(bad, name);
        fs.writeFileSync(to, edit(fs.readFileSync(file(name))));
        return to;
      };
      const expectError = (fn: () => unknown, target: string, problem: RegExp): void => {
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
      };
      // ImageJ stack cut short: the frames it announces are not all there.
      const ij = copy('test_loading_image_saved_with_imageJ_stack.tif', (b) => b.subarray(0, b.length - 5000));
      expectError(() => openTiff(ij), ij, /ImageJ stack of 2 images needs \d+ bytes but the file has \d+: truncated/);
      // DM TIFF cut in half: its IFD is at the end.
      const dm = copy('test_loading_image_saved_with_DM.tif', (b) => b.subarray(0, b.length >> 1));
      expectError(() => openTiff(dm), dm, /beyond the end of the file .*truncated or corrupt/);
      // Multi-page file cut inside the last page's pixels: open may pass, the frame read must not.
      const stack = copy('syn_f32_stack.tif', (b) => b.subarray(0, b.length - 100));
      expectError(() => {
        const s = openTiff(stack);
        for (let i = 0; i < s.info.frameCount; i++) s.readFrame(i);
      }, stack, /beyond the end of the file|truncated/);
      // Wrong version number in the header.
      const version = copy('syn_int8.tif', (b) => {
        const c = Buffer.from(b);
        c.writeUInt16LE(41, 2);
        return c;
      });
      expectError(() => openTiff(version), version, /not a TIFF file \(version 41/);
      // Deflate stream overwritten with garbage.
      const deflate = copy('pil_u16_adobe_deflate.tif', (b) => {
        const c = Buffer.from(b);
        c.fill(0x55, 8, 400);
        return c;
      });
      expectError(() => openTiff(deflate).readFrame(0), deflate, /frame 0, strip 0: cannot decompress Deflate data/);
      // JPEG-compressed (HyperSpy cannot read it without imagecodecs either).
      const jpeg = file('olympus_SIS.tif');
      expect(report.hyperspy['olympus_SIS.tif']?.ok).toBe(false);
      expectError(() => openTiff(jpeg), jpeg, /page 0 uses compression 7 \(JPEG\); supported: none, LZW, Deflate, PackBits/);
      // PNG cut short, and a PNG whose IHDR length is wrong.
      const png = copy('png_grey16.png', (b) => b.subarray(0, b.length - 30));
      expectError(() => openPng(png), png, /truncated/);
      const ihdr = copy('png_grey8.png', (b) => {
        const c = Buffer.from(b);
        c.writeUInt32BE(14, 8);
        return c;
      });
      expectError(() => openPng(ihdr), ihdr, /IHDR chunk of 14 bytes/);
      const notPng = copy('syn_int8.tif', (b) => b);
      expectError(() => openPng(notPng), notPng, /not a PNG file/);
    });
  });
});
