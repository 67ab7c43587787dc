/**
 * Scattering factors: the generated X-ray/neutron JSON against python3-periodictable itself (when the system Python
 * has it), its provenance, and the Peng 1996 electron table's low/high ranges.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePengTable, parseXrayTable, readScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';

const PENG = '/work/shared/data/electron-scattering-factors-peng1996.json';
const XRAY = path.resolve('resources/elements/xray-form-factors.json');
const PYTHON = '/usr/bin/python3';
const hasPeriodictable = spawnSync(PYTHON, ['-c', 'import periodictable'], { stdio: 'ignore' }).status === 0;

describe('X-ray form factors (Waasmaier–Kirfel via python3-periodictable)', () => {
  const json: unknown = JSON.parse(fs.readFileSync(XRAY, 'utf8'));
  const xray = parseXrayTable(json);

  it('records where the numbers come from', () => {
    const p = (json as { provenance: Record<string, unknown> }).provenance;
    expect(p.package).toBe('python3-periodictable');
    expect(p.periodictableVersion).toMatch(/^\d+\.\d+/);
    expect(JSON.stringify(p)).toContain('f0_WaasKirf.dat');
    expect(xray.source).toContain('Waasmaier');
  });

  it('gives f0(0) ≈ Z for neutral atoms and knows ions', () => {
    for (const [el, z] of [['H', 1], ['Cu', 29], ['Zr', 40], ['Al', 13], ['U', 92]] as const) expect(Math.abs(xray.at(el, 0) - z)).toBeLessThan(0.05);
    expect(Math.abs(xray.at('Cu2+', 0) - 27)).toBeLessThan(0.05);
    expect(() => xray.at('Xx', 1)).toThrow(/no xray/);
    expect(() => xray.at('Cu', 4 * Math.PI * 6.5)).toThrow(/fit ends/);
  });

  it.skipIf(!hasPeriodictable)('equals periodictable.xsf f0(Q) for every stored element (to 1e-12)', () => {
    const elements = Object.keys((json as { xray: { elements: Record<string, unknown> } }).xray.elements);
    const qs = [0, 0.7, 2.5, 6, 15, 30];
    const script = `
import json, sys, periodictable
els = json.loads(sys.argv[1]); qs = json.loads(sys.argv[2])
print(json.dumps({e: [float(getattr(periodictable, e).xray.f0(q)) for q in qs] for e in els}))`;
    const run = spawnSync(PYTHON, ['-c', script, JSON.stringify(elements), JSON.stringify(qs)], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const reference = JSON.parse(run.stdout) as Record<string, number[]>;
    expect(elements.length).toBeGreaterThan(90);
    for (const el of elements) {
      qs.forEach((q, i) => expect(Math.abs(xray.at(el, q) - (reference[el]?.[i] as number))).toBeLessThan(1e-12));
    }
  });

  it.skipIf(!hasPeriodictable)('stores periodictable.nsf coherent lengths b_c for the neutron table', () => {
    const neutron = readScatteringFactors('neutron', XRAY);
    const run = spawnSync(PYTHON, ['-c', 'import periodictable as p; print(p.Cu.neutron.b_c, p.Zr.neutron.b_c, p.H.neutron.b_c)'], { encoding: 'utf8' });
    const [cu, zr, h] = run.stdout.trim().split(/\s+/).map(Number);
    expect(neutron.at('Cu', 3)).toBe(cu);
    expect(neutron.at('Zr', 0)).toBe(zr);
    expect(neutron.at('H', 1)).toBe(h);
    expect(neutron.unit).toBe('fm');
  });
});

describe('electron scattering factors (Peng 1996)', () => {
  const json: unknown = JSON.parse(fs.readFileSync(PENG, 'utf8'));
  const electron = parsePengTable(json);
  const cu = (json as { elements: { Cu: { low: { a: number[]; b: number[] }; high: { a: number[]; b: number[] } } } }).elements.Cu;

  it('uses s = q/4π with the low table up to s = 2 and the high table beyond', () => {
    expect(electron.at('Cu', 0)).toBeCloseTo(cu.low.a.reduce((t, x) => t + x, 0), 12);
    const s = 0.5;
    const low = cu.low.a.reduce((t, a, i) => t + a * Math.exp(-(cu.low.b[i] as number) * s * s), 0);
    expect(electron.at('Cu', 4 * Math.PI * s)).toBeCloseTo(low, 12);
    const s2 = 3;
    const high = cu.high.a.reduce((t, a, i) => t + a * Math.exp(-(cu.high.b[i] as number) * s2 * s2), 0);
    expect(electron.at('Cu', 4 * Math.PI * s2)).toBeCloseTo(high, 12);
    expect(() => electron.at('Cu', 4 * Math.PI * 7)).toThrow(/not fitted/);
    expect(() => parsePengTable({ elements: { Cu: { low: { a: [1], b: [] } } } })).toThrow(/same/);
  });
});
