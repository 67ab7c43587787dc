/**
 * HDF5 and EMD readers (h5wasm) against HyperSpy (Debian python3-hyperspy 1.7.3) on HyperSpy's own EMD test files:
 * Prismatic 4D datacubes and 3D slices, HyperSpy-written EMD 0.2, and Thermo Fisher Velox images and stacks (from
 * fei_emd_files.zip). Every frame is compared with hs.load's array, axis calibrations with its axes (Velox lengths
 * in SI, as the file stores them), beam energy and camera length with its metadata. Synthetic files written with
 * h5py cover plain datasets of every numeric dtype, HDF5 dimension scales, ncempy-style (C-order) and emdfile
 * (EMD 1.0 'array') groups, two candidate datasets, truncation and corrupt headers, undecodable compression, and a
 * 210 MB scan whose opening and frame reads must stay far below the file size in memory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MicroscopyFileError, type AxisCalibration, type FrameSource } from '../../native-workers/lib/microscopy/frame-source';
import { detectHdf5Format, openEmd, openHdf5Auto, sniffEmd } from '../../native-workers/lib/microscopy/readers/emd';
import { Hdf5DatasetChoiceError, listHdf5Datasets, loadH5wasm, openHdf5, sniffHdf5 } from '../../native-workers/lib/microscopy/readers/hdf5';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const EMD_DIR = '/usr/lib/python3/dist-packages/hyperspy/tests/io/emd_files';
const peersAvailable =
  fs.existsSync(PYTHON) && fs.existsSync(EMD_DIR) && spawnSync(PYTHON, ['-c', 'import hyperspy.api, h5py, numpy, pint'], { stdio: 'ignore' }).status === 0;
const PEER_HELP = `${PYTHON} with HyperSpy, h5py and pint, and HyperSpy's EMD test files in ${EMD_DIR} (apt install python3-hyperspy python3-h5py)`;

/** One hs.load call whose array and axes the reader must reproduce. */
interface Job {
  name: string;
  file: string;
  kwargs?: Record<string, unknown>;
}

interface HsAxis {
  name: string | null;
  size: number;
  scale: number;
  offset: number;
  units: string | null;
  navigate: boolean;
  /** The scale in SI base units (metre, second) when the units are a length, inverse length or time. */
  si_scale?: number;
  si_units?: string;
}

interface HsResult {
  shape: number[];
  axes: HsAxis[];
  beam_energy: number | null;
  camera_length: number | null;
  /** Velox: BinaryResult.Offset {x, y} in metres, as HyperSpy parsed it from the file. */
  velox_offset: { x: number; y: number } | null;
}

/** Loads each job with hs.load (first signal when a list) and writes its array (float64 .npy) and axes (.json). */
const HYPERSPY_SCRIPT = String.raw`
import json, sys, warnings, logging
warnings.simplefilter('ignore')
logging.disable(logging.WARNING)
import numpy as np, pint, hyperspy.api as hs
ureg = pint.UnitRegistry()
jobs, out = json.loads(sys.argv[1]), sys.argv[2]
def text(v):
    return None if v is None or str(v) == '<undefined>' else str(v)
for job in jobs:
    s = hs.load(job['file'], **job.get('kwargs', {}))
    if isinstance(s, list):
        s = s[0]
    axes = []
    for a in s.axes_manager._axes:
        entry = dict(name=text(a.name), size=int(a.size), scale=float(a.scale), offset=float(a.offset), units=text(a.units), navigate=bool(a.navigate))
        if entry['units']:
            try:
                q = (a.scale * ureg(entry['units'])).to_base_units()
                entry.update(si_scale=float(q.magnitude), si_units=str(q.units))
            except Exception:
                pass
        axes.append(entry)
    tem = s.metadata.get_item('Acquisition_instrument.TEM')
    offset = s.original_metadata.get_item('BinaryResult.Offset')
    np.save(f"{out}/{job['name']}.npy", np.ascontiguousarray(s.data, dtype=np.float64))
    json.dump(dict(shape=list(s.data.shape), axes=axes,
                   beam_energy=tem.get_item('beam_energy') if tem is not None else None,
                   camera_length=tem.get_item('camera_length') if tem is not None else None,
                   velox_offset={k: float(v) for k, v in offset.as_dictionary().items()} if offset is not None else None),
              open(f"{out}/{job['name']}.json", 'w'))
`;

function python(script: string, args: string[]): string {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr.slice(-3000)}`);
  return run.stdout;
}

function hyperspy(dir: string, jobs: Job[]): void {
  python(HYPERSPY_SCRIPT, [JSON.stringify(jobs), dir]);
}

function hsResult(dir: string, name: string): { data: Float64Array; result: HsResult } {
  const npy = readNpy(path.join(dir, `${name}.npy`));
  return { data: npy.data as Float64Array, result: JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as HsResult };
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

/** C-order transpose of an array of `shape` (reversing all axes), as NumPy's .T. */
function transpose(data: Float64Array, shape: number[]): Float64Array {
  const rank = shape.length;
  const out = new Float64Array(data.length);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const reversed = [...shape].reverse();
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < data.length; i++) {
    let rest = i;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = rest % reversed[k]!;
      rest = Math.floor(rest / reversed[k]!);
    }
    let source = 0;
    for (let k = 0; k < rank; k++) source += index[k]! * strides[rank - 1 - k]!;
    out[i] = data[source]!;
  }
  return out;
}

function expectSameValues(ours: Float64Array, theirs: Float64Array): void {
  expect(ours.length).toBe(theirs.length);
  let mismatches = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== Math.fround(theirs[i]!) && ours[i] !== theirs[i]) mismatches++;
  expect(mismatches).toBe(0);
}

function close(a: number, b: number, rel = 1e-6): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/**
 * Our axis against HyperSpy's: uncalibrated ↔ scale 1 / offset 0 / no units; else scale, offset and units. With `si`
 * (Velox, whose lengths we report in the file's metres) HyperSpy's compacted units are converted back to SI, and the
 * offset is compared with `siOffset`: HyperSpy 1.7.3 compacts scale and offset separately but labels both with the
 * scale's unit (the Ceta file's offset −2.2e-7 m shows as −0.22 'nm'), so its axis offset is not in the stated unit.
 */
function expectSameAxis(ours: AxisCalibration, theirs: HsAxis, si = false, siOffset = 0): void {
  expect(ours.size).toBe(theirs.size);
  if (ours.scale === null) {
    expect(theirs.units === null || theirs.units === '').toBe(true);
    expect(theirs.scale).toBe(1);
    return;
  }
  if (si) {
    expect(close(ours.scale, theirs.si_scale!), `${ours.name} scale ${ours.scale} vs ${theirs.si_scale}`).toBe(true);
    expect(close(ours.offset, siOffset, 1e-12) || Math.abs(ours.offset - siOffset) < 1e-20, `${ours.name} offset ${ours.offset} vs ${siOffset}`).toBe(true);
    expect(ours.units?.replace(/ /g, '')).toBe({ meter: 'm', second: 's', '1/meter': '1/m' }[theirs.si_units!.replace(/ /g, '')] ?? theirs.si_units);
  } else {
    expect(close(ours.scale, theirs.scale), `${ours.name} scale ${ours.scale} vs ${theirs.scale}`).toBe(true);
    expect(close(ours.offset, theirs.offset) || Math.abs(ours.offset - theirs.offset) < 1e-12).toBe(true);
    expect(ours.units).toBe(theirs.units!.replace(/ /g, ''));
    expect(ours.name).toBe(theirs.name);
  }
}

async function expectFileError(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<MicroscopyFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MicroscopyFileError);
  const message = (error as Error).message;
  expect(message).toContain(file);
  expect(message).toMatch(pattern);
  return error as MicroscopyFileError;
}

describe('HDF5 / EMD readers: peers', () => {
  it('has the HyperSpy peer installed', () => {
    if (!peersAvailable) throw new Error(`These tests compare with HyperSpy and need ${PEER_HELP}.`);
  });
});

const title = peersAvailable ? 'HDF5 / EMD readers (h5wasm) against HyperSpy' : `HDF5 / EMD readers — skipped: needs ${PEER_HELP}`;

describe.skipIf(!peersAvailable)(title, () => {
  const work = tempDir('ssro-hdf5-');
  const hsDir = path.join(work, 'hyperspy');
  const velox = path.join(work, 'velox');
  const si4d = path.join(EMD_DIR, 'Si100_4D.emd');
  const depth0 = '/4DSTEM_simulation/data/datacubes/CBED_array_depth0000/datacube';

  beforeAll(async () => {
    fs.mkdirSync(hsDir);
    fs.mkdirSync(velox);
    python(
      `import zipfile, sys\nz = zipfile.ZipFile(sys.argv[1])\nfor n in ['1532 Camera Ceta.emd', 'fei_emd_image.emd', 'fei_emd_si.emd']: z.extract(n, sys.argv[2])`,
      [path.join(EMD_DIR, 'fei_emd_files.zip'), velox],
    );
    hyperspy(hsDir, [
      { name: 'si4d', file: si4d, kwargs: { dataset_path: depth0.slice(1) } },
      { name: 'si3d', file: path.join(EMD_DIR, 'Si100_3D.emd') },
      { name: 'image', file: path.join(EMD_DIR, 'example_image.emd') },
      { name: 'signal', file: path.join(EMD_DIR, 'example_signal.emd') },
      { name: 'metadata', file: path.join(EMD_DIR, 'example_metadata.emd') },
      { name: 'axis_len_1', file: path.join(EMD_DIR, 'example_axis_len_1.emd') },
      { name: 'ceta', file: path.join(velox, '1532 Camera Ceta.emd') },
      { name: 'haadf', file: path.join(velox, 'fei_emd_image.emd') },
      { name: 'si_images', file: path.join(velox, 'fei_emd_si.emd'), kwargs: { select_type: 'images', load_SI_image_stack: true } },
      { name: 'tem_stack', file: path.join(EMD_DIR, 'fei_example_tem_stack.emd') },
    ]);
    await loadH5wasm();
  });

  describe('Prismatic / py4DSTEM 4D datacube (Rx, Ry, Qx, Qy)', () => {
    it('needs a choice between the two depth datacubes, then reads depth 0 exactly as HyperSpy', async () => {
      const error = await expectFileError(openHdf5Auto(si4d), si4d, /2 EMD arrays could be the data/);
      expect(error).toBeInstanceOf(Hdf5DatasetChoiceError);
      expect((error as Hdf5DatasetChoiceError).candidates.map((c) => c.path)).toEqual([depth0, depth0.replace('0000', '0001')]);
      expect(error.message).toContain('11×11×8×8 float32');

      const source = await openEmd(si4d, { datasetPath: path.dirname(depth0) });
      const { data, result } = hsResult(hsDir, 'si4d');
      expect(result.shape).toEqual([11, 11, 8, 8]);
      expect(source.info).toMatchObject({ format: 'emd-1.0', dtype: 'float32', frameShape: [8, 8], frameCount: 121, scanShape: [11, 11], beamEnergyKeV: 100 });
      // Frame index = rx·Ry + ry: HyperSpy's data[rx, ry] (its array order; navigation axes R_x, R_y).
      expectSameValues(allFrames(source), data);
      source.info.scanAxes.forEach((axis, k) => expectSameAxis(axis, result.axes[k]!));
      source.info.detectorAxes.forEach((axis, k) => expectSameAxis(axis, result.axes[k + 2]!));
      expect(source.info.detectorAxes[0]).toMatchObject({ name: 'Q_x', units: '1/nm' });
      expect(source.info.metadata['simulation_parameters.E']).toBe(100);
      source.close();
    });

    it('reads Prismatic 3D slices transposed as HyperSpy does (bins × R_y × R_x)', async () => {
      const source = await openHdf5Auto(path.join(EMD_DIR, 'Si100_3D.emd'));
      const { data, result } = hsResult(hsDir, 'si3d');
      expect(source.info).toMatchObject({ frameShape: [22, 22], frameCount: 37, scanShape: [37] });
      expectSameValues(allFrames(source), data);
      expectSameAxis(source.info.scanAxes[0]!, result.axes[0]!);
      expectSameAxis(source.info.detectorAxes[0], result.axes[1]!);
      expectSameAxis(source.info.detectorAxes[1], result.axes[2]!);
      expect(source.info.notes.join(' ')).toMatch(/reverse storage order/);
      source.close();
    });
  });

  describe('EMD 0.2 files', () => {
    it.each([
      ['image', 'example_image.emd', [3, 3], []],
      ['metadata', 'example_metadata.emd', [3, 3], []],
      ['signal', 'example_signal.emd', [3, 3], [3]],
    ] as const)('HyperSpy-written %s: read with its reversed axes, equal to hs.load', async (name, file, frameShape, scanShape) => {
      const source = await openHdf5Auto(path.join(EMD_DIR, file));
      const { data, result } = hsResult(hsDir, name);
      expect(source.info.frameShape).toEqual(frameShape);
      expect(source.info.scanShape).toEqual(scanShape);
      expectSameValues(allFrames(source), data);
      const axes = [...source.info.scanAxes, ...source.info.detectorAxes];
      axes.forEach((axis, k) => expectSameAxis(axis, result.axes[k]!));
      source.close();
    });

    it('keeps the EMD 0.2 microscope / sample / user groups as metadata', async () => {
      const source = await openEmd(path.join(EMD_DIR, 'example_metadata.emd'));
      expect(source.info.metadata).toMatchObject({ 'microscope.name': 'Titan', 'microscope.voltage': '300kV', 'sample.material': 'TiO2', 'EMD.version': '0.2' });
      expect(source.info.beamEnergyKeV).toBe(300);
      source.close();
    });

    it('reads a non-HyperSpy EMD 0.2 array in C order (HyperSpy transposes it)', async () => {
      const source = await openHdf5Auto(path.join(EMD_DIR, 'example_axis_len_1.emd'));
      const { data, result } = hsResult(hsDir, 'axis_len_1');
      expect(result.shape).toEqual([5, 1, 5]);
      expect(source.info).toMatchObject({ frameShape: [1, 5], scanShape: [5] });
      expectSameValues(allFrames(source), transpose(data, result.shape));
      source.close();
    });
  });

  describe('Velox EMD', () => {
    it.each([
      ['ceta', '1532 Camera Ceta.emd', 'int16', [64, 64], 80, 415],
      ['haadf', 'fei_emd_image.emd', 'uint16', [512, 512], 200, 98],
    ] as const)('%s image: values, pixel size and offset (SI), beam energy and camera length as HyperSpy', async (name, file, dtype, shape, keV, mm) => {
      const source = await openHdf5Auto(path.join(velox, file));
      const { data, result } = hsResult(hsDir, name);
      expect(source.info).toMatchObject({ format: 'emd-velox', dtype, frameShape: shape, frameCount: 1, scanShape: [] });
      expectSameValues(allFrames(source), data);
      expectSameAxis(source.info.detectorAxes[0], result.axes[0]!, true, result.velox_offset!.y);
      expectSameAxis(source.info.detectorAxes[1], result.axes[1]!, true, result.velox_offset!.x);
      expect(source.info.detectorAxes[0].units).toBe('m');
      expect(source.info.beamEnergyKeV).toBeCloseTo(result.beam_energy!, 9);
      expect(source.info.cameraLengthMm).toBeCloseTo(result.camera_length!, 9);
      expect([source.info.beamEnergyKeV, source.info.cameraLengthMm]).toEqual([keV, mm]);
      source.close();
    });

    it.each([
      ['tem_stack', path.join(EMD_DIR, 'fei_example_tem_stack.emd'), 2],
      ['si_images', 'velox/fei_emd_si.emd', 5],
    ] as const)('%s: a frame stack (rows, cols, frames) read frame by frame, time axis as HyperSpy', async (name, file, frames) => {
      const source = await openHdf5Auto(path.isAbsolute(file) ? file : path.join(work, file));
      const { data, result } = hsResult(hsDir, name);
      expect(result.shape[0]).toBe(frames);
      expect(source.info.scanShape).toEqual([frames]);
      expectSameValues(allFrames(source), data);
      expectSameAxis(source.info.scanAxes[0]!, result.axes[0]!, true);
      expectSameAxis(source.info.detectorAxes[0], result.axes[1]!, true, result.velox_offset!.y);
      expectSameAxis(source.info.detectorAxes[1], result.axes[2]!, true, result.velox_offset!.x);
      source.close();
    });

    it('refuses a Velox file whose only image is a complex FFT, naming the problem', async () => {
      const file = path.join(EMD_DIR, 'fei_example_complex_fft.emd');
      expect(await detectHdf5Format(file)).toBe('emd-velox');
      await expectFileError(openHdf5Auto(file), file, /this Velox file holds no numeric image/);
    });

    it('lists the images of a multi-detector file and opens the one chosen by path', async () => {
      const file = path.join(EMD_DIR, 'fei_example_dpc_titles.emd');
      const error = await expectFileError(openEmd(file), file, /Velox images could be the data/);
      const chosen = (error as Hdf5DatasetChoiceError).candidates[2]!;
      const source = await openEmd(file, { datasetPath: chosen.path });
      const expected = JSON.parse(
        python(`import h5py, json, sys\nd = h5py.File(sys.argv[1], 'r')[sys.argv[2]][()]\nprint(json.dumps([d[:, :, f].ravel().tolist() for f in range(d.shape[2])]))`, [file, chosen.path]),
      ) as number[][];
      expect(source.info.frameCount).toBe(expected.length);
      expect(Array.from(source.readFrame(0))).toEqual(expected[0]!.map(Math.fround));
      source.close();
    });
  });

  describe('synthetic files (h5py)', () => {
    const synth = path.join(work, 'synthetic');
    beforeAll(() => {
      fs.mkdirSync(synth);
      python(
        String.raw`
import sys, h5py, numpy as np
out = sys.argv[1]
scan = (np.arange(3 * 4 * 16 * 20) % 1013).astype('f4').reshape(3, 4, 16, 20) * 0.5
with h5py.File(f'{out}/plain4d.h5', 'w') as f:
    d = f.create_dataset('entry/data', data=scan, chunks=(1, 1, 16, 20), compression='gzip')
    f['entry/energy'] = np.arange(7.0)
    for k, (n, step, units) in enumerate([(16, 0.02, '1/Å'), (20, 0.03, '1/Å')]):
        s = f.create_dataset(f'entry/q{k}', data=np.arange(n) * step - 0.1)
        s.attrs['units'] = units
        s.make_scale(f'q{k}')
        d.dims[2 + k].attach_scale(s)
        d.dims[2 + k].label = f'q{k}'
    d.attrs['detector'] = 'test camera'
with h5py.File(f'{out}/dtypes.h5', 'w') as f:
    base = np.arange(2 * 5 * 6).reshape(2, 5, 6)
    f['be_u16'] = (base * 1000).astype('>u2')
    f['i64'] = (base - 30).astype('<i8') * 2**40
    f['u64'] = base.astype('u8') + 2**50
    f['boolean'] = (base % 3 == 0)
    f['f64'] = base / 7.0
    f['i8'] = (base - 20).astype('i1')
    f['f16'] = base.astype('f2')
    f['c64'] = base.astype('c8')
    f.create_dataset('lzf', data=base.astype('u2'), compression='lzf')
with h5py.File(f'{out}/two.h5', 'w') as f:
    f['a/frames'] = np.zeros((4, 8, 8), 'u2')
    f['b/other'] = np.ones((2, 3, 8, 8), 'f4')
    f['b/vector'] = np.ones(10)
with h5py.File(f'{out}/chunked.h5', 'w') as f:
    f.create_dataset('frames', data=np.arange(20 * 64 * 64, dtype='u2').reshape(20, 64, 64), chunks=(1, 64, 64))
with h5py.File(f'{out}/stack12.h5', 'w') as f:
    f['stack'] = np.arange(12 * 4 * 5, dtype='u1').reshape(12, 4, 5)
# ncempy-style EMD 0.2: C order, dim1..dim4, bracketed units.
with h5py.File(f'{out}/ncem.emd', 'w') as f:
    f.attrs['version_major'] = 0; f.attrs['version_minor'] = 2
    g = f.create_group('data/scan'); g.attrs['emd_group_type'] = 1
    g['data'] = scan
    for k, (n, name, units, step) in enumerate([(3, 'Rx', '[n_m]', 1.5), (4, 'Ry', '[n_m]', 1.5), (16, 'Qx', '[n_m^-1]', 0.1), (20, 'Qy', '[n_m^-1]', 0.1)]):
        dim = g.create_dataset(f'dim{k + 1}', data=np.arange(n) * step)
        dim.attrs['name'] = np.bytes_(name); dim.attrs['units'] = np.bytes_(units)
    m = f.create_group('microscope'); m.attrs['voltage'] = '200 kV'; m.attrs['camera_length'] = '1.2 m'
# emdfile / py4DSTEM >= 0.13 EMD 1.0: 'array' groups, dim0..dim3 as [offset, offset + step], virtual image beside.
with h5py.File(f'{out}/py4dstem.h5', 'w') as f:
    f.attrs['emd_group_type'] = 'file'; f.attrs['version_major'] = 1; f.attrs['version_minor'] = 0
    root = f.create_group('experiment'); root.attrs['emd_group_type'] = 'root'
    g = root.create_group('datacube'); g.attrs['emd_group_type'] = 'array'; g.attrs['python_class'] = 'DataCube'
    g.create_dataset('data', data=scan).attrs['units'] = 'intensity'
    for k, (name, units, dim) in enumerate([('Rx', 'pixels', [0, 1]), ('Ry', 'pixels', [0, 1]), ('Qx', 'A^-1', [0, 0.01]), ('Qy', 'A^-1', [0, 0.01])]):
        d = g.create_dataset(f'dim{k}', data=np.array(dim, 'f8')); d.attrs['name'] = name; d.attrs['units'] = units
    v = root.create_group('datacube/virtual'); v.attrs['emd_group_type'] = 'array'
    v.create_dataset('data', data=np.zeros((3, 4), 'f4'))
    md = root.create_group('metadatabundle/calibration'); md.attrs['emd_group_type'] = 'metadata'
    md.create_dataset('Q_pixel_size', data=0.01).attrs['type'] = b'number'
    md.create_dataset('Q_pixel_units', data=b'A^-1').attrs['type'] = b'string'
`,
        [synth],
      );
    });

    function scanValue(i: number): number {
      return (i % 1013) * 0.5;
    }

    it('sniffs HDF5 by signature and EMD by signature plus extension', () => {
      const head = fs.readFileSync(path.join(synth, 'plain4d.h5')).subarray(0, 4096);
      expect(sniffHdf5(head, 'x.h5')).toBe(true);
      expect(sniffEmd(head, 'x.h5')).toBe(false);
      expect(sniffEmd(head, 'x.EMD')).toBe(true);
      expect(sniffHdf5(Buffer.from('\x93NUMPY\x01\x00'), 'x.npy')).toBe(false);
    });

    it('opens the one ≥ 2-D dataset of a plain file: 4D scan, gzip chunks, dimension-scale calibration', async () => {
      const file = path.join(synth, 'plain4d.h5');
      expect(await detectHdf5Format(file)).toBe('hdf5');
      const source = await openHdf5Auto(file);
      expect(source.info).toMatchObject({ format: 'hdf5', dtype: 'float32', frameShape: [16, 20], frameCount: 12, scanShape: [3, 4] });
      const frames = allFrames(source);
      for (let i = 0; i < frames.length; i++) if (frames[i] !== scanValue(i)) throw new Error(`value ${i}: ${frames[i]} ≠ ${scanValue(i)}`);
      expect(source.info.scanAxes.map((a) => a.scale)).toEqual([null, null]);
      expect(source.info.detectorAxes[0]).toMatchObject({ name: 'q0', size: 16, offset: -0.1, units: '1/Å' });
      expect(source.info.detectorAxes[0].scale).toBeCloseTo(0.02, 12);
      expect(source.info.detectorAxes[1].scale).toBeCloseTo(0.03, 12);
      expect(source.info.metadata['/entry/data@detector']).toBe('test camera');
      // readFrame fills `out` and checks the index.
      const out = new Float32Array(16 * 20);
      expect(source.readFrame(5, out)).toBe(out);
      expect(out[0]).toBe(scanValue(5 * 320));
      expect(() => source.readFrame(12)).toThrow(/frame 12 is out of range \(the file has 12 frames\)/);
      source.close();
      expect(() => source.readFrame(0)).toThrow(/closed/);
    });

    it.each([
      ['be_u16', 'uint16', (v: number) => v * 1000],
      ['i64', 'int64', (v: number) => (v - 30) * 2 ** 40],
      ['u64', 'uint64', (v: number) => v + 2 ** 50],
      ['boolean', 'bool', (v: number) => (v % 3 === 0 ? 1 : 0)],
      ['f64', 'float64', (v: number) => Math.fround(v / 7)],
      ['i8', 'int8', (v: number) => v - 20],
    ] as const)('reads %s as %s', async (name, dtype, value) => {
      const source = await openHdf5(path.join(synth, 'dtypes.h5'), { datasetPath: `/${name}` });
      expect(source.info).toMatchObject({ dtype, frameShape: [5, 6], frameCount: 2, scanShape: [2] });
      const frames = allFrames(source);
      frames.forEach((v, i) => expect(v).toBe(Math.fround(value(i))));
      source.close();
    });

    it.each([
      ['f16', /float16 values/],
      ['c64', /compound values/],
      ['lzf', /compressed with lzf \(filter id 32000\), which h5wasm cannot decode/],
      ['nothing', /no dataset \/nothing in the file/],
    ])('refuses %s with a clear message', async (name, pattern) => {
      const file = path.join(synth, 'dtypes.h5');
      await expectFileError(openHdf5(file, { datasetPath: name }), file, pattern);
    });

    it('lists the candidates when two datasets could be the data, and opens the one chosen', async () => {
      const file = path.join(synth, 'two.h5');
      const error = await expectFileError(openHdf5(file), file, /2 datasets could be the data; choose one with the dataset path/);
      expect(error.message).toContain('/a/frames (4×8×8 uint16)');
      expect(error.message).toContain('/b/other (2×3×8×8 float32)');
      expect((error as Hdf5DatasetChoiceError).candidates).toEqual([
        { path: '/a/frames', shape: [4, 8, 8], dtype: 'uint16' },
        { path: '/b/other', shape: [2, 3, 8, 8], dtype: 'float32' },
      ]);
      expect(await listHdf5Datasets(file)).toEqual([
        { path: '/a/frames', shape: [4, 8, 8], dtype: 'uint16' },
        { path: '/b/other', shape: [2, 3, 8, 8], dtype: 'float32' },
        { path: '/b/vector', shape: [10], dtype: 'float64' },
      ]);
      const source = await openHdf5(file, { datasetPath: 'b/other' });
      expect(source.info.scanShape).toEqual([2, 3]);
      expect(Array.from(source.readFrame(5)).every((v) => v === 1)).toBe(true);
      source.close();
    });

    it('takes a scan shape that divides the frame count, and refuses one that does not', async () => {
      const file = path.join(synth, 'stack12.h5');
      const source = await openHdf5(file, { scanShape: [3, 4] });
      expect(source.info.scanShape).toEqual([3, 4]);
      expect(source.readFrame(11)[0]).toBe((11 * 20) % 256);
      source.close();
      await expectFileError(openHdf5(file, { scanShape: [5, 3] }), file, /scan shape 5×3 = 15 frames, but the file has 12 frames/);
    });

    it('reads an ncempy-style EMD 0.2 scan in C order: dim k calibrates axis k-1', async () => {
      const file = path.join(synth, 'ncem.emd');
      const source = await openEmd(file);
      expect(source.info).toMatchObject({ format: 'emd-1.0', frameShape: [16, 20], scanShape: [3, 4], beamEnergyKeV: 200, cameraLengthMm: 1200 });
      expect(source.info.scanAxes.map((a) => [a.name, a.scale, a.units])).toEqual([
        ['Rx', 1.5, 'nm'],
        ['Ry', 1.5, 'nm'],
      ]);
      expect(source.info.detectorAxes.map((a) => [a.name, a.units])).toEqual([
        ['Qx', '1/nm'],
        ['Qy', '1/nm'],
      ]);
      expect(source.info.detectorAxes[0].scale).toBeCloseTo(0.1, 12);
      const frames = allFrames(source);
      frames.forEach((v, i) => {
        if (v !== scanValue(i)) throw new Error(`value ${i}`);
      });
      source.close();
    });

    it('reads an emdfile (EMD 1.0) datacube: dims from 0, pixels = uncalibrated, the 4D array chosen over a 2D one', async () => {
      const file = path.join(synth, 'py4dstem.h5');
      expect(await detectHdf5Format(file)).toBe('emd-1.0');
      const source = await openHdf5Auto(file);
      expect(source.info).toMatchObject({ format: 'emd-1.0', frameShape: [16, 20], scanShape: [3, 4] });
      expect(source.info.scanAxes.map((a) => a.scale)).toEqual([null, null]);
      expect(source.info.detectorAxes[0]).toMatchObject({ name: 'Qx', scale: 0.01, offset: 0, units: '1/Å' });
      expect(source.info.notes.join(' ')).toMatch(/Read the only 4-dimensional EMD array, \/experiment\/datacube\/data; also in the file: \/experiment\/datacube\/virtual\/data/);
      expect(source.info.metadata).toMatchObject({ 'calibration.Q_pixel_size': 0.01, 'calibration.Q_pixel_units': 'A^-1' });
      expect(source.readFrame(11)[3]).toBe(scanValue(11 * 320 + 3));
      source.close();
    });

    it('names the file and the problem for truncated copies (a real EMD file and a synthetic one)', async () => {
      for (const original of [si4d, path.join(synth, 'plain4d.h5')]) {
        const copy = path.join(synth, `truncated-${path.basename(original)}`);
        const bytes = fs.readFileSync(original);
        fs.writeFileSync(copy, bytes.subarray(0, Math.floor(bytes.length / 2)));
        await expectFileError(openHdf5Auto(copy), copy, /truncated: the HDF5 superblock says the file holds \d+ bytes, but it has \d+/);
      }
    });

    it('names the file and the problem for corrupt headers: signature, superblock version, and an end-of-file field that hides a truncation', async () => {
      const bytes = fs.readFileSync(path.join(synth, 'plain4d.h5'));
      const badSignature = path.join(synth, 'bad-signature.h5');
      fs.writeFileSync(badSignature, Buffer.concat([Buffer.from('XHDF'), bytes.subarray(4)]));
      await expectFileError(openHdf5(badSignature), badSignature, /not an HDF5 file \(no HDF5 signature\)/);

      const badVersion = path.join(synth, 'bad-version.h5');
      const v = Buffer.from(bytes);
      v[8] = 9;
      fs.writeFileSync(badVersion, v);
      await expectFileError(openHdf5(badVersion), badVersion, /unknown HDF5 superblock version 9/);

      // Cut a chunked file after its first frames, and rewrite the superblock's end-of-file address to the new
      // length: HDF5 opens it, and the frames whose chunks are gone must fail by name, not read as zeros.
      const chunked = fs.readFileSync(path.join(synth, 'chunked.h5'));
      const version = chunked[8]!;
      const eofAt = version === 0 ? 24 + 16 : version === 1 ? 28 + 16 : 12 + 16;
      const cut = Math.floor(chunked.length * 0.6);
      const hidden = Buffer.from(chunked.subarray(0, cut));
      hidden.writeBigUInt64LE(BigInt(cut), eofAt);
      const file = path.join(synth, 'hidden-truncation.h5');
      fs.writeFileSync(file, hidden);
      const source = await openHdf5(file);
      expect(source.readFrame(0)[1]).toBe(1);
      expect(() => source.readFrame(19)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: frame 19: reading /frames failed`));
      source.close();
    });

    it('opens a 210 MB scan and reads frames across it with memory far below the file size', async () => {
      const file = path.join(synth, 'large.h5');
      python(
        String.raw`
import sys, h5py, numpy as np
ny, nx, r, c = 40, 40, 256, 256
base = (np.arange(r)[:, None] * 7 + np.arange(c)[None, :]).astype(np.uint32)
with h5py.File(sys.argv[1], 'w') as f:
    d = f.create_dataset('scan', shape=(ny, nx, r, c), dtype='u2')
    for y in range(ny):
        d[y] = np.stack([((base + (y * nx + x) * 13) % 65536).astype(np.uint16) for x in range(nx)])
`,
        [file],
      );
      const size = fs.statSync(file).size;
      expect(size).toBeGreaterThan(200e6);
      // h5wasm is already loaded: growth now is what opening and reading cost (the library's WebAssembly heap
      // would grow by the file size if it were read into memory).
      const { module } = await loadH5wasm();
      const heapBefore = module.HEAPU8.byteLength;
      const before = process.memoryUsage().rss;
      const source = await openHdf5(file);
      const opened = process.memoryUsage().rss;
      const frame = source.readFrame(1599);
      expect([frame[0], frame[1], frame[256]]).toEqual([(1599 * 13) % 65536, (1599 * 13 + 1) % 65536, (1599 * 13 + 7) % 65536]);
      const out = new Float32Array(256 * 256);
      for (let i = 0; i < 1600; i += 37) {
        source.readFrame(i, out);
        if (out[0] !== (i * 13) % 65536) throw new Error(`frame ${i}`);
      }
      const after = process.memoryUsage().rss;
      const heapAfter = module.HEAPU8.byteLength;
      source.close();
      const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
      console.log(
        `large HDF5: file ${mb(size)}; RSS ${mb(before)} → +${mb(opened - before)} on opening, +${mb(after - before)} after 45 frames; ` +
          `WebAssembly heap ${mb(heapBefore)} → ${mb(heapAfter)}`,
      );
      expect(after - before).toBeLessThan(size / 8);
      expect(heapAfter - heapBefore).toBeLessThan(16 * 1048576);
    });
  });
});
