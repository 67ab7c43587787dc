import { describe, expect, it } from 'vitest';
import { simulationCost, simulationParamsSchema, simulationStages, type SimulationParamsInput } from '../../../main/shared/simulation';
import { buildProtocolInput } from '../../../native-workers/lib/lammps/protocol-inputs';
import { protocolScript, type ScriptContext } from '../../../native-workers/lib/lammps/protocol-scripts';

function plan(input: SimulationParamsInput, ctx: Partial<ScriptContext> = {}): { script: string; runs: number[]; params: ReturnType<typeof simulationParamsSchema.parse> } {
  const params = simulationParamsSchema.parse(input);
  const built = buildProtocolInput(params);
  const script = protocolScript(params, {
    typeElements: built.typeElements,
    potentialFile: 'potential.eam.fs',
    pairStyle: 'eam/fs',
    atomCount: built.structure.ids.length,
    swapMuKeyword: 'mu',
    ...ctx,
  });
  // Stages run as `run LAST upto start FIRST stop LAST` over global steps; their lengths are LAST − FIRST.
  const runs = [...script.matchAll(/^run (\d+) upto start (\d+) stop (\d+)$/gm)].map((m) => Number(m[3]) - Number(m[2]));
  return { script, runs, params };
}

describe('protocol scripts', () => {
  it('glass: melt, quench at the given rate, hold — the runs are exactly the planned stages', () => {
    const { script, runs, params } = plan({ protocol: 'glass', atoms: 500, meltPs: 10, quenchKPerPs: 10, holdPs: 4, timestepFs: 2 });
    // 10 ps / 2 fs = 5000; (2000 − 300) K / 10 K/ps = 170 ps = 85000 steps; 4 ps = 2000.
    expect(runs).toEqual([5000, 85000, 2000]);
    expect(simulationStages(params).map((s) => s.steps)).toEqual(runs);
    expect(script).toContain('fix md all npt temp 2000 300 0.2 iso 0 0 2');
    expect(script).toContain('pair_coeff * * potential.eam.fs Cu Zr');
    expect(script).toContain('minimize 0 1.0e-6 2000 20000');
    expect(script.trimEnd().endsWith('print "@ssro done"')).toBe(true);
    expect(script.indexOf('write_data final.data')).toBeLessThan(script.indexOf('@ssro done'));
  });

  it('keeps the structure name and the potential path out of the script', () => {
    const { script } = plan({ protocol: 'glass', atoms: 108, name: 'x & shell rm -rf ~ ${HOME}', potentialPath: '/tmp/evil$(ls)/p.eam.fs' });
    expect(script).not.toContain('shell');
    expect(script).not.toContain('evil');
    expect(script).not.toContain('HOME');
    // Every non-comment line starts with a known command.
    const commands = new Set(['units', 'atom_style', 'boundary', 'read_data', 'pair_style', 'pair_coeff', 'neighbor', 'neigh_modify', 'timestep', 'variable', 'compute', 'thermo_style', 'thermo', 'thermo_modify', 'velocity', 'print', 'fix', 'run', 'unfix', 'min_style', 'minimize', 'write_data', 'write_restart', 'restart']);
    for (const line of script.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(commands.has(line.split(' ')[0] ?? '')).toBe(true);
    }
  });

  it('complexion (canonical): bicrystal relaxed, NPT, then atom/swap every N steps with the composition fixed', () => {
    const { script, runs, params } = plan({ protocol: 'complexion', grainWidthA: 20, lengthYA: 10, lengthZA: 10, equilibrateSteps: 1000, mcSteps: 5000, muAdjustEvery: 1000, dopantFraction: 0.05 });
    expect(runs).toEqual([1000, 5000]);
    expect(script).toContain('fix swap all atom/swap 100 20 12346 1000 ke yes types 1 2');
    expect(script).toMatch(/fix md all npt temp 1000 1000 0\.2 aniso 0 0 2/);
    expect(script).toContain('fix relax all box/relax aniso 0 vmax 0.001');
    const input = buildProtocolInput(params);
    const zr = input.structure.types.filter((t) => t === 2).length;
    expect(zr).toBe(Math.round(0.05 * input.structure.ids.length));
  });

  it('complexion (semi-grand): a loop adjusting Δμ every muAdjustEvery steps, in the syntax of the LAMMPS release', () => {
    const input = { protocol: 'complexion' as const, doping: 'semi-grand' as const, grainWidthA: 20, lengthYA: 10, lengthZA: 10, equilibrateSteps: 0, mcSteps: 3000, muAdjustEvery: 1000, deltaMuEv: -3.3 };
    const old = plan(input);
    expect(old.script).toContain('variable cycle loop 3');
    expect(old.script).toContain('semi-grand yes types 1 2 mu 0 ${dmu}');
    expect(old.script).toContain('variable dmu equal -3.3');
    expect(old.script).toContain('jump SELF mcloop');
    // Each cycle runs up to the next multiple of muAdjustEvery from the stage start (here step 0).
    expect(old.script).toContain('variable target equal (floor((step-0)/1000)+1)*1000+0');
    expect(old.script).toContain('run ${target} upto');
    expect(old.script).toContain('print "$(step) ${dmu}" append dmu.txt screen no');
    const next = plan(input, { swapMuKeyword: 'delta_mu' });
    expect(next.script).toContain('semi-grand yes types 1 2 delta_mu ${dmu}');
    // Semi-grand starts from the pure host: type 2 exists but has no atoms yet.
    const built = buildProtocolInput(old.params);
    expect(built.typeElements).toEqual(['Cu', 'Zr']);
    expect(built.structure.types.every((t) => t === 1)).toBe(true);
  });

  it('composite: frozen nanocrystals as type 3 during melt and quench, released, equilibrated, cooled', () => {
    const { script, runs, params } = plan({
      protocol: 'composite',
      cells: [8, 8, 8],
      nanocrystals: [{ centerFraction: [0.5, 0.5, 0.5], radiusLatticeParams: 2 }],
      meltPs: 2,
      quenchKPerPs: 100,
      equilibratePs: 4,
    });
    // melt 2 ps = 1000; 2000 → 700 K at 100 K/ps = 13 ps = 6500; 4 ps = 2000; 700 → 300 K = 4 ps = 2000.
    expect(runs).toEqual([1000, 6500, 2000, 2000]);
    expect(script).toContain('pair_coeff * * potential.eam.fs Cu Zr Cu');
    expect(script).toContain('group frozen type 3');
    expect(script).toContain('fix md mobile npt temp 2000 2000 0.2 iso 0 0 2 dilate mobile');
    expect(script.indexOf('set type 3 type 1')).toBeGreaterThan(script.indexOf('fix md mobile npt temp 2000 700'));
    const input = buildProtocolInput(params);
    const n = input.structure.ids.length;
    const frozen = input.structure.types.filter((t) => t === 3).length;
    const zr = input.structure.types.filter((t) => t === 2).length;
    // A sphere of radius 2a holds ≈ (4/3)π·8·4 ≈ 134 atoms; 36 % of the rest become Zr.
    expect(frozen).toBeGreaterThan(120);
    expect(frozen).toBeLessThan(150);
    expect(zr).toBe(Math.round(0.36 * (n - frozen)));
  });

  it('cost: atoms × (MD steps + MC force evaluations)', () => {
    const params = simulationParamsSchema.parse({ protocol: 'complexion', grainWidthA: 20, lengthYA: 10, lengthZA: 10, equilibrateSteps: 1000, mcSteps: 5000, swapEvery: 100, swapAttempts: 20 });
    const cost = simulationCost(params);
    expect(cost.steps).toBe(6000);
    expect(cost.atomSteps).toBe(cost.atoms * (6000 + (5000 / 100) * 20));
  });

  it('refuses parameters a script must never see', () => {
    expect(simulationParamsSchema.safeParse({ protocol: 'glass', composition: { 'Cu; shell': 50 } }).success).toBe(false);
    expect(simulationParamsSchema.safeParse({ protocol: 'glass', meltK: Number.NaN }).success).toBe(false);
    expect(simulationParamsSchema.safeParse({ protocol: 'complexion', grainA: { x: [0, 0, 0], y: [0, 1, 0], z: [0, 0, 1] } }).success).toBe(false);
    expect(simulationParamsSchema.safeParse({ protocol: 'glass', extra: 1 }).success).toBe(false);
  });
});
