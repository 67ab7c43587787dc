/** Decompression (TIFF 6.0 §9 PackBits, §13 LZW; Adobe Photoshop TIFF technical note 2 for Deflate). */
import * as zlib from 'node:zlib';
import type { Page } from './page';

/** TIFF LZW: MSB-first codes of 9–12 bits, Clear = 256, EOI = 257, code width grows one code early. */
export function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  if (input.length >= 2 && input[0] === 0 && (input[1]! & 1) === 1) {
    throw new Error('old-style (pre-TIFF 5.0) LZW is not supported');
  }
  const out = new Uint8Array(expected);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let nextCode = 258;
  let width = 9;
  let old = -1;
  let op = 0;
  let bitPos = 0;
  const totalBits = input.length * 8;
  const write = (code: number): void => {
    const len = length[code]!;
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (op + k < expected) out[op + k] = suffix[c]!;
      c = prefix[c]!;
    }
    op += len;
  };
  while (bitPos + width <= totalBits && op < expected) {
    let code = 0;
    for (let k = 0; k < width; k++) {
      const bit = (input[(bitPos + k) >> 3]! >> (7 - ((bitPos + k) & 7))) & 1;
      code = (code << 1) | bit;
    }
    bitPos += width;
    if (code === 257) break;
    if (code === 256) {
      nextCode = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`LZW stream starts with code ${code}`);
      write(code);
      old = code;
      continue;
    }
    if (code < nextCode) {
      write(code);
      if (nextCode < 4096) {
        prefix[nextCode] = old;
        suffix[nextCode] = first[code]!;
        first[nextCode] = first[old]!;
        length[nextCode] = length[old]! + 1;
        nextCode++;
      }
    } else if (code === nextCode && nextCode < 4096) {
      prefix[nextCode] = old;
      suffix[nextCode] = first[old]!;
      first[nextCode] = first[old]!;
      length[nextCode] = length[old]! + 1;
      nextCode++;
      write(code);
    } else {
      throw new Error(`corrupt LZW stream (code ${code} before it was defined)`);
    }
    old = code;
    if (nextCode >= (1 << width) - 1 && width < 12) width++;
  }
  return op >= expected ? out : out.subarray(0, op);
}

export function packBitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < input.length && op < expected) {
    const n = (input[ip++]! << 24) >> 24;
    if (n >= 0) {
      for (let k = 0; k <= n && ip < input.length; k++) {
        if (op < expected) out[op] = input[ip]!;
        op++;
        ip++;
      }
    } else if (n !== -128) {
      const v = input[ip++]!;
      for (let k = 0; k < 1 - n; k++) {
        if (op < expected) out[op] = v;
        op++;
      }
    }
  }
  return op >= expected ? out : out.subarray(0, Math.min(op, expected));
}

export function decompress(page: Page, data: Buffer, expected: number): Uint8Array {
  switch (page.compression) {
    case 1:
      return data;
    case 5:
      return lzwDecode(data, expected);
    case 8:
    case 32946:
      return zlib.inflateSync(data);
    case 32773:
      return packBitsDecode(data, expected);
    default:
      throw new Error(`compression ${page.compression} not supported`);
  }
}
