import { z } from 'zod';
import { MODEL_TRANSFORMS, modelPreprocessingSchema } from '../../../main/shared/model-transform';
import { ensembleInfoSchema, oodInfoSchema } from '../../../main/shared/model-uncertainty';

/** Reads and writes the metadata_props (string key → string value) of a serialized ONNX model without an ONNX library. */

/*
 * ModelProto field 14 is `repeated StringStringEntryProto metadata_props` (entry: field 1 key, field 2 value).
 * Protobuf readers accept fields in any order and concatenate repeated fields, so dropping some field-14 records
 * and appending new ones to the serialized bytes is a valid edit; every other byte is kept as it was.
 * native-workers/train/python/ssro_torch/export.py writes the same records from Python.
 */

/** ModelProto.metadata_props. */
export const METADATA_PROPS_FIELD = 14;
/** The key SSRO Studio stores its model description under (value: JSON, see SsroModelMetadata). */
export const SSRO_METADATA_KEY = 'ssro';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

export interface ProtobufField {
  number: number;
  wire: number;
  /** Byte offset of the tag. */
  start: number;
  /** Byte offset of the value (after a length prefix for wire type 2). */
  valueStart: number;
  /** Byte offset just past the field. */
  end: number;
}

/** A varint as a JS number (exact up to 2^53, enough for tags and lengths) and the offset after it. */
export function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new Error(`truncated varint at byte ${pos}`);
    const byte = bytes[pos++] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new Error(`varint longer than 10 bytes at byte ${pos}`);
}

function writeVarint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** The top-level fields of a protobuf message, in order (also used by onnx-graph.ts to read the graph's inputs). */
export function* protobufFields(bytes: Uint8Array): Generator<ProtobufField> {
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    let valueStart = afterTag;
    let end: number;
    if (wire === WIRE_VARINT) end = readVarint(bytes, afterTag)[1];
    else if (wire === WIRE_FIXED64) end = afterTag + 8;
    else if (wire === WIRE_FIXED32) end = afterTag + 4;
    else if (wire === WIRE_LENGTH) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      valueStart = afterLength;
      end = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${start} (not an ONNX model?)`);
    if (end > bytes.length) throw new Error(`field ${number} at byte ${start} runs past the end of the data (truncated model?)`);
    yield { number, wire, start, valueStart, end };
    pos = end;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function readEntry(bytes: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  for (const f of protobufFields(bytes)) {
    if (f.wire !== WIRE_LENGTH) continue;
    if (f.number === 1) key = utf8.decode(bytes.subarray(f.valueStart, f.end));
    else if (f.number === 2) value = utf8.decode(bytes.subarray(f.valueStart, f.end));
  }
  return [key, value];
}

function isMetadataEntry(f: ProtobufField): boolean {
  return f.number === METADATA_PROPS_FIELD && f.wire === WIRE_LENGTH;
}

/** The model's metadata_props as key → value (a later entry with the same key wins, as onnxruntime reads them). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of protobufFields(bytes)) {
    if (!isMetadataEntry(f)) continue;
    const [key, value] = readEntry(bytes.subarray(f.valueStart, f.end));
    out[key] = value;
  }
  return out;
}

/** The model with `entries` set as metadata_props: existing entries with those keys are dropped, the new ones appended. */
export function withOnnxMetadata(bytes: Uint8Array, entries: Record<string, string>): Uint8Array {
  const replaced = new Set(Object.keys(entries));
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  for (const f of protobufFields(bytes)) {
    if (isMetadataEntry(f) && replaced.has(readEntry(bytes.subarray(f.valueStart, f.end))[0])) continue;
    const piece = bytes.subarray(f.start, f.end);
    kept.push(piece);
    keptBytes += piece.length;
  }
  const appended: number[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value !== 'string') throw new Error(`metadata value for ${key} must be a string`);
    const k = utf8Encoder.encode(key);
    const v = utf8Encoder.encode(value);
    const entry: number[] = [0x0a];
    writeVarint(k.length, entry);
    entry.push(...k, 0x12);
    writeVarint(v.length, entry);
    for (const byte of v) entry.push(byte);
    writeVarint(METADATA_PROPS_FIELD * 8 + WIRE_LENGTH, appended);
    writeVarint(entry.length, appended);
    for (const byte of entry) appended.push(byte);
  }
  const out = new Uint8Array(keptBytes + appended.length);
  let pos = 0;
  for (const piece of kept) {
    out.set(piece, pos);
    pos += piece.length;
  }
  out.set(appended, pos);
  return out;
}

export type { ModelPreprocessing as SsroPreprocessing } from '../../../main/shared/model-transform';

export interface SsroFitMetrics {
  count: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
}

const fitMetricsSchema = z.object({ count: z.number(), mae: z.number().nullable(), rmse: z.number().nullable(), r2: z.number().nullable() }).passthrough();

/**
 * The JSON stored under SSRO_METADATA_KEY by ssro_torch.export (format 'ssro-model', version 1). Unknown extra
 * fields are kept (a newer exporter may add some); the fields this app acts on are checked.
 */
const ssroModelMetadataSchema = z
  .object({
    format: z.literal('ssro-model'),
    version: z.number(),
    /** 'resnet18' | 'basecnn' | 'compactcnn', or what an imported model says. */
    architecture: z.string(),
    /** What the output 'prediction' holds: d or 1 − d (the authors' convention). */
    target: z.enum(['d', 'one_minus_d']),
    input: z.object({ name: z.string(), shape: z.array(z.union([z.string(), z.number()])) }).passthrough(),
    /** shape ['batch', K]: K = 1, or one column per ensemble member. */
    output: z.object({ name: z.string(), shape: z.array(z.union([z.string(), z.number()])), units: z.string() }).passthrough(),
    preprocessing: modelPreprocessingSchema,
    trainingDatasetId: z.union([z.number(), z.string()]).nullable(),
    /** d units; null for imported checkpoints. */
    metrics: z.object({ train: fitMetricsSchema, validation: fitMetricsSchema }).passthrough().nullable(),
    epochs: z.number().nullable(),
    bestEpoch: z.number().nullable(),
    seed: z.number().nullable(),
    source: z.record(z.string(), z.unknown()).nullable(),
    /** The torch version that exported it; null for foreign ONNX models given metadata at import. */
    torch: z.string().nullable(),
    createdAt: z.string(),
    /** A deep ensemble's calibration (absent for single models). */
    ensemble: ensembleInfoSchema.nullable().optional(),
    /** Training-input feature statistics for out-of-distribution flags (absent for older models). */
    ood: oodInfoSchema.nullable().optional(),
  })
  .passthrough();

export type SsroModelMetadata = z.output<typeof ssroModelMetadataSchema>;

/** The parsed SSRO description of a model, or null when it has none; throws when it is there but malformed. */
export function readSsroModelMetadata(bytes: Uint8Array): SsroModelMetadata | null {
  const text = readOnnxMetadata(bytes)[SSRO_METADATA_KEY];
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`ONNX metadata '${SSRO_METADATA_KEY}' is not JSON (${(error as Error).message})`);
  }
  return parseSsroModelMetadata(value);
}

/** Checks a model description (from a file's metadata or from the Python exporter). */
export function parseSsroModelMetadata(value: unknown): SsroModelMetadata {
  if (value === null || typeof value !== 'object' || (value as { format?: unknown }).format !== 'ssro-model') {
    throw new Error(`ONNX metadata '${SSRO_METADATA_KEY}' is not an ssro-model description`);
  }
  const target = (value as { target?: unknown }).target;
  if (target !== 'd' && target !== 'one_minus_d') throw new Error(`ONNX metadata '${SSRO_METADATA_KEY}': unknown target ${String(target)}`);
  const parsed = ssroModelMetadataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    if (where.startsWith('preprocessing')) {
      const transform = (value as { preprocessing?: { transform?: unknown } }).preprocessing?.transform;
      throw new Error(
        `ONNX metadata '${SSRO_METADATA_KEY}': missing or unknown preprocessing (transform ${JSON.stringify(transform)}; this app knows ${MODEL_TRANSFORMS.join(', ')}) — update SSRO Studio, or re-import the model stating its transform`,
      );
    }
    throw new Error(`ONNX metadata '${SSRO_METADATA_KEY}': ${where || 'the description'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Ensemble members in a model's output (1 for a single model). */
export function ensembleMembers(metadata: Pick<SsroModelMetadata, 'ensemble'>): number {
  return metadata.ensemble?.members ?? 1;
}
