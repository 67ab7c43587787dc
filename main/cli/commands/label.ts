/** `ssro label` (per-atom order labels of a file → CSV, or of a project structure as a job), `ssro rdf`, `ssro sq`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { STRUCTURE_FORMATS } from '../../shared/domain';
import { parseElementMapping } from '../../shared/elements';
import type { CnaMode, LabelParams } from '../../shared/labels';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { labelFinalizer, submitLabel } from '../../core/services/label-service';
import { resourcesDir } from '../../core/paths';
import { computeLabels, speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { writeLabelsCsv } from '../../../native-workers/lib/labels/labels-csv';
import { pairDistribution } from '../../../native-workers/lib/rdf/pair-distribution';
import { readScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { partialStructureFactors, qGrid, totalStructureFactor } from '../../../native-workers/lib/rdf/structure-factor';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { followJob } from '../progress';
import { parseFrame, parsePositive } from '../parse-options';

export function parseCnaMode(value: string): CnaMode {
  if (value === 'adaptive') return { mode: 'adaptive' };
  const m = /^cutoff:([0-9]*\.?[0-9]+)$/.exec(value);
  if (m && Number(m[1]) > 0) return { mode: 'cutoff', cutoffA: Number(m[1]) };
  throw new InvalidArgumentError('use adaptive or cutoff:R with R in Å, e.g. cutoff:3.08');
}


function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

interface FileOptions {
  elements?: string;
  format: string;
  frame: 'first' | 'last' | number;
}

function addFileOptions(command: Command): Command {
  return command
    .option('--elements <list>', 'element per LAMMPS type in order, e.g. Cu,Zr (needed when the file does not say)')
    .addOption(new Option('--format <format>', 'file format').choices(['auto', ...STRUCTURE_FORMATS]).default('auto'))
    .option('--frame <frame>', 'frame of a multi-frame file: first, last or a 0-based number', parseFrame, 'last');
}

function readFile(file: string, opts: FileOptions): ParsedStructure {
  return readStructureFile(file, opts.format as (typeof STRUCTURE_FORMATS)[number] | 'auto', {
    ...(opts.elements !== undefined ? { elements: parseElementMapping(opts.elements) } : {}),
    frame: opts.frame,
  });
}

/** Writes CSV text via a temp file and rename (never a half-written file). */
function writeCsv(file: string, header: string[], columns: ArrayLike<number>[]): void {
  const rows = [header.join(',')];
  const n = columns[0]?.length ?? 0;
  for (let i = 0; i < n; i++) rows.push(columns.map((c) => String(c[i])).join(','));
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${rows.join('\n')}\n`);
  fs.renameSync(tmp, file);
}

function isProject(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'project.sqlite'));
}

export function registerLabelCommands(program: Command): void {
  addFileOptions(
    program
      .command('label')
      .description(
        'per-atom order labels (d, 1−Q6, CNA, Voronoi index and class): of a FILE into a CSV (--out), ' +
          'or of structure STRUCTURE_ID in PROJECT as a label job',
      )
      .argument('<target>', 'structure file, or project folder')
      .argument('[structureId]', 'structure id when the target is a project', (v) => Number(v)),
  )
    .option('--out <file>', 'CSV output (file mode): one row per atom, sorted by id')
    .option('--edge-threshold <A>', 'Voronoi face edges shorter than this (Å) are ignored; 0 = exact', parseNonNegative, 0.6)
    .option('--cna <mode>', 'adaptive, or cutoff:R (conventional CNA with cutoff R in Å)', parseCnaMode, { mode: 'adaptive' } as CnaMode)
    .action(async (target: string, structureId: number | undefined, opts: FileOptions & { out?: string; edgeThreshold: number; cna: CnaMode }) => {
      const params: LabelParams = { edgeThresholdA: opts.edgeThreshold, cna: opts.cna };
      if (isProject(target)) {
        if (structureId === undefined || !Number.isInteger(structureId)) throw new Error('give the structure id: ssro label PROJECT STRUCTURE_ID');
        const project = Project.open(target);
        const jobs = new JobManager(project, { finalizers: { label: labelFinalizer(project) } });
        try {
          const final = await followJob(jobs, submitLabel(project, jobs, structureId, params), 'label');
          if (final.state !== 'succeeded') throw new Error(final.error ?? `the label job ended ${final.state}`);
          process.stdout.write(`${String(final.outputs.find((o) => o.kind === 'label-set')?.id)}\n`);
        } finally {
          await jobs.shutdown();
          project.close();
        }
        return;
      }
      if (opts.out === undefined) throw new Error('give --out labels.csv (or a project folder and a structure id)');
      const structure = readFile(target, opts);
      let stage = '';
      const labels = computeLabels(structure, params, {
        progress: (_fraction, message) => {
          if (message !== stage) process.stderr.write(`label: ${message}\n`);
          stage = message;
        },
      });
      for (const problem of labels.problems.slice(0, 10)) process.stderr.write(`label: Voronoi cell flagged: ${problem}\n`);
      writeLabelsCsv(opts.out, structure, labels);
      process.stderr.write(`label: ${structure.ids.length} atoms → ${opts.out}\n`);
    });

  addFileOptions(program.command('rdf').description('total and partial g(r) with running coordination numbers → CSV').argument('<file>', 'structure file'))
    .requiredOption('--out <file>', 'CSV output')
    .option('--rmax <A>', 'largest distance, Å', parsePositive, 10)
    .option('--bins <n>', 'number of bins', (v) => Math.round(parsePositive(v)), 200)
    .action((file: string, opts: FileOptions & { out: string; rmax: number; bins: number }) => {
      const structure = readFile(file, opts);
      const { elements, species } = speciesOf(structure);
      const pd = pairDistribution(structure.positions, species, structure.cell, { rmaxA: opts.rmax, binCount: opts.bins });
      const header = ['r', 'g_total', 'coord_total'];
      const columns: ArrayLike<number>[] = [pd.rA, pd.total.g, pd.total.coord];
      for (const p of pd.partials) {
        const pair = `${elements[p.a]}-${elements[p.b]}`;
        header.push(`g_${pair}`, `coord_${pair}`);
        columns.push(p.g, p.coord);
      }
      writeCsv(opts.out, header, columns);
      process.stderr.write(`rdf: ${structure.ids.length} atoms, ${opts.bins} bins to ${opts.rmax} Å → ${opts.out}\n`);
    });

  addFileOptions(program.command('sq').description('Faber–Ziman S(q), total and partial, from g(r) → CSV').argument('<file>', 'structure file'))
    .requiredOption('--out <file>', 'CSV output')
    .addOption(new Option('--radiation <kind>', 'scattering weights').choices(['electron', 'xray']).default('electron'))
    .option('--qmax <invA>', 'largest q, Å⁻¹', parsePositive, 12)
    .option('--dq <invA>', 'q step, Å⁻¹', parsePositive, 0.02)
    .option('--rmax <A>', 'g(r) range used in the transform, Å', parsePositive, 10)
    .option('--bins <n>', 'g(r) bins', (v) => Math.round(parsePositive(v)), 400)
    .action((file: string, opts: FileOptions & { out: string; radiation: 'electron' | 'xray'; qmax: number; dq: number; rmax: number; bins: number }) => {
      const structure = readFile(file, opts);
      const { elements, species } = speciesOf(structure);
      const pd = pairDistribution(structure.positions, species, structure.cell, { rmaxA: opts.rmax, binCount: opts.bins });
      const q = qGrid(opts.dq, opts.qmax, opts.dq);
      const partials = partialStructureFactors(pd, q);
      const table =
        opts.radiation === 'electron' ? 'electron-scattering-factors-peng1996.json' : 'xray-form-factors.json';
      const total = totalStructureFactor(partials, elements, readScatteringFactors(opts.radiation, path.join(resourcesDir, 'elements', table)));
      const header = ['q', 's_total'];
      const columns: ArrayLike<number>[] = [q, total.s];
      const s = elements.length;
      for (let a = 0; a < s; a++) {
        for (let b = a; b < s; b++) {
          header.push(`s_${elements[a]}-${elements[b]}`);
          columns.push(partials.partials[a * s + b] ?? new Float64Array(q.length));
        }
      }
      writeCsv(opts.out, header, columns);
      process.stderr.write(`sq: ${opts.radiation} weights (${total.source}) → ${opts.out}\n`);
    });
}
