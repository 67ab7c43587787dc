/**
 * `ssro simulate glass|complexion|composite|crystal PROJECT [options]`: runs a LAMMPS protocol as a simulate job and
 * imports the result into the project; `--dry-run` prints the input script (and the start structure's size)
 * instead; `--resume JOB_ID` continues a stopped run from its newest restart file.
 */
import * as fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { describeIssues } from '../../shared/ipc-contract';
import { COMPLEXION_DOPING_MODES, SIMULATION_PROTOCOLS, simulationParamsSchema, type SimulationProtocol } from '../../shared/simulation';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { planSimulation, resumeSimulation, simulationCheckpoint, simulationFinalizer, submitSimulation } from '../../core/services/simulation-service';
import { followJob } from '../progress';
import { parseInteger, parseNumber } from '../parse-options';



function triple(value: string): [number, number, number] {
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new InvalidArgumentError('give three comma-separated numbers, e.g. 1,1,0');
  return parts as [number, number, number];
}

/** "Cu64Zr36" or "Cu:64,Zr:36" → { Cu: 64, Zr: 36 }. */
export function parseComposition(value: string): Record<string, number> {
  const pairs = value.includes(':')
    ? value.split(',').map((p) => p.split(':').map((s) => s.trim()) as [string, string])
    : [...value.matchAll(/([A-Z][a-z]?)(\d*\.?\d+)/g)].map((m) => [m[1] as string, m[2] as string] as [string, string]);
  const result: Record<string, number> = {};
  for (const [element, amount] of pairs) {
    const n = Number(amount);
    if (!/^[A-Z][a-z]?$/.test(element) || !(n > 0)) throw new InvalidArgumentError(`cannot read "${value}"; write e.g. Cu64Zr36 or Cu:64,Zr:36`);
    result[element] = n;
  }
  if (Object.keys(result).length === 0) throw new InvalidArgumentError(`cannot read "${value}"; write e.g. Cu64Zr36`);
  return result;
}

/** "x/y/z" Miller directions, or "random" (a random rotation from --seed, made commensurate). */
function crystalOrientation(value: string): { orientationMode: 'random' } | { orientationMode: 'miller'; orientation: { x: number[]; y: number[]; z: number[] } } {
  return value.trim() === 'random' ? { orientationMode: 'random' } : { orientationMode: 'miller', orientation: orientation(value) };
}

/** "x/y/z" Miller directions, e.g. "1,1,0/0,0,-1/-1,1,0". */
function orientation(value: string): { x: number[]; y: number[]; z: number[] } {
  const axes = value.split('/').map((a) => triple(a));
  if (axes.length !== 3) throw new InvalidArgumentError('give x/y/z directions, e.g. 1,1,0/0,0,-1/-1,1,0');
  return { x: axes[0] as number[], y: axes[1] as number[], z: axes[2] as number[] };
}

/** "fx,fy,fz:radius[:axis=ax,ay,az:angle=deg]" → one nanocrystal. */
function nanocrystal(value: string, previous: unknown[] | undefined): unknown[] {
  const [center, radius, ...rest] = value.split(':');
  if (center === undefined || radius === undefined) throw new InvalidArgumentError('give fx,fy,fz:radius, e.g. 0.25,0.25,0.25:4');
  const entry: Record<string, unknown> = { centerFraction: triple(center), radiusLatticeParams: parseNumber(radius) };
  const axis = rest.find((r) => r.startsWith('axis='));
  const angle = rest.find((r) => r.startsWith('angle='));
  if (axis !== undefined || angle !== undefined) {
    if (axis === undefined || angle === undefined) throw new InvalidArgumentError('a rotation needs both axis=ax,ay,az and angle=deg');
    entry.rotation = { axis: triple(axis.slice(5)), angleDeg: parseNumber(angle.slice(6)) };
  }
  return [...(previous ?? []), entry];
}

interface OptionSpec {
  flags: string;
  key: string;
  description: string;
  parse?: (value: string, previous: never) => unknown;
  protocols: readonly SimulationProtocol[];
  choices?: readonly string[];
}

const ALL = SIMULATION_PROTOCOLS;
const OPTIONS: OptionSpec[] = [
  { flags: '--name <name>', key: 'name', description: 'name of the resulting structure', protocols: ALL },
  { flags: '--potential <file>', key: 'potentialPath', description: 'EAM potential (*.eam.fs or *.eam.alloy); default CuZr_mm.eam.fs from lammps-data', protocols: ALL },
  { flags: '--seed <n>', key: 'seed', description: 'random seed (velocities, substitution, MC)', parse: parseInteger, protocols: ALL },
  { flags: '--timestep-fs <fs>', key: 'timestepFs', description: 'MD timestep in fs (default 2)', parse: parseNumber, protocols: ALL },
  { flags: '--pressure-bar <bar>', key: 'pressureBar', description: 'NPT pressure (default 0)', parse: parseNumber, protocols: ALL },
  { flags: '--thermo-every <steps>', key: 'thermoEvery', description: 'thermo output interval (default 500)', parse: parseInteger, protocols: ALL },
  { flags: '--composition <c>', key: 'composition', description: 'e.g. Cu64Zr36 or Cu:50,Zr:50 (first element = start lattice)', parse: parseComposition, protocols: ['glass'] },
  { flags: '--atoms <n>', key: 'atoms', description: 'approximate atom count (nearest cube of FCC cells)', parse: parseInteger, protocols: ['glass'] },
  { flags: '--lattice <A>', key: 'latticeA', description: 'host FCC lattice parameter in Å (default 3.639, Cu in CuZr_mm)', parse: parseNumber, protocols: ALL },
  { flags: '--melt-k <K>', key: 'meltK', description: 'melt temperature (default 2000 K)', parse: parseNumber, protocols: ['glass', 'composite'] },
  { flags: '--melt-ps <ps>', key: 'meltPs', description: 'time held at the melt temperature', parse: parseNumber, protocols: ['glass', 'composite'] },
  { flags: '--final-k <K>', key: 'finalK', description: 'final temperature (default 300 K)', parse: parseNumber, protocols: ['glass', 'composite'] },
  { flags: '--quench-rate <K/ps>', key: 'quenchKPerPs', description: 'cooling rate in K/ps (0.1 K/ps = 100 K/ns)', parse: parseNumber, protocols: ['glass', 'composite'] },
  { flags: '--hold-ps <ps>', key: 'holdPs', description: 'time held at the final temperature', parse: parseNumber, protocols: ['glass'] },
  { flags: '--host <el>', key: 'host', description: 'host element (default Cu)', protocols: ['complexion', 'composite', 'crystal'] },
  { flags: '--dopant <el>', key: 'dopant', description: 'dopant element (default Zr)', protocols: ['complexion', 'composite', 'crystal'] },
  { flags: '--grain-a <x/y/z>', key: 'grainA', description: 'grain A axes, e.g. 1,1,0/0,0,-1/-1,1,0 (the paper\'s)', parse: orientation, protocols: ['complexion'] },
  { flags: '--grain-b <x/y/z>', key: 'grainB', description: 'grain B axes, e.g. 0,0,-1/-1,-1,0/-1,1,0 (the paper\'s)', parse: orientation, protocols: ['complexion'] },
  { flags: '--grain-width <A>', key: 'grainWidthA', description: 'width of each grain along x in Å', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--length-y <A>', key: 'lengthYA', description: 'minimum box length along y in Å', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--length-z <A>', key: 'lengthZA', description: 'minimum box length along z in Å', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--temperature <K>', key: 'temperatureK', description: 'complexion: doping temperature (paper: 1000 K); crystal: NPT temperature (default 300 K)', parse: parseNumber, protocols: ['complexion', 'crystal'] },
  { flags: '--equilibrate-steps <n>', key: 'equilibrateSteps', description: 'NPT steps before doping (paper: 100000)', parse: parseInteger, protocols: ['complexion'] },
  { flags: '--dopant-fraction <f>', key: 'dopantFraction', description: 'dopant atom fraction (complexion: 0.02; composite: 0.36 of the matrix; crystal: 0, random substitution)', parse: parseNumber, protocols: ['complexion', 'composite', 'crystal'] },
  { flags: '--doping <mode>', key: 'doping', description: 'canonical | semi-grand | vc-sgc', choices: COMPLEXION_DOPING_MODES, protocols: ['complexion'] },
  { flags: '--mc-steps <n>', key: 'mcSteps', description: 'hybrid MD/MC steps (paper: 3000000)', parse: parseInteger, protocols: ['complexion'] },
  { flags: '--swap-every <n>', key: 'swapEvery', description: 'MD steps between MC calls (paper: 100)', parse: parseInteger, protocols: ['complexion'] },
  { flags: '--swap-attempts <n>', key: 'swapAttempts', description: 'swap attempts per MC call', parse: parseInteger, protocols: ['complexion'] },
  { flags: '--mu-adjust-every <n>', key: 'muAdjustEvery', description: 'steps between chemical-potential adjustments (paper: 1000)', parse: parseInteger, protocols: ['complexion'] },
  { flags: '--delta-mu <eV>', key: 'deltaMuEv', description: 'initial μ(dopant) − μ(host) for semi-grand / VC-SGC', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--mu-gain <eV>', key: 'muGainEv', description: 'semi-grand controller gain', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--max-mu-step <eV>', key: 'maxMuStepEv', description: 'largest Δμ change per adjustment', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--kappa <k>', key: 'kappa', description: 'VC-SGC variance constraint', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--cells <nx,ny,nz>', key: 'cells', description: 'FCC cells of the start crystal (default 20,20,20)', parse: triple, protocols: ['composite'] },
  { flags: '--nanocrystal <spec>', key: 'nanocrystals', description: 'fx,fy,fz:radius[:axis=ax,ay,az:angle=deg], repeatable (radius in lattice parameters)', parse: nanocrystal, protocols: ['composite'] },
  { flags: '--release-k <K>', key: 'releaseK', description: 'temperature where the nanocrystals are released (default 700 K)', parse: parseNumber, protocols: ['composite'] },
  { flags: '--equilibrate-ps <ps>', key: 'equilibratePs', description: 'composite: equilibration after release (paper: 2000 ps); crystal: NPT time at --temperature (default 20 ps)', parse: parseNumber, protocols: ['composite', 'crystal'] },
  { flags: '--checkpoint-every <steps>', key: 'checkpointEvery', description: 'MD steps between restart files (default: ≈ every 5 min; 0 = only at stage ends)', parse: parseInteger, protocols: ALL },
  { flags: '--film-thickness <A>', key: 'filmThicknessA', description: 'make an amorphous film this thick at each boundary by melting a doped slab (0 = MC route only)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--film-dopant-fraction <f>', key: 'filmDopantFraction', description: 'dopant atom fraction inside the film slabs (default 0.1)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--film-melt-k <K>', key: 'filmMeltK', description: 'film melt temperature (default 2000 K)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--film-melt-ps <ps>', key: 'filmMeltPs', description: 'time the film is held molten (default 20 ps)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--film-quench-rate <K/ps>', key: 'filmQuenchKPerPs', description: 'film quench rate to --temperature (default 10 K/ps)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--film-anneal-ps <ps>', key: 'filmAnnealPs', description: 'NPT anneal of the released bicrystal at --temperature (default 100 ps)', parse: parseNumber, protocols: ['complexion'] },
  { flags: '--orientation <x/y/z|random>', key: 'orientation', description: 'lattice directions along x/y/z, e.g. 1,1,0/-1,1,0/0,0,1, or random (from --seed)', parse: crystalOrientation, protocols: ['crystal'] },
  { flags: '--max-index <n>', key: 'maxIndex', description: 'random orientation: largest Miller index searched (default 4)', parse: parseInteger, protocols: ['crystal'] },
  { flags: '--max-atoms <n>', key: 'maxAtoms', description: 'random orientation: largest box in atoms (default 20000)', parse: parseInteger, protocols: ['crystal'] },
  { flags: '--min-lengths <x,y,z>', key: 'minLengthsA', description: 'minimum box lengths in Å (default 20,20,20)', parse: triple, protocols: ['crystal'] },
];

interface CommonOptions {
  dryRun?: boolean;
  params?: string;
  lmp?: string;
  minimize?: boolean;
  resume?: number;
  [key: string]: unknown;
}

export function registerSimulateCommands(program: Command): void {
  const simulate = program.command('simulate').description('LAMMPS structure simulations as project jobs (glass, complexion, composite, crystal); --resume JOB_ID continues a stopped one');
  for (const protocol of SIMULATION_PROTOCOLS) {
    const command = simulate
      .command(protocol)
      .description(
        {
          glass: 'melt–quench glass of a composition (NPT melt, quench, hold, minimise)',
          complexion: 'amorphous grain-boundary complexion: bicrystal, NPT at temperature, dopant by hybrid MD/MC, minimise',
          composite: 'amorphous–crystalline nanocomposite: frozen nanocrystals, doped melt, quench, release, equilibrate, cool',
          crystal: 'thermalised FCC crystal in a chosen or random orientation, optionally a random solid solution: NPT at temperature',
        }[protocol],
      )
      .argument('[project]', 'project folder (not needed with --dry-run)')
      .option('--params <file>', 'JSON file with any parameters (options given here override it)')
      .option('--lmp <path>', 'LAMMPS executable (default: the project setting, else lmp)')
      .option('--minimize', 'minimise the final structure (the default, except for crystal)')
      .option('--no-minimize', 'skip the final energy minimisation')
      .option('--resume <jobId>', 'continue the stopped run of this simulate job from its newest restart file', parseInteger)
      .option('--dry-run', 'print the LAMMPS input script and the planned stages; run nothing');
    for (const spec of OPTIONS.filter((o) => o.protocols.includes(protocol))) {
      const option = new Option(spec.flags, spec.description);
      if (spec.choices) option.choices(spec.choices);
      if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
      command.addOption(option);
    }
    command.action(async (projectDir: string | undefined, opts: CommonOptions) => {
      if (opts.resume !== undefined) {
        const given = OPTIONS.map((spec) => spec.flags.slice(2).split(' ')[0] ?? '').filter((flag) => opts[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] !== undefined);
        if (opts.params !== undefined) given.push('params');
        if (opts.minimize !== undefined) given.push(opts.minimize ? 'minimize' : 'no-minimize');
        if (opts.dryRun) given.push('dry-run');
        if (given.length > 0) throw new Error(`--resume continues the run with its own settings; leave out ${given.map((k) => `--${k}`).join(', ')}`);
        if (projectDir === undefined) throw new Error(`give the project folder: ssro simulate ${protocol} PROJECT --resume ${opts.resume}`);
        const project = Project.open(projectDir);
        const jobs = new JobManager(project, { finalizers: { simulate: simulationFinalizer(project) } });
        try {
          const previous = project.jobs.find(opts.resume);
          const previousProtocol = (previous?.params as { simulation?: { protocol?: unknown } } | undefined)?.simulation?.protocol;
          if (previous !== null && previous.kind === 'simulate' && previousProtocol !== protocol) {
            throw new Error(`job ${opts.resume} ran the ${String(previousProtocol)} protocol; resume it with ssro simulate ${String(previousProtocol)} PROJECT --resume ${opts.resume}`);
          }
          const checkpoint = simulationCheckpoint(project, opts.resume);
          process.stderr.write(`simulate: resuming job ${opts.resume}${checkpoint?.step !== null && checkpoint?.step !== undefined ? ` from its restart file at step ${checkpoint.step}` : ''}\n`);
          const submitted = resumeSimulation(project, jobs, opts.resume, opts.lmp);
          const final = await followJob(jobs, submitted, `simulate ${protocol}`);
          if (final.state !== 'succeeded') throw new Error(final.error ?? `the simulate job ended ${final.state}`);
          process.stdout.write(`${String(final.outputs.find((o) => o.kind === 'structure')?.id)}\n`);
        } finally {
          await jobs.shutdown();
          project.close();
        }
        return;
      }
      const fromFile = opts.params === undefined ? {} : (JSON.parse(fs.readFileSync(opts.params, 'utf8')) as Record<string, unknown>);
      const raw: Record<string, unknown> = { ...fromFile, protocol };
      if (opts.minimize !== undefined) raw.minimize = opts.minimize;
      for (const spec of OPTIONS) {
        const name = spec.flags.slice(2).split(' ')[0]?.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) ?? '';
        if (opts[name] === undefined) continue;
        // --orientation carries the mode too: "random" or explicit Miller directions.
        if (spec.key === 'orientation' && typeof opts[name] === 'object') Object.assign(raw, opts[name]);
        else raw[spec.key] = opts[name];
      }
      const parsed = simulationParamsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`simulate ${protocol}: ${describeIssues(parsed.error)}`);
      const params = parsed.data;
      if (opts.dryRun) {
        const plan = planSimulation(params);
        process.stdout.write(plan.script);
        process.stderr.write(`simulate: ${plan.atoms} atoms; ${plan.stages.map((s) => `${s.name} (${s.steps} steps)`).join(', ')}\n`);
        const time = plan.estimatedSeconds < 90 ? `${Math.max(1, Math.round(plan.estimatedSeconds))} s` : plan.estimatedSeconds < 5400 ? `${(plan.estimatedSeconds / 60).toFixed(0)} min` : `${(plan.estimatedSeconds / 3600).toFixed(1)} h`;
        process.stderr.write(`simulate: ≈ ${plan.atomSteps.toExponential(2)} atom-steps, ≈ ${time} at 2×10⁵ atom-steps/s (an estimate)\n`);
        for (const note of plan.notes) process.stderr.write(`simulate: ${note}\n`);
        return;
      }
      if (projectDir === undefined) throw new Error(`give the project folder: ssro simulate ${protocol} PROJECT`);
      const project = Project.open(projectDir);
      const jobs = new JobManager(project, { finalizers: { simulate: simulationFinalizer(project) } });
      try {
        const lmpPath = opts.lmp ?? project.settings.enginePath('lmpPath', '--lmp');
        const final = await followJob(jobs, submitSimulation(jobs, lmpPath, params), `simulate ${protocol}`);
        if (final.state !== 'succeeded') throw new Error(final.error ?? `the simulate job ended ${final.state}`);
        process.stdout.write(`${String(final.outputs.find((o) => o.kind === 'structure')?.id)}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
  }
}
