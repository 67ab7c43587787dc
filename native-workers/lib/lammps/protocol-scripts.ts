/**
 * The LAMMPS input scripts of the three protocols, written from typed parameters (see main/shared/simulation.ts).
 * Every script reads `input.data` and the potential copied next to it, prints `@ssro stage` markers before each
 * planned run (the progress bar follows them), streams thermo every `thermoEvery` steps, and ends with
 * `write_data final.data` and `@ssro done`: a run that did not print `@ssro done` is never imported.
 */
import {
  simulationStages,
  stepsFor,
  type CompositeParams,
  type ComplexionParams,
  type GlassParams,
  type SimulationParams,
} from '../../../main/shared/simulation';
import { InputScript, int, num, word } from './input-script';

export const INPUT_DATA_FILE = 'input.data';
export const FINAL_DATA_FILE = 'final.data';
export const INPUT_SCRIPT_FILE = 'in.lammps';
export const LOG_FILE = 'log.lammps';

export interface ScriptContext {
  /** Element of each LAMMPS type in input.data (index 0 = type 1); the composite's frozen type repeats the host. */
  typeElements: string[];
  /** The potential's file name inside the job folder (e.g. potential.eam.fs) and its pair style. */
  potentialFile: string;
  pairStyle: 'eam/fs' | 'eam/alloy';
  atomCount: number;
  /**
   * How this LAMMPS build names atom/swap's chemical potentials: `mu` (one value per type, up to early 2023) or
   * `delta_mu` (values relative to the first type, later releases).
   */
  swapMuKeyword: 'mu' | 'delta_mu';
}

function preamble(s: InputScript, params: SimulationParams, ctx: ScriptContext): void {
  // The user's free text (structure name, potential path) stays out of the script, even in a comment.
  const { name: _name, potentialPath: _potentialPath, ...physical } = params;
  s.comment(`SSRO Studio ${params.protocol} protocol; parameters: ${JSON.stringify(physical)}`)
    .command('units', 'metal')
    .command('atom_style', 'atomic')
    .command('boundary', 'p', 'p', 'p')
    .command('read_data', INPUT_DATA_FILE)
    .command('pair_style', word(ctx.pairStyle))
    .command('pair_coeff', '*', '*', word(ctx.potentialFile, 'potential file name'), ...ctx.typeElements.map((e) => word(e, 'element')))
    .command('neighbor', '1.0', 'bin')
    .command('neigh_modify', 'every', '1', 'delay', '0', 'check', 'yes')
    .command('timestep', num(params.timestepFs / 1000, 'timestep'))
    .blank()
    .comment('the dopant (type 2) fraction, streamed with the thermo output')
    .command('variable', 'isDopant', 'atom', 'type==2')
    .command('compute', 'ndop', 'all', 'reduce', 'sum', 'v_isDopant')
    .command('variable', 'xdop', 'equal', 'c_ndop/atoms')
    .command('thermo_style', 'custom', 'step', 'temp', 'pe', 'vol', 'press', 'v_xdop')
    .command('thermo', int(params.thermoEvery, 'thermo interval'))
    .command('thermo_modify', 'flush', 'yes')
    .blank();
}

/** NPT with Nosé–Hoover damping of 100 steps (T) and 1000 steps (P), the usual LAMMPS choice. */
function npt(s: InputScript, params: SimulationParams, group: string, fromK: number, toK: number, coupling: 'iso' | 'aniso', extra: string[] = []): void {
  const dtPs = params.timestepFs / 1000;
  s.command(
    'fix',
    'md',
    word(group),
    'npt',
    'temp',
    num(fromK, 'temperature'),
    num(toK, 'temperature'),
    num(100 * dtPs),
    coupling,
    num(params.pressureBar, 'pressure'),
    num(params.pressureBar, 'pressure'),
    num(1000 * dtPs),
    ...extra,
  );
}

function finish(s: InputScript, params: SimulationParams, coupling: 'iso' | 'aniso'): void {
  if (params.minimize) {
    s.stage(-1, 'minimise energy');
    s.command('fix', 'relax', 'all', 'box/relax', coupling, num(params.pressureBar, 'pressure'), 'vmax', '0.001');
    s.command('min_style', 'cg');
    s.command('minimize', '0', '1.0e-6', '2000', '20000');
    s.command('unfix', 'relax');
  }
  s.command('write_data', FINAL_DATA_FILE);
  s.done();
}

export function glassScript(params: GlassParams, ctx: ScriptContext): string {
  const s = new InputScript();
  preamble(s, params, ctx);
  const stages = simulationStages(params);
  s.command('velocity', 'all', 'create', num(params.meltK), int(params.seed), 'mom', 'yes', 'rot', 'yes', 'dist', 'gaussian');
  const runs: Array<[number, number, number]> = [
    [params.meltK, params.meltK, stepsFor(params.meltPs, params.timestepFs)],
    [params.meltK, params.finalK, stages.find((x) => x.name.startsWith('quench'))?.steps ?? 0],
    [params.finalK, params.finalK, stepsFor(params.holdPs, params.timestepFs)],
  ];
  let index = 0;
  for (const [fromK, toK, steps] of runs) {
    if (steps <= 0) continue;
    s.stage(index, stages[index]?.name ?? '');
    npt(s, params, 'all', fromK, toK, 'iso');
    s.command('run', int(steps));
    s.command('unfix', 'md');
    index++;
  }
  finish(s, params, 'iso');
  return s.text();
}

export function complexionScript(params: ComplexionParams, ctx: ScriptContext): string {
  const s = new InputScript();
  preamble(s, params, ctx);
  const T = params.temperatureK;
  s.stage(-1, 'relax the as-built bicrystal');
  s.command('min_style', 'cg');
  s.command('minimize', '0', '1.0e-4', '500', '5000');
  s.command('reset_timestep', '0');
  s.command('velocity', 'all', 'create', num(T), int(params.seed), 'mom', 'yes', 'rot', 'yes', 'dist', 'gaussian');
  npt(s, params, 'all', T, T, 'aniso');
  let index = 0;
  if (params.equilibrateSteps > 0) {
    s.stage(index++, `NPT at ${T} K`);
    s.command('run', int(params.equilibrateSteps));
  }
  const cycles = Math.ceil(params.mcSteps / params.muAdjustEvery);
  if (cycles > 0) {
    s.stage(index, `${params.doping} doping with ${params.dopant}`);
    const swapSeed = params.seed + 1;
    if (params.doping === 'canonical') {
      // Composition fixed (the dopant was placed at random by the builder); pair swaps move it to the boundary.
      s.command('fix', 'swap', 'all', 'atom/swap', int(params.swapEvery), int(params.swapAttempts), int(swapSeed), num(T), 'ke', 'yes', 'types', '1', '2');
      s.command('run', int(cycles * params.muAdjustEvery));
      s.command('unfix', 'swap');
    } else if (params.doping === 'vc-sgc') {
      // fix sgcmc (LAMMPS ≥ 2023, MC package): Δμ and the variance constraint κ hold the dopant fraction near the target.
      s.command(
        'fix', 'sgc', 'all', 'sgcmc', int(params.swapEvery), num(Math.min(1, params.swapAttempts / Math.max(1, ctx.atomCount))), num(T), num(params.deltaMuEv),
        'variance', num(params.kappa), num(params.dopantFraction),
        'randseed', int(swapSeed),
      );
      s.command('run', int(cycles * params.muAdjustEvery));
      s.command('unfix', 'sgc');
    } else {
      // Semi-grand swaps with Δμ = μ(dopant) − μ(host) adjusted every muAdjustEvery steps towards the target (the
      // paper's "chemical potential adjusted to control Zr concentration every 1000 MD steps").
      s.command('variable', 'dmu', 'equal', num(params.deltaMuEv));
      s.command('label', 'mcloop');
      s.command('variable', 'cycle', 'loop', int(cycles));
      s.command('fix', 'swap', 'all', 'atom/swap', int(params.swapEvery), int(params.swapAttempts), `$(${int(swapSeed)}+v_cycle)`, num(T), 'ke', 'yes', 'semi-grand', 'yes', 'types', '1', '2', ...(ctx.swapMuKeyword === 'mu' ? ['mu', '0', '${dmu}'] : ['delta_mu', '${dmu}']));
      s.command('run', int(params.muAdjustEvery));
      s.command('unfix', 'swap');
      const gain = num(params.muGainEv);
      const cap = num(params.maxMuStepEv);
      s.command('variable', 'dstep', 'equal', `${gain}*(${num(params.dopantFraction)}-v_xdop)`);
      s.command('variable', 'dmu', 'equal', `$(v_dmu+(v_dstep>${cap})*${cap}-(v_dstep<-${cap})*${cap}+(v_dstep<=${cap}&&v_dstep>=-${cap})*v_dstep)`);
      s.command('next', 'cycle');
      s.command('jump', 'SELF', 'mcloop');
    }
  }
  s.command('unfix', 'md');
  finish(s, params, 'aniso');
  return s.text();
}

/** Type 3 marks the frozen nanocrystal atoms (same element as the host) until they are released. */
export const FROZEN_TYPE = 3;

export function compositeScript(params: CompositeParams, ctx: ScriptContext): string {
  const s = new InputScript();
  preamble(s, params, ctx);
  const stages = simulationStages(params);
  const meltSteps = stepsFor(params.meltPs, params.timestepFs);
  const quenchSteps = stages.find((x) => x.name.startsWith('quench'))?.steps ?? 0;
  const equilSteps = stepsFor(params.equilibratePs, params.timestepFs);
  const coolSteps = stages.find((x) => x.name.startsWith('cool'))?.steps ?? 0;
  s.command('group', 'frozen', 'type', int(FROZEN_TYPE));
  s.command('group', 'mobile', 'subtract', 'all', 'frozen');
  s.command('velocity', 'mobile', 'create', num(params.meltK), int(params.seed), 'mom', 'yes', 'rot', 'yes', 'dist', 'gaussian');
  s.command('velocity', 'frozen', 'set', '0', '0', '0');
  // The frozen nanocrystals are not integrated, and `dilate mobile` keeps the barostat from rescaling them.
  let index = 0;
  const stage = (steps: number, body: () => void): void => {
    if (steps <= 0) return;
    s.stage(index, stages[index]?.name ?? '');
    body();
    s.command('run', int(steps));
    s.command('unfix', 'md');
    index++;
  };
  stage(meltSteps, () => npt(s, params, 'mobile', params.meltK, params.meltK, 'iso', ['dilate', 'mobile']));
  stage(quenchSteps, () => npt(s, params, 'mobile', params.meltK, params.releaseK, 'iso', ['dilate', 'mobile']));
  s.comment('release the nanocrystals: they become ordinary host atoms with thermal velocities');
  s.command('set', 'type', int(FROZEN_TYPE), 'type', '1');
  s.command('velocity', 'frozen', 'create', num(params.releaseK), int(params.seed + 1), 'dist', 'gaussian');
  stage(equilSteps, () => npt(s, params, 'all', params.releaseK, params.releaseK, 'iso'));
  stage(coolSteps, () => npt(s, params, 'all', params.releaseK, params.finalK, 'iso'));
  finish(s, params, 'iso');
  return s.text();
}

export function protocolScript(params: SimulationParams, ctx: ScriptContext): string {
  switch (params.protocol) {
    case 'glass':
      return glassScript(params, ctx);
    case 'complexion':
      return complexionScript(params, ctx);
    case 'composite':
      return compositeScript(params, ctx);
  }
}
