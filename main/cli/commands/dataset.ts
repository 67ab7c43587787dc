/** `ssro dataset build | resume | list | export`: simulated NBED training datasets in a project. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ProbeShape, ZoneAxis } from '../../shared/diffraction';
import { datasetRecipeSchema, describeIssues } from '../../shared/ipc-contract';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { buildDataset, datasetFinalizer, exportDatasetTo, listDatasets, resumeDataset } from '../../core/services/dataset-service';
import { followJob } from '../progress';
import { TRAINING_TRANSFORMS, type TrainingTransform } from '../../shared/model-transform';
import { DEFAULT_SPLIT_REQUEST, type SplitRequest } from '../../shared/splits';
import { planProjectSplit } from '../../core/services/split-service';
import { addSplitOptions, splitRequestFields, type SplitOptions } from '../split-options';

function numbers(value: string, what: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((v) => !Number.isFinite(v))) throw new InvalidArgumentError(`${what}: comma-separated numbers`);
  return list;
}

function vector(value: string, what: string): [number, number, number] {
  const v = numbers(value, what);
  if (v.length !== 3) throw new InvalidArgumentError(`${what}: three numbers x,y,z`);
  return [v[0] as number, v[1] as number, v[2] as number];
}

function zones(value: string): ZoneAxis[] {
  return value.split(';').map((z) => {
    const t = z.trim();
    if (t === 'x' || t === 'y' || t === 'z') return t;
    return vector(t, '--zone');
  });
}

interface BuildOptions {
  source: string[];
  name: string;
  probe: 'cylinder' | 'ellipsoid' | 'cluster';
  radius: string;
  height: string;
  semiAxes?: string;
  zone: string;
  step: number;
  line?: string;
  kmax: number;
  dk: number;
  beamKev?: number;
  regionAxis?: 'x' | 'y' | 'z';
  seed: number;
}

function probes(opts: BuildOptions): ProbeShape[] {
  if (opts.probe === 'cluster') return [{ kind: 'cluster' }];
  if (opts.probe === 'ellipsoid') {
    if (!opts.semiAxes) throw new Error('--probe ellipsoid needs --semi-axes a,b,c (Å)');
    return [{ kind: 'ellipsoid', semiAxesA: vector(opts.semiAxes, '--semi-axes') }];
  }
  // Every radius × height: the paper's Fig. 7 sweep in one dataset.
  const out: ProbeShape[] = [];
  for (const radiusA of numbers(opts.radius, '--radius')) for (const heightA of numbers(opts.height, '--height')) out.push({ kind: 'cylinder', radiusA, heightA });
  return out;
}

function withJobs<T>(dir: string, work: (project: Project, jobs: JobManager) => Promise<T>): Promise<T> {
  const project = Project.open(dir);
  const jobs = new JobManager(project, { finalizers: { diffract: datasetFinalizer(project) } });
  return work(project, jobs).finally(async () => {
    await jobs.shutdown();
    project.close();
  });
}

export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('simulated NBED datasets: patterns of probe volumes with their mean d');
  dataset
    .command('build')
    .description('build a dataset from labelled structures (a diffract job); prints the dataset id')
    .argument('<project>', 'project folder')
    .requiredOption('--source <ids...>', 'structure id, or structure:labelSet (default: its newest label set); several allowed')
    .option('--name <name>', 'dataset name', 'dataset')
    .addOption(new Option('--probe <shape>', 'probe volume').choices(['cylinder', 'ellipsoid', 'cluster']).default('cylinder'))
    .option('--radius <list>', 'cylinder radius (Å), or a list for a sweep', '5')
    .option('--height <list>', 'cylinder height (Å), or a list for a sweep', '20')
    .option('--semi-axes <a,b,c>', 'ellipsoid semi-axes along u, v, zone (Å)')
    .option('--zone <zones>', 'zone axes: x, y, z or ux,uy,uz; several separated by ;', 'z')
    .option('--step <A>', 'scan step (Å)', (v) => Number(v), 2.5)
    .option('--line <start:direction:length>', 'a strip scan instead of the grid, e.g. 0,10,10:1,0,0:200')
    .option('--kmax <invA>', 'kmax (Å⁻¹)', (v) => Number(v), 1.0)
    .option('--dk <invA>', 'Δk (Å⁻¹)', (v) => Number(v), 0.015)
    .option('--beam-kev <kV>', 'Ewald-sphere curvature for this beam energy', (v) => Number(v))
    .addOption(new Option('--region-axis <axis>', 'label samples grain / ACTR / interior along this axis').choices(['x', 'y', 'z']))
    .option('--seed <n>', 'seed of the train/validation split', (v) => Number(v), 42)
    .action((dir: string, opts: BuildOptions) =>
      withJobs(dir, async (project, jobs) => {
        const sources = opts.source.map((text) => {
          const [s, l] = text.split(':');
          const structureId = Number(s);
          const labelSetId = l !== undefined ? Number(l) : project.labels.list(structureId).at(-1)?.id;
          if (labelSetId === undefined) throw new Error(`structure ${structureId} has no labels yet; run: ssro label ${dir} ${structureId}`);
          return { structureId, labelSetId };
        });
        let scan: unknown = { kind: 'grid', stepA: opts.step };
        if (opts.line) {
          const [start, direction, length] = opts.line.split(':');
          scan = { kind: 'line', start: vector(start ?? '', '--line start'), direction: vector(direction ?? '', '--line direction'), lengthA: Number(length), stepA: opts.step };
        }
        const parsed = datasetRecipeSchema.safeParse({
          name: opts.name,
          sources,
          scan,
          zones: zones(opts.zone),
          probes: probes(opts),
          kmaxInvA: opts.kmax,
          deltaKInvA: opts.dk,
          beamEnergyKeV: opts.beamKev ?? null,
          regionAxis: opts.regionAxis ?? null,
          splitSeed: opts.seed,
        });
        if (!parsed.success) throw new Error(describeIssues(parsed.error));
        const { dataset: created, job } = buildDataset(project, jobs, parsed.data);
        process.stderr.write(`dataset ${created.id}: ${created.sampleCount} samples\n`);
        const final = await followJob(jobs, job, 'diffract');
        if (final.state !== 'succeeded') throw new Error(`${final.error ?? final.state}; resume with: ssro dataset resume ${dir} ${created.id}`);
        process.stdout.write(`${created.id}\n`);
      }),
    );
  dataset
    .command('resume')
    .description('continue building an interrupted dataset')
    .argument('<project>', 'project folder')
    .argument('<dataset>', 'dataset id', (v) => Number(v))
    .action((dir: string, id: number) =>
      withJobs(dir, async (project, jobs) => {
        const final = await followJob(jobs, resumeDataset(project, jobs, id), 'diffract');
        if (final.state !== 'succeeded') throw new Error(final.error ?? final.state);
        process.stdout.write(`${id}\n`);
      }),
    );
  dataset
    .command('list')
    .description('list the datasets of a project')
    .argument('<project>', 'project folder')
    .option('--json', "print JSON (each dataset with its folder, which `ssro predict` reads)")
    .action((dir: string, opts: { json?: boolean }) => {
      const project = Project.open(dir);
      try {
        const datasets = listDatasets(project);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(datasets.map((d) => ({ ...d, folder: project.datasets.folder(d.id) })), null, 2)}\n`);
          return;
        }
        for (const d of datasets) {
          process.stdout.write(`${d.id}\t${d.state}\t${d.doneCount}/${d.sampleCount}\t${d.name}\n`);
        }
      } finally {
        project.close();
      }
    });
  const exportCommand = dataset
    .command('export')
    .description('write diffraction_patterns.npy, targets.npy, metadata.csv and split.csv (the authors\' layout); without --split, split.csv holds the seeded random split')
    .argument('<project>', 'project folder')
    .argument('<dataset>', 'dataset id', (v) => Number(v))
    .argument('<dir>', 'output folder (created)')
    .addOption(
      new Option('--transform <name>', "model inputs made with log1-minmax (the authors' code, default) or annulus-log (this app's v2 models)").choices([...TRAINING_TRANSFORMS]).default('log1-minmax'),
    );
  addSplitOptions(exportCommand);
  exportCommand.action((dir: string, id: number, out: string, opts: { transform: TrainingTransform } & SplitOptions) => {
      const project = Project.open(dir);
      try {
        const fields = splitRequestFields(opts);
        let split;
        const record = project.datasets.find(id);
        // An unknown or unfinished dataset is refused by the export itself, with its own message.
        if (Object.keys(fields).length > 0 && record !== null && record.state === 'complete') {
          const request: SplitRequest = { ...DEFAULT_SPLIT_REQUEST, ...fields };
          const recipe = (record.recipe ?? {}) as { splitSeed?: unknown };
          split = planProjectSplit(project, project.datasets.folder(id), request, typeof recipe.splitSeed === 'number' ? recipe.splitSeed : 42);
        }
        const result = exportDatasetTo(project, id, out, opts.transform, split);
        process.stderr.write(`export: split ${result.splitSummary}\n`);
        process.stdout.write(`${result.dir}\n`);
      } finally {
        project.close();
      }
    });
}
