/**
 * Damaged structure files (tests/support/fuzz-corpus.ts): every truncated, oversized-header, wrong-type and garbage
 * variant of LAMMPS data, dump, extended XYZ / XYZ and POSCAR either imports or fails with a message naming the file
 * and the problem, in a child process with a capped heap and a per-file time limit; a subset goes through a real
 * `ssro import` job, which must fail without changing the project.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractProblem, runFuzzCases, writeStructureCorpus, type FuzzCase, type FuzzResult } from '../support/fuzz-corpus';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
function ssro(...args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Files of a project folder except its database and scratch space, with their sizes. */
function projectFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      const rel = path.relative(dir, p);
      if (rel === 'scratch' || rel.startsWith('project.sqlite')) continue;
      if (entry.isDirectory()) walk(p);
      else out.push(`${rel} ${fs.statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('fuzzed structure files', () => {
  let cases: FuzzCase[] = [];
  let results: FuzzResult[] = [];

  beforeAll(async () => {
    const dir = tempDir();
    cases = writeStructureCorpus(path.join(dir, 'corpus'), 1);
    results = await runFuzzCases(cases, { workDir: dir, perCaseMs: 15_000, heapMb: 512 });
  });

  it('each variant imports or fails with an Error naming the file and the problem (no crash, hang or engine error)', () => {
    expect(cases.length).toBeGreaterThan(90);
    const problems = results.map((r) => [`${r.case.seed}/${r.case.variant}`, contractProblem(r)]).filter(([, p]) => p !== null);
    expect(problems).toEqual([]);
    for (const seed of ['data', 'dump', 'extxyz', 'xyz', 'poscar']) {
      expect(results.find((r) => r.case.seed === seed && r.case.variant === 'seed')?.outcome, seed).toBe('opened');
    }
    // The corpus exercises refusals, not only files that happen to open.
    expect(results.filter((r) => r.outcome === 'error').length).toBeGreaterThan(cases.length / 2);
  });

  it('a header declaring 2·10⁹ atom types is refused with its file and line, and 2·10⁹ atoms likewise', () => {
    const types = results.find((r) => r.case.seed === 'data' && r.case.variant === 'oversized-types-2e9') as FuzzResult;
    expect(types.outcome).toBe('error');
    expect(types.message).toContain(`${types.case.file}, line 4:`);
    expect(types.message).toMatch(/2000000000 atom types, more than this reader accepts/);
    const atoms = results.find((r) => r.case.seed === 'data' && r.case.variant === 'oversized-atoms-2e9') as FuzzResult;
    expect(atoms.message).toContain(`${atoms.case.file}, line 3:`);
    expect(atoms.message).toMatch(/declares 2000000000 atoms, but the \d+ bytes that follow can hold at most \d+ atom lines/);
    const dumpType = results.find((r) => r.case.seed === 'dump' && r.case.variant === 'oversized-type-2e9') as FuzzResult;
    expect(dumpType.message).toMatch(/line 11: atom type 2000000000 is more than this reader accepts/);
  });

  it('coordinates of 1e30 are refused naming file, line and atom, in every format', () => {
    const lines: Record<string, number> = { data: 18, dump: 11, extxyz: 4, xyz: 4, poscar: 12 };
    for (const [seed, line] of Object.entries(lines)) {
      const r = results.find((x) => x.case.seed === seed && x.case.variant === 'oversized-coordinate-1e30') as FuzzResult;
      expect(r.outcome, seed).toBe('error');
      expect(r.message, seed).toContain(`${r.case.file}, line ${line}: atom `);
      expect(r.message, seed).toMatch(/= (3\.61)?1e\+30 lies more than 1000000 Å from the origin|= 3\.61e\+30 lies more than 1000000 Å/);
    }
  });

  it('a real import job refuses damaged files, says why, and leaves the project unchanged', () => {
    const project = path.join(tempDir(), 'fuzz project');
    expect(ssro('project', 'init', project).status).toBe(0);
    const before = projectFiles(project);
    const picks = ['oversized-types-2e9', 'oversized-atoms-2e9', 'garbage-bytes', 'garbage-longline', 'oversized-coordinate-1e30'];
    const chosen = cases.filter((c) => (c.seed === 'data' && picks.includes(c.variant)) || (['dump', 'poscar', 'extxyz'].includes(c.seed) && c.variant === 'oversized-atoms-2e9') || (c.seed === 'poscar' && c.variant === 'oversized-counts-2e9'));
    expect(chosen.length).toBeGreaterThanOrEqual(7);
    for (const c of chosen) {
      const r = ssro('import', project, c.file, '--format', c.format ?? 'auto', '--elements', 'Cu,Zr');
      expect(r.signal, c.variant).toBeNull();
      expect(r.status, `${c.seed}/${c.variant}: ${r.stderr}`).toBe(1);
      expect(r.stderr, c.variant).toContain(`ssro: ${c.file}`);
      expect(r.stderr, c.variant).not.toMatch(/RangeError|TypeError|SIGABRT|signal/);
      expect(r.stderr, c.variant).not.toMatch(/\u001b/);
    }
    const structures = JSON.parse(ssro('structures', project, '--json').stdout) as unknown[];
    expect(structures).toEqual([]);
    expect(projectFiles(project)).toEqual(before);
    const jobs = ssro('jobs', project).stdout;
    expect(jobs.match(/import\s+failed/g)?.length).toBe(chosen.length);
  });

  it('terminal escape sequences quoted from a file reach the terminal escaped, never raw', () => {
    const dir = tempDir();
    const project = path.join(dir, 'p');
    expect(ssro('project', 'init', project).status).toBe(0);
    const file = path.join(dir, 'title.dump');
    fs.writeFileSync(file, '\u001b]0;pwned\u0007\u001b[2J\u001b[31mRED\nITEM: TIMESTEP\n0\n');
    const r = ssro('import', project, file, '--format', 'lammps-dump');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}, line 1: expected an "ITEM:" line, found "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mRED"`);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('the CLI escapes control characters in any error message (here, a file name that holds them)', () => {
    const dir = tempDir();
    const project = path.join(dir, 'p');
    expect(ssro('project', 'init', project).status).toBe(0);
    const file = path.join(dir, 'no\u001b[31msuch.data');
    const r = ssro('import', project, file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no\\x1b[31msuch.data');
    expect(r.stderr).not.toMatch(/\u001b/);
  });
});
