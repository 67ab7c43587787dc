/**
 * The LAMMPS input scripts of the protocols, written from typed parameters (see main/shared/simulation.ts).
 * Every script reads `input.data` and the potential copied next to it, prints `@ssro stage` markers before each
 * planned run (the progress bar follows them), streams thermo every `thermoEvery` steps, and ends with
 * `write_data final.data` and `@ssro done`: a run that did not print `@ssro done` is never imported.
 *
 * Resumable runs: the timestep counts on through all stages (stage k spans the global steps [S_k, S_k+1)), each
 * stage runs as `run S_k+1 upto start S_k stop S_k+1`, a restart file `ckpt.<step>.restart` is written every
 * `checkpointEvery` steps and at the end of every stage. A resumed script reads the newest good restart file
 * instead of input.data, skips the stages that ended before its step, and finishes the current one with the same
 * `run … upto start … stop …`, so the total step count is as planned and temperature ramps continue from where
 * they were. What a restart file cannot carry is re-made, not restored: the Nosé–Hoover thermostat and barostat
 * variables start from zero again, an MC swap fix draws from a new random stream, and the semi-grand controller
 * restarts from the last Δμ it wrote to dmu.txt — a resumed run is statistically equivalent, never bit-identical.
 */
import {
  simulationStages,
  stepsFor,
  type CompositeParams,
  type ComplexionParams,
  type CrystalParams,
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
  /** MD steps between periodic restart files (0 or absent = only at the end of each stage). */
  checkpointEvery?: number;
  /** Continue from `restartFile`, written at global step `step` (see the file comment). */
  resume?: { restartFile: string; step: number; deltaMuEv?: number };
}

/** Restart files of a run: `ckpt.<global step>.restart` (LAMMPS replaces the `*` of the periodic pattern). */
export const CHECKPOINT_PATTERN = 'ckpt.*.restart';
export const CHECKPOINT_FILE = /^ckpt\.(\d+)\.restart$/;
export function checkpointFile(step: number): string {
  return `ckpt.${int(step, 'checkpoint step')}.restart`;
}
/** The semi-grand controller's Δμ after each adjustment: lines "step Δμ". */
export const DELTA_MU_FILE = 'dmu.txt';

function preamble(s: InputScript, params: SimulationParams, ctx: ScriptContext): void {
  // The user's free text (structure name, potential path) stays out of the script, even in a comment.
  const { name: _name, potentialPath: _potentialPath, ...physical } = params;
  s.comment(`SSRO Studio ${params.protocol} protocol; parameters: ${JSON.stringify(physical)}`);
  if (ctx.resume) {
    // The restart file carries units, atom style, box, atoms, velocities, types and groups; not the potential's coefficients.
    s.comment(`resumed at step ${ctx.resume.step}; stages that ended before it are skipped`);
    s.command('read_restart', word(ctx.resume.restartFile, 'restart file'));
  } else {
    s.command('units', 'metal').command('atom_style', 'atomic').command('boundary', 'p', 'p', 'p').command('read_data', INPUT_DATA_FILE);
  }
  s.command('pair_style', word(ctx.pairStyle))
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
  // A ramp (fromK ≠ toK) follows the `start`/`stop` of its run command, so a resumed quench continues its ramp.
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
  // No restart files during minimisation: its iterations advance the timestep past the planned total.
  s.command('restart', '0');
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

/** NVT on a group (the films while the grains are held), Nosé–Hoover damping of 100 steps. */
function nvt(s: InputScript, params: SimulationParams, group: string, fromK: number, toK: number): void {
  s.command('fix', 'md', word(group), 'nvt', 'temp', num(fromK, 'temperature'), num(toK, 'temperature'), num((100 * params.timestepFs) / 1000));
}

/** One planned run of a protocol (see the file comment for how it is resumed). */
interface PlannedStage {
  name: string;
  steps: number;
  /** Commands run once when the stage starts at its first step (new velocities, type changes); skipped mid-stage. */
  begin?: (s: InputScript) => void;
  /** The fixes the run needs, defined again when a run resumes inside the stage; `unfix`ed after it. */
  fixes: (s: InputScript) => void;
  unfix: string[];
  /** The run itself over global steps [first, last), from `from` (default: one `run last upto start first stop last`). */
  run?: (s: InputScript, range: { first: number; last: number; from: number }) => void;
}

interface ProtocolPlan {
  /** After read_data, before the first stage (groups, a first minimisation, initial velocities); never on resume. */
  setup: (s: InputScript) => void;
  stages: PlannedStage[];
  coupling: 'iso' | 'aniso';
}

function render(params: SimulationParams, ctx: ScriptContext, plan: ProtocolPlan): string {
  const s = new InputScript();
  preamble(s, params, ctx);
  const resumeAt = ctx.resume?.step ?? null;
  if (resumeAt === null) plan.setup(s);
  const every = ctx.checkpointEvery ?? 0;
  if (every > 0) s.command('restart', int(every, 'checkpoint interval'), CHECKPOINT_PATTERN);
  const planned = simulationStages(params);
  const stages = plan.stages.filter((st) => st.steps > 0);
  if (stages.length !== planned.length || stages.some((st, i) => st.steps !== planned[i]?.steps)) {
    throw new Error('internal: the script stages differ from simulationStages');
  }
  let first = 0;
  stages.forEach((st, index) => {
    const last = first + st.steps;
    if (resumeAt !== null && last <= resumeAt) {
      first = last;
      return;
    }
    const from = resumeAt === null ? first : Math.max(first, resumeAt);
    s.stage(index, st.name);
    if (from === first) st.begin?.(s);
    st.fixes(s);
    if (st.run) st.run(s, { first, last, from });
    else s.command('run', int(last), 'upto', 'start', int(first), 'stop', int(last));
    for (const id of st.unfix) s.command('unfix', word(id));
    s.command('write_restart', checkpointFile(last));
    first = last;
  });
  finish(s, params, plan.coupling);
  return s.text();
}

function velocities(s: InputScript, group: string, kelvin: number, seed: number, zeroMomentum = true): void {
  s.command('velocity', word(group), 'create', num(kelvin), int(seed), ...(zeroMomentum ? ['mom', 'yes', 'rot', 'yes'] : []), 'dist', 'gaussian');
}

/** Seeds stay in LAMMPS's range (1 … 2³¹−2) when offset by a step count. */
function seedAt(seed: number, offset: number): number {
  return ((seed - 1 + offset) % 2_147_483_646) + 1;
}

export function glassScript(params: GlassParams, ctx: ScriptContext): string {
  const dt = params.timestepFs;
  const quench = Math.round((Math.abs(params.meltK - params.finalK) / params.quenchKPerPs) * 1000 / dt);
  const ramp = (name: string, steps: number, fromK: number, toK: number): PlannedStage => ({ name, steps, fixes: (s) => npt(s, params, 'all', fromK, toK, 'iso'), unfix: ['md'] });
  return render(params, ctx, {
    setup: (s) => velocities(s, 'all', params.meltK, params.seed),
    stages: [
      ramp(`melt at ${params.meltK} K`, stepsFor(params.meltPs, dt), params.meltK, params.meltK),
      ramp(`quench ${params.meltK} → ${params.finalK} K`, quench, params.meltK, params.finalK),
      ramp(`hold at ${params.finalK} K`, stepsFor(params.holdPs, dt), params.finalK, params.finalK),
    ],
    coupling: 'iso',
  });
}

/** The MC stage of the complexion: swaps at fixed composition, semi-grand with a Δμ controller, or VC-SGC. */
function dopingStage(params: ComplexionParams, ctx: ScriptContext): PlannedStage {
  const T = params.temperatureK;
  const M = params.muAdjustEvery;
  const cycles = Math.ceil(params.mcSteps / M);
  const swapSeed = params.seed + 1;
  const stage: PlannedStage = {
    name: `${params.doping} doping with ${params.dopant}`,
    steps: cycles * M,
    fixes: (s) => npt(s, params, 'all', T, T, 'aniso'),
    unfix: ['md'],
  };
  if (params.doping === 'canonical') {
    // Composition fixed (the dopant was placed at random by the builder); pair swaps move it to the boundary.
    return {
      ...stage,
      fixes: (s) => {
        npt(s, params, 'all', T, T, 'aniso');
        s.command('fix', 'swap', 'all', 'atom/swap', int(params.swapEvery), int(params.swapAttempts), int(seedAt(swapSeed, ctx.resume?.step ?? 0)), num(T), 'ke', 'yes', 'types', '1', '2');
      },
      unfix: ['swap', 'md'],
    };
  }
  if (params.doping === 'vc-sgc') {
    // fix sgcmc (LAMMPS ≥ 2023, MC package): Δμ and the variance constraint κ hold the dopant fraction near the target.
    return {
      ...stage,
      fixes: (s) => {
        npt(s, params, 'all', T, T, 'aniso');
        s.command(
          'fix', 'sgc', 'all', 'sgcmc', int(params.swapEvery), num(Math.min(1, params.swapAttempts / Math.max(1, ctx.atomCount))), num(T), num(params.deltaMuEv),
          'variance', num(params.kappa), num(params.dopantFraction),
          'randseed', int(seedAt(swapSeed, ctx.resume?.step ?? 0)),
        );
      },
      unfix: ['sgc', 'md'],
    };
  }
  // Semi-grand swaps with Δμ = μ(dopant) − μ(host) adjusted every muAdjustEvery steps towards the target (the
  // paper's "chemical potential adjusted to control Zr concentration every 1000 MD steps"). Each cycle runs up to
  // the next multiple of M from the stage start, so a resumed loop first completes its interrupted cycle.
  return {
    ...stage,
    run: (s, { first, last, from }) => {
      const done = Math.floor((from - first) / M);
      s.command('variable', 'dmu', 'equal', num(ctx.resume?.deltaMuEv ?? params.deltaMuEv));
      s.command('variable', 'target', 'equal', `(floor((step-${int(first)})/${int(M)})+1)*${int(M)}+${int(first)}`);
      s.command('label', 'mcloop');
      s.command('variable', 'cycle', 'loop', int(Math.ceil((last - from) / M)));
      s.command('fix', 'swap', 'all', 'atom/swap', int(params.swapEvery), int(params.swapAttempts), `$(${int(swapSeed + done)}+v_cycle)`, num(T), 'ke', 'yes', 'semi-grand', 'yes', 'types', '1', '2', ...(ctx.swapMuKeyword === 'mu' ? ['mu', '0', '${dmu}'] : ['delta_mu', '${dmu}']));
      s.command('run', '${target}', 'upto');
      s.command('unfix', 'swap');
      const gain = num(params.muGainEv);
      const cap = num(params.maxMuStepEv);
      s.command('variable', 'dstep', 'equal', `${gain}*(${num(params.dopantFraction)}-v_xdop)`);
      s.command('variable', 'dmu', 'equal', `$(v_dmu+(v_dstep>${cap})*${cap}-(v_dstep<-${cap})*${cap}+(v_dstep<=${cap}&&v_dstep>=-${cap})*v_dstep)`);
      s.appendValues(DELTA_MU_FILE, ['$(step)', '${dmu}']);
      s.command('next', 'cycle');
      s.command('jump', 'SELF', 'mcloop');
    },
  };
}

/**
 * The complexion. MC route (filmThicknessA = 0, the paper's): relax the bicrystal, NPT at T, then hybrid MD/MC
 * moves the dopant to the boundaries, where it disorders them into an amorphous complexion; on cells of 10⁵ atoms
 * this takes ~10⁶ MC steps.
 *
 * Film route (filmThicknessA > 0): an amorphous intergranular film is the end state of that segregation — a
 * dopant-rich glassy layer of a thickness set by the chemistry and T, wetting both grains. This route makes it
 * directly: the slab of the given thickness around each boundary gets the given dopant fraction, is melted at
 * filmMeltK and quenched to T while the grains are held (not integrated, zero velocity, as the composite holds its
 * nanocrystals; the box is fixed meanwhile, so the liquid's extra volume is carried as pressure until the
 * release), then everything is released and annealed under NPT at T, so film and grains equilibrate against each
 * other (thermal expansion, interface relaxation, the film's density), optionally followed by hybrid MD/MC so the
 * film's composition profile relaxes chemically. Its limits: thickness and composition are chosen, not selected
 * by thermodynamics (a film that is not stable at T may crystallise epitaxially from the grains during a long
 * anneal, or it may keep a too-high dopant content where segregation would have left less), the quench rate of MD
 * leaves the film less relaxed than segregation at T would, and the grains adjacent to the film start from a flat
 * crystal surface rather than the faceted one segregation would produce.
 */
export function complexionScript(params: ComplexionParams, ctx: ScriptContext): string {
  const T = params.temperatureK;
  const dt = params.timestepFs;
  const film = params.filmThicknessA > 0;
  const held = (name: string, steps: number, fromK: number, toK: number, begin?: (s: InputScript) => void): PlannedStage => ({
    name,
    steps,
    ...(begin ? { begin } : {}),
    fixes: (s) => nvt(s, params, 'film', fromK, toK),
    unfix: ['md'],
  });
  const filmStages: PlannedStage[] = film
    ? [
        held(`melt the films at ${params.filmMeltK} K (grains held)`, stepsFor(params.filmMeltPs, dt), params.filmMeltK, params.filmMeltK, (s) => {
          s.command('velocity', 'grains', 'set', '0', '0', '0');
          velocities(s, 'film', params.filmMeltK, seedAt(params.seed, 2), false);
        }),
        held(`quench the films ${params.filmMeltK} → ${T} K`, Math.round(((Math.abs(params.filmMeltK - T) / params.filmQuenchKPerPs) * 1000) / dt), params.filmMeltK, T),
        {
          name: `release, anneal at ${T} K`,
          steps: stepsFor(params.filmAnnealPs, dt),
          begin: (s) => {
            s.comment('release the grains: they become ordinary host atoms with thermal velocities');
            s.command('set', 'type', int(FROZEN_TYPE), 'type', '1');
            velocities(s, 'grains', T, seedAt(params.seed, 3), false);
          },
          fixes: (s) => npt(s, params, 'all', T, T, 'aniso'),
          unfix: ['md'],
        },
      ]
    : [];
  return render(params, ctx, {
    setup: (s) => {
      if (film) {
        s.command('group', 'grains', 'type', int(FROZEN_TYPE));
        s.command('group', 'film', 'subtract', 'all', 'grains');
      }
      s.stage(-1, 'relax the as-built bicrystal');
      s.command('min_style', 'cg');
      s.command('minimize', '0', '1.0e-4', '500', '5000');
      s.command('reset_timestep', '0');
      velocities(s, 'all', T, params.seed);
    },
    stages: [
      { name: `NPT at ${T} K`, steps: params.equilibrateSteps, fixes: (s) => npt(s, params, 'all', T, T, 'aniso'), unfix: ['md'] },
      ...filmStages,
      dopingStage(params, ctx),
    ],
    coupling: 'aniso',
  });
}

/** Type 3 marks the atoms held during a melt (same element as the host) until they are released. */
export const FROZEN_TYPE = 3;

export function compositeScript(params: CompositeParams, ctx: ScriptContext): string {
  const dt = params.timestepFs;
  const rampPs = (fromK: number, toK: number): number => Math.round(((Math.abs(fromK - toK) / params.quenchKPerPs) * 1000) / dt);
  // The frozen nanocrystals are not integrated, and `dilate mobile` keeps the barostat from rescaling them.
  const mobile = (name: string, steps: number, fromK: number, toK: number): PlannedStage => ({
    name,
    steps,
    fixes: (s) => npt(s, params, 'mobile', fromK, toK, 'iso', ['dilate', 'mobile']),
    unfix: ['md'],
  });
  const all = (name: string, steps: number, fromK: number, toK: number, begin?: (s: InputScript) => void): PlannedStage => ({
    name,
    steps,
    ...(begin ? { begin } : {}),
    fixes: (s) => npt(s, params, 'all', fromK, toK, 'iso'),
    unfix: ['md'],
  });
  return render(params, ctx, {
    setup: (s) => {
      s.command('group', 'frozen', 'type', int(FROZEN_TYPE));
      s.command('group', 'mobile', 'subtract', 'all', 'frozen');
      velocities(s, 'mobile', params.meltK, params.seed);
      s.command('velocity', 'frozen', 'set', '0', '0', '0');
    },
    stages: [
      mobile(`melt at ${params.meltK} K (nanocrystals frozen)`, stepsFor(params.meltPs, dt), params.meltK, params.meltK),
      mobile(`quench ${params.meltK} → ${params.releaseK} K`, rampPs(params.meltK, params.releaseK), params.meltK, params.releaseK),
      all(`release, equilibrate at ${params.releaseK} K`, stepsFor(params.equilibratePs, dt), params.releaseK, params.releaseK, (s) => {
        s.comment('release the nanocrystals: they become ordinary host atoms with thermal velocities');
        s.command('set', 'type', int(FROZEN_TYPE), 'type', '1');
        s.command('velocity', 'frozen', 'create', num(params.releaseK), int(params.seed + 1), 'dist', 'gaussian');
      }),
      all(`cool ${params.releaseK} → ${params.finalK} K`, rampPs(params.releaseK, params.finalK), params.releaseK, params.finalK),
    ],
    coupling: 'iso',
  });
}

/**
 * A thermalised crystal: velocities at 2T (equipartition: half the kinetic energy of a perfect lattice flows into
 * potential energy), then NPT at T, so the final snapshot carries the thermal (phonon) displacements of a crystal
 * at T; minimisation, off by default, would remove them.
 */
export function crystalScript(params: CrystalParams, ctx: ScriptContext): string {
  const T = params.temperatureK;
  return render(params, ctx, {
    setup: (s) => velocities(s, 'all', 2 * T, params.seed),
    stages: [{ name: `NPT at ${T} K`, steps: stepsFor(params.equilibratePs, params.timestepFs), fixes: (s) => npt(s, params, 'all', T, T, 'iso'), unfix: ['md'] }],
    coupling: 'iso',
  });
}

export function protocolScript(params: SimulationParams, ctx: ScriptContext): string {
  switch (params.protocol) {
    case 'glass':
      return glassScript(params, ctx);
    case 'complexion':
      return complexionScript(params, ctx);
    case 'composite':
      return compositeScript(params, ctx);
    case 'crystal':
      return crystalScript(params, ctx);
  }
}
