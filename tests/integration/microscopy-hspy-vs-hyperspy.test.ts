/**
 * The HyperSpy .hspy reader (h5wasm) against HyperSpy itself (Debian python3-hyperspy 1.7.3): HyperSpy's own test
 * files (formats 1.0 … 3.1, .hdf5 and .hspy) and 4D / 3D signals written by HyperSpy in this test with calibrated
 * axes (signal axes in 1/Å, 1/nm or mrad, navigation in nm), beam energy and camera length. Every axis (name,
 * size, scale, offset, units, navigation or signal), the beam energy, the camera length and every frame must match
 * what hs.load reads; the signal axes must give the 'metadata' calibration its Å⁻¹/px. Spectra, RGBA images and
 * a file without signals are refused with a message naming the file. Finally `ssro map` maps a calibrated 4D .hspy
 * with the bundled model and no --calibration: the pixel size comes from the file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { electronWavelengthA } from '../../native-workers/lib/diffraction/electron-wavelength';
import { MicroscopyFileError, type AxisCalibration, type FrameSource } from '../../native-workers/lib/microscopy/frame-source';
import { openMicroscopy } from '../../native-workers/lib/microscopy/open';
import { calibrationFromMetadata } from '../../native-workers/lib/microscopy/preprocess/calibration';
import { openHspy } from '../../native-workers/lib/microscopy/readers/hspy';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const HS_DIR = '/usr/lib/python3/dist-packages/hyperspy/tests/io/hdf5_files';
const peersAvailable = fs.existsSync(PYTHON) && fs.existsSync(HS_DIR) && spawnSync(PYTHON, ['-c', 'import hyperspy.api, h5py, numpy'], { stdio: 'ignore' }).status === 0;
const PEER_HELP = `${PYTHON} with HyperSpy and h5py, and HyperSpy's test files in ${HS_DIR} (apt install python3-hyperspy python3-h5py)`;
/** HyperSpy writes .zspy only with the zarr package (Debian python3-zarr). */
const zarrAvailable = peersAvailable && spawnSync(PYTHON, ['-c', 'import zarr'], { stdio: 'ignore' }).status === 0;

interface HsAxis {
  name: string | null;
  size: number;
  scale: number;
  offset: number;
  units: string | null;
  navigate: boolean;
}

interface HsResult {
  shape: number[];
  axes: HsAxis[];
  beam_energy: number | null;
  camera_length: number | null;
}

/**
 * Writes the synthetic signals with HyperSpy (argv[1] = folder): each a Signal2D with C-order data of a known
 * pattern, its axes calibrated as named, saved with s.save (gzip-compressed chunks, HyperSpy's default).
 */
const WRITE_SCRIPT = String.raw`
import sys, warnings, logging
warnings.simplefilter('ignore')
logging.disable(logging.WARNING)
import numpy as np, hyperspy.api as hs
out = sys.argv[1]
def signal(shape, dtype, sig_units, sig_scale, sig_offset, nav_units='nm', nav_scale=0.5, beam=200.0, camera=100.0):
    n = int(np.prod(shape))
    data = ((np.arange(n) * 7919) % 65521).reshape(shape).astype(dtype)
    s = hs.signals.Signal2D(data)
    nav = s.axes_manager.navigation_axes
    for a, name in zip(nav, ['x', 'y', 'z']):
        a.name, a.units, a.scale, a.offset = name, nav_units, nav_scale, 1.5
    for a, name in zip(s.axes_manager.signal_axes, ['kx', 'ky']):
        a.name, a.scale, a.offset = name, sig_scale, sig_offset
        if sig_units is not None:
            a.units = sig_units
    if beam is not None:
        s.metadata.set_item('Acquisition_instrument.TEM.beam_energy', beam)
    if camera is not None:
        s.metadata.set_item('Acquisition_instrument.TEM.camera_length', camera)
    s.metadata.General.title = 'synthetic scan'
    return s
signal((3, 4, 8, 6), np.uint16, '1/Å', 0.0125, -0.05).save(f'{out}/scan-inv-angstrom.hspy')
signal((2, 5, 7, 9), np.float32, '1/nm', 0.125, -0.5, beam=300.0, camera=None).save(f'{out}/scan-inv-nm.hspy')
signal((4, 3, 6, 6), np.int32, 'mrad', 0.25, -0.75, beam=200.0, camera=None).save(f'{out}/scan-mrad.hspy')
signal((5, 8, 8), np.float64, None, 1.0, 0.0, nav_units='s', nav_scale=0.1, beam=None, camera=None).save(f'{out}/stack-uncalibrated.hspy')
signal((6, 5), np.uint8, '1/nm', 0.2, 0.0).save(f'{out}/single.hspy')
big = signal((4, 4, 64, 64), np.float32, '1/nm', 0.35, -11.2)
yy, xx = np.mgrid[0:64, 0:64]
r = np.hypot(yy - 32, xx - 32) * 0.035
big.data[...] = (1000 * np.exp(-(r / 0.05) ** 2) + 200 * np.exp(-((r - 0.42) / 0.06) ** 2) + 20).astype(np.float32)
big.data *= (1 + 0.05 * np.arange(16).reshape(4, 4, 1, 1)).astype(np.float32)
big.save(f'{out}/map-me.hspy')
hs.signals.Signal1D(np.arange(24.0).reshape(2, 3, 4)).save(f'{out}/spectra.hspy')
nu = hs.signals.Signal2D(np.arange(2 * 3 * 4 * 5, dtype=np.uint16).reshape(2, 3, 4, 5))
nu.axes_manager[0].units = 'nm'
nu.axes_manager[0].convert_to_non_uniform_axis()
nu.axes_manager[0].axis = np.array([0.0, 1.0, 3.0])
nu.save(f'{out}/non-uniform.hspy')
try:
    import zarr
except ImportError:
    zarr = None
if zarr is not None:
    # The same signals as zarr stores: HyperSpy's default chunks, and chunks that split frames across files.
    signal((3, 4, 8, 6), np.uint16, '1/Å', 0.0125, -0.05).save(f'{out}/scan-inv-angstrom.zspy')
    signal((2, 5, 7, 9), np.float32, '1/nm', 0.125, -0.5, beam=300.0, camera=None).save(f'{out}/scan-inv-nm.zspy', chunks=(1, 2, 4, 5))
    signal((4, 3, 6, 6), np.int32, 'mrad', 0.25, -0.75, beam=200.0, camera=None).save(f'{out}/scan-mrad.zspy')
    signal((5, 8, 8), np.float64, None, 1.0, 0.0, nav_units='s', nav_scale=0.1, beam=None, camera=None).save(f'{out}/stack-uncalibrated.zspy')
    big.save(f'{out}/map-me.zspy')
    hs.signals.Signal1D(np.arange(24.0).reshape(2, 3, 4)).save(f'{out}/spectra.zspy')
`;

/** Loads each file with hs.load (argv[1] = JSON list of [name, file], argv[2] = folder): data (.npy) and axes (.json). */
const LOAD_SCRIPT = String.raw`
import json, sys, warnings, logging
warnings.simplefilter('ignore')
logging.disable(logging.WARNING)
import numpy as np, hyperspy.api as hs
jobs, out = json.loads(sys.argv[1]), sys.argv[2]
def text(v):
    return None if v is None or str(v) in ('<undefined>', '') else str(v)
for name, file in jobs:
    s = hs.load(file)
    axes = [dict(name=text(a.name), size=int(a.size), scale=float(a.scale), offset=float(a.offset), units=text(a.units), navigate=bool(a.navigate))
            for a in s.axes_manager._axes]
    tem = s.metadata.get_item('Acquisition_instrument.TEM')
    np.save(f'{out}/{name}.npy', np.ascontiguousarray(s.data, dtype=np.float64))
    json.dump(dict(shape=list(s.data.shape), axes=axes,
                   beam_energy=tem.get_item('beam_energy') if tem is not None else None,
                   camera_length=tem.get_item('camera_length') if tem is not None else None),
              open(f'{out}/{name}.json', 'w'))
`;

function python(script: string, args: string[]): string {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr.slice(-3000)}`);
  return run.stdout;
}

function hsResult(dir: string, name: string): { data: Float64Array; result: HsResult } {
  const npy = readNpy(path.join(dir, `${name}.npy`));
  return { data: Float64Array.from(npy.data as ArrayLike<number>), result: JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as HsResult };
}

/** All frames, concatenated in frame-index order. */
function allFrames(source: FrameSource): Float64Array {
  const [rows, cols] = source.info.frameShape;
  const n = rows * cols;
  const out = new Float64Array(source.info.frameCount * n);
  const frame = new Float32Array(n);
  for (let i = 0; i < source.info.frameCount; i++) out.set(source.readFrame(i, frame), i * n);
  return out;
}

/** The reader's axis against HyperSpy's: uncalibrated (scale null) exactly where HyperSpy has no units. */
function expectAxis(ours: AxisCalibration, theirs: HsAxis, label: string): void {
  expect(ours.size, `${label} size`).toBe(theirs.size);
  if (theirs.name !== null) expect(ours.name, `${label} name`).toBe(theirs.name);
  if (theirs.units === null) {
    expect(ours.scale, `${label} uncalibrated`).toBeNull();
    expect(ours.units, `${label} units`).toBeNull();
    return;
  }
  expect(ours.units, `${label} units`).toBe(theirs.units);
  expect(ours.scale, `${label} scale`).toBeCloseTo(theirs.scale, 12);
  expect(ours.offset, `${label} offset`).toBeCloseTo(theirs.offset, 12);
}

/** Compares a source with hs.load's reading: axes in array order split into scan / detector, metadata and frames. */
function expectMatchesHyperSpy(source: FrameSource, hs: { data: Float64Array; result: HsResult }, label: string): void {
  const { info } = source;
  const { axes } = hs.result;
  const navigation = axes.filter((a) => a.navigate);
  const signal = axes.filter((a) => !a.navigate);
  expect(signal.length, `${label}: HyperSpy's signal dimension`).toBe(2);
  expect(info.scanShape, `${label} scan shape`).toEqual(navigation.map((a) => a.size));
  expect(info.frameShape, `${label} frame shape`).toEqual(signal.map((a) => a.size));
  expect(info.frameCount).toBe(navigation.reduce((p, a) => p * a.size, 1));
  navigation.forEach((a, i) => expectAxis(info.scanAxes[i]!, a, `${label} scan axis ${i}`));
  signal.forEach((a, i) => expectAxis(info.detectorAxes[i]!, a, `${label} detector axis ${i}`));
  expect(info.beamEnergyKeV, `${label} beam energy`).toBe(hs.result.beam_energy);
  expect(info.cameraLengthMm, `${label} camera length`).toBe(hs.result.camera_length);
  expect(hs.data.length).toBe(info.frameCount * info.frameShape[0] * info.frameShape[1]);
  const frames = allFrames(source);
  let worst = 0;
  for (let i = 0; i < frames.length; i++) worst = Math.max(worst, Math.abs(frames[i]! - hs.data[i]!) / Math.max(1, Math.abs(hs.data[i]!)));
  expect(worst, `${label}: largest relative difference from hs.load's array`).toBeLessThan(1e-6);
}

const work = tempDir('ssro-hspy-');
const hsDir = path.join(work, 'hyperspy');

describe.skipIf(!peersAvailable)(peersAvailable ? 'HyperSpy .hspy reader vs HyperSpy' : `HyperSpy .hspy reader — skipped: needs ${PEER_HELP}`, () => {
  const synthetic = ['scan-inv-angstrom', 'scan-inv-nm', 'scan-mrad', 'stack-uncalibrated', 'single', 'map-me'];
  const zspy = ['scan-inv-angstrom', 'scan-inv-nm', 'scan-mrad', 'stack-uncalibrated', 'map-me'];
  const shipped = ['example2_v2.2.hspy', 'example2_v3.1.hspy', 'test_marker_bad_marker_type.hdf5', 'test_marker_point_y2_data_deleted.hdf5'];

  beforeAll(() => {
    fs.mkdirSync(hsDir, { recursive: true });
    python(WRITE_SCRIPT, [work]);
    const jobs = [...synthetic.map((n) => [n, path.join(work, `${n}.hspy`)]), ...shipped.map((f) => [f, path.join(HS_DIR, f)])];
    if (zarrAvailable) jobs.push(...zspy.map((n) => [`${n}.zspy`, path.join(work, `${n}.zspy`)]));
    python(LOAD_SCRIPT, [JSON.stringify(jobs), hsDir]);
  }, 300_000);

  it.each(synthetic)('%s.hspy written by HyperSpy: axes, beam energy, camera length and every frame as hs.load', async (name) => {
    const source = await openMicroscopy(path.join(work, `${name}.hspy`));
    try {
      expect(source.info.format).toBe('hspy');
      expect(source.info.metadata['HyperSpy.title']).toBe('synthetic scan');
      expectMatchesHyperSpy(source, hsResult(hsDir, name), name);
    } finally {
      source.close();
    }
  });

  it.each(shipped)("HyperSpy's own test file %s reads as hs.load reads it", async (file) => {
    const source = await openMicroscopy(path.join(HS_DIR, file));
    try {
      expectMatchesHyperSpy(source, hsResult(hsDir, file), file);
    } finally {
      source.close();
    }
  });

  it.skipIf(!zarrAvailable).each(zspy)('%s.zspy (zarr store) written by HyperSpy: axes, metadata and every frame as hs.load', async (name) => {
    const source = await openMicroscopy(path.join(work, `${name}.zspy`));
    try {
      expect(source.info.metadata['HyperSpy.file_format']).toBe('ZSpy');
      expect(source.info.metadata['zarr.codecs']).toBe('blosc');
      expectMatchesHyperSpy(source, hsResult(hsDir, `${name}.zspy`), `${name}.zspy`);
      // A frame read again, out of order, into a given array.
      const again = new Float32Array(source.info.frameShape[0] * source.info.frameShape[1]);
      const last = source.info.frameCount - 1;
      expect(Array.from(source.readFrame(last, again))).toEqual(Array.from(source.readFrame(last)));
    } finally {
      source.close();
    }
    expect(() => source.readFrame(0)).toThrow(/the file is closed/);
  });

  it.skipIf(!zarrAvailable)('refuses a .zspy that is a spectrum, or a zipped store, saying what to do', async () => {
    const spectra = path.join(work, 'spectra.zspy');
    await expect(openMicroscopy(spectra)).rejects.toThrow(/spectra\.zspy: the HyperSpy signal .*1-dimensional signal \(spectra\)/);
    const zipped = path.join(work, 'zipped.zspy');
    fs.writeFileSync(zipped, Buffer.from('PK\u0003\u0004 not really a zip'));
    await expect(openMicroscopy(zipped)).rejects.toThrow(/zipped\.zspy: a zipped zarr store .*s\.save\('file\.hspy'\)/);
  });

  it("the signal axes give the 'metadata' calibration its Å⁻¹ per pixel (1/Å as is, 1/nm ÷ 10, mrad with the beam energy)", async () => {
    const pixel = async (name: string): Promise<{ value: number; detail: string }> => {
      const source = await openHspy(path.join(work, `${name}.hspy`));
      try {
        const c = calibrationFromMetadata(source.info);
        return { value: c.invAPerPixel, detail: c.detail };
      } finally {
        source.close();
      }
    };
    expect((await pixel('scan-inv-angstrom')).value).toBeCloseTo(0.0125, 12);
    expect((await pixel('scan-inv-nm')).value).toBeCloseTo(0.0125, 12);
    expect((await pixel('scan-mrad')).value).toBeCloseTo(0.25e-3 / electronWavelengthA(200), 10);
    await expect(pixel('stack-uncalibrated')).rejects.toThrow(/camera length|no reciprocal-space calibration/);
  });

  it('the scan step is the navigation axes’ scale and units', async () => {
    const source = await openMicroscopy(path.join(work, 'scan-inv-angstrom.hspy'));
    try {
      expect(source.info.scanAxes.map((a) => [a.name, a.scale, a.units, a.offset])).toEqual([
        ['y', 0.5, 'nm', 1.5],
        ['x', 0.5, 'nm', 1.5],
      ]);
      expect(source.info.metadata['metadata.Acquisition_instrument.TEM.beam_energy']).toBe(200);
      expect(source.info.metadata['HyperSpy.file_format_version']).toMatch(/^3\./);
    } finally {
      source.close();
    }
  });

  it("reports a non-uniform navigation axis (HyperSpy's DataAxis, coordinates in axis-N/axis) with its mean step", async () => {
    const source = await openMicroscopy(path.join(work, 'non-uniform.hspy'));
    try {
      expect(source.info.scanShape).toEqual([2, 3]);
      expect(source.info.scanAxes[1]).toEqual({ name: 'axis 1', size: 3, scale: 1.5, offset: 0, units: 'nm' });
      expect(source.info.notes.join('\n')).toMatch(/axis-1 \(axis 1\) is a non-uniform axis: reported with its mean step 1\.5/);
      expect(Array.from(source.readFrame(4))).toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    } finally {
      source.close();
    }
  });

  it('refuses what is not a diffraction signal, naming the file and the problem', async () => {
    const spectra = path.join(work, 'spectra.hspy');
    await expect(openMicroscopy(spectra)).rejects.toThrow(MicroscopyFileError);
    await expect(openMicroscopy(spectra)).rejects.toThrow(new RegExp(`^${spectra.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*1-dimensional signal \\(spectra\\)`));
    // Format 1.0 (no root attributes, recognised by its /Experiments group) and 1.2.
    await expect(openMicroscopy(path.join(HS_DIR, 'example1_v1.0.hdf5'))).rejects.toThrow(/example1_v1\.0\.hdf5: the HyperSpy signal "NIO EELS OK SHELL" .*1-dimensional signal/);
    await expect(openMicroscopy(path.join(HS_DIR, 'example1_v1.2.hdf5'))).rejects.toThrow(/example1_v1\.2\.hdf5: .*1-dimensional signal/);
    await expect(openMicroscopy(path.join(HS_DIR, 'test_rgba16.hdf5'))).rejects.toThrow(/test_rgba16\.hdf5: .*compound values/);
  });
});

const bin = path.resolve('bin/ssro.js');
const built = fs.existsSync(path.resolve('dist/main/cli/index.js'));
const bundledModel = path.resolve('resources/models/ssro-ensemble.onnx');
const mapReady = peersAvailable && built && fs.existsSync(bundledModel);
const mapTitle = mapReady ? 'ssro map on a calibrated .hspy' : `ssro map on a calibrated .hspy — skipped: needs ${PEER_HELP}, the built CLI (npx tsc -p tsconfig.json) and ${bundledModel}`;

describe.skipIf(!mapReady)(mapTitle, () => {
  it('maps a 4×4 scan of 64×64 frames written by HyperSpy without --calibration: the pixel size is the file’s 0.35 1/nm', () => {
    const input = path.join(work, 'map-me.hspy');
    if (!fs.existsSync(input)) python(WRITE_SCRIPT, [work]);
    const out = path.join(work, 'map-out');
    const run = spawnSync(process.execPath, [bin, 'map', bundledModel, input, '--out', out, '--denoise', 'none', '--preprocess-threads', '0'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/calibration: 0\.35 1\/nm per pixel from the file = 0\.035 Å⁻¹\/px/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'map.json'), 'utf8')) as { plan: { recipe: { calibration: { method: string; invAPerPixel: number } } } };
    expect(report.plan.recipe.calibration.method).toBe('metadata');
    expect(report.plan.recipe.calibration.invAPerPixel).toBeCloseTo(0.035, 12);
    const d = readNpy(path.join(out, 'd.npy'));
    expect(d.shape).toEqual([4, 4]);
    expect(Array.from(d.data as ArrayLike<number>).every((v) => Number.isFinite(v))).toBe(true);
  }, 300_000);
});
