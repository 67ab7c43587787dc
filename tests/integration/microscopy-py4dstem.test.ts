/**
 * py4DSTEM's HDF5 files (EMD 1.0 written by emdfile) with py4DSTEM's Calibration. py4DSTEM is not installable here
 * (not a Debian package), so the files are written with h5py exactly as emdfile's writers lay them out: the root
 * attributes (emd_group_type 'file', version 1.0), a tree root group (emd_group_type 'root') whose metadatabundle
 * holds the Calibration (emd_group_type 'metadata', python_class 'Calibration'; each entry a dataset with its
 * attribute type: 'number', 'string' as bytes, 'None' as b'_None'), and the datacube (emd_group_type 'array',
 * python_class 'DataCube') with data (Rx, Ry, Qx, Qy) and dim0 … dim3 as [start, step] vectors with name and units.
 * py4DSTEM recomputes the dims from the Calibration on loading, so the reader must take the pixel sizes from it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FrameSource } from '../../native-workers/lib/microscopy/frame-source';
import { openMicroscopy } from '../../native-workers/lib/microscopy/open';
import { calibrationFromMetadata } from '../../native-workers/lib/microscopy/preprocess/calibration';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const peersAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import h5py, numpy'], { stdio: 'ignore' }).status === 0;

/** argv[1] = folder. Writes py4DSTEM-style files; data[rx, ry, qx, qy] = 1000·rx + 100·ry + 10·qx + qy. */
const WRITE_SCRIPT = String.raw`
import sys
import numpy as np, h5py
out = sys.argv[1]
R_NX, R_NY, Q_NX, Q_NY = 3, 4, 8, 9
rx, ry, qx, qy = np.meshgrid(np.arange(R_NX), np.arange(R_NY), np.arange(Q_NX), np.arange(Q_NY), indexing='ij')
DATA = (1000 * rx + 100 * ry + 10 * qx + qy).astype(np.float32)

def md_item(grp, k, v):
    # emdfile Metadata._save_item
    if v is None:
        d = grp.create_dataset(k, data='_None'.encode('utf-8')); d.attrs['type'] = 'None'.encode('utf-8')
    elif isinstance(v, str):
        d = grp.create_dataset(k, data=v.encode('utf-8')); d.attrs['type'] = 'string'.encode('utf-8')
    else:
        d = grp.create_dataset(k, data=v, dtype=type(v)); d.attrs['type'] = 'number'.encode('utf-8')

def write(name, calibration, dims):
    with h5py.File(f'{out}/{name}.h5', 'w') as f:
        f.attrs.create('emd_group_type', 'file')
        f.attrs.create('version_major', 1)
        f.attrs.create('version_minor', 0)
        f.attrs.create('version_release', 0)
        f.attrs.create('authoring_program', 'emdfile')
        root = f.create_group('root')
        root.attrs.create('emd_group_type', 'root')
        root.attrs.create('python_class', 'Root')
        bundle = root.create_group('metadatabundle')
        bundle.attrs.create('emd_group_type', 'metadatabundle')
        cal = bundle.create_group('calibration')
        cal.attrs.create('emd_group_type', 'metadata')
        cal.attrs.create('python_class', 'Calibration')
        for k, v in calibration.items():
            md_item(cal, k, v)
        dc = root.create_group('datacube')
        dc.attrs.create('emd_group_type', 'array')
        dc.attrs.create('python_class', 'DataCube')
        d = dc.create_dataset('data', data=DATA)
        d.attrs.create('units', 'pixel intensity')
        for n, (dname, step, units) in enumerate(dims):
            v = dc.create_dataset(f'dim{n}', data=np.array([0.0, step]))
            v.attrs.create('name', dname)
            v.attrs.create('units', units)

PIXELS = [('Rx', 1.0, 'pixels'), ('Ry', 1.0, 'pixels'), ('Qx', 1.0, 'pixels'), ('Qy', 1.0, 'pixels')]
# Calibrated after the datacube was made: the dims were never updated (py4DSTEM recomputes them on loading).
write('stale-dims', dict(Q_pixel_size=0.0125, R_pixel_size=5.0, Q_pixel_units='A^-1', R_pixel_units='A', qx0_mean=3.5, qy0_mean=4.0), PIXELS)
# Dims and calibration agree (as py4DSTEM's calibrate() writes them); no origin (None).
write('mrad', dict(Q_pixel_size=0.5, R_pixel_size=2.0, Q_pixel_units='mrad', R_pixel_units='nm', qx0_mean=None, qy0_mean=None),
      [('Rx', 2.0, 'nm'), ('Ry', 2.0, 'nm'), ('Qx', 0.5, 'mrad'), ('Qy', 0.5, 'mrad')])
# py4DSTEM's default calibration: everything in pixels.
write('uncalibrated', dict(Q_pixel_size=1, R_pixel_size=1, Q_pixel_units='pixels', R_pixel_units='pixels'), PIXELS)
`;

const work = tempDir('ssro-py4dstem-');

async function withSource<T>(name: string, use: (source: FrameSource) => T): Promise<T> {
  const source = await openMicroscopy(path.join(work, `${name}.h5`));
  try {
    return use(source);
  } finally {
    source.close();
  }
}

describe.skipIf(!peersAvailable)(peersAvailable ? "py4DSTEM EMD 1.0 files with py4DSTEM's Calibration" : `py4DSTEM calibration — skipped: needs ${PYTHON} with h5py and numpy`, () => {
  beforeAll(() => {
    const run = spawnSync(PYTHON, ['-c', WRITE_SCRIPT, work], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(run.stderr);
  });

  it('takes Q_pixel_size / R_pixel_size and their units from the Calibration, not from stale dim vectors', async () => {
    await withSource('stale-dims', (source) => {
      const { info } = source;
      expect(info.format).toBe('emd-1.0');
      expect(info.scanShape).toEqual([3, 4]);
      expect(info.frameShape).toEqual([8, 9]);
      expect(info.detectorAxes).toEqual([
        { name: 'Qx', size: 8, scale: 0.0125, offset: -3.5 * 0.0125, units: '1/Å' },
        { name: 'Qy', size: 9, scale: 0.0125, offset: -4.0 * 0.0125, units: '1/Å' },
      ]);
      expect(info.scanAxes).toEqual([
        { name: 'Rx', size: 3, scale: 5, offset: 0, units: 'Å' },
        { name: 'Ry', size: 4, scale: 5, offset: 0, units: 'Å' },
      ]);
      expect(info.metadata['calibration.Q_pixel_units']).toBe('A^-1');
      expect(info.notes.join('\n')).toMatch(/Diffraction axes from py4DSTEM's calibration \(\/root\/metadatabundle\/calibration\): 0\.0125 1\/Å per pixel, origin at \(3\.5, 4\) px/);
      expect(calibrationFromMetadata(info).invAPerPixel).toBeCloseTo(0.0125, 12);
      // Frame index = rx·Ry + ry, frames of Qx rows × Qy columns: datacube.data[rx, ry].
      const frame = source.readFrame(2 * 4 + 3);
      expect(frame[0]).toBe(2300);
      expect(frame[5 * 9 + 7]).toBe(2300 + 57);
    });
  });

  it('reads an angle calibration (mrad) that the metadata calibration turns into Å⁻¹ with the beam energy', async () => {
    await withSource('mrad', (source) => {
      const { info } = source;
      expect(info.detectorAxes.map((a) => [a.scale, a.offset, a.units])).toEqual([
        [0.5, 0, 'mrad'],
        [0.5, 0, 'mrad'],
      ]);
      expect(info.scanAxes.map((a) => [a.scale, a.units])).toEqual([
        [2, 'nm'],
        [2, 'nm'],
      ]);
      expect(info.notes.join('\n')).not.toMatch(/dim vector says/);
      expect(() => calibrationFromMetadata(info)).toThrow(/needs the beam energy/);
      expect(calibrationFromMetadata({ ...info, beamEnergyKeV: 300 }).invAPerPixel).toBeGreaterThan(0);
    });
  });

  it("leaves a datacube whose Calibration is in pixels uncalibrated, and says so", async () => {
    await withSource('uncalibrated', (source) => {
      const { info } = source;
      expect(info.detectorAxes.every((a) => a.scale === null && a.units === null)).toBe(true);
      expect(info.scanAxes.every((a) => a.scale === null)).toBe(true);
      expect(info.notes.join('\n')).toMatch(/gives the diffraction pixel size in pixels: the frame is uncalibrated/);
    });
  });
});
