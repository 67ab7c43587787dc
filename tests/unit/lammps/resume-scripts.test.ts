/**
 * Resumable scripts: restart files every K steps and at every stage end, the global step continuing through the
 * stages, and a resumed script that reads the restart file, skips finished stages, redoes no one-off commands in
 * the interrupted stage, and ends every stage at the same global step as the fresh script (so the step total is as
 * planned). Also the film route's and the crystal's start structures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointInterval, simulationParamsSchema, simulationStages, type SimulationParamsInput } from '../../../main/shared/simulation';
import { buildProtocolInput, filmSlabMask } from '../../../native-workers/lib/lammps/protocol-inputs';
import { FROZEN_TYPE, protocolScript, type ScriptContext } from '../../../native-workers/lib/lammps/protocol-scripts';
import { deltaMuAt, listCheckpoints, pruneCheckpoints } from '../../../native-workers/lib/lammps/run-folder';
import { ThermoTable } from '../../../native-workers/lib/lammps/thermo-table';
import { tempDir } from '../../support/temp';

function script(input: SimulationParamsInput, ctx: Partial<ScriptContext> = {}): string {
  const params = simulationParamsSchema.parse(input);
  const built = buildProtocolInput(params);
  return protocolScript(params, { typeElements: built.typeElements, potentialFile: 'potential.eam.fs', pairStyle: 'eam/fs', atomCount: built.structure.ids.length, swapMuKeyword: 'mu', ...ctx });
}

/** [first, last] of every `run LAST upto start FIRST stop LAST`. */
function ranges(text: string): Array<[number, number]> {
  return [...text.matchAll(/^run (\d+) upto start (\d+) stop (\d+)$/gm)].map((m) => [Number(m[2]), Number(m[3])]);
}

const composite: SimulationParamsInput = { protocol: 'composite', cells: [6, 6, 6], nanocrystals: [{ centerFraction: [0.5, 0.5, 0.5], radiusLatticeParams: 1.5 }], meltPs: 2, quenchKPerPs: 200, equilibratePs: 3 };

describe('resumable protocol scripts', () => {
  it('a fresh script runs its stages over consecutive global steps, with periodic and stage-end restart files', () => {
    const text = script(composite, { checkpointEvery: 250 });
    // melt 1000; 2000 → 700 K at 200 K/ps = 6.5 ps = 3250; 3 ps = 1500; 700 → 300 K = 2 ps = 1000.
    expect(ranges(text)).toEqual([[0, 1000], [1000, 4250], [4250, 5750], [5750, 6750]]);
    expect(text).toContain('restart 250 ckpt.*.restart');
    for (const step of [1000, 4250, 5750, 6750]) expect(text).toContain(`write_restart ckpt.${step}.restart`);
    expect(text).toContain('read_data input.data');
    // No restart files during the final minimisation (its iterations would pass the planned total).
    expect(text.indexOf('restart 0')).toBeLessThan(text.indexOf('minimize 0 1.0e-6'));
    expect(text.indexOf('restart 0')).toBeGreaterThan(text.indexOf('write_restart ckpt.6750.restart'));
  });

  it('a script resumed mid-quench reads the restart file, skips the melt, keeps the ramp and repeats no one-off commands', () => {
    const text = script(composite, { checkpointEvery: 250, resume: { restartFile: 'ckpt.2000.restart', step: 2000 } });
    expect(text).toContain('read_restart ckpt.2000.restart');
    expect(text).not.toContain('read_data');
    expect(text).not.toContain('velocity mobile create'); // the setup's velocities come from the restart file
    expect(text).not.toContain('@ssro stage 0 ');
    expect(text).toContain('@ssro stage 1 ');
    // The quench ends at the planned step, its ramp 2000 → 700 K still spanning 1000 … 4250.
    expect(ranges(text)).toEqual([[1000, 4250], [4250, 5750], [5750, 6750]]);
    expect(text).toContain('fix md mobile npt temp 2000 700');
    // The potential's coefficients are not in a restart file: always given again.
    expect(text).toContain('pair_coeff * * potential.eam.fs Cu Zr Cu');
    // The release (a stage begun from its start after the resume) still changes types and draws velocities.
    expect(text).toContain('set type 3 type 1');
  });

  it('a script resumed exactly at a stage end starts the next stage with its one-off commands; one at the end only finishes', () => {
    const atRelease = script(composite, { resume: { restartFile: 'ckpt.4250.restart', step: 4250 } });
    expect(ranges(atRelease)[0]).toEqual([4250, 5750]);
    expect(atRelease).toContain('set type 3 type 1');
    const midRelease = script(composite, { resume: { restartFile: 'ckpt.5000.restart', step: 5000 } });
    expect(midRelease).not.toContain('set type 3 type 1');
    const atEnd = script(composite, { resume: { restartFile: 'ckpt.6750.restart', step: 6750 } });
    expect(ranges(atEnd)).toEqual([]);
    expect(atEnd).toContain('write_data final.data');
    expect(atEnd.trimEnd().endsWith('print "@ssro done"')).toBe(true);
  });

  it('a resumed semi-grand loop completes its interrupted cycle, then the remaining ones, from the last Δμ', () => {
    const input: SimulationParamsInput = { protocol: 'complexion', doping: 'semi-grand', grainWidthA: 20, lengthYA: 10, lengthZA: 10, equilibrateSteps: 500, mcSteps: 3000, muAdjustEvery: 1000 };
    const text = script(input, { resume: { restartFile: 'ckpt.1700.restart', step: 1700, deltaMuEv: -3.25 } });
    expect(text).toContain('variable dmu equal -3.25');
    // Stage from 500 to 3500; resumed at 1700: cycles end at 2500 and 3500, so two more.
    expect(text).toContain('variable target equal (floor((step-500)/1000)+1)*1000+500');
    expect(text).toContain('variable cycle loop 2');
    expect(text).not.toContain('minimize 0 1.0e-4'); // the first relaxation belongs to the fresh start
  });

  it('checkpoint interval: as given, else about five minutes at the assumed rate in whole thermo intervals', () => {
    const params = simulationParamsSchema.parse({ protocol: 'glass', thermoEvery: 100 });
    expect(checkpointInterval(params, 100_000)).toBe(600); // 300 s × 2×10⁵ atom-steps/s ÷ 10⁵ atoms
    expect(checkpointInterval(simulationParamsSchema.parse({ protocol: 'glass', checkpointEvery: 0 }), 100)).toBe(0);
  });

  it('run folder: newest restart files kept, older pruned; Δμ read back at a step; thermo rows after a resume step dropped', () => {
    const dir = tempDir();
    for (const step of [100, 200, 300, 1000]) fs.writeFileSync(path.join(dir, `ckpt.${step}.restart`), 'x');
    fs.writeFileSync(path.join(dir, 'ckpt.x.restart'), 'not ours');
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([1000, 300, 200, 100]);
    pruneCheckpoints(dir);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([1000, 300]);
    fs.writeFileSync(path.join(dir, 'dmu.txt'), '1000 -3.28\n2000 -3.26\n3000 -3.24\n');
    expect(deltaMuAt(dir, 2500)).toBe(-3.26);
    expect(deltaMuAt(dir, 500)).toBeUndefined();
    const file = path.join(dir, 'thermo.csv');
    const first = new ThermoTable(file);
    for (const step of [0, 100, 200, 300]) first.append(['Step', 'Temp', 'PotEng', 'Volume', 'Press', 'v_xdop'], [step, 300, -1, 1, 0, 0]);
    first.close();
    const resumed = new ThermoTable(file, { keepUpToStep: 200 });
    expect(resumed.rowsKept()).toBe(3);
    // The resumed run prints step 200 again (its first row): not duplicated.
    expect(resumed.append(['Step', 'Temp', 'PotEng', 'Volume', 'Press', 'v_xdop'], [200, 301, -1, 1, 0, 0])).toBeNull();
    resumed.append(['Step', 'Temp', 'PotEng', 'Volume', 'Press', 'v_xdop'], [300, 302, -1, 1, 0, 0]);
    resumed.close();
    const steps = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
    expect(steps).toEqual([0, 100, 200, 300]);
  });
});

describe('film route and crystal start structures', () => {
  it('film route: dopant only inside the two slabs, at the slab fraction; the grains are the held type', () => {
    const params = simulationParamsSchema.parse({ protocol: 'complexion', grainWidthA: 30, lengthYA: 12, lengthZA: 12, filmThicknessA: 10, filmDopantFraction: 0.2 });
    // Asking for a film moves the MC route's defaults out of the way.
    expect(params.protocol === 'complexion' && params.mcSteps).toBe(0);
    expect(params.protocol === 'complexion' && params.equilibrateSteps).toBe(10_000);
    const input = buildProtocolInput(params);
    const s = input.structure;
    const lx = s.cell.a[0];
    expect(input.typeElements).toEqual(['Cu', 'Zr', 'Cu']);
    // Grain A ([110] along x, period a/√2) is 12 periods wide: the second boundary is there, not at lx/2.
    const period = 3.639 / Math.SQRT2;
    const width = Math.round(30 / period) * period;
    let slab = 0;
    let dopant = 0;
    for (let i = 0; i < s.ids.length; i++) {
      const x = s.positions[3 * i] as number;
      const distance = Math.min(x, lx - x, Math.abs(x - width));
      const inSlab = distance <= 5 + 1e-9;
      if (inSlab) slab++;
      if (s.types[i] === 2) {
        dopant++;
        expect(inSlab).toBe(true);
      }
      expect(s.types[i] === FROZEN_TYPE).toBe(!inSlab);
    }
    expect(dopant).toBe(Math.round(0.2 * slab));
    expect(simulationStages(params).map((st) => st.name)).toEqual([
      'NPT at 1000 K',
      'melt the films at 2000 K (grains held)',
      'quench the films 2000 → 1000 K',
      'release, anneal at 1000 K',
    ]);
  });

  it('filmSlabMask measures distance to the planes periodically', () => {
    const positions = Float64Array.from([0.5, 0, 0, 9.5, 0, 0, 5, 0, 0, 2.9, 0, 0]);
    expect([...filmSlabMask(positions, 10, [0], 6)]).toEqual([1, 1, 0, 1]);
  });

  it('film route refuses films that leave no grain, naming the parameter', () => {
    const params = simulationParamsSchema.parse({ protocol: 'complexion', grainWidthA: 10, lengthYA: 10, lengthZA: 10, filmThicknessA: 12 });
    expect(() => buildProtocolInput(params)).toThrow(/filmThicknessA/);
  });

  it('crystal: box of whole periods at least the minimum lengths; exact dopant count; minimisation off by default', () => {
    const params = simulationParamsSchema.parse({ protocol: 'crystal', orientation: { x: [1, 1, 0], y: [-1, 1, 0], z: [0, 0, 1] }, minLengthsA: [12, 12, 12], dopantFraction: 0.02 });
    expect(params.minimize).toBe(false);
    const input = buildProtocolInput(params);
    const [lx, ly, lz] = [input.structure.cell.a[0], input.structure.cell.b[1], input.structure.cell.c[2]];
    const p110 = 3.639 / Math.SQRT2;
    expect(lx).toBeCloseTo(5 * p110, 9); // ceil(12 / 2.573) = 5 periods
    expect(ly).toBeCloseTo(5 * p110, 9);
    expect(lz).toBeCloseTo(4 * 3.639, 9);
    const n = input.structure.ids.length;
    expect(n).toBe(Math.round((4 * lx * ly * lz) / 3.639 ** 3));
    expect(input.structure.types.filter((t) => t === 2).length).toBe(Math.round(0.02 * n));
    expect(script({ protocol: 'crystal', minLengthsA: [8, 8, 8] })).toContain('velocity all create 600 12345');
  });

  it('crystal: a random orientation is realised as a rational one, different for different seeds', () => {
    const a = simulationParamsSchema.parse({ protocol: 'crystal', orientationMode: 'random', seed: 3, minLengthsA: [12, 12, 12], maxAtoms: 3000 });
    const b = simulationParamsSchema.parse({ protocol: 'crystal', orientationMode: 'random', seed: 4, minLengthsA: [12, 12, 12], maxAtoms: 3000 });
    const na = buildProtocolInput(a).notes.find((n) => n.startsWith('random orientation'));
    const nb = buildProtocolInput(b).notes.find((n) => n.startsWith('random orientation'));
    expect(na).toMatch(/realised as x=\[[-\d,]+\] y=\[[-\d,]+\] z=\[[-\d,]+\], \d+\.\d+° from the drawn rotation/);
    expect(na).not.toBe(nb);
  });
});
