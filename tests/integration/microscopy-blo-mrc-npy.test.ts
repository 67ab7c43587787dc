/**
 * BLO, MRC and NumPy stack readers against independent peers.
 * - BLO: HyperSpy's own test blockfiles (test1.blo, test2.blo, from NanoMegas ASTAR) and blockfiles written by
 *   HyperSpy's writer (a 4 × 5 scan and a 1 × 6 line), compared with hs.load (arrays, scan and pattern axes, beam
 *   energy). Camera length: the header stores 0.1 mm units; HyperSpy 1.7 multiplies by 1e-4 (metres), we report
 *   mm, so ours = 1000 × HyperSpy's. For the line, HyperSpy's squeezed axes are shifted by one (see below).
 * - MRC: there are no MRC sample files, so Python writes MRC2014 files with a hand-written 1024-byte header
 *   (modes 0, 1, 2, 6, 12; little- and big-endian; an extended header; FEI's 128-byte-per-section extended header;
 *   a 4D-STEM scan as NZ frames). Every one is compared with the NumPy array written; modes 1 and 2 and the FEI file
 *   also with hs.load. HyperSpy's MRC scale is 10·CELLA/M labelled nm (an Å→nm conversion the wrong way round),
 *   so its scale and offset are 10 × our Å values; HyperSpy 1.7 cannot read modes 0 (it reads uint16), 6 and 12.
 * - NPY: np.save of every supported dtype in both byte orders, 2D/3D/4D, format 2.0, against the arrays; Fortran
 *   order, complex, structured, 1D, 5D and empty arrays are refused with a clear message.
 * Malformed files (truncated, wrong header sizes, unsupported modes) must name the file and the problem.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AxisCalibration, FrameSource } from '../../native-workers/lib/microscopy/frame-source';
import { openBlo, sniffBlo } from '../../native-workers/lib/microscopy/readers/blo';
import { openMrc, sniffMrc } from '../../native-workers/lib/microscopy/readers/mrc';
import { openNpyStack, sniffNpy } from '../../native-workers/lib/microscopy/readers/npy-stack';
import { npyHeader, readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const BLO_DIR = '/usr/lib/python3/dist-packages/hyperspy/tests/io/blockfile_data';
const peerCheck = fs.existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import hyperspy.api, numpy'], { encoding: 'utf8' }) : null;
const peerAvailable = peerCheck !== null && peerCheck.status === 0 && fs.existsSync(BLO_DIR);
const PEER_MISSING = `HyperSpy peer missing: ${PYTHON} cannot import hyperspy.api and numpy, or ${BLO_DIR} is absent (apt install python3-hyperspy)${peerCheck?.stderr ? `: ${peerCheck.stderr.trim().split('\n').pop()}` : ''}`;

const PY_SCRIPT = String.raw`
import json, logging, struct, sys, warnings
logging.disable(logging.CRITICAL)
warnings.filterwarnings('ignore')
import numpy as np
import hyperspy.api as hs

out = sys.argv[1]
blo_dir = sys.argv[2]
cases = {}
rng = np.random.default_rng(7)

def save_truth(name, data):
    p = '%s/%s.truth.npy' % (out, name)
    np.save(p, np.ascontiguousarray(data, dtype='<f8'))
    return p

def hs_read(path):
    try:
        s = hs.load(path)
    except Exception as e:
        return {'error': '%s: %s' % (type(e).__name__, e)}
    axes = sorted(s.axes_manager._axes, key=lambda a: a.index_in_array)
    md = s.metadata
    return {
        'shape': list(s.data.shape),
        'dtype': str(s.data.dtype),
        'npy': save_truth(path.split('/')[-1] + '.hs', s.data) if s.data.dtype.kind in 'biuf' else None,
        'axes': [{'name': str(a.name), 'size': int(a.size), 'scale': float(a.scale), 'offset': float(a.offset),
                  'units': '' if a.units is None or str(a.units) == '<undefined>' else str(a.units)} for a in axes],
        'beam_energy': md.get_item('Acquisition_instrument.TEM.beam_energy'),
        'camera_length': md.get_item('Acquisition_instrument.TEM.camera_length'),
    }

# ---- BLO: HyperSpy's test files and one written by HyperSpy's writer.
for name in ('test1.blo', 'test2.blo'):
    cases['blo-' + name] = {'file': '%s/%s' % (blo_dir, name), 'hs': hs_read('%s/%s' % (blo_dir, name))}
data = rng.integers(0, 256, size=(4, 5, 16, 16)).astype('u1')
s = hs.signals.Signal2D(data)
for a in s.axes_manager.navigation_axes:
    a.scale = 2.5
    a.units = 'nm'
for a in s.axes_manager.signal_axes:
    a.scale = 0.016
    a.units = 'cm'
p = '%s/written.blo' % out
s.save(p, overwrite=True)
cases['blo-written'] = {'file': p, 'truth': save_truth('blo-written', data), 'hs': hs_read(p)}
line = hs.signals.Signal2D(rng.integers(0, 256, size=(1, 6, 8, 8)).astype('u1'))
p = '%s/line.blo' % out
line.save(p, overwrite=True)
cases['blo-line'] = {'file': p, 'truth': save_truth('blo-line', line.data.reshape(6, 8, 8)), 'hs': hs_read(p)}

# ---- MRC2014 with a hand-written header (https://www.ccpem.ac.uk/mrc_format/mrc2014.php).
MODE_DTYPE = {0: 'i1', 1: 'i2', 2: 'f4', 6: 'u2', 12: 'f2'}
def write_mrc(name, data, mode, cella, origin=(0.0, 0.0, 0.0), endian='<', ext=b'', exttyp=b'', m=None, stamp=True):
    nz, ny, nx = data.shape
    e = endian
    h = bytearray(1024)
    struct.pack_into(e + '4i', h, 0, nx, ny, nz, mode)
    mx, my, mz = m if m is not None else (nx, ny, nz)
    struct.pack_into(e + '3i', h, 28, mx, my, mz)
    struct.pack_into(e + '6f', h, 40, cella[0], cella[1], cella[2], 90.0, 90.0, 90.0)
    struct.pack_into(e + '3i', h, 64, 1, 2, 3)
    struct.pack_into(e + '3f', h, 76, float(data.min()), float(data.max()), float(data.mean()))
    struct.pack_into(e + '2i', h, 88, 0, len(ext))
    h[104:108] = exttyp.ljust(4, b'\0')
    struct.pack_into(e + 'i', h, 108, 20140)
    struct.pack_into(e + '3f', h, 196, *origin)
    h[208:212] = b'MAP '
    if stamp:
        h[212:216] = b'DD\0\0' if e == '<' else b'\x11\x11\0\0'
    struct.pack_into(e + 'i', h, 220, 1)
    h[224:224 + 19] = b'written by the test'
    path = '%s/%s.mrc' % (out, name)
    with open(path, 'wb') as f:
        f.write(bytes(h))
        f.write(ext)
        f.write(np.ascontiguousarray(data, dtype=e + MODE_DTYPE[mode]).tobytes())
    return path

def mrc_case(name, data, mode, cella, hs_too, **kw):
    p = write_mrc(name, data, mode, cella, **kw)
    cases[name] = {'file': p, 'truth': save_truth(name, data.astype(MODE_DTYPE[mode])), 'cella': list(cella),
                   'origin': list(kw.get('origin', (0.0, 0.0, 0.0))), 'shape': list(data.shape)}
    cases[name]['hs'] = hs_read(p) if hs_too else None

mrc_case('mrc-mode1', rng.integers(-30000, 30000, size=(3, 5, 7)).astype('i2'), 1, (7 * 1.25, 5 * 1.25, 3 * 2.0), True, origin=(1.5, -2.0, 0.0))
mrc_case('mrc-mode2', rng.normal(size=(4, 6, 6)).astype('f4'), 2, (6 * 0.8, 6 * 0.8, 4.0), True)
mrc_case('mrc-mode0', rng.integers(-128, 128, size=(2, 4, 5)).astype('i1'), 0, (5.0, 4.0, 2.0), True)
mrc_case('mrc-mode6', rng.integers(0, 65536, size=(2, 3, 4)).astype('u2'), 6, (4.0, 3.0, 2.0), True)
mrc_case('mrc-mode12', rng.normal(size=(2, 3, 4)).astype('f2'), 12, (4.0, 3.0, 2.0), True)
mrc_case('mrc-big-endian', rng.normal(size=(3, 4, 4)).astype('f4'), 2, (4.0, 4.0, 3.0), False, endian='>')
mrc_case('mrc-no-stamp', rng.integers(0, 1000, size=(2, 3, 3)).astype('i2'), 1, (0.0, 0.0, 0.0), False, stamp=False)
mrc_case('mrc-extended', rng.normal(size=(2, 5, 4)).astype('f4'), 2, (4.0, 5.0, 2.0), False, ext=b'\x01' * 3072, exttyp=b'SERI')
scan = rng.integers(0, 4000, size=(12, 8, 8)).astype('u2')
mrc_case('mrc-4dstem', scan, 6, (8 * 0.5, 8 * 0.5, 12.0), False)
fei = bytearray(128 * 1024)
for k in range(1024):
    struct.pack_into('<f', fei, 128 * k + 44, 2.5e-10)
mrc_case('mrc-fei', rng.normal(size=(3, 4, 4)).astype('f4'), 2, (0.0, 0.0, 0.0), True, ext=bytes(fei))
write_mrc('mrc-mode4', np.zeros((1, 2, 2), 'f4'), 2, (1.0, 1.0, 1.0))
with open('%s/mrc-mode4.mrc' % out, 'r+b') as f:
    f.seek(12)
    f.write(struct.pack('<i', 4))

# ---- NumPy .npy (np.save), every dtype and byte order, 2D/3D/4D; then the refused ones.
def npy_case(name, arr, version=None):
    p = '%s/%s.npy' % (out, name)
    if version is None:
        np.save(p, arr)
    else:
        with open(p, 'wb') as f:
            np.lib.format.write_array(f, arr, version=version)
    cases[name] = {'file': p, 'shape': list(arr.shape)}
    if arr.dtype.kind in 'biuf' and arr.dtype.names is None:
        cases[name]['truth'] = save_truth(name, arr.astype('<f8'))

npy_case('npy-u2-stack', np.arange(3 * 5 * 4).reshape(3, 5, 4).astype('<u2') * 997)
npy_case('npy-f4-be-scan', rng.normal(size=(2, 3, 6, 5)).astype('>f4'))
npy_case('npy-i8-single', (rng.integers(-2**40, 2**40, size=(7, 9))).astype('<i8'))
npy_case('npy-bool', rng.integers(0, 2, size=(2, 4, 4)).astype('|b1'))
npy_case('npy-f2', rng.normal(size=(2, 3, 3)).astype('<f2'))
npy_case('npy-i2-be', rng.integers(-32768, 32768, size=(4, 2, 3)).astype('>i2'))
npy_case('npy-u1-scan', rng.integers(0, 256, size=(2, 2, 8, 8)).astype('|u1'))
npy_case('npy-u4', rng.integers(0, 2**32, size=(2, 3, 3), dtype=np.uint64).astype('<u4'))
npy_case('npy-f8-be', rng.normal(size=(3, 4, 4)).astype('>f8'))
npy_case('npy-i1', rng.integers(-128, 128, size=(2, 3, 3)).astype('i1'))
npy_case('npy-u8', rng.integers(0, 2**50, size=(2, 2, 2), dtype=np.uint64))
npy_case('npy-v2', rng.normal(size=(2, 3, 4)).astype('<f4'), version=(2, 0))
npy_case('npy-fortran', np.asfortranarray(rng.normal(size=(3, 4, 5)).astype('<f4')))
npy_case('npy-complex', np.zeros((2, 3, 3), 'complex64'))
npy_case('npy-1d', np.zeros(10, 'f4'))
npy_case('npy-5d', np.zeros((1, 2, 2, 3, 3), 'f4'))
npy_case('npy-structured', np.zeros((2, 3, 3), dtype=[('a', '<i4'), ('b', '<f4')]))
npy_case('npy-empty', np.zeros((0, 4, 4), 'f4'))

json.dump(cases, open('%s/cases.json' % out, 'w'))
`;

interface HsAxis {
  name: string;
  size: number;
  scale: number;
  offset: number;
  units: string;
}

interface HsRead {
  error?: string;
  shape?: number[];
  dtype?: string;
  npy?: string | null;
  axes?: HsAxis[];
  beam_energy?: number | null;
  camera_length?: number | null;
}

interface Case {
  file: string;
  truth?: string;
  hs?: HsRead | null;
  cella?: number[];
  origin?: number[];
  shape?: number[];
}

/** All frames of a source, concatenated (small test files only). */
function allFrames(source: FrameSource): Float32Array {
  const pixels = source.info.frameShape[0] * source.info.frameShape[1];
  const out = new Float32Array(pixels * source.info.frameCount);
  for (let k = 0; k < source.info.frameCount; k++) out.set(source.readFrame(k), k * pixels);
  return out;
}

function expectSameValues(ours: Float32Array, truthNpy: string, label: string): void {
  const truth = readNpy(truthNpy).data as Float64Array;
  expect(ours.length, `${label}: value count`).toBe(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const want = Math.fround(truth[i] as number);
    if (!(ours[i] === want || (Number.isNaN(want) && Number.isNaN(ours[i] as number)))) {
      throw new Error(`${label}: value ${i}: ours ${ours[i]}, expected ${want}`);
    }
  }
}

function expectAxis(ours: AxisCalibration, want: { size: number; scale: number | null; offset: number; units: string | null }, label: string): void {
  expect(ours.size, `${label} size`).toBe(want.size);
  expect(ours.units, `${label} units`).toBe(want.units);
  if (want.scale === null) expect(ours.scale, `${label} scale`).toBeNull();
  else expect(ours.scale as number, `${label} scale`).toBeCloseTo(want.scale, 6);
  expect(ours.offset, `${label} offset`).toBeCloseTo(want.offset, 6);
}

describe('BLO, MRC and NPY readers', () => {
  it('stream a 5 GB (sparse) .npy scan: open at once, read frames past 4 GiB', () => {
    const file = path.join(tempDir('ssro-npy-big-'), 'big.npy');
    const shape = [150, 128, 256, 256];
    const header = npyHeader('<f4', shape);
    const frameBytes = 256 * 256 * 4;
    const frames = 150 * 128;
    const last = new Float32Array(256 * 256).map((_, i) => i * 0.5 - 7);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, header);
      fs.ftruncateSync(fd, header.length + frames * frameBytes);
      fs.writeSync(fd, new Uint8Array(last.buffer), 0, frameBytes, header.length + (frames - 1) * frameBytes);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(file).size).toBeGreaterThan(5e9);
    const source = openNpyStack(file);
    try {
      expect(source.info).toMatchObject({ frameShape: [256, 256], frameCount: frames, scanShape: [150, 128], dtype: 'float32' });
      expect(Array.from(source.readFrame(frames - 1))).toEqual(Array.from(last));
      expect(source.readFrame(frames - 2).every((v) => v === 0)).toBe(true);
    } finally {
      source.close();
    }
  });


  it('has its peer: HyperSpy, NumPy and the blockfile samples', () => {
    if (!peerAvailable) throw new Error(PEER_MISSING);
  });

  describe.skipIf(!peerAvailable)('against HyperSpy and NumPy', () => {
    const work = tempDir('ssro-blo-mrc-npy-');
    let cases: Record<string, Case> = {};
    const get = (name: string): Case => {
      const c = cases[name];
      if (c === undefined) throw new Error(`the Python side made no case ${name}`);
      return c;
    };

    beforeAll(() => {
      const script = path.join(work, 'make_cases.py');
      fs.writeFileSync(script, PY_SCRIPT);
      const run = spawnSync(PYTHON, [script, work, BLO_DIR], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
      if (run.status !== 0) throw new Error(`Python fixture script failed (status ${run.status}): ${run.stderr.slice(-3000)}`);
      cases = JSON.parse(fs.readFileSync(path.join(work, 'cases.json'), 'utf8')) as Record<string, Case>;
    }, 300_000);

    describe('BLO', () => {
      for (const name of ['blo-test1.blo', 'blo-test2.blo', 'blo-written', 'blo-line']) {
        it(`${name}: patterns and axes equal HyperSpy's`, () => {
          const c = get(name);
          const hs = c.hs as HsRead;
          expect(hs.error, 'HyperSpy reads it').toBeUndefined();
          expect(sniffBlo(fs.readFileSync(c.file).subarray(0, 4096), c.file)).toBe(true);
          const source = openBlo(c.file);
          try {
            const { info } = source;
            expect(info.format).toBe('blo');
            expect(info.dtype).toBe('uint8');
            expect([...info.scanShape, ...info.frameShape]).toEqual(hs.shape);
            const axes = [...info.scanAxes, ...info.detectorAxes];
            if (name === 'blo-line') {
              // HyperSpy squeezes the 1 × 6 scan to 3 axes but still labels them y, x, dy (nm, nm, cm): its axes
              // are shifted by one, so check ours against the header (SX 1 nm, SDP 100 → 1 cm) instead.
              expect(axes.map((a) => [a.name, a.size, a.scale, a.units])).toEqual([
                ['x', 6, 1, 'nm'],
                ['dy', 8, 1, 'cm'],
                ['dx', 8, 1, 'cm'],
              ]);
            } else {
              (hs.axes as HsAxis[]).forEach((a, k) => expectAxis(axes[k] as AxisCalibration, { size: a.size, scale: a.scale, offset: a.offset, units: a.units }, `${name} axis ${k} ${a.name}`));
            }
            const values = allFrames(source);
            expectSameValues(values, hs.npy as string, `${name} vs HyperSpy`);
            if (c.truth !== undefined) expectSameValues(values, c.truth, `${name} vs the array written`);
            if (name.startsWith('blo-test')) {
              expect(info.beamEnergyKeV).toBe(hs.beam_energy);
              // 0.1-mm units in the header: 200 mm here; HyperSpy 1.7 reports 0.2 (× 1e-4, i.e. metres).
              expect(info.cameraLengthMm).toBe(200);
              expect(hs.camera_length).toBeCloseTo(0.2, 12);
              expect(info.metadata['blockfile_header.Note']).toMatch(/Precession angle/);
            }
          } finally {
            source.close();
          }
        });
      }

      function copyWith(name: string, edit: (b: Buffer) => Buffer): string {
        const file = path.join(work, name);
        fs.writeFileSync(file, edit(Buffer.from(fs.readFileSync(path.join(BLO_DIR, 'test1.blo')))));
        return file;
      }

      it('truncated or inconsistent blockfiles are refused with the reason', () => {
        const cut = copyWith('cut.blo', (b) => b.subarray(0, b.length - 100));
        expect(() => openBlo(cut)).toThrow(/cut\.blo: truncated: the header promises 3×2 patterns of 144×144 \(128564 bytes\) but the file has 128464 bytes \(5 complete patterns\)/);
        const wrongSide = copyWith('side.blo', (b) => {
          b.writeUInt16LE(143, 20);
          return b;
        });
        expect(() => openBlo(wrongSide)).toThrow(/side\.blo: pattern 5: record does not start with the AA 55 marker .*wrong header sizes or corrupt file/);
        const wrongOffset = copyWith('offset.blo', (b) => {
          b.writeUInt32LE(b.readUInt32LE(12) + 2, 12);
          return b;
        });
        expect(() => openBlo(wrongOffset)).toThrow(/offset\.blo: truncated|offset\.blo: pattern 0: record does not start/);
        const wrongScan = copyWith('scan.blo', (b) => {
          b.writeUInt16LE(3, 24);
          return b;
        });
        expect(() => openBlo(wrongScan)).toThrow(/scan\.blo: truncated: the header promises 3×3 patterns/);
        const header = copyWith('header.blo', (b) => b.subarray(0, 100));
        expect(() => openBlo(header)).toThrow(/header\.blo: truncated: 100 bytes, a blockfile header alone has 240/);
        const scanShape = openBlo(path.join(BLO_DIR, 'test1.blo'), { scanShape: [6] });
        expect(scanShape.info.scanShape).toEqual([6]);
        scanShape.close();
        expect(() => openBlo(path.join(BLO_DIR, 'test1.blo'), { scanShape: [4, 2] })).toThrow(/scan shape 4×2 = 8 frames, but the file has 6 frames/);
      });
    });

    describe('MRC', () => {
      const hsReadable = ['mrc-mode1', 'mrc-mode2'];
      const others = ['mrc-mode0', 'mrc-mode6', 'mrc-mode12', 'mrc-big-endian', 'mrc-no-stamp', 'mrc-extended', 'mrc-4dstem'];

      for (const name of [...hsReadable, ...others]) {
        it(`${name}: values and CELLA/M calibration as written${hsReadable.includes(name) ? ", and HyperSpy's reading" : ''}`, () => {
          const c = get(name);
          const [nz, ny, nx] = c.shape as [number, number, number];
          const cella = c.cella as number[];
          const origin = c.origin as number[];
          expect(sniffMrc(fs.readFileSync(c.file).subarray(0, 4096), c.file)).toBe(true);
          const source = openMrc(c.file);
          try {
            const { info } = source;
            expect(info.format).toBe('mrc');
            expect(info.frameShape).toEqual([ny, nx]);
            expect(info.frameCount).toBe(nz);
            expect(info.scanShape).toEqual(nz > 1 ? [nz] : []);
            const values = allFrames(source);
            expectSameValues(values, c.truth as string, name);
            const scale = (k: number, n: number): number | null => ((cella[k] as number) > 0 ? (cella[k] as number) / n : null);
            const unit = (k: number, n: number): string | null => (scale(k, n) === null ? null : 'Å');
            expectAxis(info.detectorAxes[0], { size: ny, scale: scale(1, ny), offset: scale(1, ny) === null ? 0 : (origin[1] as number), units: unit(1, ny) }, `${name} y`);
            expectAxis(info.detectorAxes[1], { size: nx, scale: scale(0, nx), offset: scale(0, nx) === null ? 0 : (origin[0] as number), units: unit(0, nx) }, `${name} x`);
            if (name === 'mrc-mode0') expect(info.dtype).toBe('int8');
            if (name === 'mrc-mode6') expect(info.dtype).toBe('uint16');
            if (name === 'mrc-mode12') expect(info.dtype).toBe('float16');
            if (name === 'mrc-no-stamp') expect(info.notes.join(' ')).toMatch(/byte order guessed/);
            if (name === 'mrc-extended') expect(info.notes.join(' ')).toMatch(/Extended header of 3072 bytes \(type SERI\) skipped/);
            if (name === 'mrc-4dstem') expect(info.notes.join(' ')).toMatch(/do not record a scan shape: 12 sections/);
            const hs = c.hs;
            if (hsReadable.includes(name)) {
              expect(hs?.error, 'HyperSpy reads it').toBeUndefined();
              expect(hs?.shape).toEqual([nz, ny, nx]);
              expectSameValues(values, hs?.npy as string, `${name} vs HyperSpy`);
              // HyperSpy: scale = 10·CELLA/M and offset = 10·ORIGIN, labelled nm; we keep the header's Å.
              const axes = [...info.scanAxes, ...info.detectorAxes];
              (hs?.axes as HsAxis[]).forEach((a, k) => {
                const ours = axes[k] as AxisCalibration;
                expect(a.size).toBe(ours.size);
                expect(10 * (ours.scale as number)).toBeCloseTo(a.scale, 5);
                expect(10 * ours.offset).toBeCloseTo(a.offset, 5);
              });
            } else if (hs) {
              // HyperSpy 1.7 cannot read modes 0 (it assumes uint16), 6 and 12: either an error or other values.
              expect(hs.error !== undefined || hs.dtype !== info.dtype).toBe(true);
            }
          } finally {
            source.close();
          }
        });
      }

      it('mrc-fei: pixel size from the FEI extended header, as HyperSpy reads it', () => {
        const c = get('mrc-fei');
        const hs = c.hs as HsRead;
        expect(hs.error).toBeUndefined();
        const source = openMrc(c.file);
        expectSameValues(allFrames(source), c.truth as string, 'mrc-fei');
        expectSameValues(allFrames(source), hs.npy as string, 'mrc-fei vs HyperSpy');
        const hsAxes = hs.axes as HsAxis[];
        expect(source.info.detectorAxes.map((a) => [a.scale, a.units])).toEqual([
          [expect.closeTo(hsAxes[1]?.scale as number, 6), 'nm'],
          [expect.closeTo(hsAxes[2]?.scale as number, 6), 'nm'],
        ]);
        expect(source.info.detectorAxes[0].scale).toBeCloseTo(0.25, 6); // 2.5e-10 m
        source.close();
      });

      it('a 4D-STEM MRC takes the scan shape from the user', () => {
        const c = get('mrc-4dstem');
        const source = openMrc(c.file, { scanShape: [3, 4] });
        expect(source.info.scanShape).toEqual([3, 4]);
        expect(source.info.scanAxes.map((a) => a.scale)).toEqual([null, null]);
        source.close();
        expect(() => openMrc(c.file, { scanShape: [5, 3] })).toThrow(/mrc-4dstem\.mrc: scan shape 5×3 = 15 frames, but the file has 12 frames/);
      });

      it('malformed MRC files are refused with the reason', () => {
        const c = get('mrc-4dstem');
        const bytes = fs.readFileSync(c.file);
        const write = (name: string, b: Buffer): string => {
          const file = path.join(work, name);
          fs.writeFileSync(file, b);
          return file;
        };
        const cut = write('cut.mrc', bytes.subarray(0, bytes.length - 10));
        expect(() => openMrc(cut)).toThrow(/cut\.mrc: truncated: the header promises 12 sections of 8×8 uint16 after 1024 header bytes \(2560 bytes\) but the file has 2550 bytes \(11 complete sections\)/);
        const ext = Buffer.from(bytes);
        ext.writeInt32LE(4096, 92);
        expect(() => openMrc(write('ext.mrc', ext))).toThrow(/ext\.mrc: truncated: .* after 5120 header bytes/);
        const negative = Buffer.from(bytes);
        negative.writeInt32LE(-8, 92);
        expect(() => openMrc(write('negative.mrc', negative))).toThrow(/negative\.mrc: MRC header has a negative extended-header size/);
        expect(() => openMrc(get('mrc-mode2').file.replace('mrc-mode2', 'mrc-mode4'))).toThrow(/mrc-mode4\.mrc: MRC mode 4 \(complex float32 \(Fourier transform\)\) is not supported/);
        const unknown = Buffer.from(bytes);
        unknown.writeInt32LE(9, 12);
        expect(() => openMrc(write('mode9.mrc', unknown))).toThrow(/mode9\.mrc: unknown MRC mode 9/);
        expect(() => openMrc(write('short.mrc', bytes.subarray(0, 500)))).toThrow(/short\.mrc: truncated: 500 bytes, an MRC header alone has 1024/);
        const garbage = Buffer.alloc(2048, 0xff);
        expect(() => openMrc(write('garbage.mrc', garbage))).toThrow(/garbage\.mrc: not an MRC file/);
        expect(sniffMrc(garbage, 'garbage.mrc')).toBe(false);
      });
    });

    describe('NPY', () => {
      const good = ['npy-u2-stack', 'npy-f4-be-scan', 'npy-i8-single', 'npy-bool', 'npy-f2', 'npy-i2-be', 'npy-u1-scan', 'npy-u4', 'npy-f8-be', 'npy-i1', 'npy-u8', 'npy-v2'];
      for (const name of good) {
        it(`${name}: frames equal the array NumPy saved`, () => {
          const c = get(name);
          const shape = c.shape as number[];
          expect(sniffNpy(fs.readFileSync(c.file).subarray(0, 4096), c.file)).toBe(true);
          const source = openNpyStack(c.file);
          try {
            expect(source.info.format).toBe('npy');
            expect(source.info.frameShape).toEqual(shape.slice(-2));
            expect(source.info.scanShape).toEqual(shape.slice(0, -2));
            expect(source.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
            expectSameValues(allFrames(source), c.truth as string, name);
          } finally {
            source.close();
          }
        });
      }

      it('refuses what is not a C-order numeric image stack, naming the file', () => {
        const refuse = (name: string, pattern: RegExp): void => {
          const file = get(name).file;
          expect(() => openNpyStack(file)).toThrow(new RegExp(`${path.basename(file).replace('.', '\\.')}: `));
          expect(() => openNpyStack(file)).toThrow(pattern);
        };
        refuse('npy-fortran', /Fortran order: frames are not contiguous/);
        refuse('npy-complex', /element type '<c8' is not supported \(complex values are not diffraction intensities\)/);
        refuse('npy-1d', /shape \(10\) is not a pattern/);
        refuse('npy-5d', /shape \(1, 2, 2, 3, 3\) is not a pattern/);
        refuse('npy-structured', /structured \(record\) array/);
        refuse('npy-empty', /array is empty/);
        const bytes = fs.readFileSync(get('npy-u2-stack').file);
        const cut = path.join(work, 'cut.npy');
        fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
        expect(() => openNpyStack(cut)).toThrow(/cut\.npy: truncated: shape \(3, 5, 4\) of uint16 needs 248 bytes but the file has 247 bytes \(2 complete frames\)/);
        const header = path.join(work, 'header.npy');
        fs.writeFileSync(header, bytes.subarray(0, 40));
        expect(() => openNpyStack(header)).toThrow(/header\.npy: truncated: the \.npy header claims 118 bytes but the file has 40 bytes/);
        const notNpy = path.join(work, 'not.npy');
        fs.writeFileSync(notNpy, 'hello world');
        expect(() => openNpyStack(notNpy)).toThrow(/not\.npy: not a \.npy file/);
        const stack = openNpyStack(get('npy-u2-stack').file, { scanShape: [3] });
        expect(stack.info.scanShape).toEqual([3]);
        stack.close();
        expect(() => openNpyStack(get('npy-u1-scan').file, { scanShape: [3] })).toThrow(/scan shape 3 = 3 frames, but the file has 4 frames/);
      });
    });
  });
});
