/**
 * The tag tree of Gatan DigitalMicrograph DM3/DM4 files, parsed without reading bulk arrays.
 *
 * Layout (Gatan's DM3/DM4 descriptions, as implemented by HyperSpy's io_plugins/digital_micrograph.py and ncempy's
 * io/dm.py; sizes "L" are 4 bytes in DM3 and 8 bytes in DM4, all header integers big-endian):
 *   file header: version u32 (3 or 4), file size L, byte order u32 (1 = tag *data* little-endian, 0 = big-endian)
 *   tag group:   is_sorted u8, is_open u8, tag count L
 *   tag entry:   kind u8 (20 group, 21 data), name length u16, name bytes, [DM4 only: tag byte size u64], then
 *     group: a tag group (above)
 *     data:  '%%%%', info count L, info[count] L each, then the value in the file's byte order. info[0] is the
 *            encoded type: 2 i16, 3 i32, 4 u16, 5 u32, 6 f32, 7 f64, 8 bool, 9 i8 (char), 10 i8 (octet), 11 i64,
 *            12 u64 (simple, count 1); 18 string [18, length]; 15 struct [15, name length, field count,
 *            (name length, type)×fields]; 20 array [20, element type, …definition…, length] where the element is
 *            simple, a struct (definition as above), a string [length] or an array [type, length].
 * Unnamed entries get HyperSpy's names (TagGroup0, TagGroup1 … and Data0, Data1 … counted separately per group), so
 * paths read like HyperSpy's original_metadata (ImageList.TagGroup1.ImageData.Data).
 */
import { MicroscopyFileError } from '../frame-source';

/** A bulk array left in the file: where it is, so that it can be read later by seeking. */
export interface DmArrayRef {
  kind: 'array-ref';
  /** Byte position of the first element. */
  offset: number;
  /** Number of elements (structs count once). */
  length: number;
  /** Encoded element type (2…12; 15 for struct arrays, 18/20 for string/array elements). */
  elementType: number;
  /** Bytes of one element. */
  elementBytes: number;
  byteLength: number;
}

export type DmScalar = number | boolean | string;
/** A simple value, a struct (tuple), a small decoded array (ushort arrays become strings, as in HyperSpy), or a ref. */
export type DmValue = DmScalar | DmScalar[] | DmScalar[][] | DmArrayRef;

export interface DmDataTag {
  kind: 'data';
  name: string;
  value: DmValue;
}

export interface DmGroupTag {
  kind: 'group';
  name: string;
  tags: DmTag[];
}

export type DmTag = DmDataTag | DmGroupTag;

export interface DmTagFile {
  version: 3 | 4;
  /** Byte order of tag values and of the image data. */
  littleEndian: boolean;
  /** The file-size field of the header (DM writes size − 20 (DM3) or − 24 (DM4); informational). */
  declaredSize: number;
  root: DmGroupTag;
}

/** Random access to the file's bytes (a file descriptor with a read cache, or a Buffer in tests). */
export interface ByteSource {
  readonly length: number;
  /** Exactly `n` bytes at `position`; the caller has checked `position + n <= length`. */
  read(position: number, n: number): Uint8Array;
}

export function bufferByteSource(buf: Uint8Array): ByteSource {
  return { length: buf.length, read: (position, n) => buf.subarray(position, position + n) };
}

/** A ByteSource over a file descriptor that reads 64 KiB windows (tag trees are read front to back). */
export function fileByteSource(fd: number, size: number, readAt: (fd: number, position: number, length: number) => Uint8Array): ByteSource {
  const WINDOW = 1 << 16;
  let windowStart = 0;
  let window: Uint8Array = new Uint8Array(0);
  return {
    length: size,
    read(position: number, n: number): Uint8Array {
      if (position >= windowStart && position + n <= windowStart + window.length) {
        return window.subarray(position - windowStart, position - windowStart + n);
      }
      if (n > WINDOW) return readAt(fd, position, n);
      windowStart = position;
      window = readAt(fd, position, Math.min(WINDOW, size - position));
      return window.subarray(0, n);
    },
  };
}

export interface ParseDmOptions {
  /** Arrays larger than this many bytes stay in the file as DmArrayRef (ImageData.Data always does). */
  maxInlineArrayBytes?: number;
  /** Deepest nesting accepted (corrupt files otherwise recurse without end). */
  maxDepth?: number;
}

const SIMPLE_BYTES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };
const TYPE_NAMES: Record<number, string> = {
  2: 'int16',
  3: 'int32',
  4: 'uint16',
  5: 'uint32',
  6: 'float32',
  7: 'float64',
  8: 'bool',
  9: 'int8',
  10: 'int8',
  11: 'int64',
  12: 'uint64',
  15: 'struct',
  18: 'string',
  20: 'array',
};

export function dmTypeName(encodedType: number): string {
  return TYPE_NAMES[encodedType] ?? `type ${encodedType}`;
}

class DmParser {
  private position = 0;
  private sizeBytes: 4 | 8 = 4;
  private littleEndian = true;
  private readonly maxInline: number;
  private readonly maxDepth: number;

  constructor(
    private readonly file: string,
    private readonly source: ByteSource,
    options: ParseDmOptions,
  ) {
    this.maxInline = options.maxInlineArrayBytes ?? 16384;
    this.maxDepth = options.maxDepth ?? 64;
  }

  private fail(problem: string): never {
    throw new MicroscopyFileError(this.file, problem);
  }

  private need(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.position + n > this.source.length) {
      this.fail(
        `truncated or corrupt DM file: ${what} needs ${n} bytes at byte ${this.position}, but the file has ${this.source.length} bytes`,
      );
    }
  }

  private bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.source.read(this.position, n);
    this.position += n;
    return out;
  }

  private view(n: number, what: string): DataView {
    const b = this.bytes(n, what);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  private u8(what: string): number {
    return this.view(1, what).getUint8(0);
  }

  private u16be(what: string): number {
    return this.view(2, what).getUint16(0, false);
  }

  private u32be(what: string): number {
    return this.view(4, what).getUint32(0, false);
  }

  /** A 4-byte (DM3) or 8-byte (DM4) big-endian size/count field. */
  private size(what: string): number {
    if (this.sizeBytes === 4) return this.u32be(what);
    const v = this.view(8, what).getBigUint64(0, false);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`corrupt DM file: ${what} = ${v} at byte ${this.position - 8} is not a valid size`);
    return Number(v);
  }

  parse(): DmTagFile {
    this.need(4, 'the DM version field');
    const version = this.u32be('the DM version field');
    if (version !== 3 && version !== 4) this.fail(`not a DM3/DM4 file (version field ${version}; DM2 and other versions are not supported)`);
    this.sizeBytes = version === 3 ? 4 : 8;
    const declaredSize = this.size('the file-size field');
    const order = this.u32be('the byte-order field');
    if (order !== 0 && order !== 1) this.fail(`corrupt DM header: byte-order field is ${order} (expected 0 or 1)`);
    this.littleEndian = order === 1;
    const root: DmGroupTag = { kind: 'group', name: '', tags: [] };
    this.parseGroupBody(root, [], 0);
    return { version, littleEndian: this.littleEndian, declaredSize, root };
  }

  private parseGroupBody(group: DmGroupTag, path: string[], depth: number): void {
    if (depth > this.maxDepth) this.fail(`corrupt DM file: tag groups nested deeper than ${this.maxDepth} at ${path.join('.')}`);
    const where = path.length > 0 ? `tag group "${path.join('.')}"` : 'the root tag group';
    this.u8(`${where} header`); // is_sorted
    this.u8(`${where} header`); // is_open
    const count = this.size(`${where} tag count`);
    // Every entry takes at least 3 bytes (kind + name length): a larger count cannot be right.
    if (count * 3 > this.source.length - this.position) {
      this.fail(`truncated or corrupt DM file: ${where} claims ${count} tags at byte ${this.position}, more than the rest of the file can hold`);
    }
    let unnamedGroups = 0;
    let unnamedData = 0;
    for (let i = 0; i < count; i++) {
      const entryStart = this.position;
      const kind = this.u8(`entry ${i} of ${where}`);
      const nameLength = this.u16be(`entry ${i} of ${where}`);
      let name = decodeName(this.bytes(nameLength, `the name of entry ${i} of ${where}`));
      let declared: { from: number; bytes: number } | null = null;
      if (this.sizeBytes === 8) {
        const bytes = this.size(`the byte size of entry ${i} of ${where}`);
        declared = { from: this.position, bytes };
      }
      if (kind === 20) {
        if (name === '') name = `TagGroup${unnamedGroups++}`;
        const child: DmGroupTag = { kind: 'group', name, tags: [] };
        this.parseGroupBody(child, [...path, name], depth + 1);
        group.tags.push(child);
      } else if (kind === 21) {
        if (name === '') name = `Data${unnamedData++}`;
        const childPath = [...path, name];
        const value = this.parseData(childPath);
        group.tags.push({ kind: 'data', name, value });
      } else {
        this.fail(`corrupt DM file: entry ${i} of ${where} at byte ${entryStart} has kind ${kind} (expected 20 = group or 21 = data)`);
      }
      if (declared !== null && this.position !== declared.from + declared.bytes) {
        this.fail(
          `corrupt DM4 file: tag "${[...path, name].join('.')}" declares ${declared.bytes} bytes but its content takes ${this.position - declared.from}`,
        );
      }
    }
  }

  private parseData(path: string[]): DmValue {
    const label = `tag "${path.join('.')}"`;
    const delimiter = this.bytes(4, `the %%%% delimiter of ${label}`);
    if (delimiter[0] !== 0x25 || delimiter[1] !== 0x25 || delimiter[2] !== 0x25 || delimiter[3] !== 0x25) {
      this.fail(`corrupt DM file: ${label} at byte ${this.position - 4} lacks the "%%%%" delimiter`);
    }
    const infoCount = this.size(`the type description of ${label}`);
    if (infoCount < 1 || infoCount * this.sizeBytes > this.source.length - this.position) {
      this.fail(`corrupt DM file: ${label} has a type description of ${infoCount} entries`);
    }
    const info: number[] = [];
    for (let i = 0; i < infoCount; i++) info.push(this.size(`the type description of ${label}`));
    const head = info[0] as number;
    const bulk = path.length >= 2 && path[path.length - 1] === 'Data' && path[path.length - 2] === 'ImageData';

    if (head in SIMPLE_BYTES) {
      if (infoCount !== 1) this.fail(`corrupt DM file: ${label} has simple type ${head} but ${infoCount} type entries`);
      return this.simple(head, label);
    }
    if (head === 18) {
      // [18, length]: `length` one-byte characters (rare; strings are normally uint16 arrays).
      const length = info[1];
      if (infoCount !== 2 || length === undefined) this.fail(`corrupt DM file: ${label} is a string with ${infoCount} type entries`);
      return decodeName(this.bytes(length, `the string value of ${label}`));
    }
    if (head === 15) {
      const fields = this.structFields(info, 1, label);
      if (fields.next !== infoCount) this.fail(`corrupt DM file: ${label} struct description has ${infoCount} entries, expected ${fields.next}`);
      return fields.types.map((t) => this.simple(t, label));
    }
    if (head === 20) {
      const elementType = info[1];
      if (elementType === undefined) this.fail(`corrupt DM file: ${label} is an array without element type`);
      let elementBytes: number;
      let structTypes: number[] | null = null;
      let lengthIndex: number;
      if (elementType in SIMPLE_BYTES) {
        elementBytes = SIMPLE_BYTES[elementType] as number;
        lengthIndex = 2;
      } else if (elementType === 15) {
        const fields = this.structFields(info, 2, label);
        structTypes = fields.types;
        elementBytes = fields.types.reduce((sum, t) => sum + (SIMPLE_BYTES[t] as number), 0);
        lengthIndex = fields.next;
      } else if (elementType === 18) {
        elementBytes = info[2] ?? this.fail(`corrupt DM file: ${label} array of strings without string length`);
        lengthIndex = 3;
      } else if (elementType === 20) {
        const innerType = info[2] ?? -1;
        const innerLength = info[3] ?? this.fail(`corrupt DM file: ${label} array of arrays without inner length`);
        const innerBytes = SIMPLE_BYTES[innerType];
        if (innerBytes === undefined) this.fail(`unsupported DM tag encoding: ${label} is an array of arrays of type ${innerType}`);
        elementBytes = innerBytes * innerLength;
        lengthIndex = 4;
      } else {
        this.fail(`corrupt DM file: ${label} is an array of unknown element type ${elementType}`);
      }
      const length = info[lengthIndex];
      if (length === undefined || infoCount !== lengthIndex + 1) {
        this.fail(`corrupt DM file: ${label} array description has ${infoCount} entries, expected ${lengthIndex + 1}`);
      }
      const byteLength = length * elementBytes;
      this.need(byteLength, `the ${length}-element array ${label}`);
      const offset = this.position;
      const ref: DmArrayRef = { kind: 'array-ref', offset, length, elementType, elementBytes, byteLength };
      if (bulk || byteLength > this.maxInline || elementType === 18 || elementType === 20) {
        this.position += byteLength;
        return ref;
      }
      if (structTypes !== null) {
        const types = structTypes;
        const rows: DmScalar[][] = [];
        for (let i = 0; i < length; i++) rows.push(types.map((t) => this.simple(t, label)));
        return rows;
      }
      const values: DmScalar[] = [];
      for (let i = 0; i < length; i++) values.push(this.simple(elementType, label));
      // uint16 arrays are UTF-16 text in DM (units, names, dates); HyperSpy turns non-empty ones into str.
      if (elementType === 4) return String.fromCharCode(...(values as number[]));
      return values;
    }
    this.fail(`corrupt DM file: ${label} has unknown encoded type ${head}`);
  }

  /** Parses [name length, field count, (name length, type)…] starting at info[at]; returns field types. */
  private structFields(info: number[], at: number, label: string): { types: number[]; next: number } {
    const fieldCount = info[at + 1];
    if (fieldCount === undefined || info.length < at + 2 + 2 * fieldCount) {
      this.fail(`corrupt DM file: ${label} struct description is incomplete`);
    }
    const types: number[] = [];
    for (let f = 0; f < fieldCount; f++) {
      const t = info[at + 3 + 2 * f] as number;
      if (!(t in SIMPLE_BYTES)) this.fail(`unsupported DM tag encoding: ${label} struct field ${f} has type ${t}`);
      types.push(t);
    }
    return { types, next: at + 2 + 2 * fieldCount };
  }

  private simple(type: number, label: string): DmScalar {
    const size = SIMPLE_BYTES[type];
    if (size === undefined) this.fail(`corrupt DM file: ${label} has unknown simple type ${type}`);
    const v = this.view(size, `the value of ${label}`);
    const le = this.littleEndian;
    switch (type) {
      case 2:
        return v.getInt16(0, le);
      case 3:
        return v.getInt32(0, le);
      case 4:
        return v.getUint16(0, le);
      case 5:
        return v.getUint32(0, le);
      case 6:
        return v.getFloat32(0, le);
      case 7:
        return v.getFloat64(0, le);
      case 8:
        return v.getUint8(0) !== 0;
      case 9:
      case 10:
        return v.getInt8(0);
      case 11:
        return Number(v.getBigInt64(0, le));
      default:
        return Number(v.getBigUint64(0, le));
    }
  }
}

/** Tag names are UTF-8, or Latin-1 in older files (HyperSpy's fallback). */
function decodeName(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  return text.includes('\uFFFD') ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1') : text;
}

/** Parses the header and the whole tag tree; bulk arrays stay in the file (DmArrayRef). Errors name `file`. */
export function parseDmTags(file: string, source: ByteSource, options: ParseDmOptions = {}): DmTagFile {
  return new DmParser(file, source, options).parse();
}

/** True when the first bytes look like a DM3/DM4 header followed by a root group whose first entry is a tag. */
export function looksLikeDm(head: Uint8Array): boolean {
  if (head.length < 26) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const version = view.getUint32(0, false);
  if (version !== 3 && version !== 4) return false;
  const orderAt = version === 3 ? 8 : 12;
  const order = view.getUint32(orderAt, false);
  if (order !== 0 && order !== 1) return false;
  const rootAt = orderAt + 4;
  const firstEntryAt = rootAt + 2 + (version === 3 ? 4 : 8);
  if (head.length <= firstEntryAt) return false;
  const kind = head[firstEntryAt];
  return kind === 20 || kind === 21;
}

/** The tag at `path` (names as in the tree, e.g. ['ImageData', 'Calibrations']), or undefined. */
export function findTag(group: DmGroupTag, path: readonly string[]): DmTag | undefined {
  let current: DmTag = group;
  for (const name of path) {
    if (current.kind !== 'group') return undefined;
    const next: DmTag | undefined = current.tags.find((t) => t.name === name);
    if (next === undefined) return undefined;
    current = next;
  }
  return current;
}

export function findGroup(group: DmGroupTag, path: readonly string[]): DmGroupTag | undefined {
  const tag = findTag(group, path);
  return tag?.kind === 'group' ? tag : undefined;
}

export function findValue(group: DmGroupTag, path: readonly string[]): DmValue | undefined {
  const tag = findTag(group, path);
  return tag?.kind === 'data' ? tag.value : undefined;
}

export function isArrayRef(value: DmValue | undefined): value is DmArrayRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'array-ref';
}

/** A display form of a value: numbers, booleans and strings as they are, tuples as "(a, b)", refs described. */
export function displayValue(value: DmValue): string | number | boolean {
  if (isArrayRef(value)) return `<array of ${value.length} ${dmTypeName(value.elementType)} at byte ${value.offset}>`;
  if (Array.isArray(value)) {
    const items = value as (DmScalar | DmScalar[])[];
    return `(${items.map((v) => (Array.isArray(v) ? `(${v.join(', ')})` : String(v))).join(', ')})`;
  }
  return value;
}

/** Flattens a group to 'A.B.C' → display value, in file order (at most `limit` entries). */
export function flattenDmTags(group: DmGroupTag, limit = Infinity, prefix = ''): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  let count = 0;
  const walk = (g: DmGroupTag, base: string): void => {
    for (const tag of g.tags) {
      if (count >= limit) return;
      const key = base === '' ? tag.name : `${base}.${tag.name}`;
      if (tag.kind === 'group') walk(tag, key);
      else {
        out[key] = displayValue(tag.value);
        count++;
      }
    }
  };
  walk(group, prefix);
  return out;
}
