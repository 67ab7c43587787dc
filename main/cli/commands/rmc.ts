/**
 * `ssro rmc PROJECT --data FILE:quantity[,key=value…] … [--energy POTENTIAL …]`: fits a reverse Monte Carlo model to
 * measured curves as an rmc job and imports the model as a structure (its id on stdout); `--resume JOB_ID`
 * continues a stopped run from its checkpoint.
 */
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FIT_MODES, MISFIT_FORMS, type CoordinationWindowParams, type FitMode, type RmcParamsInput } from '../../shared/rmc';
import { parseDataSpec, QUANTITIES, type DataSpec } from '../../shared/rmc-data';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { resumeRmc, rmcFinalizer, submitRmc } from '../../core/services/rmc-service';
import { followJob } from '../progress';
import { parseInteger, parseNumber, parsePositive } from '../parse-options';
import { parseComposition } from './simulate';

type CurveSpec = DataSpec & { fit?: FitMode };

/** A data spec, with an optional `fit=none|scale|scale+offset` of this curve taken out before the declaration is read. */
function dataSpec(value: string, previous: CurveSpec[] | undefined): CurveSpec[] {
  const fitMatch = /,fit=([a-z+]+)(?=,|$)/.exec(value);
  let fit: FitMode | undefined;
  if (fitMatch) {
    const mode = FIT_MODES.find((m) => m === fitMatch[1]);
    if (mode === undefined) throw new InvalidArgumentError(`fit=${fitMatch[1]}: use ${FIT_MODES.join(', ')}`);
    fit = mode;
  }
  let spec: DataSpec;
  try {
    spec = parseDataSpec(fitMatch ? value.replace(fitMatch[0], '') : value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return [...(previous ?? []), { ...spec, file: path.resolve(spec.file), ...(fit ? { fit } : {}) }];
}

/** "Cu-Cu=2.1,Cu-Zr=2.4" → {"Cu-Cu": 2.1, "Cu-Zr": 2.4}. */
function closestApproach(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [pair, distance] = part.split('=');
    const d = Number(distance);
    if (pair === undefined || !/^[A-Za-z]{1,2}-[A-Za-z]{1,2}$/.test(pair.trim()) || !(d >= 0)) throw new InvalidArgumentError('write element pairs and distances in Å, e.g. Cu-Cu=2.1,Cu-Zr=2.4,Zr-Zr=2.7');
    out[pair.trim()] = d;
  }
  return out;
}

/** "Cu-Zr:3.6:4-7[:0.5]" → a coordination window (centre-neighbour:r_cut:min-max[:σ]). */
function coordinationWindow(value: string, previous: CoordinationWindowParams[] | undefined): CoordinationWindowParams[] {
  const m = /^([A-Za-z]{1,2})-([A-Za-z]{1,2}):([0-9.]+):(\d+)-(\d+)(?::([0-9.]+))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('write centre-neighbour:r_cut:min-max[:σ], e.g. Cu-Zr:3.6:4-7 or Zr-Cu:3.8:8-11:0.5');
  const window = { centre: m[1] as string, neighbour: m[2] as string, rcutA: Number(m[3]), min: Number(m[4]), max: Number(m[5]), sigma: m[6] === undefined ? 0.5 : Number(m[6]) };
  if (!(window.rcutA > 0) || window.min > window.max || !(window.sigma > 0)) throw new InvalidArgumentError('a coordination window needs r_cut > 0, min ≤ max and σ > 0');
  return [...(previous ?? []), window];
}

interface RmcOptions {
  coordination?: CoordinationWindowParams[];
  data?: CurveSpec[];
  structure?: number;
  atoms?: number;
  density?: number;
  composition?: Record<string, number>;
  moves?: number;
  rmax?: number;
  bin?: number;
  closest?: Record<string, number>;
  closestDefault?: number;
  step?: number;
  acceptance?: number;
  swap?: number;
  anneal?: number;
  annealMoves?: number;
  fit?: (typeof FIT_MODES)[number];
  misfit?: (typeof MISFIT_FORMS)[number];
  energy?: string;
  temperature?: number;
  ceiling?: number;
  seed?: number;
  name?: string;
  resume?: number;
  relax?: string;
  lmp?: string;
}

export function registerRmcCommand(program: Command): void {
  program
    .command('rmc')
    .description('reverse Monte Carlo (optionally hybrid, with an EAM energy) fitted to measured S(q), F(q), G(r), g(r) or partials; prints the model structure id')
    .argument('<project>', 'project folder')
    .option('--data <spec>', `measured curve FILE:quantity[,radiation=…,unit=…,sigma=…,weight=…,qmax=…,qdamp=…,pair=A-B,range=lo:hi,fit=none|scale|scale+offset], repeatable; quantities ${QUANTITIES.join(' ')}`, dataSpec)
    .option('--structure <id>', 'start from this project structure (orthorhombic, periodic)', parseInteger)
    .option('--atoms <n>', 'random start: number of atoms', parseInteger)
    .option('--density <atoms/A3>', 'random start: number density in atoms/Å³ (Cu64Zr36 glass ≈ 0.0585)', parsePositive)
    .option('--composition <c>', 'random start: e.g. Cu64Zr36 or Cu:64,Zr:36', parseComposition)
    .option('--moves <n>', 'attempted moves in all (e.g. 100 per atom and more)', parseInteger)
    .option('--rmax <A>', 'fitting range r_max in Å (default min(12, half the box))', parsePositive)
    .option('--bin <A>', 'histogram bin width in Å (default 0.02)', parsePositive)
    .option('--closest <pairs>', 'closest approach per pair, e.g. Cu-Cu=2.1,Cu-Zr=2.4,Zr-Zr=2.7', closestApproach)
    .option('--closest-default <A>', 'closest approach of pairs not named (default 2)', parseNumber)
    .option('--coordination <window>', 'soft coordination window centre-neighbour:r_cut:min-max[:σ], e.g. Cu-Zr:3.6:4-7, repeatable', coordinationWindow)
    .option('--step <A>', 'initial largest displacement per axis (default 0.2 Å; adapted)', parsePositive)
    .option('--acceptance <f>', 'target acceptance of moves (default 0.3)', parseNumber)
    .option('--swap <f>', 'fraction of attempts that swap two atoms of different elements (default 0)', parseNumber)
    .option('--anneal <factor>', 'σ multiplied by this at the start, falling to 1 (the paper: 100)', parseNumber)
    .option('--anneal-moves <n>', 'moves over which σ falls (default: all)', parseInteger)
    .addOption(new Option('--fit <mode>', 'scale and offset refitted per curve').choices(FIT_MODES))
    .addOption(new Option('--misfit <form>', 'absolute χ², or relative to the data (diverges where the data cross 0)').choices(MISFIT_FORMS))
    .option('--energy <potential>', 'hybrid RMC: EAM potential file (*.eam.fs / *.eam.alloy)')
    .option('--temperature <K>', 'hybrid RMC: effective temperature of the energy term', parsePositive)
    .option('--ceiling <eV/atom>', 'hybrid RMC: refuse moves above this energy per atom instead', parseNumber)
    .option('--relax <potential>', 'after the run, relax the model in LAMMPS (CG, fixed box) with this EAM file and report both energies')
    .option('--lmp <path>', 'LAMMPS executable for --relax (default: the project setting, else lmp)')
    .option('--seed <n>', 'random seed (default 1)', parseInteger)
    .option('--name <name>', 'name of the model structure')
    .option('--resume <job>', 'continue a stopped rmc job from its checkpoint', parseInteger)
    .action(async (projectDir: string, opts: RmcOptions) => {
      const project = Project.open(projectDir);
      const jobs = new JobManager(project, { finalizers: { rmc: rmcFinalizer(project) } });
      try {
        let job;
        if (opts.resume !== undefined) {
          job = resumeRmc(project, jobs, opts.resume);
        } else {
          if (opts.moves === undefined) throw new Error('rmc: give --moves (attempted moves in all)');
          const start = opts.structure !== undefined
            ? { kind: 'structure' as const, structureId: opts.structure }
            : opts.atoms !== undefined && opts.density !== undefined && opts.composition !== undefined
              ? { kind: 'random' as const, atoms: opts.atoms, densityPerA3: opts.density, composition: opts.composition }
              : null;
          if (start === null) throw new Error('rmc: give --structure ID, or --atoms, --density and --composition for a random start');
          if (opts.energy !== undefined && (opts.temperature === undefined) === (opts.ceiling === undefined)) throw new Error('rmc: with --energy give either --temperature or --ceiling');
          const params: RmcParamsInput = {
            data: (opts.data ?? []).map((d) => ({ file: d.file, declaration: d.declaration, ...(d.fit ? { fit: d.fit } : {}) })),
            start,
            moves: opts.moves,
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.rmax !== undefined ? { rmaxA: opts.rmax } : {}),
            ...(opts.bin !== undefined ? { binWidthA: opts.bin } : {}),
            ...(opts.closest !== undefined ? { closestApproachA: opts.closest } : {}),
            ...(opts.coordination !== undefined ? { coordination: opts.coordination } : {}),
            ...(opts.closestDefault !== undefined ? { defaultClosestApproachA: opts.closestDefault } : {}),
            ...(opts.step !== undefined ? { stepA: opts.step } : {}),
            ...(opts.acceptance !== undefined ? { targetAcceptance: opts.acceptance } : {}),
            ...(opts.swap !== undefined ? { swapFraction: opts.swap } : {}),
            ...(opts.anneal !== undefined ? { anneal: { from: opts.anneal, moves: opts.annealMoves ?? opts.moves } } : {}),
            ...(opts.fit !== undefined ? { fit: opts.fit } : {}),
            ...(opts.misfit !== undefined ? { misfit: opts.misfit } : {}),
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
            ...(opts.relax !== undefined ? { relax: { potentialPath: path.resolve(opts.relax) } } : {}),
            ...(opts.energy !== undefined
              ? {
                  energy:
                    opts.temperature !== undefined
                      ? { mode: 'temperature' as const, potentialPath: path.resolve(opts.energy), temperatureK: opts.temperature }
                      : { mode: 'ceiling' as const, potentialPath: path.resolve(opts.energy), ceilingEvPerAtom: opts.ceiling as number },
                }
              : {}),
          };
          job = submitRmc(project, jobs, params, opts.relax !== undefined ? (opts.lmp ?? project.settings.enginePath('lmpPath', '--lmp')) : undefined);
        }
        const final = await followJob(jobs, job, 'rmc');
        for (const line of final.logTail.filter((l) => /χ²|energy|resumed|coordination/.test(l))) process.stderr.write(`rmc: ${line}\n`);
        if (final.state !== 'succeeded') throw new Error(final.error ?? `the rmc job ended ${final.state}`);
        process.stdout.write(`${String(final.outputs.find((o) => o.kind === 'structure')?.id)}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
}
