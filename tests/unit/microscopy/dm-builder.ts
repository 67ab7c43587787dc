/**
 * Writes small DM3/DM4 files byte by byte for tests (the layout in native-workers/lib/microscopy/readers/dm-tags.ts):
 * header, tag groups, data tags of simple, string (uint16 array), struct and array types, and a complete image file
 * (thumbnail + image in ImageList, calibrations, microscope tags) that HyperSpy can read too.
 */

export type BuildTag =
  | { kind: 'group'; name?: string; tags: BuildTag[] }
  | { kind: 'simple'; name?: string; type: number; value: number | boolean }
  | { kind: 'text'; name?: string; value: string }
  | { kind: 'struct'; name?: string; types: number[]; values: number[] }
  | { kind: 'array'; name?: string; type: number; values: ArrayLike<number> }
  /** An array whose element bytes are given as they stand in the file (pixel blocks). */
  | { kind: 'bytes'; name?: string; type: number; length: number; bytes: Uint8Array };

const SIZES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };

export const group = (name: string | undefined, tags: BuildTag[]): BuildTag => ({ kind: 'group', name, tags });
export const num = (name: string | undefined, value: number, type = 7): BuildTag => ({ kind: 'simple', name, type, value });
export const text = (name: string, value: string): BuildTag => ({ kind: 'text', name, value });

class Writer {
  private chunks: Buffer[] = [];
  length = 0;

  constructor(
    private readonly version: 3 | 4,
    private readonly littleEndian: boolean,
  ) {}

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  u8(v: number): void {
    this.push(Buffer.from([v]));
  }

  u16be(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.push(b);
  }

  u32be(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.push(b);
  }

  size(v: number): void {
    if (this.version === 3) this.u32be(v);
    else {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(v));
      this.push(b);
    }
  }

  value(type: number, v: number | boolean): void {
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    const b = Buffer.alloc(SIZES[type] as number);
    const le = this.littleEndian;
    switch (type) {
      case 2:
        if (le) b.writeInt16LE(n);
        else b.writeInt16BE(n);
        break;
      case 3:
        if (le) b.writeInt32LE(n);
        else b.writeInt32BE(n);
        break;
      case 4:
        if (le) b.writeUInt16LE(n);
        else b.writeUInt16BE(n);
        break;
      case 5:
        if (le) b.writeUInt32LE(n);
        else b.writeUInt32BE(n);
        break;
      case 6:
        if (le) b.writeFloatLE(n);
        else b.writeFloatBE(n);
        break;
      case 7:
        if (le) b.writeDoubleLE(n);
        else b.writeDoubleBE(n);
        break;
      case 8:
      case 10:
        b.writeUInt8(n & 0xff);
        break;
      case 9:
        b.writeInt8(n);
        break;
      case 11:
        if (le) b.writeBigInt64LE(BigInt(n));
        else b.writeBigInt64BE(BigInt(n));
        break;
      default:
        if (le) b.writeBigUInt64LE(BigInt(n));
        else b.writeBigUInt64BE(BigInt(n));
    }
    this.push(b);
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function encodeGroupBody(version: 3 | 4, le: boolean, tags: BuildTag[]): Buffer {
  const w = new Writer(version, le);
  w.u8(0); // is_sorted
  w.u8(1); // is_open
  w.size(tags.length);
  for (const tag of tags) w.push(encodeEntry(version, le, tag));
  return w.concat();
}

function encodeData(version: 3 | 4, le: boolean, tag: Exclude<BuildTag, { kind: 'group' }>): Buffer {
  const w = new Writer(version, le);
  w.push(Buffer.from('%%%%', 'latin1'));
  switch (tag.kind) {
    case 'simple':
      w.size(1);
      w.size(tag.type);
      w.value(tag.type, tag.value);
      break;
    case 'text': {
      w.size(3);
      w.size(20);
      w.size(4);
      w.size(tag.value.length);
      for (let i = 0; i < tag.value.length; i++) w.value(4, tag.value.charCodeAt(i));
      break;
    }
    case 'struct':
      w.size(3 + 2 * tag.types.length);
      w.size(15);
      w.size(0);
      w.size(tag.types.length);
      for (const t of tag.types) {
        w.size(0);
        w.size(t);
      }
      tag.types.forEach((t, i) => w.value(t, tag.values[i] as number));
      break;
    case 'array':
      w.size(3);
      w.size(20);
      w.size(tag.type);
      w.size(tag.values.length);
      for (let i = 0; i < tag.values.length; i++) w.value(tag.type, tag.values[i] as number);
      break;
    case 'bytes':
      w.size(3);
      w.size(20);
      w.size(tag.type);
      w.size(tag.length);
      w.push(Buffer.from(tag.bytes));
      break;
  }
  return w.concat();
}

function encodeEntry(version: 3 | 4, le: boolean, tag: BuildTag): Buffer {
  const w = new Writer(version, le);
  const name = Buffer.from(tag.name ?? '', 'latin1');
  w.u8(tag.kind === 'group' ? 20 : 21);
  w.u16be(name.length);
  w.push(name);
  const body = tag.kind === 'group' ? encodeGroupBody(version, le, tag.tags) : encodeData(version, le, tag);
  if (version === 4) w.size(body.length);
  w.push(body);
  return w.concat();
}

/** A whole DM file: header, root group, and the zero trailer DM writes. */
export function buildDm(version: 3 | 4, root: BuildTag[], littleEndian = true): Buffer {
  const body = encodeGroupBody(version, littleEndian, root);
  const trailer = Buffer.alloc(version === 3 ? 8 : 16);
  const head = new Writer(version, littleEndian);
  head.u32be(version);
  const total = (version === 3 ? 12 : 16) + body.length + trailer.length;
  head.size(total - (version === 3 ? 20 : 24));
  head.u32be(littleEndian ? 1 : 0);
  return Buffer.concat([head.concat(), body, trailer]);
}

export interface DimSpec {
  size: number;
  scale?: number;
  origin?: number;
  units?: string;
}

export interface ImageSpec {
  version: 3 | 4;
  /** DM dimensions, x first. */
  dims: DimSpec[];
  /** ImageData.DataType code and the array element type used for the pixels. */
  dataType: number;
  elementType: number;
  /** Pixel values in C order of the reversed dims (NumPy order). */
  pixels: ArrayLike<number>;
  littleEndian?: boolean;
  microscope?: BuildTag[];
  withThumbnail?: boolean;
}

/** A DM file with (optionally) an RGB thumbnail at ImageList index 0 and the image after it. */
export function buildDmImage(spec: ImageSpec): Buffer {
  const le = spec.littleEndian ?? true;
  const elementBytes = SIZES[spec.elementType] as number;
  const pixelBytes = Buffer.alloc(spec.pixels.length * elementBytes);
  const w = new Writer(spec.version, le);
  for (let i = 0; i < spec.pixels.length; i++) w.value(spec.elementType, spec.pixels[i] as number);
  w.concat().copy(pixelBytes);
  const image: BuildTag[] = [
    group('ImageData', [
      group('Calibrations', [
        group('Brightness', [num('Origin', 0, 6), num('Scale', 1, 6), text('Units', 'counts')]),
        group(
          'Dimension',
          spec.dims.map((d) => group(undefined, [num('Origin', d.origin ?? 0, 6), num('Scale', d.scale ?? 1, 6), text('Units', d.units ?? '')])),
        ),
      ]),
      { kind: 'bytes', name: 'Data', type: spec.elementType, length: spec.pixels.length, bytes: pixelBytes },
      num('DataType', spec.dataType, 3),
      group(
        'Dimensions',
        spec.dims.map((d) => num(undefined, d.size, 5)),
      ),
      num('PixelDepth', elementBytes, 3),
    ]),
    group('ImageTags', [group('Microscope Info', spec.microscope ?? [])]),
    text('Name', 'synthetic'),
  ];
  const thumbnail: BuildTag[] = [
    group('ImageData', [
      group('Calibrations', [group('Dimension', [group(undefined, [num('Origin', 0, 6), num('Scale', 1, 6), text('Units', '')]), group(undefined, [num('Origin', 0, 6), num('Scale', 1, 6), text('Units', '')])])]),
      { kind: 'array', name: 'Data', type: 5, values: [0, 0, 0, 0] },
      num('DataType', 23, 3),
      group('Dimensions', [num(undefined, 2, 5), num(undefined, 2, 5)]),
      num('PixelDepth', 4, 3),
    ]),
    group('ImageTags', []),
  ];
  const withThumbnail = spec.withThumbnail ?? true;
  const list = withThumbnail ? [group(undefined, thumbnail), group(undefined, image)] : [group(undefined, image)];
  const root: BuildTag[] = [
    group('ImageList', list),
    num('Image Behavior', 0, 3),
    ...(withThumbnail ? [group('Thumbnails', [group(undefined, [num('ImageIndex', 0, 5)])])] : []),
  ];
  return buildDm(spec.version, root, le);
}
