/** Reads an ONNX model's graph inputs and outputs (names, element types, shapes) and producer from its bytes, without onnxruntime. */
import { protobufFields, readVarint } from './onnx-metadata';

/*
 * ModelProto: 1 ir_version, 2 producer_name, 3 producer_version, 7 graph, 8 opset_import (1 domain, 2 version).
 * GraphProto: 5 initializer (TensorProto, 8 = name), 11 input, 12 output (ValueInfoProto: 1 name, 2 type).
 * TypeProto: 1 tensor_type (1 elem_type, 2 shape); TensorShapeProto: 1 dim (1 dim_value, 2 dim_param).
 * Old exporters list initializers among the graph inputs too; those are weights, not inputs, and are left out.
 */

/** TensorProto.DataType names for the element types a model of ours can have. */
const ELEMENT_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

export interface OnnxTensorInfo {
  name: string;
  elementType: string;
  /** One entry per axis: a size, a symbolic name (e.g. 'batch'), or null when unknown. */
  shape: (number | string | null)[] | null;
}

export interface OnnxGraphInfo {
  irVersion: number | null;
  producer: string;
  opsets: { domain: string; version: number }[];
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
}

const utf8 = new TextDecoder('utf-8');

function text(bytes: Uint8Array, start: number, end: number): string {
  return utf8.decode(bytes.subarray(start, end));
}

function varintAt(bytes: Uint8Array, start: number): number {
  return readVarint(bytes, start)[0];
}

function dimension(bytes: Uint8Array): number | string | null {
  for (const f of protobufFields(bytes)) {
    if (f.number === 1 && f.wire === 0) {
      const value = varintAt(bytes, f.valueStart);
      // Negative sizes are 10-byte varints beyond 2^53: unknown.
      return Number.isSafeInteger(value) ? value : null;
    }
    if (f.number === 2 && f.wire === 2) return text(bytes, f.valueStart, f.end);
  }
  return null;
}

function tensorType(bytes: Uint8Array): { elementType: string; shape: (number | string | null)[] | null } {
  let elementType = 'unknown';
  let shape: (number | string | null)[] | null = null;
  for (const f of protobufFields(bytes)) {
    if (f.number === 1 && f.wire === 0) {
      const code = varintAt(bytes, f.valueStart);
      elementType = ELEMENT_TYPES[code] ?? `type ${code}`;
    } else if (f.number === 2 && f.wire === 2) {
      const shapeBytes = bytes.subarray(f.valueStart, f.end);
      shape = [];
      for (const d of protobufFields(shapeBytes)) {
        if (d.number === 1 && d.wire === 2) shape.push(dimension(shapeBytes.subarray(d.valueStart, d.end)));
      }
    }
  }
  return { elementType, shape };
}

function valueInfo(bytes: Uint8Array): OnnxTensorInfo {
  let name = '';
  let elementType = 'unknown';
  let shape: (number | string | null)[] | null = null;
  for (const f of protobufFields(bytes)) {
    if (f.number === 1 && f.wire === 2) name = text(bytes, f.valueStart, f.end);
    else if (f.number === 2 && f.wire === 2) {
      const type = bytes.subarray(f.valueStart, f.end);
      for (const t of protobufFields(type)) {
        if (t.number === 1 && t.wire === 2) ({ elementType, shape } = tensorType(type.subarray(t.valueStart, t.end)));
      }
    }
  }
  return { name, elementType, shape };
}

function initializerName(bytes: Uint8Array): string | null {
  for (const f of protobufFields(bytes)) if (f.number === 8 && f.wire === 2) return text(bytes, f.valueStart, f.end);
  return null;
}

/** The graph's inputs, outputs, IR version, producer and opsets; throws when the bytes are not a protobuf message. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraphInfo {
  const info: OnnxGraphInfo = { irVersion: null, producer: '', opsets: [], inputs: [], outputs: [] };
  let graph: Uint8Array | null = null;
  let producerVersion = '';
  for (const f of protobufFields(bytes)) {
    if (f.number === 1 && f.wire === 0) info.irVersion = varintAt(bytes, f.valueStart);
    else if (f.number === 2 && f.wire === 2) info.producer = text(bytes, f.valueStart, f.end);
    else if (f.number === 3 && f.wire === 2) producerVersion = text(bytes, f.valueStart, f.end);
    else if (f.number === 7 && f.wire === 2) graph = bytes.subarray(f.valueStart, f.end);
    else if (f.number === 8 && f.wire === 2) {
      const opset = bytes.subarray(f.valueStart, f.end);
      let domain = '';
      let version = 0;
      for (const o of protobufFields(opset)) {
        if (o.number === 1 && o.wire === 2) domain = text(opset, o.valueStart, o.end);
        else if (o.number === 2 && o.wire === 0) version = varintAt(opset, o.valueStart);
      }
      info.opsets.push({ domain, version });
    }
  }
  if (producerVersion) info.producer = `${info.producer} ${producerVersion}`.trim();
  if (graph === null) throw new Error('not an ONNX model (no graph)');
  const weights = new Set<string>();
  const inputs: OnnxTensorInfo[] = [];
  for (const f of protobufFields(graph)) {
    const body = graph.subarray(f.valueStart, f.end);
    if (f.wire !== 2) continue;
    if (f.number === 5) {
      const name = initializerName(body);
      if (name !== null) weights.add(name);
    } else if (f.number === 11) inputs.push(valueInfo(body));
    else if (f.number === 12) info.outputs.push(valueInfo(body));
  }
  info.inputs = inputs.filter((input) => !weights.has(input.name));
  return info;
}

/** A shape as text, e.g. [batch, 1, 133, 133]. */
export function shapeText(shape: (number | string | null)[] | null): string {
  return shape === null ? '(unknown shape)' : `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
