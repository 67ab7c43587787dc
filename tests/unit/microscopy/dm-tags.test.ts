/**
 * The DM3/DM4 tag-tree parser on small hand-built files: every encoding it reads, HyperSpy's names for unnamed
 * entries, bulk arrays left in the file, big-endian tag data, and clean MicroscopyFileErrors (never a RangeError or
 * a hang) for every truncation and for corrupt headers, delimiters, kinds and counts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MicroscopyFileError } from '../../../native-workers/lib/microscopy/frame-source';
import {
  bufferByteSource,
  findGroup,
  findValue,
  flattenDmTags,
  isArrayRef,
  looksLikeDm,
  parseDmTags,
  type DmArrayRef,
} from '../../../native-workers/lib/microscopy/readers/dm-tags';
import { openDm, readDmTagTree, sniffDm } from '../../../native-workers/lib/microscopy/readers/dm';
import { tempDir } from '../../support/temp';
import { buildDm, buildDmImage, group, num, text, type BuildTag } from './dm-builder';

const FILE = '/data/sample.dm4';

function sampleTags(): BuildTag[] {
  return [
    group('Info', [
      num('Voltage', 300000, 7),
      num('Count', -12, 3),
      num('Small', -3, 2),
      num('Unsigned', 65000, 4),
      num('Big', 4000000000, 5),
      num('Half', 0.5, 6),
      { kind: 'simple', name: 'Flag', type: 8, value: true },
      num('Signed byte', -5, 9),
      num('Int64', -(2 ** 40), 11),
      num('UInt64', 2 ** 50, 12),
      text('Units', 'µm'),
      text('Empty', ''),
      { kind: 'struct', name: 'Binning', types: [3, 3], values: [2, 4] },
      { kind: 'array', name: 'Levels', type: 6, values: [1.5, 2.5, 3.5] },
      num(undefined, 1, 3),
      num(undefined, 2, 3),
      group(undefined, [num('A', 1, 3)]),
      group(undefined, [num('A', 2, 3)]),
    ]),
    group('ImageData', [{ kind: 'bytes', name: 'Data', type: 2, length: 3, bytes: new Uint8Array([1, 0, 2, 0, 3, 0]) }]),
  ];
}

describe('DM tag parser', () => {
  for (const version of [3, 4] as const) {
    it(`reads every value encoding of a DM${version} file`, () => {
      const buf = buildDm(version, sampleTags());
      expect(looksLikeDm(buf)).toBe(true);
      const parsed = parseDmTags(FILE, bufferByteSource(buf));
      expect(parsed.version).toBe(version);
      expect(parsed.littleEndian).toBe(true);
      const info = findGroup(parsed.root, ['Info']);
      expect(info).toBeDefined();
      const v = (name: string): unknown => findValue(parsed.root, ['Info', name]);
      expect(v('Voltage')).toBe(300000);
      expect(v('Count')).toBe(-12);
      expect(v('Small')).toBe(-3);
      expect(v('Unsigned')).toBe(65000);
      expect(v('Big')).toBe(4000000000);
      expect(v('Half')).toBe(0.5);
      expect(v('Flag')).toBe(true);
      expect(v('Signed byte')).toBe(-5);
      expect(v('Int64')).toBe(-(2 ** 40));
      expect(v('UInt64')).toBe(2 ** 50);
      expect(v('Units')).toBe('µm');
      expect(v('Empty')).toBe('');
      expect(v('Binning')).toEqual([2, 4]);
      expect(v('Levels')).toEqual([1.5, 2.5, 3.5]);
      // Unnamed entries: HyperSpy's Data0, Data1 … and TagGroup0, TagGroup1 …, counted separately.
      expect(v('Data0')).toBe(1);
      expect(v('Data1')).toBe(2);
      expect(findValue(parsed.root, ['Info', 'TagGroup0', 'A'])).toBe(1);
      expect(findValue(parsed.root, ['Info', 'TagGroup1', 'A'])).toBe(2);

      // ImageData.Data stays in the file: a reference whose offset points at the element bytes.
      const data = findValue(parsed.root, ['ImageData', 'Data']);
      expect(isArrayRef(data)).toBe(true);
      const ref = data as DmArrayRef;
      expect(ref).toMatchObject({ length: 3, elementType: 2, elementBytes: 2, byteLength: 6 });
      expect(Array.from(buf.subarray(ref.offset, ref.offset + 6))).toEqual([1, 0, 2, 0, 3, 0]);

      const flat = flattenDmTags(parsed.root);
      expect(flat['Info.Binning']).toBe('(2, 4)');
      expect(flat['Info.TagGroup1.A']).toBe(2);
      expect(flat['ImageData.Data']).toMatch(/^<array of 3 int16 at byte \d+>$/);
    });
  }

  it('keeps large arrays in the file and decodes big-endian tag data', () => {
    const values = Array.from({ length: 5000 }, (_, i) => i);
    const buf = buildDm(3, [{ kind: 'array', name: 'Long', type: 6, values }, num('Voltage', 120000, 7)], false);
    const parsed = parseDmTags(FILE, bufferByteSource(buf));
    expect(parsed.littleEndian).toBe(false);
    expect(findValue(parsed.root, ['Voltage'])).toBe(120000);
    const ref = findValue(parsed.root, ['Long']) as DmArrayRef;
    expect(isArrayRef(ref)).toBe(true);
    expect(ref.byteLength).toBe(20000);
    expect(buf.readFloatBE(ref.offset + 4 * 4999)).toBe(4999);
  });

  it('throws a MicroscopyFileError naming the file for every truncation', () => {
    for (const version of [3, 4] as const) {
      const buf = buildDm(version, sampleTags());
      const trailer = version === 3 ? 8 : 16;
      for (let cut = 0; cut < buf.length - trailer; cut++) {
        let error: unknown = null;
        try {
          parseDmTags(FILE, bufferByteSource(buf.subarray(0, cut)));
        } catch (err) {
          error = err;
        }
        if (!(error instanceof MicroscopyFileError)) throw new Error(`DM${version} cut at ${cut} of ${buf.length}: ${String(error)}`);
        expect(error.message.startsWith(`${FILE}: `)).toBe(true);
        expect(error.message).toMatch(/truncated|not a DM3\/DM4|corrupt/);
      }
    }
  });

  it('names the corrupt part of a file', () => {
    const good = buildDm(3, sampleTags());
    const expectProblem = (buf: Buffer, pattern: RegExp): void => {
      expect(() => parseDmTags(FILE, bufferByteSource(buf))).toThrow(pattern);
    };
    const badVersion = Buffer.from(good);
    badVersion.writeUInt32BE(5, 0);
    expectProblem(badVersion, /not a DM3\/DM4 file \(version field 5/);
    const badOrder = Buffer.from(good);
    badOrder.writeUInt32BE(7, 8);
    expectProblem(badOrder, /byte-order field is 7/);
    const badCount = Buffer.from(good);
    badCount.writeUInt32BE(0x7fffffff, 14);
    expectProblem(badCount, /root tag group claims 2147483647 tags/);
    const badKind = Buffer.from(good);
    badKind[18] = 22;
    expectProblem(badKind, /has kind 22 \(expected 20 = group or 21 = data\)/);
    const delimiter = good.indexOf('%%%%', 0, 'latin1');
    const badDelimiter = Buffer.from(good);
    badDelimiter.write('%%#%', delimiter, 'latin1');
    expectProblem(badDelimiter, /tag "Info\.Voltage" at byte \d+ lacks the "%%%%" delimiter/);
    const badType = Buffer.from(good);
    badType.writeUInt32BE(99, delimiter + 8);
    expectProblem(badType, /tag "Info\.Voltage" has unknown encoded type 99/);
    // DM4: the byte size of each tag is checked against what its content takes.
    const dm4 = buildDm(4, sampleTags());
    const sizeAt = dm4.indexOf('Voltage', 0, 'latin1') + 'Voltage'.length;
    dm4.writeBigUInt64BE(dm4.readBigUInt64BE(sizeAt) + 1n, sizeAt);
    expectProblem(dm4, /tag "Info\.Voltage" declares \d+ bytes but its content takes \d+/);
  });

  it('refuses what is not DM when sniffing', () => {
    expect(looksLikeDm(Buffer.from('\x93NUMPY\x01\x00 padding padding padding', 'latin1'))).toBe(false);
    expect(sniffDm(Buffer.alloc(64), 'x.dm3')).toBe(false);
    expect(sniffDm(buildDm(4, sampleTags()).subarray(0, 4096), 'renamed.bin')).toBe(true);
  });
});

describe('DM image files built by hand', () => {
  const dir = tempDir('ssro-dm-unit-');

  it('reads a big-endian DM3 stack with its calibration, skipping the thumbnail', () => {
    const pixels = Array.from({ length: 3 * 4 * 5 }, (_, i) => i * 7 - 100);
    const buf = buildDmImage({
      version: 3,
      littleEndian: false,
      dims: [
        { size: 5, scale: 0.25, origin: 2, units: '1/nm' },
        { size: 4, scale: 0.25, origin: -1, units: '1/nm' },
        { size: 3, scale: 2, origin: 0, units: 'nm' },
      ],
      dataType: 1,
      elementType: 2,
      pixels,
      microscope: [num('Voltage', 200000), num('STEM Camera Length', 80)],
    });
    const file = path.join(dir, 'be-stack.dm3');
    fs.writeFileSync(file, buf);
    const source = openDm(file);
    try {
      const info = source.info;
      expect(info).toMatchObject({ format: 'dm3', dtype: 'int16', frameShape: [4, 5], frameCount: 3, scanShape: [3], beamEnergyKeV: 200, cameraLengthMm: 80 });
      // DM: value(i) = (i − origin)·scale → offset = −origin·scale.
      expect(info.detectorAxes).toEqual([
        { name: 'y', size: 4, scale: 0.25, offset: 0.25, units: '1/nm' },
        { name: 'x', size: 5, scale: 0.25, offset: -0.5, units: '1/nm' },
      ]);
      expect(info.scanAxes).toEqual([{ name: 'z', size: 3, scale: 2, offset: 0, units: 'nm' }]);
      expect(info.notes.join(' ')).toMatch(/Big-endian/);
      for (let k = 0; k < 3; k++) expect(Array.from(source.readFrame(k))).toEqual(pixels.slice(20 * k, 20 * (k + 1)));
      expect(() => source.readFrame(3)).toThrow(/frame 3 does not exist \(the file has 3 frames\)/);
      expect(() => source.readFrame(0, new Float32Array(3))).toThrow(/output array has 3 values/);
    } finally {
      source.close();
    }
    expect(() => source.readFrame(0)).toThrow(/closed/);
    const tree = readDmTagTree(file);
    expect(tree['ImageList.TagGroup1.ImageTags.Microscope Info.Voltage']).toBe(200000);
    expect(tree['Thumbnails.TagGroup0.ImageIndex']).toBe(0);
  });

  it('reads a DM4 4D scan frame by frame and honours a user scan shape', () => {
    const dims = [6, 5, 4, 3];
    const pixels = Array.from({ length: 6 * 5 * 4 * 3 }, (_, i) => (i * 37) % 251);
    const file = path.join(dir, 'scan.dm4');
    fs.writeFileSync(file, buildDmImage({ version: 4, dims: dims.map((size) => ({ size })), dataType: 6, elementType: 10, pixels }));
    const source = openDm(file);
    expect(source.info).toMatchObject({ format: 'dm4', dtype: 'uint8', frameShape: [5, 6], frameCount: 12, scanShape: [3, 4] });
    expect(source.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
    expect(Array.from(source.readFrame(7))).toEqual(pixels.slice(30 * 7, 30 * 8));
    source.close();
    const reshaped = openDm(file, { scanShape: [2, 6] });
    expect(reshaped.info.scanShape).toEqual([2, 6]);
    reshaped.close();
    expect(() => openDm(file, { scanShape: [5, 5] })).toThrow(/scan shape 5×5 = 25 frames, but the file has 12 frames/);
  });

  it('refuses complex and RGB images and files without a 2D image', () => {
    const complexFile = path.join(dir, 'complex.dm4');
    fs.writeFileSync(complexFile, buildDmImage({ version: 4, dims: [{ size: 2 }, { size: 2 }], dataType: 3, elementType: 6, pixels: [0, 0, 0, 0, 0, 0, 0, 0] }));
    expect(() => openDm(complexFile)).toThrow(/complex\.dm4: DM ImageData\.DataType 3 is complex64: complex \(FFT\) images are not diffraction intensities/);
    const spectrumFile = path.join(dir, 'spectrum.dm3');
    fs.writeFileSync(spectrumFile, buildDmImage({ version: 3, dims: [{ size: 8 }], dataType: 2, elementType: 6, pixels: [1, 2, 3, 4, 5, 6, 7, 8] }));
    expect(() => openDm(spectrumFile)).toThrow(/spectrum\.dm3: DM file holds no 2D image: only 1D data/);
  });

  it('checks the pixel block against the dimensions', () => {
    const file = path.join(dir, 'short.dm3');
    // 2×3 float32 dims but only 5 values in ImageData.Data.
    fs.writeFileSync(file, buildDmImage({ version: 3, dims: [{ size: 3 }, { size: 2 }], dataType: 2, elementType: 6, pixels: [1, 2, 3, 4, 5] }));
    expect(() => openDm(file)).toThrow(/short\.dm3: DM ImageData\.Data holds 20 bytes, but Dimensions 3×2 of float32 need 24/);
  });
});
