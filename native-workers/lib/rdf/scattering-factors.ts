/**
 * Atomic scattering weights f(q) for S(q): electron (Peng et al. 1996 five-Gaussian fits), X-ray (Waasmaier–Kirfel
 * 1995, generated at build time from python3-periodictable) and neutron (coherent scattering lengths), read from JSON.
 */
import * as fs from 'node:fs';

export type Radiation = 'electron' | 'xray' | 'neutron';
export const RADIATIONS: readonly Radiation[] = ['electron', 'xray', 'neutron'];

export interface ScatteringFactors {
  radiation: Radiation;
  /** Where the numbers come from (table, reference, version), for provenance records. */
  source: string;
  /** Unit of f: Å (electron), electrons (X-ray), fm (neutron). */
  unit: string;
  has(element: string): boolean;
  /** f of `element` at momentum transfer q = 4π sinθ / λ (Å⁻¹). Throws for unknown elements or q beyond the fit. */
  at(element: string, qInvA: number): number;
}

interface Gaussians {
  a: number[];
  b: number[];
  c: number;
}

/** Σ a_i exp(−b_i s²) + c with s = q / (4π) = sinθ / λ, the variable both tables are fitted in. */
function gaussianSum(g: Gaussians, qInvA: number): number {
  const s = qInvA / (4 * Math.PI);
  const s2 = s * s;
  let f = g.c;
  for (let i = 0; i < g.a.length; i++) f += (g.a[i] as number) * Math.exp(-(g.b[i] as number) * s2);
  return f;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function numbers(x: unknown, what: string): number[] {
  if (!Array.isArray(x) || x.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`${what} must be an array of numbers`);
  return x as number[];
}

function parseGaussians(x: unknown, what: string, withConstant: boolean): Gaussians {
  if (!isRecord(x)) throw new Error(`${what} must be an object`);
  const a = numbers(x.a, `${what}.a`);
  const b = numbers(x.b, `${what}.b`);
  if (a.length !== b.length || a.length === 0) throw new Error(`${what}: a and b must have the same, non-zero length`);
  let c = 0;
  if (withConstant) {
    if (typeof x.c !== 'number') throw new Error(`${what}.c must be a number`);
    c = x.c;
  }
  return { a, b, c };
}

function unknownElement(radiation: Radiation, element: string): Error {
  return new Error(`no ${radiation} scattering factor for element '${element}'`);
}

/**
 * Electron scattering factors from the shared Peng 1996 JSON (`{source, elements: {El: {low: {a, b}, high: {a, b}}}}`):
 * f(s) = Σ a_i exp(−b_i s²) in Å, table `low` for s ≤ 2 Å⁻¹ (as the NBED kernel uses), `high` for 2 < s ≤ 6.
 */
export function parsePengTable(json: unknown): ScatteringFactors {
  if (!isRecord(json) || !isRecord(json.elements)) throw new Error('electron scattering table: expected {elements: {...}}');
  const low = new Map<string, Gaussians>();
  const high = new Map<string, Gaussians>();
  for (const [el, entry] of Object.entries(json.elements)) {
    if (!isRecord(entry)) throw new Error(`electron scattering table: ${el} must be an object`);
    low.set(el, parseGaussians(entry.low, `${el}.low`, false));
    if (entry.high !== undefined) high.set(el, parseGaussians(entry.high, `${el}.high`, false));
  }
  const source = typeof json.source === 'string' ? json.source : 'Peng et al. 1996';
  return {
    radiation: 'electron',
    source,
    unit: 'Å',
    has: (el) => low.has(el),
    at(el, qInvA) {
      if (!low.has(el)) throw unknownElement('electron', el);
      const s = qInvA / (4 * Math.PI);
      const table = s <= 2 ? low.get(el) : high.get(el);
      if (!table || s > 6) throw new Error(`electron scattering factor of ${el} is not fitted at s = ${s.toFixed(3)} Å⁻¹ (q = ${qInvA} Å⁻¹)`);
      return gaussianSum(table, qInvA);
    },
  };
}

/**
 * X-ray form factors f0 from resources/elements/xray-form-factors.json (made by
 * scripts/generate-xray-form-factors.py): f0(s) = c + Σ a_i exp(−b_i s²) in electrons, valid for s ≤ sMaxInvA (6).
 * Neutral atoms are looked up by symbol ("Cu"), ions by symbol with charge ("Cu2+").
 */
export function parseXrayTable(json: unknown): ScatteringFactors {
  if (!isRecord(json) || !isRecord(json.xray) || !isRecord(json.xray.elements)) throw new Error('X-ray table: expected {xray: {elements: {...}}}');
  const table = new Map<string, Gaussians>();
  for (const [el, entry] of Object.entries(json.xray.elements)) table.set(el, parseGaussians(entry, `xray.${el}`, true));
  if (isRecord(json.xray.ions)) {
    for (const [ion, entry] of Object.entries(json.xray.ions)) table.set(ion, parseGaussians(entry, `xray.${ion}`, true));
  }
  const sMax = typeof json.xray.sMaxInvA === 'number' ? json.xray.sMaxInvA : 6;
  return {
    radiation: 'xray',
    source: provenanceText(json, 'xray'),
    unit: 'electrons',
    has: (el) => table.has(el),
    at(el, qInvA) {
      const g = table.get(el);
      if (!g) throw unknownElement('xray', el);
      if (qInvA / (4 * Math.PI) > sMax) throw new Error(`X-ray form factor fit ends at s = ${sMax} Å⁻¹ (q = ${qInvA} Å⁻¹ asked)`);
      return gaussianSum(g, qInvA);
    },
  };
}

/** Neutron coherent scattering lengths b_c (fm, q-independent) from the same generated JSON. */
export function parseNeutronTable(json: unknown): ScatteringFactors {
  if (!isRecord(json) || !isRecord(json.neutron) || !isRecord(json.neutron.elements)) throw new Error('neutron table: expected {neutron: {elements: {...}}}');
  const table = new Map<string, number>();
  for (const [el, b] of Object.entries(json.neutron.elements)) {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new Error(`neutron.${el} must be a number`);
    table.set(el, b);
  }
  return {
    radiation: 'neutron',
    source: provenanceText(json, 'neutron'),
    unit: 'fm',
    has: (el) => table.has(el),
    at(el) {
      const b = table.get(el);
      if (b === undefined) throw unknownElement('neutron', el);
      return b;
    },
  };
}

function provenanceText(json: Record<string, unknown>, key: 'xray' | 'neutron'): string {
  const p = json.provenance;
  if (!isRecord(p)) return key;
  const part = isRecord(p[key]) ? p[key] : {};
  const bits = [part.table, part.reference, `${String(p.package)} ${String(p.debianVersion ?? p.periodictableVersion)}`];
  return bits.filter((b) => typeof b === 'string').join('; ');
}

/**
 * Reads the table for `radiation` from a JSON file: the Peng 1996 file for electrons, the generated
 * xray-form-factors.json for X-rays and neutrons.
 */
export function readScatteringFactors(radiation: Radiation, filePath: string): ScatteringFactors {
  const json: unknown = JSON.parse(fs.readFileSync(filePath, 'utf8'));
  if (radiation === 'electron') return parsePengTable(json);
  if (radiation === 'xray') return parseXrayTable(json);
  return parseNeutronTable(json);
}
