/** `ssro import` (a file into a project, as a job with a progress bar) and `ssro export` (writers). */
import { Option, type Command } from 'commander';
import { EXPORT_FORMATS, STRUCTURE_FORMATS, type ExportFormat } from '../../shared/domain';
import { importRequestSchema, describeIssues } from '../../shared/ipc-contract';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { exportStructure, importFinalizer, submitImport } from '../../core/services/structure-service';
import { followJob } from '../progress';
import { parseFrame } from '../parse-options';

interface ImportOptions {
  elements?: string;
  format: string;
  frame: 'first' | 'last' | number;
  name?: string;
  provenance?: string;
}

export function registerImportCommands(program: Command): void {
  program
    .command('import')
    .description('import a structure file (LAMMPS data or dump, extended XYZ, POSCAR) into a project; prints its id')
    .argument('<project>', 'project folder')
    .argument('<file>', 'structure file')
    .option('--elements <list>', 'element per LAMMPS type in order, e.g. Cu,Zr (needed when the file does not say)')
    .addOption(new Option('--format <format>', 'file format').choices(['auto', ...STRUCTURE_FORMATS]).default('auto'))
    .option('--frame <frame>', 'frame of a multi-frame file: first, last or a 0-based number', parseFrame, 'last')
    .option('--name <name>', 'name in the project (default: the file name)')
    .option('--provenance <dir>', 'folder with provenance.json (+ in.lammps, log.lammps, thermo.csv) of how the file was made')
    .action(async (dir: string, file: string, opts: ImportOptions) => {
      const parsed = importRequestSchema.safeParse({
        path: file,
        format: opts.format,
        frame: opts.frame,
        ...(opts.elements !== undefined ? { elements: opts.elements } : {}),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.provenance !== undefined ? { provenanceDir: opts.provenance } : {}),
      });
      if (!parsed.success) throw new Error(describeIssues(parsed.error));
      const project = Project.open(dir);
      const jobs = new JobManager(project, { finalizers: { import: importFinalizer(project) } });
      try {
        const job = submitImport(jobs, parsed.data);
        const final = await followJob(jobs, job, 'import');
        if (final.state !== 'succeeded') {
          throw new Error(final.error ?? `the import job ended ${final.state}`);
        }
        const ref = final.outputs.find((o) => o.kind === 'structure');
        process.stdout.write(`${String(ref?.id)}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });

  program
    .command('export')
    .description('write a project structure as a LAMMPS data file or extended XYZ')
    .argument('<project>', 'project folder')
    .argument('<id>', 'structure id', (v) => Number(v))
    .requiredOption('--out <file>', 'output file')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('lammps-data'))
    .action((dir: string, id: number, opts: { out: string; format: ExportFormat }) => {
      const project = Project.open(dir);
      try {
        process.stdout.write(`${exportStructure(project, id, opts.format, opts.out)}\n`);
      } finally {
        project.close();
      }
    });
}
