/**
 * The rmc job end to end, as a user runs it: `ssro rmc` against an X-ray S(q) computed from the demo Cu64Zr36 glass
 * by the app's independent structure-factor code (the Faber–Ziman partials of LAMMPS-normalised g(r) and the
 * Waasmaier–Kirfel table), files that cannot be read refused before a job exists, and a run cancelled half-way and
 * resumed from its checkpoint ending exactly where an uninterrupted run ends.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobManager } from '../../main/core/jobs/job-manager';
import { Project } from '../../main/core/project/project';
import { resumeRmc, rmcFinalizer, submitRmc } from '../../main/core/services/rmc-service';
import type { RmcParamsInput } from '../../main/shared/rmc';
import { EamModel, readEamPotential } from '../../native-workers/lib/rmc/eam';
import { readStructureFolder } from '../../native-workers/lib/structure-store';
import { GLASS_FILE, glassTarget, writeTargetSq } from '../support/rmc-target';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ssro rmc', () => {
  const work = tempDir();
  const projectDir = path.join(work, 'project');
  const sq = path.join(work, 'sq.dat');
  const target = glassTarget();
  writeTargetSq(target, sq);
  expect(ssro('project', 'init', projectDir).status).toBe(0);

  it('refuses a file whose q does not increase, naming the file and line, and makes no job', () => {
    const bad = path.join(work, 'bad.dat');
    fs.writeFileSync(bad, '0.5 1.0\n0.6 1.1\n0.55 1.2\n0.7 1.0\n0.8 0.9\n0.9 1.0\n');
    const r = ssro('rmc', projectDir, '--data', `${bad}:S(q),radiation=xray`, '--atoms', '500', '--density', '0.06', '--composition', 'Cu64Zr36', '--moves', '1000');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('bad.dat');
    expect(r.stderr).toMatch(/line 3/);
    const project = Project.open(projectDir);
    try {
      expect(project.jobs.list(100).filter((j) => j.kind === 'rmc')).toHaveLength(0);
    } finally {
      project.close();
    }
    // A potential for other elements: refused with the file and the missing elements named.
    const nickel = path.join(work, 'Ni.eam.fs');
    fs.writeFileSync(nickel, 'comment\ncomment\ncomment\n1 Ni\n10 0.1 10 0.1 5.0\n');
    const unknown = ssro('rmc', projectDir, '--data', `${sq}:S(q),radiation=xray`, '--atoms', '500', '--density', '0.06', '--composition', 'Cu64Zr36', '--moves', '1000', '--energy', nickel, '--temperature', '300');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('Ni.eam.fs');
    expect(unknown.stderr).toMatch(/Cu, Zr/);
  });

  it('started from the glass itself, reproduces its S(q) with scale 1 and offset 0 (the two S(q) codes agree)', () => {
    const id = ssro('import', projectDir, GLASS_FILE).stdout.trim();
    const r = ssro('rmc', projectDir, '--data', `${sq}:S(q),radiation=xray,sigma=0.001`, '--structure', id, '--moves', '1', '--rmax', '12', '--bin', '0.02', '--name', 'glass itself', '--coordination', 'Cu-Zr:3.4:0-30');
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const project = Project.open(projectDir);
    try {
      const model = project.structures.get(Number(r.stdout.trim()));
      expect(model.name).toBe('glass itself');
      expect(model.provenance?.kind).toBe('rmc');
      const report = JSON.parse(fs.readFileSync(path.join(project.structures.folder(model.id), 'rmc', 'report.json'), 'utf8')) as {
        fits: { rSquared: number; scale: number; offset: number }[];
        partials: { pair: string[] }[];
        coordination: { meanCount: number; outside: number }[];
      };
      // The window's mean count is the running coordination of g_CuZr(r) at 3.4 Å (170 bins of 0.02 Å).
      const coord = target.pd.partials[1]?.coord as Float64Array;
      expect(Math.abs((report.coordination[0]?.meanCount ?? 0) - (coord[169] as number))).toBeLessThan(0.01);
      expect(report.coordination[0]?.outside).toBe(0);
      const fit = report.fits[0] as { rSquared: number; scale: number; offset: number };
      // One move at most changes a few hundred pairs of 2048 atoms.
      expect(fit.rSquared).toBeGreaterThan(0.9999);
      expect(Math.abs(fit.scale - 1)).toBeLessThan(2e-3);
      expect(Math.abs(fit.offset)).toBeLessThan(2e-3);
      expect(report.partials.map((p) => p.pair.join('-'))).toEqual(['Cu-Cu', 'Cu-Zr', 'Zr-Zr']);
      expect(readStructureFolder(project.structures.folder(model.id)).ids.length).toBe(target.atoms);
    } finally {
      project.close();
    }
  });

  const potential = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
  const lmp = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(potential);
  it.skipIf(!lmp)(`relaxes the model in LAMMPS and reports its energy before and after${lmp ? '' : ' (skipped: needs lmp and lammps-data)'}`, () => {
    const id = ssro('import', projectDir, GLASS_FILE).stdout.trim();
    // This curve keeps scale 1 and offset 0 (fit=none), whatever the run's default.
    const r = ssro('rmc', projectDir, '--data', `${sq}:S(q),radiation=xray,sigma=0.01,fit=none`, '--structure', id, '--moves', '2000', '--relax', potential, '--lmp', 'lmp');
    expect(r.stderr).toMatch(/relaxed/);
    expect(r.status).toBe(0);
    const project = Project.open(projectDir);
    try {
      const folder = project.structures.folder(Number(r.stdout.trim()));
      const report = JSON.parse(fs.readFileSync(path.join(folder, 'rmc', 'report.json'), 'utf8')) as {
        relaxation: { beforeEvPerAtom: number; afterEvPerAtom: number };
        fits: { scale: number; offset: number; rSquared: number }[];
      };
      expect(report.fits[0]?.scale).toBe(1);
      expect(report.fits[0]?.offset).toBe(0);
      expect(report.fits[0]?.rSquared).toBeGreaterThan(0.999);
      // LAMMPS's energy of the model as fitted is the in-process EAM energy of the stored structure.
      const model = readStructureFolder(folder);
      const eam = new EamModel({ potential: readEamPotential(potential), speciesElements: model.typeElements, boxLengths: [model.cell.a[0], model.cell.b[1], model.cell.c[2]], positions: model.positions, species: Int32Array.from(model.types, (t) => t - 1) });
      expect(Math.abs(report.relaxation.beforeEvPerAtom - eam.totalEnergy() / model.ids.length)).toBeLessThan(1e-8);
      expect(report.relaxation.afterEvPerAtom).toBeLessThan(report.relaxation.beforeEvPerAtom);
      expect(fs.existsSync(path.join(folder, 'rmc', 'relaxed.data'))).toBe(true);
    } finally {
      project.close();
    }
  });

  it('resumes a cancelled run from its checkpoint to exactly the atoms of an uninterrupted run', async () => {
    const params: RmcParamsInput = {
      data: [{ file: sq, declaration: { quantity: 'S(q)', radiation: 'xray', sigma: 0.01 } }],
      start: { kind: 'random', atoms: 600, densityPerA3: target.density, composition: { Cu: 64, Zr: 36 } },
      rmaxA: 8,
      moves: 300_000,
      swapFraction: 0.05,
      closestApproachA: { 'Cu-Cu': 2.1, 'Cu-Zr': 2.3, 'Zr-Zr': 2.6 },
      seed: 5,
    };
    const project = Project.open(projectDir);
    const jobs = new JobManager(project, { finalizers: { rmc: rmcFinalizer(project) } });
    try {
      const rows: { columns: string[]; rows: number[][] }[] = [];
      const collect = (series: { key: string; columns: string[]; rows: number[][] }): void => {
        if (series.key === 'rmc') rows.push(series);
      };
      jobs.on('job.series', collect);
      const straight = await jobs.done(submitRmc(project, jobs, params).id);
      jobs.off('job.series', collect);
      expect(straight.error).toBeNull();
      // The live table: moves rising to the end, finite values, no energy column without an energy term.
      expect(rows.length).toBeGreaterThan(1);
      expect(rows[0]?.columns).toEqual(['moves', 'chi2', 'acceptance', 'stepA', 'annealFactor']);
      const all = rows.flatMap((r) => r.rows);
      expect(all.every((r) => r.every((v) => typeof v === 'number' && Number.isFinite(v)))).toBe(true);
      expect(all[all.length - 1]?.[0]).toBe(300_000);
      const first = submitRmc(project, jobs, params);
      await new Promise<void>((resolve) => {
        const watch = (job: { id: number; progress: number | null }): void => {
          if (job.id === first.id && (job.progress ?? 0) > 0.3) {
            jobs.off('job.updated', watch);
            jobs.cancel(first.id);
            resolve();
          }
        };
        jobs.on('job.updated', watch);
      });
      const cancelled = await jobs.done(first.id);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.error).toMatch(/--resume/);
      expect(fs.existsSync(path.join(projectDir, 'rmc-runs', `job-${first.id}`, 'checkpoint.json'))).toBe(true);
      const resumed = await jobs.done(resumeRmc(project, jobs, first.id).id);
      expect(resumed.error).toBeNull();
      expect(resumed.logTail.join('\n')).toMatch(/resumed at move [1-9]/);
      const a = readStructureFolder(project.structures.folder(straight.outputs[0]?.id as number));
      const b = readStructureFolder(project.structures.folder(resumed.outputs[0]?.id as number));
      expect(Array.from(b.positions)).toEqual(Array.from(a.positions));
      expect(Array.from(b.types)).toEqual(Array.from(a.types));
      // The run folder goes once the model is in the project.
      expect(fs.existsSync(path.join(projectDir, 'rmc-runs', `job-${first.id}`))).toBe(false);
    } finally {
      await jobs.shutdown();
      project.close();
    }
  });
});
