/**
 * End-to-end import benchmark: the whole `import` job (worker start, streaming parse, checks, .npy arrays, commit
 * into the project) on the 1M-atom dump, against LAMMPS's own `read_dump` of the same file in the same run
 * (LAMMPS start-up measured separately and subtracted).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobManager } from '../main/core/jobs/job-manager';
import { Project } from '../main/core/project/project';
import { importFinalizer, submitImport } from '../main/core/services/structure-service';
import { ensureBenchDump } from './import-bench';

export interface ImportJobBenchResult {
  bench: 'import-job';
  atoms: number;
  jobSeconds: number;
  jobAtomsPerSecond: number;
  lammpsReadDumpSeconds: number | null;
  /** lammpsReadDumpSeconds / jobSeconds (> 1: our whole import job is faster than LAMMPS reading the dump). */
  ratioVsLammps: number | null;
}

function timeLammps(script: string, dir: string): number | null {
  const input = path.join(dir, 'in.bench');
  fs.writeFileSync(input, script);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('lmp', ['-in', input, '-log', 'none', '-screen', 'none'], { cwd: dir, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return r.status === 0 ? seconds : null;
}

export async function runImportJobBench(): Promise<ImportJobBenchResult> {
  const file = ensureBenchDump();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-bench-'));
  try {
    const project = Project.create(path.join(dir, 'project'));
    const jobs = new JobManager(project, { finalizers: { import: importFinalizer(project) } });
    const t0 = process.hrtime.bigint();
    const job = submitImport(jobs, { path: file, format: 'lammps-dump', frame: 'last', elements: 'Cu,Zr' });
    const final = await jobs.done(job.id);
    const jobSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (final.state !== 'succeeded') throw new Error(`import job ${final.state}: ${final.error ?? ''}`);
    const atoms = project.structures.list()[0]?.atomCount ?? 0;
    await jobs.shutdown();
    project.close();

    const setup = 'units metal\natom_style atomic\nregion box block 0 255 0 255 0 255\ncreate_box 2 box\nmass * 1.0\n';
    const startup = timeLammps(setup, dir);
    const full = timeLammps(`${setup}read_dump ${file} 0 x y z box yes add keep\n`, dir);
    const lammps = startup !== null && full !== null ? full - startup : null;
    const result: ImportJobBenchResult = {
      bench: 'import-job',
      atoms,
      jobSeconds,
      jobAtomsPerSecond: Math.round(atoms / jobSeconds),
      lammpsReadDumpSeconds: lammps,
      ratioVsLammps: lammps === null ? null : Math.round((lammps / jobSeconds) * 100) / 100,
    };
    console.log(`import job bench: ${atoms} atoms through the whole import job (fork, parse, .npy, commit)`);
    console.log(`  ssro import job   : ${jobSeconds.toFixed(3)} s, ${(result.jobAtomsPerSecond / 1e6).toFixed(2)} M atoms/s`);
    console.log(
      lammps === null
        ? '  LAMMPS read_dump  : lmp not available, no peer measured'
        : `  LAMMPS read_dump  : ${lammps.toFixed(3)} s (start-up ${startup?.toFixed(3)} s subtracted); ratio LAMMPS/ours ×${result.ratioVsLammps}`,
    );
    console.log(JSON.stringify(result));
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void runImportJobBench();
