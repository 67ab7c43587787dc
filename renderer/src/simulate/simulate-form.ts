/**
 * The Simulate view's forms as typed text: one draft per protocol filled from the shared schemas' defaults, turned
 * into simulation parameters and checked with the same zod schema the core uses, each issue filed under its field.
 */
import type { z } from 'zod';
import {
  complexionParamsSchema,
  compositeParamsSchema,
  crystalParamsSchema,
  glassParamsSchema,
  simulationParamsSchema,
  type SimulationParams,
  type SimulationProtocol,
} from '../../../main/shared/simulation';
import { formatCount } from '../format';
import { PROTOCOL_FIELDS, type FieldSpec } from './protocol-fields';
import { compositionText } from './simulation-summary';

/** One nanocrystal of the composite protocol as typed. */
export interface NanocrystalDraft {
  /** "fx, fy, fz" as fractions of the box. */
  centre: string;
  radius: string;
  /** "ax, ay, az"; empty = aligned with the start crystal. */
  axis: string;
  angleDeg: string;
}

export interface SimulationDraft {
  protocol: SimulationProtocol;
  /** The text of every field of PROTOCOL_FIELDS[protocol], by key ('true'/'false' for booleans). */
  values: Record<string, string>;
  /** Composite only. */
  nanocrystals: NanocrystalDraft[];
}

/** What a draft stands for: the parameters when valid, and the reasons it is not, by field key ('' = no field). */
export interface DraftCheck {
  params: SimulationParams | null;
  errors: Record<string, string>;
}

const SCHEMAS = { glass: glassParamsSchema, complexion: complexionParamsSchema, composite: compositeParamsSchema, crystal: crystalParamsSchema } as const;

export function defaultParams(protocol: SimulationProtocol): SimulationParams {
  return SCHEMAS[protocol].parse({ protocol });
}

function valueAt(source: unknown, key: string): unknown {
  let value = source;
  for (const part of key.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function setAt(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const made: Record<string, unknown> = {};
      node[part] = made;
      node = made;
    }
  }
  node[parts[parts.length - 1] ?? key] = value;
}

function textOf(field: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (field.kind) {
    case 'composition':
      return compositionText(value as Record<string, number>);
    case 'direction':
      return (value as number[]).join(' ');
    case 'cells':
    case 'lengths':
      return (value as number[]).join(', ');
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}

function nanocrystalDraft(n: { centerFraction: number[]; radiusLatticeParams: number; rotation?: { axis: number[]; angleDeg: number } | undefined }): NanocrystalDraft {
  return {
    centre: n.centerFraction.join(', '),
    radius: String(n.radiusLatticeParams),
    axis: n.rotation ? n.rotation.axis.join(', ') : '',
    angleDeg: n.rotation ? String(n.rotation.angleDeg) : '',
  };
}

/** A protocol's form with every default of its schema (the papers' values). */
export function defaultDraft(protocol: SimulationProtocol): SimulationDraft {
  const params = defaultParams(protocol);
  const values: Record<string, string> = {};
  for (const field of PROTOCOL_FIELDS[protocol]) values[field.key] = textOf(field, valueAt(params, field.key));
  return { protocol, values, nanocrystals: params.protocol === 'composite' ? params.nanocrystals.map(nanocrystalDraft) : [] };
}

export function emptyNanocrystal(): NanocrystalDraft {
  return { centre: '0.5, 0.5, 0.5', radius: '3', axis: '', angleDeg: '' };
}

/** A conversion failure filed under a field. */
class FieldError extends Error {}

function readNumber(text: string, integer: boolean): number {
  const cleaned = integer ? text.replace(/[\s_\u202f]/g, '') : text.trim();
  if (cleaned === '') throw new FieldError('required');
  const value = Number(cleaned);
  if (!Number.isFinite(value)) throw new FieldError(`“${text.trim()}” is not a number`);
  return value;
}

function readNumbers(text: string, count: number, what: string): number[] {
  const parts = text
    .replace(/[[\]()]/g, ' ')
    .split(/[\s,;×x]+/)
    .filter((p) => p !== '');
  const values = parts.map(Number);
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) throw new FieldError(`${what}, e.g. ${count === 3 ? '1, 1, 0' : '1'}`);
  return values;
}

/** "Cu64Zr36", "Cu64 Zr36" or "Cu:64, Zr:36" → {Cu: 64, Zr: 36}. */
export function parseComposition(text: string): Record<string, number> {
  const compact = text.replace(/[\s,:]+/g, '');
  if (compact === '') throw new FieldError('required, e.g. Cu64Zr36');
  const result: Record<string, number> = {};
  const pattern = /([A-Z][a-z]?)(\d+(?:\.\d+)?|\.\d+)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pattern.exec(compact)) !== null) {
    const [whole, element = '', amount = ''] = match;
    if (result[element] !== undefined) throw new FieldError(`${element} appears twice`);
    result[element] = Number(amount);
    end += whole.length;
  }
  if (end !== compact.length || Object.keys(result).length === 0) throw new FieldError('write it as element symbols with atomic percent, e.g. Cu64Zr36');
  return result;
}

function convert(field: FieldSpec, text: string): unknown {
  switch (field.kind) {
    case 'number':
      return readNumber(text, false);
    case 'integer':
      return readNumber(text, true);
    case 'text':
    case 'element':
      return text.trim();
    case 'composition':
      return parseComposition(text);
    case 'direction':
      return readNumbers(text, 3, 'three whole numbers h k l');
    case 'cells': {
      const parts = text.split(/[\s,;×x]+/).filter((p) => p !== '');
      // One number means a cube.
      return parts.length === 1 ? Array(3).fill(readNumber(parts[0] ?? '', true)) : readNumbers(text, 3, 'three cell counts');
    }
    case 'lengths':
      return readNumbers(text, 3, 'three lengths in Å');
    case 'boolean':
      return text === 'true';
    case 'choice':
      return text;
  }
}

function convertNanocrystal(n: NanocrystalDraft, i: number, errors: Record<string, string>): unknown {
  const prefix = `nanocrystals.${i}`;
  const entry: Record<string, unknown> = {};
  const attempt = (key: string, read: () => unknown): void => {
    try {
      entry[key] = read();
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      errors[`${prefix}.${key}`] = error.message;
    }
  };
  attempt('centerFraction', () => readNumbers(n.centre, 3, 'three fractions of the box'));
  attempt('radiusLatticeParams', () => readNumber(n.radius, false));
  if (n.axis.trim() !== '' || n.angleDeg.trim() !== '') {
    attempt('rotation', () => {
      const axis = readNumbers(n.axis, 3, 'a rotation axis of three numbers');
      if (axis.every((c) => c === 0)) throw new FieldError('the rotation axis cannot be 0, 0, 0');
      return { axis, angleDeg: readNumber(n.angleDeg, false) };
    });
  }
  return entry;
}

function formatBound(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) && Math.abs(value) >= 10_000 ? formatCount(value) : String(value);
}

/** One schema issue as a short phrase to put under a field ("must be at least 32"). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${formatBound(issue.minimum)}`;
      if (issue.origin === 'string') return 'required';
      return issue.inclusive ? `must be at least ${formatBound(issue.minimum)}` : `must be more than ${formatBound(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${formatBound(issue.maximum)}`;
      if (issue.origin === 'string') return 'too long';
      return issue.inclusive ? `must be at most ${formatBound(issue.maximum)}` : `must be less than ${formatBound(issue.maximum)}`;
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      return issue.expected === 'number' ? 'must be a number' : issue.message;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? 'not in the expected form' : `must be ${issue.message}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

/** The field a schema issue belongs to: the longest field key its path starts with ('' when none). */
function fieldOf(path: string, keys: readonly string[]): string {
  let best = '';
  for (const key of keys) if ((path === key || path.startsWith(`${key}.`)) && key.length > best.length) best = key;
  return best;
}

/** Converts the draft and validates it with the shared schema: the parameters, or every reason by field. */
export function checkDraft(draft: SimulationDraft): DraftCheck {
  const errors: Record<string, string> = {};
  const input: Record<string, unknown> = { protocol: draft.protocol };
  const fields = PROTOCOL_FIELDS[draft.protocol];
  for (const field of fields) {
    const text = draft.values[field.key] ?? '';
    if (field.optional && text.trim() === '') continue;
    try {
      setAt(input, field.key, convert(field, text));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      errors[field.key] = error.message;
    }
  }
  const keys = fields.map((f) => f.key);
  if (draft.protocol === 'composite') {
    input.nanocrystals = draft.nanocrystals.map((n, i) => convertNanocrystal(n, i, errors));
    draft.nanocrystals.forEach((_, i) => keys.push(`nanocrystals.${i}.centerFraction`, `nanocrystals.${i}.radiusLatticeParams`, `nanocrystals.${i}.rotation`));
    keys.push('nanocrystals');
  }
  const parsed = simulationParamsSchema.safeParse(input);
  if (parsed.success) return Object.keys(errors).length === 0 ? { params: parsed.data, errors } : { params: null, errors };
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join('.');
    const key = fieldOf(path, keys);
    // A field that could not be read keeps that reason; the schema then only says it is missing.
    if (errors[key] !== undefined) continue;
    errors[key] = key === '' ? `${path || 'parameters'}: ${describeIssue(issue)}` : describeIssue(issue);
  }
  return { params: null, errors };
}
