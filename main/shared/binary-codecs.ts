/**
 * Channels whose responses are heavy arrays travel as bytes over the browser shell (Electron's IPC clones typed
 * arrays as they are). Each such channel has an encoder/decoder pair here, shared by server and browser client.
 */
import { decodeAtomFrame, encodeAtomFrame } from './atom-frame-codec';
import type { AtomFrame } from './domain';
import type { Channel, Response } from './ipc-contract';

export interface PerAtomValues {
  count: number;
  values: Float32Array;
  /** Class names when the property is a class code (CNA type, Voronoi class); empty for continuous values. */
  categories: string[];
}

const VALUES_MAGIC = 'SSROVAL1';

export function encodePerAtomValues(data: PerAtomValues): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ count: data.count, categories: data.categories }));
  const valuesOffset = Math.ceil((12 + header.length) / 4) * 4;
  const out = new Uint8Array(valuesOffset + data.count * 4);
  for (let i = 0; i < 8; i++) out[i] = VALUES_MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(new Uint8Array(data.values.buffer, data.values.byteOffset, data.count * 4), valuesOffset);
  return out;
}

export function decodePerAtomValues(bytes: Uint8Array): PerAtomValues {
  if (bytes.byteLength < 12 || String.fromCharCode(...bytes.subarray(0, 8)) !== VALUES_MAGIC) {
    throw new Error('not a per-atom value array (bad magic)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (bytes.byteLength < 12 + headerLength) throw new Error('per-atom value array is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as {
    count: number;
    categories: string[];
  };
  const offset = Math.ceil((12 + headerLength) / 4) * 4;
  if (bytes.byteLength < offset + header.count * 4) throw new Error('per-atom value array is truncated');
  const values = new Float32Array(header.count);
  new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + header.count * 4));
  return { count: header.count, values, categories: header.categories };
}

/** A float32 array with a JSON header (a diffraction pattern and what describes it). */
export interface FloatPayload<H> {
  header: H;
  values: Float32Array;
}

const PAYLOAD_MAGIC = 'SSROFLT1';

export function encodeFloatPayload<H>(data: FloatPayload<H>): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(data.header));
  const offset = Math.ceil((16 + header.length) / 4) * 4;
  const out = new Uint8Array(offset + data.values.length * 4);
  for (let i = 0; i < 8; i++) out[i] = PAYLOAD_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, header.length, true);
  view.setUint32(12, data.values.length, true);
  out.set(header, 16);
  out.set(new Uint8Array(data.values.buffer, data.values.byteOffset, data.values.length * 4), offset);
  return out;
}

export function decodeFloatPayload<H>(bytes: Uint8Array): FloatPayload<H> {
  if (bytes.byteLength < 16 || String.fromCharCode(...bytes.subarray(0, 8)) !== PAYLOAD_MAGIC) throw new Error('not a float payload (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const offset = Math.ceil((16 + headerLength) / 4) * 4;
  if (bytes.byteLength < offset + count * 4) throw new Error('float payload is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as H;
  const values = new Float32Array(count);
  new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + count * 4));
  return { header, values };
}

interface Codec<T> {
  encode(data: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const CODECS: Partial<Record<Channel, Codec<unknown>>> = {
  'structures.atoms': { encode: (d) => encodeAtomFrame(d as AtomFrame), decode: decodeAtomFrame },
  'labels.values': { encode: (d) => encodePerAtomValues(d as PerAtomValues), decode: decodePerAtomValues },
  'diffraction.preview': { encode: (d) => encodeFloatPayload(d as FloatPayload<unknown>), decode: decodeFloatPayload },
  'datasets.pattern': { encode: (d) => encodeFloatPayload(d as FloatPayload<unknown>), decode: decodeFloatPayload },
};

export function isBinaryChannel(channel: Channel): boolean {
  return CODECS[channel] !== undefined;
}

export function encodeBinaryResponse<C extends Channel>(channel: C, data: Response<C>): Uint8Array {
  const codec = CODECS[channel];
  if (!codec) throw new Error(`${channel} has no binary encoding`);
  return codec.encode(data);
}

export function decodeBinaryResponse<C extends Channel>(channel: C, bytes: Uint8Array): Response<C> {
  const codec = CODECS[channel];
  if (!codec) throw new Error(`${channel} has no binary encoding`);
  return codec.decode(bytes) as Response<C>;
}
