/**
 * Independent references for the NBED engine tests: the straightforward double sum over grid nodes and atoms with
 * Math.cos/Math.sin (no factorisation, no symmetry), f(s) evaluated from the Peng 1996 JSON coefficients here, and
 * the demo Cu–Zr glass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Vec3 } from '../../../main/shared/domain';
import { readScatteringFactors, type ScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';

export const PENG_FILE = path.resolve('resources/elements/electron-scattering-factors-peng1996.json');
export const GLASS_FILE = path.resolve('resources/demo/cu64zr36-glass.data');

export function pengFactors(): ScatteringFactors {
  return readScatteringFactors('electron', PENG_FILE);
}

interface PengEntry {
  low: { a: number[]; b: number[] };
}

/** f(s) = Σ a_i exp(−b_i s²) straight from the JSON's `low` table, s = |K|/2 (no q conversion involved). */
export function pengLow(element: string): (sInvA: number) => number {
  const json = JSON.parse(fs.readFileSync(PENG_FILE, 'utf8')) as { elements: Record<string, PengEntry> };
  const entry = json.elements[element];
  if (entry === undefined) throw new Error(`no ${element}`);
  const { a, b } = entry.low;
  return (s) => a.reduce((sum, ai, k) => sum + ai * Math.exp(-(b[k] as number) * s * s), 0);
}

export interface DirectGrid {
  kmaxInvA: number;
  deltaKInvA: number;
  n: number;
  u: Vec3;
  v: Vec3;
  w: Vec3;
}

/**
 * I(K) = |Σ_m f_m(|K|/2) exp(2πi K·r_m)|² / N at every node K = Δk(i u + j v) [+ K_w w on the Ewald sphere of
 * wavelength λ, K_w = 1/λ − sqrt(1/λ² − |K⊥|²)], 0 where |K| ≥ kmax; row = j + n, column = i + n.
 */
export function directPattern(
  relative: Float64Array,
  species: ArrayLike<number>,
  elements: readonly string[],
  grid: DirectGrid,
  wavelengthA: number | null = null,
): Float64Array {
  const { n, deltaKInvA: dk, kmaxInvA, u, v, w } = grid;
  const side = 2 * n + 1;
  const f = elements.map(pengLow);
  const count = species.length;
  const out = new Float64Array(side * side);
  for (let j = -n; j <= n; j++) {
    for (let i = -n; i <= n; i++) {
      const perp = [0, 1, 2].map((k) => dk * (i * (u[k] as number) + j * (v[k] as number)));
      const perp2 = perp.reduce((s, x) => s + x * x, 0);
      const kw = wavelengthA === null ? 0 : 1 / wavelengthA - Math.sqrt(1 / wavelengthA ** 2 - perp2);
      const K = perp.map((x, k) => x + kw * (w[k] as number));
      const kLength = Math.hypot(K[0] as number, K[1] as number, K[2] as number);
      if (kLength >= kmaxInvA) continue;
      const fs = f.map((fn) => fn(kLength / 2));
      let re = 0;
      let im = 0;
      for (let m = 0; m < count; m++) {
        const phase =
          2 * Math.PI * ((K[0] as number) * (relative[3 * m] as number) + (K[1] as number) * (relative[3 * m + 1] as number) + (K[2] as number) * (relative[3 * m + 2] as number));
        const fm = fs[species[m] as number] as number;
        re += fm * Math.cos(phase);
        im += fm * Math.sin(phase);
      }
      out[(j + n) * side + (i + n)] = (re * re + im * im) / count;
    }
  }
  return out;
}

/** max |a − b| / max |b|: the agreement figure quoted for whole patterns. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    diff = Math.max(diff, Math.abs((a[k] as number) - (b[k] as number)));
    scale = Math.max(scale, Math.abs(b[k] as number));
  }
  return diff / scale;
}

/** The largest per-node relative difference among nodes brighter than `floor` × the brightest one. */
export function maxNodeRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k] as number));
  let worst = 0;
  for (let k = 0; k < b.length; k++) {
    const ref = Math.abs(b[k] as number);
    if (ref > floor * scale) worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)) / ref);
  }
  return worst;
}

let glass: ParsedStructure | null = null;

/** The demo 2048-atom Cu64Zr36 glass (32.3 Å periodic cube), read once per test file. */
export function demoGlass(): ParsedStructure {
  glass ??= readStructureFile(GLASS_FILE, 'lammps-data', { elements: ['Cu', 'Zr'] });
  return glass;
}

/** Species index per atom (type − 1) of the glass: 0 = Cu, 1 = Zr. */
export function glassSpecies(structure: ParsedStructure): Uint8Array {
  return Uint8Array.from(structure.types, (t) => t - 1);
}
