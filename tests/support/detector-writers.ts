/**
 * Writers for synthetic detector scans (tests/support/detector-scan.ts) in three formats the app reads: NumPy 4D
 * arrays, Berkeley EMD 1.0 (HDF5, through h5wasm) and Quantum Detectors Merlin MIB. The repository's other tests
 * write EMD with python3-h5py and MIB inline (tests/integration/map-cli.test.ts); these writers need neither Python
 * nor a particular frame size and keep uint16 data as uint16. Each returns the file and the calibration to give the
 * app (Å⁻¹ per pixel): MIB and NPY carry none, the EMD file carries it in its dim vectors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadH5wasm } from '../../native-workers/lib/microscopy/readers/hdf5';
import { npyHeader, writeNpy } from '../../native-workers/lib/npy';
import type { DetectorScan } from './detector-scan';

export interface WrittenScan {
  file: string;
  /** What the app must be told (Å⁻¹ per pixel) unless it reads the file's own calibration (EMD). */
  invAPerPixel: number;
  /** Whether the file itself records that calibration. */
  calibrated: boolean;
  /** Options for openMicroscopy (MIB: the scan shape also sits in the .hdr). */
  scanShape: [number, number];
}

function shape4(scan: DetectorScan): [number, number, number, number] {
  return [scan.scanShape[0], scan.scanShape[1], scan.detectorShape[0], scan.detectorShape[1]];
}

/**
 * A C-order .npy of shape (scan rows, scan cols, det rows, det cols): float32 as '<f4' (the app's writeNpy), uint16
 * as '<u2' (the app's reader takes it; its writer does not, so the header is made here the same way).
 */
export function writeScanNpy(file: string, scan: DetectorScan): WrittenScan {
  const shape = shape4(scan);
  if (scan.frames instanceof Float32Array) {
    writeNpy(file, scan.frames, shape);
  } else {
    // npyHeader pads to 64 bytes for any descr of the same length: '<f4' → '<u2' keeps the layout.
    const header = Buffer.from(npyHeader('<f4', shape).toString('latin1').replace("'<f4'", "'<u2'"), 'latin1');
    const data = scan.frames;
    fs.writeFileSync(file, Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  }
  return { file, invAPerPixel: scan.invAPerPixel[1], calibrated: false, scanShape: scan.scanShape };
}

/**
 * Berkeley EMD 1.0 as emdfile (py4DSTEM ≥ 0.13) writes it: file attributes emd_group_type 'file', version 1.0; a
 * root group; an 'array' group holding 'data' (scan rows, scan cols, det rows, det cols) and dim0 … dim3 as
 * [offset, offset + step] with name and units. The detector axes are in 'A^-1' with the nominal calibration and
 * the detector middle at 0; the scan axes in nm.
 */
export async function writeScanEmd(file: string, scan: DetectorScan, scanStepNm = 0.1): Promise<WrittenScan> {
  const { h5 } = await loadH5wasm();
  const shape = shape4(scan);
  const f = new h5.File(path.resolve(file), 'w');
  try {
    f.create_attribute('emd_group_type', 'file');
    f.create_attribute('version_major', 1);
    f.create_attribute('version_minor', 0);
    f.create_attribute('authoring_program', 'SSRO Studio tests (detector-writers.ts)');
    const root = f.create_group('synthetic');
    root.create_attribute('emd_group_type', 'root');
    const array = root.create_group('datacube');
    array.create_attribute('emd_group_type', 'array');
    array.create_attribute('python_class', 'DataCube');
    array.create_dataset({ name: 'data', data: scan.frames, shape, dtype: scan.dtype === 'uint16' ? '<H' : '<f' });
    const dims: [string, number, number, string][] = [
      ['R_y', 0, scanStepNm, 'nm'],
      ['R_x', 0, scanStepNm, 'nm'],
      ['Q_y', -((scan.detectorShape[0] - 1) / 2) * scan.invAPerPixel[0], scan.invAPerPixel[0], 'A^-1'],
      ['Q_x', -((scan.detectorShape[1] - 1) / 2) * scan.invAPerPixel[1], scan.invAPerPixel[1], 'A^-1'],
    ];
    dims.forEach(([name, offset, step, units], k) => {
      const dim = array.create_dataset({ name: `dim${k}`, data: Float64Array.of(offset, offset + step) });
      dim.create_attribute('name', name);
      dim.create_attribute('units', units);
    });
  } finally {
    f.close();
  }
  return { file, invAPerPixel: scan.invAPerPixel[1], calibrated: true, scanShape: scan.scanShape };
}

const MIB_HEADER_BYTES = 384;

/**
 * A Merlin MIB stream, one "MQ1" header per frame (single chip, 1x1 layout): U16 frames (12-bit counter depth) for
 * uint16 scans, U32 (24-bit) for float32 scans holding whole non-negative counts (refused otherwise: a counting
 * detector stores integers). Rows are stored bottom-up, as the reader (like rosettasciio) flips them back. A .hdr
 * beside it gives the scan line length.
 */
export function writeScanMib(file: string, scan: DetectorScan): WrittenScan {
  const [rows, cols] = scan.detectorShape;
  const frameCount = scan.scanShape[0] * scan.scanShape[1];
  const pixels = rows * cols;
  const wide = scan.dtype !== 'uint16';
  const bytesPer = wide ? 4 : 2;
  const fd = fs.openSync(file, 'w');
  try {
    const body = Buffer.alloc(pixels * bytesPer);
    for (let i = 0; i < frameCount; i++) {
      const text =
        `MQ1,${String(i + 1).padStart(6, '0')},${String(MIB_HEADER_BYTES).padStart(5, '0')},01,${String(cols).padStart(4, '0')},${String(rows).padStart(4, '0')},${wide ? 'U32' : 'U16'},   1x1,01,` +
        '2026-01-01 00:00:00.000000,0.001000,0,0,0,1.200000E+2,5.110000E+2,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,' +
        '0.000000E+0,0.000000E+0,3RX,175,511,000,000,000,000,000,000,125,255,125,125,100,100,082,100,087,030,128,004,255,129,' +
        `128,176,168,511,511,MQ1A,2026-01-01T00:00:00.000000000Z,1000000ns,${wide ? 24 : 12},`;
      const header = Buffer.alloc(MIB_HEADER_BYTES, 0);
      header.write(text, 0, 'latin1');
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const value = scan.frames[i * pixels + (rows - 1 - r) * cols + c] as number;
          const at = (r * cols + c) * bytesPer;
          if (wide) {
            if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new Error(`frame ${i} pixel (${rows - 1 - r}, ${c}) holds ${value}: MIB stores whole counts`);
            body.writeUInt32BE(value, at);
          } else {
            body.writeUInt16BE(value, at);
          }
        }
      }
      fs.writeSync(fd, header);
      fs.writeSync(fd, body);
    }
  } finally {
    fs.closeSync(fd);
  }
  const hdr = ['HDR,', `Frames in Acquisition (Number):\t${frameCount}`, `Frames per Trigger (Number):\t${scan.scanShape[1]}`, 'End\t'].join('\r\n');
  fs.writeFileSync(file.replace(/\.mib$/i, '.hdr'), `${hdr}\r\n`, 'latin1');
  return { file, invAPerPixel: scan.invAPerPixel[1], calibrated: false, scanShape: scan.scanShape };
}
