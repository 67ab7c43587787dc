/** The `ssro` command as a user runs it: compiled, in a child process, reading stdout, stderr and exit codes. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DATA = `LAMMPS data file for the CLI test

4 atoms
2 atom types

0.0 3.61 xlo xhi
0.0 3.61 ylo yhi
0.0 3.61 zlo zhi

Masses

1 63.546
2 91.224

Atoms # atomic

1 1 0.0 0.0 0.0
2 2 1.805 1.805 0.0
3 1 1.805 0.0 1.805
4 1 0.0 1.805 1.805
`;

describe('ssro CLI', () => {
  it('has --help for every command', () => {
    const top = ssro('--help');
    expect(top.status).toBe(0);
    for (const command of ['project', 'import', 'export', 'serve', 'jobs', 'structures', 'doctor']) {
      expect(top.stdout).toContain(command);
    }
    for (const command of [['project', 'init'], ['import'], ['export'], ['serve'], ['jobs'], ['structures'], ['doctor']]) {
      const r = ssro(...command, '--help');
      expect(r.status, command.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: ssro/);
    }
  });

  it('creates a project, imports a file (printing the id), lists jobs and structures, and exports', () => {
    const dir = path.join(tempDir(), 'cli project');
    expect(ssro('project', 'init', dir, '--name', 'CLI').status).toBe(0);
    const file = path.join(tempDir(), 'fcc.data');
    fs.writeFileSync(file, DATA);
    const imported = ssro('import', dir, file);
    expect(imported.stderr).toMatch(/import \[.*\] 100%/);
    expect(imported.status).toBe(0);
    expect(imported.stdout.trim()).toBe('1');
    const jobs = ssro('jobs', dir);
    expect(jobs.stdout).toMatch(/1\s+import\s+succeeded\s+100%/);
    const structures = JSON.parse(ssro('structures', dir, '--json').stdout) as { atomCount: number; typeElements: string[] }[];
    expect(structures[0]).toMatchObject({ atomCount: 4, typeElements: ['Cu', 'Zr'] });
    const out = path.join(tempDir(), 'out.xyz');
    expect(ssro('export', dir, '1', '--format', 'extxyz', '--out', out).status).toBe(0);
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]?.trim()).toBe('4');
  });

  it('imports a bundled demo structure with the simulation that made it (--provenance)', () => {
    const dir = path.join(tempDir(), 'p');
    ssro('project', 'init', dir);
    const kept = path.resolve('resources/demo/cuzr-nanocomposite.simulation');
    const r = ssro('import', dir, path.resolve('resources/demo/cuzr-nanocomposite.data'), '--elements', 'Cu,Zr', '--provenance', kept);
    expect(r.stderr).not.toMatch(/ssro:/);
    expect(r.stdout.trim()).toBe('1');
    const listed = JSON.parse(ssro('structures', dir, '--json').stdout) as { provenance: { kind: string; protocol: string } | null }[];
    expect(listed[0]?.provenance).toMatchObject({ kind: 'simulation', protocol: 'composite' });
    const folder = fs.readdirSync(path.join(dir, 'structures'))[0] ?? '';
    expect(fs.readdirSync(path.join(dir, 'structures', folder, 'simulation')).sort()).toEqual(['in.lammps', 'log.lammps', 'provenance.json', 'thermo.csv']);
    const bad = ssro('import', dir, path.resolve('resources/demo/cuzr-nanocomposite.data'), '--provenance', tempDir());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/provenance\.json: not found/);
  });

  it('fails clearly: not a project, missing file, bad element mapping, bad option', () => {
    const notProject = ssro('import', tempDir(), '/nonexistent.data');
    expect(notProject.status).toBe(1);
    expect(notProject.stderr).toMatch(/is not an SSRO Studio project/);
    const dir = path.join(tempDir(), 'p');
    ssro('project', 'init', dir);
    const missing = ssro('import', dir, '/nonexistent.data');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nonexistent\.data: file not found/);
    const file = path.join(tempDir(), 'x.data');
    fs.writeFileSync(file, DATA);
    const badElements = ssro('import', dir, file, '--elements', 'Cu,Qq');
    expect(badElements.status).toBe(1);
    expect(badElements.stderr).toMatch(/"Qq" in the element mapping is not an element symbol/);
    const badFrame = ssro('import', dir, file, '--frame', 'middle');
    expect(badFrame.status).not.toBe(0);
    expect(badFrame.stderr).toMatch(/first, last or a 0-based frame number/);
  });
});
