/**
 * Probe centres that cannot be a place in the structure are refused with a message (a centre of 1e20 Å used to be
 * reduced into the cell and gave a meaningless pattern), in the library (NbedSimulator.probe) and in `ssro diffract`.
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { NbedSimulator } from '../../../native-workers/lib/diffraction/nbed-simulator';
import { ProbeInputError, ProbeSelector } from '../../../native-workers/lib/diffraction/probes';
import { GLASS_FILE, demoGlass, glassSpecies, pengFactors } from './reference';
import { tempDir } from '../../support/temp';

function simulator(): NbedSimulator {
  const glass = demoGlass();
  return new NbedSimulator(
    { positions: glass.positions, cell: glass.cell, ids: glass.ids, species: glassSpecies(glass), elements: glass.typeElements },
    { shape: { kind: 'cylinder', radiusA: 5, heightA: 20 }, zone: 'z', grid: { kmaxInvA: 1, deltaKInvA: 0.05 }, factors: pengFactors() },
  );
}

describe('probe centres', () => {
  it('NbedSimulator.probe refuses a centre of 1e20 Å and non-finite centres, and keeps centres in and near the cell', () => {
    const sim = simulator();
    expect(() => sim.probe([1e20, 10, 10])).toThrow(ProbeInputError);
    expect(() => sim.probe([1e20, 10, 10])).toThrow(/the probe centre \(100000000000000000000, 10, 10\) Å lies more than 1000000 Å from the origin/);
    expect(() => sim.patternAt([10, -2e6, 10])).toThrow(/lies more than 1000000 Å from the origin/);
    expect(() => sim.probe([Number.NaN, 0, 0])).toThrow(/three finite numbers/);
    // A periodic cell: a centre a few cells away is the same place, and still accepted.
    const { cell } = demoGlass();
    expect(sim.probe([10 + 3 * cell.a[0], 10, 10]).indices.length).toBe(sim.probe([10, 10, 10]).indices.length);
  });

  it('refuses a centre outside the cell by more than its size along a non-periodic direction', () => {
    const cell: Cell = { origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, false] };
    const positions = Float64Array.from([5, 5, 5, 6, 5, 5, 5, 6, 5]);
    const selector = new ProbeSelector({ positions, cell }, { kind: 'cylinder', radiusA: 3, heightA: 8 }, 'x');
    expect(selector.select([5, 5, 5]).indices.length).toBe(3);
    expect(() => selector.select([5, 5, 35])).toThrow(/lies outside the cell by more than the cell's size along cell direction c, which is not periodic/);
    expect(() => selector.select([5, 5, -10.5])).toThrow(/along cell direction c/);
  });

  it('ssro diffract --center 1e20,… exits 1 with a message naming the option', () => {
    const out = path.join(tempDir(), 'never-written.npy');
    const r = spawnSync(process.execPath, [path.resolve('bin/ssro.js'), 'diffract', GLASS_FILE, '--center', '1e20,10,10', '--out', out], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ssro: --center: the probe centre \(100000000000000000000, 10, 10\) Å lies more than 1000000 Å from the origin/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
