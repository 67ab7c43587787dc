/**
 * ONNX metadata_props without an ONNX library: reading and replacing field-14 entries of a hand-built ModelProto
 * (every wire type, nested look-alikes, long and non-ASCII values), leaving every other byte alone, and refusing
 * damaged bytes. The integration test (tests/integration/torch-engine.test.ts) reads a PyTorch-exported model.
 */
import { describe, expect, it } from 'vitest';
import { readOnnxMetadata, readSsroModelMetadata, SSRO_METADATA_KEY, withOnnxMetadata } from '../../../native-workers/lib/models/onnx-metadata';

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const text = (s: string): number[] => [...new TextEncoder().encode(s)];
const lengthField = (field: number, payload: number[]): number[] => [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
const entry = (key: string, value: string): number[] => lengthField(14, [...lengthField(1, text(key)), ...lengthField(2, text(value))]);

/** A ModelProto-shaped message with every wire type and a field-14 look-alike nested inside the graph. */
function handBuiltModel(): { bytes: Uint8Array; body: number[] } {
  const irVersion = [0x08, 0x07]; // field 1, varint 7
  const producer = lengthField(2, text('pytorch'));
  const modelVersion = [0x28, ...Array<number>(9).fill(0xff), 0x01]; // field 5, varint −1 as int64 (10 bytes)
  const graph = lengthField(7, [...lengthField(1, text('node')), ...entry('nested', 'not top level')]);
  const fixed32 = [...varint(20 * 8 + 5), 1, 2, 3, 4];
  const fixed64 = [...varint(21 * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8];
  const opset = lengthField(8, [0x10, 13]);
  const body = [...irVersion, ...producer, ...modelVersion, ...graph, ...fixed32, ...fixed64, ...opset];
  const bytes = new Uint8Array([...irVersion, ...producer, ...entry('a', '1'), ...modelVersion, ...graph, ...entry('b', '2'), ...fixed32, ...fixed64, ...opset, ...entry('a', '3')]);
  return { bytes, body };
}

describe('readOnnxMetadata', () => {
  it('collects top-level field-14 entries across every wire type, later duplicates winning, nested look-alikes ignored', () => {
    const { bytes } = handBuiltModel();
    expect(readOnnxMetadata(bytes)).toEqual({ a: '3', b: '2' });
  });

  it('is empty for a model without metadata and for no bytes', () => {
    expect(readOnnxMetadata(new Uint8Array(handBuiltModel().body))).toEqual({});
    expect(readOnnxMetadata(new Uint8Array())).toEqual({});
  });

  it('refuses truncated data and unknown wire types with a clear message', () => {
    const { bytes } = handBuiltModel();
    expect(() => readOnnxMetadata(bytes.subarray(0, bytes.length - 2))).toThrow(/runs past the end|truncated/);
    expect(() => readOnnxMetadata(new Uint8Array([0x0b, 0x00]))).toThrow(/wire type 3/);
  });
});

describe('withOnnxMetadata', () => {
  it('replaces entries with the given keys, keeps the others and every non-metadata byte in order', () => {
    const { bytes, body } = handBuiltModel();
    const out = withOnnxMetadata(bytes, { a: 'new' });
    expect(readOnnxMetadata(out)).toEqual({ b: '2', a: 'new' });
    // Replacing every key leaves exactly the original non-metadata fields, followed by the new entries.
    const replacedAll = withOnnxMetadata(bytes, { a: 'x', b: 'y' });
    expect([...replacedAll.subarray(0, body.length)]).toEqual(body);
    expect([...replacedAll.subarray(body.length)]).toEqual([...entry('a', 'x'), ...entry('b', 'y')]);
  });

  it('round-trips long and non-ASCII values (multi-byte length varints) and appends to a model without metadata', () => {
    const { body } = handBuiltModel();
    const long = JSON.stringify({ preprocessing: { kmaxInvA: 1, note: 'Å⁻¹ '.repeat(200) } });
    const out = withOnnxMetadata(new Uint8Array(body), { [SSRO_METADATA_KEY]: long, 'ünïcode': 'κλειδί' });
    expect([...out.subarray(0, body.length)]).toEqual(body);
    expect(readOnnxMetadata(out)).toEqual({ [SSRO_METADATA_KEY]: long, 'ünïcode': 'κλειδί' });
    // Setting the same key again does not duplicate it.
    const again = withOnnxMetadata(out, { [SSRO_METADATA_KEY]: '{}' });
    expect(readOnnxMetadata(again)).toEqual({ 'ünïcode': 'κλειδί', [SSRO_METADATA_KEY]: '{}' });
    expect(again.length).toBeLessThan(out.length);
  });
});

describe('readSsroModelMetadata', () => {
  const description = {
    format: 'ssro-model',
    version: 1,
    architecture: 'resnet18',
    target: 'one_minus_d',
    input: { name: 'patterns', shape: ['batch', 1, 133, 133] },
    output: { name: 'prediction', shape: ['batch', 1], units: 'one_minus_d' },
    preprocessing: { transform: 'log1-minmax', side: 133, kmaxInvA: 1, deltaKInvA: 0.015, logClip: 1, normalisation: 'per-pattern min-max to [0,1]' },
    trainingDatasetId: null,
    metrics: null,
    epochs: null,
    bestEpoch: null,
    seed: null,
    source: { kind: 'imported-state-dict' },
    torch: '1.13.0',
    createdAt: '2025-01-01T00:00:00.000Z',
  };

  it('parses the ssro entry, is null without one, and refuses a malformed one', () => {
    const { body } = handBuiltModel();
    expect(readSsroModelMetadata(new Uint8Array(body))).toBeNull();
    const model = withOnnxMetadata(new Uint8Array(body), { [SSRO_METADATA_KEY]: JSON.stringify(description) });
    expect(readSsroModelMetadata(model)).toEqual(description);
    const bad = withOnnxMetadata(model, { [SSRO_METADATA_KEY]: JSON.stringify({ ...description, target: 'q6' }) });
    expect(() => readSsroModelMetadata(bad)).toThrow(/unknown target/);
  });

  it('refuses a transform this app does not know, saying what to do', () => {
    const { body } = handBuiltModel();
    const future = withOnnxMetadata(new Uint8Array(body), {
      [SSRO_METADATA_KEY]: JSON.stringify({ ...description, preprocessing: { ...description.preprocessing, transform: 'log3-whitened' } }),
    });
    expect(() => readSsroModelMetadata(future)).toThrow(
      /unknown preprocessing \(transform "log3-whitened"; this app knows annulus-log, log1-minmax, log1-globalmax\) — update SSRO Studio, or re-import the model stating its transform/,
    );
  });

  it('reads an ensemble with its calibration and feature statistics', () => {
    const { body } = handBuiltModel();
    const ensemble = { members: 5, sigmaScale: 1.7, sigmaThreshold: 0.12, calibration: { method: 'validation', count: 800, spearman: 0.4, coverage1: 0.66, coverage2: 0.93 } };
    const ood = { features: 'ring-stats-v1', bins: 1, mean: [0.2, 0.1], precision: [1, 0, 0, 1], threshold: 9 };
    const model = withOnnxMetadata(new Uint8Array(body), { [SSRO_METADATA_KEY]: JSON.stringify({ ...description, output: { ...description.output, shape: ['batch', 5] }, ensemble, ood }) });
    const read = readSsroModelMetadata(model);
    expect(read?.ensemble).toEqual(ensemble);
    expect(read?.ood).toEqual(ood);
    const broken = withOnnxMetadata(model, { [SSRO_METADATA_KEY]: JSON.stringify({ ...description, ood: { ...ood, precision: [1, 0, 0] } }) });
    expect(() => readSsroModelMetadata(broken)).toThrow(/ood: ood.mean needs 2·bins values and ood.precision \(2·bins\)²/);
  });
});
