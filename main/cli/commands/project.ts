/** `ssro project init`, `ssro jobs`, `ssro structures`: the project database from the command line. */
import type { Command } from 'commander';
import { Project } from '../../core/project/project';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function registerProjectCommands(program: Command): void {
  const project = program.command('project').description('create and inspect projects');
  project
    .command('init')
    .description('create a new project in an empty or new folder')
    .argument('<dir>', 'project folder')
    .option('--name <name>', 'project name (default: the folder name)')
    .action((dir: string, opts: { name?: string }) => {
      const p = Project.create(dir, opts.name);
      const info = p.info();
      p.close();
      process.stdout.write(`${info.path}\n`);
    });

  program
    .command('jobs')
    .description('list the jobs of a project, newest first')
    .argument('<project>', 'project folder')
    .option('--limit <n>', 'how many', (v) => Number(v), 50)
    .option('--json', 'print JSON')
    .action((dir: string, opts: { limit: number; json?: boolean }) => {
      const p = Project.open(dir);
      try {
        const jobs = p.jobs.list(opts.limit);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${pad('id', 6)}${pad('kind', 10)}${pad('state', 13)}${pad('progress', 10)}${pad('started', 26)}error\n`);
        for (const j of jobs) {
          const progress = j.progress === null ? '' : `${Math.round(j.progress * 100)}%`;
          process.stdout.write(
            `${pad(String(j.id), 6)}${pad(j.kind, 10)}${pad(j.state, 13)}${pad(progress, 10)}${pad(j.startedAt ?? '', 26)}${j.error ?? ''}\n`,
          );
        }
      } finally {
        p.close();
      }
    });

  program
    .command('structures')
    .description('list the structures of a project')
    .argument('<project>', 'project folder')
    .option('--json', 'print JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      const p = Project.open(dir);
      try {
        const list = p.structures.list();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${pad('id', 6)}${pad('atoms', 10)}${pad('composition', 22)}name\n`);
        for (const s of list) {
          const comp = Object.entries(s.composition).map(([e, n]) => `${e}${n}`).join(' ');
          process.stdout.write(`${pad(String(s.id), 6)}${pad(String(s.atomCount), 10)}${pad(comp, 22)}${s.name}\n`);
        }
      } finally {
        p.close();
      }
    });
}
