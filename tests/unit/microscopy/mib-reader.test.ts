/**
 * The Merlin MIB reader on files synthesised here from known frames, one per storage mode: processed U08 (1- and
 * 6-bit counters), U16 (12-bit), U32 (24-bit), and raw R64 1/6/12/24-bit single chip plus 1/6/12-bit quad,
 * encoded as LiberTEM's mib encoders (encode_r1/r6/r12) lay the chip readout out. Frames must come back exactly
 * (vertically flipped, as rosettasciio returns them); scan shapes come from the .hdr, the options or a noted
 * square guess; truncated files and corrupt headers fail with errors naming the file and the problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MicroscopyFileError } from '../../../native-workers/lib/microscopy/frame-source';
import { openMib, sniffMib } from '../../../native-workers/lib/microscopy/readers/mib';
import { tempDir } from '../../support/temp';

type PixelType = 'U08' | 'U16' | 'U32' | 'R64';

function header(opts: { seq: number; size: number; chips: number; width: number; height: number; type: PixelType; layout: string; depth: number; pad?: string }): Buffer {
  const text =
    `MQ1,${String(opts.seq).padStart(6, '0')},${String(opts.size).padStart(5, '0')},${String(opts.chips).padStart(2, '0')},` +
    `${String(opts.width).padStart(4, '0')},${String(opts.height).padStart(4, '0')},${opts.type},${opts.layout.padStart(6)},01,` +
    '2020-05-18 16:51:49.971626,0.000555,0,0,0,1.200000E+2,5.110000E+2,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,' +
    '0.000000E+0,0.000000E+0,3RX,175,511,000,000,000,000,000,000,125,255,125,125,100,100,082,100,087,030,128,004,255,129,' +
    `128,176,168,511,511,MQ1A,2020-05-18T14:51:49.971626178Z,555000ns,${opts.depth},`;
  const buf = Buffer.alloc(opts.size, opts.pad ?? '\0');
  buf.write(text, 0, 'latin1');
  return buf;
}

/** LiberTEM encode_r1: 64 pixels per 8-byte word, bytes in reverse order, bits least significant first. */
function encodeR1(values: number[]): Buffer {
  const out = Buffer.alloc(values.length / 8);
  for (let stripe = 0; stripe < values.length / 64; stripe++) {
    for (let b = 0; b < 8; b++) {
      let byte = 0;
      for (let bit = 0; bit < 8; bit++) byte |= (values[64 * stripe + 8 * b + bit]! & 1) << bit;
      out[(stripe + 1) * 8 - (b + 1)] = byte;
    }
  }
  return out;
}

/** LiberTEM encode_r6: bytes reversed in groups of 8. */
function encodeR6(values: number[]): Buffer {
  const out = Buffer.alloc(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[Math.floor(i / 8) * 8 + 7 - (i % 8)]!;
  return out;
}

/** LiberTEM encode_r12: big-endian 16-bit words reversed in groups of 4. */
function encodeR12(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16BE(values[Math.floor(i / 4) * 4 + 3 - (i % 4)]!, 2 * i);
  return out;
}

function encodeRaw(depth: number, values: number[]): Buffer {
  if (depth === 1) return encodeR1(values);
  if (depth === 6) return encodeR6(values);
  if (depth === 12) return encodeR12(values);
  // 24-bit: the high 12 bits as one 12-bit frame, then the low 12 bits.
  return Buffer.concat([encodeR12(values.map((v) => v >>> 12)), encodeR12(values.map((v) => v & 0xfff))]);
}

/** Quad raw frame: raw row y = [bottom-right row | bottom-left row | top-right row | top-left row], bottom ones rotated. */
function encodeQuad(depth: number, frame: number[], side: number): Buffer {
  const half = side / 2;
  const rows: Buffer[] = [];
  for (let y = 0; y < half; y++) {
    const row = (r: number, c0: number, reverse: boolean): number[] => {
      const values = frame.slice(r * side + c0, r * side + c0 + half);
      return reverse ? values.reverse() : values;
    };
    rows.push(encodeRaw(depth, row(side - 1 - y, half, true)));
    rows.push(encodeRaw(depth, row(side - 1 - y, 0, true)));
    rows.push(encodeRaw(depth, row(y, half, false)));
    rows.push(encodeRaw(depth, row(y, 0, false)));
  }
  return Buffer.concat(rows);
}

function flipRows(frame: number[], rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = rows - 1; r >= 0; r--) out.push(...frame.slice(r * cols, (r + 1) * cols));
  return out;
}

let seed = 12345;
function random(max: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % (max + 1);
}

interface Case {
  name: string;
  type: PixelType;
  depth: number;
  rows: number;
  cols: number;
  quad?: boolean;
}

const CASES: Case[] = [
  { name: 'U08 1-bit', type: 'U08', depth: 1, rows: 16, cols: 24 },
  { name: 'U08 6-bit', type: 'U08', depth: 6, rows: 16, cols: 24 },
  { name: 'U16 12-bit', type: 'U16', depth: 12, rows: 20, cols: 12 },
  { name: 'U32 24-bit', type: 'U32', depth: 24, rows: 10, cols: 14 },
  { name: 'R64 1-bit', type: 'R64', depth: 1, rows: 8, cols: 128 },
  { name: 'R64 6-bit', type: 'R64', depth: 6, rows: 8, cols: 64 },
  { name: 'R64 12-bit', type: 'R64', depth: 12, rows: 8, cols: 64 },
  { name: 'R64 24-bit', type: 'R64', depth: 24, rows: 8, cols: 64 },
  { name: 'R64 quad 1-bit', type: 'R64', depth: 1, rows: 128, cols: 128, quad: true },
  { name: 'R64 quad 6-bit', type: 'R64', depth: 6, rows: 128, cols: 128, quad: true },
  { name: 'R64 quad 12-bit', type: 'R64', depth: 12, rows: 128, cols: 128, quad: true },
];

/** Writes `frames` known frames of a case; returns the file and the frames as stored (before the reader's flip). */
function writeCase(dir: string, c: Case, frames: number, fileName = 'scan.mib'): { file: string; data: number[][] } {
  const file = path.join(dir, fileName);
  const max = 2 ** c.depth - 1;
  const data: number[][] = [];
  const parts: Buffer[] = [];
  const headerSize = c.quad ? 768 : 384;
  for (let f = 0; f < frames; f++) {
    const frame = Array.from({ length: c.rows * c.cols }, (_, i) => (i === 0 ? max : random(max)));
    data.push(frame);
    let body: Buffer;
    let width = c.cols;
    let height = c.rows;
    if (c.type === 'U08') body = Buffer.from(frame);
    else if (c.type === 'U16') {
      body = Buffer.alloc(frame.length * 2);
      frame.forEach((v, i) => body.writeUInt16BE(v, 2 * i));
    } else if (c.type === 'U32') {
      body = Buffer.alloc(frame.length * 4);
      frame.forEach((v, i) => body.writeUInt32BE(v, 4 * i));
    } else if (c.quad) {
      body = encodeQuad(c.depth, frame, c.rows);
      width = 2 * c.cols;
      height = c.rows / 2;
    } else {
      body = encodeRaw(c.depth, frame);
      if (c.depth === 24) width = 2 * c.cols;
    }
    parts.push(header({ seq: f + 1, size: headerSize, chips: c.quad ? 4 : 1, width, height, type: c.type, layout: c.quad ? '2x2' : '1x1', depth: c.depth, pad: (f + c.depth) % 2 ? ' ' : '\0' }), body);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return { file, data };
}

function expectError(fn: () => unknown, file: string, problem: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(MicroscopyFileError);
  expect((caught as Error).message).toContain(file);
  expect((caught as Error).message).toMatch(problem);
}

describe('Merlin MIB reader', () => {
  for (const c of CASES) {
    it(`decodes ${c.name} frames exactly`, () => {
      const dir = tempDir('ssro-mib-');
      const { file, data } = writeCase(dir, c, 3);
      const src = openMib(file);
      expect(src.info.format).toBe('mib');
      expect(src.info.frameShape).toEqual([c.rows, c.cols]);
      expect(src.info.frameCount).toBe(3);
      expect(src.info.dtype).toBe(`uint${c.depth}`);
      expect(src.info.metadata['MIB.pixelType']).toBe(c.type);
      expect(src.info.detectorAxes.map((a) => a.scale)).toEqual([null, null]);
      for (const f of [2, 0, 1]) {
        const frame = Array.from(src.readFrame(f));
        expect(frame, `${c.name} frame ${f}`).toEqual(flipRows(data[f]!, c.rows, c.cols));
      }
      src.close();
    });
  }

  it('takes the scan shape from the .hdr, the options, or a noted square guess', () => {
    const dir = tempDir('ssro-mib-');
    const c = CASES[1]!;
    const { file } = writeCase(dir, c, 12);
    fs.writeFileSync(
      path.join(dir, 'scan.hdr'),
      'HDR,\t\r\nTime and Date Stamp (day, mnth, yr, hr, min, s):\t18/05/2020 16:51:48\r\nCounter Depth (number):\t6\r\n' +
        'Frames in Acquisition (Number):\t12\r\nFrames per Trigger (Number):\t4\r\nEnd\t                    ',
    );
    const fromHdr = openMib(file);
    expect(fromHdr.info.scanShape).toEqual([3, 4]);
    expect(fromHdr.info.notes.join(' ')).toMatch(/from the \.hdr/);
    expect(fromHdr.info.metadata['MIB.hdr.Frames per Trigger (Number)']).toBe('4');
    fromHdr.close();
    const given = openMib(file, { scanShape: [2, 6] });
    expect(given.info.scanShape).toEqual([2, 6]);
    given.close();
    expectError(() => openMib(file, { scanShape: [5, 5] }), file, /5×5 = 25 frames, but the file has 12/);

    const square = writeCase(dir, c, 9, 'square.mib');
    const guessed = openMib(square.file);
    expect(guessed.info.scanShape).toEqual([3, 3]);
    expect(guessed.info.notes.join(' ')).toMatch(/GUESSED/);
    guessed.close();
    const odd = writeCase(dir, c, 6, 'odd.mib');
    const stack = openMib(odd.file);
    expect(stack.info.scanShape).toEqual([6]);
    expect(stack.info.notes.join(' ')).toMatch(/Scan shape unknown/);
    stack.close();
    const single = writeCase(dir, c, 1, 'single.mib');
    const one = openMib(single.file);
    expect(one.info.scanShape).toEqual([]);
    one.close();
  });

  it('sniffs the "MQ1," frame header', () => {
    const dir = tempDir('ssro-mib-');
    const { file } = writeCase(dir, CASES[2]!, 1);
    expect(sniffMib(fs.readFileSync(file).subarray(0, 4096), file)).toBe(true);
    expect(sniffMib(Buffer.from('II*\0'), 'x.tif')).toBe(false);
  });

  it('refuses truncated files and corrupt headers, naming the file and the problem', () => {
    const dir = tempDir('ssro-mib-');
    const { file } = writeCase(dir, CASES[2]!, 4);
    const whole = fs.readFileSync(file);
    const stride = 384 + 20 * 12 * 2;

    const truncated = path.join(dir, 'truncated.mib');
    fs.writeFileSync(truncated, whole.subarray(0, whole.length - 100));
    expectError(() => openMib(truncated), truncated, /not a whole number of frames of 864 bytes .*3 complete frame\(s\) and 764 bytes more — the last frame is truncated/);

    const badLength = path.join(dir, 'bad-length.mib');
    const b1 = Buffer.from(whole);
    b1.write('00999', 11, 'latin1');
    fs.writeFileSync(badLength, b1);
    expectError(() => openMib(badLength), badLength, /not a whole number of frames/);

    const badField = path.join(dir, 'bad-field.mib');
    const b2 = Buffer.from(whole);
    b2.write('0x384', 11, 'latin1');
    fs.writeFileSync(badField, b2);
    expectError(() => openMib(badField), badField, /header length field "0x384"/);

    const badType = path.join(dir, 'bad-type.mib');
    const b3 = Buffer.from(whole);
    b3.write('U12', 30, 'latin1');
    fs.writeFileSync(badType, b3);
    expectError(() => openMib(badType), badType, /unknown MIB pixel type "U12"/);

    const badFrame = path.join(dir, 'bad-frame.mib');
    const b4 = Buffer.from(whole);
    b4.write('XXXX', 2 * stride, 'latin1');
    fs.writeFileSync(badFrame, b4);
    const src = openMib(badFrame);
    expect(src.readFrame(1)).toHaveLength(240);
    expectError(() => src.readFrame(2), badFrame, /frame 2: no "MQ1," header at byte 1728/);
    src.close();

    const notMib = path.join(dir, 'not.mib');
    fs.writeFileSync(notMib, Buffer.alloc(1000));
    expectError(() => openMib(notMib), notMib, /not a Merlin MIB file/);
  });
});
