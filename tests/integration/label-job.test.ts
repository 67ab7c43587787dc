/**
 * The label job through the core as the GUI and CLI use it: a real worker labels a project structure, the label
 * set is committed with its arrays, and the analysis channels answer from it. Physics checks use a perfect FCC
 * crystal with a disordered slab, so every number has a known answer.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { waitForJob } from '../support/jobs';
import { tempDir } from '../support/temp';

const A = 3.615; // Cu lattice parameter, Å

/** FCC Cu, nx × 6 × 6 cells; atoms with x in the middle third displaced randomly (a disordered slab). */
function writeSlabCrystal(file: string, nx: number, amplitudeA: number): number {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const lines: string[] = [];
  let id = 0;
  const lx = nx * A;
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < 6; j++)
      for (let k = 0; k < 6; k++)
        for (const b of basis) {
          id++;
          let x = (i + (b[0] ?? 0)) * A;
          let y = (j + (b[1] ?? 0)) * A;
          let z = (k + (b[2] ?? 0)) * A;
          if (x > lx / 3 && x < (2 * lx) / 3) {
            x += (random() - 0.5) * 2 * amplitudeA;
            y += (random() - 0.5) * 2 * amplitudeA;
            z += (random() - 0.5) * 2 * amplitudeA;
          }
          lines.push(`${id} 1 ${x} ${y} ${z}`);
        }
  fs.writeFileSync(
    file,
    `slab crystal\n\n${id} atoms\n1 atom types\n\n0 ${lx} xlo xhi\n0 ${6 * A} ylo yhi\n0 ${6 * A} zlo zhi\n\nMasses\n\n1 63.546\n\nAtoms # atomic\n\n${lines.join('\n')}\n`,
  );
  return id;
}

let core: AppCore;
let handlers: Handlers;
let structureId = 0;
let labelSetId = 0;
const work = tempDir();

const waitJob = (id: number): Promise<JobSummary> => waitForJob(handlers, id);

beforeAll(async () => {
  core = new AppCore();
  handlers = createHandlers(core);
  await core.createProject(path.join(work, 'p'));
  const file = path.join(work, 'slab.data');
  writeSlabCrystal(file, 12, 0.45);
  const { jobId } = await dispatch(handlers, 'structures.import', { path: file });
  const job = await waitJob(jobId);
  structureId = Number(job.outputs[0]?.id);
});
afterAll(async () => {
  await core.dispose();
});

describe('label job', () => {
  it('labels a structure in a worker and stores the label set', async () => {
    const { jobId } = await dispatch(handlers, 'labels.run', { structureId });
    const job = await waitJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(job.logTail.join('\n')).toMatch(/bondOrder: .* s/);
    const sets = await dispatch(handlers, 'labels.list', { structureId });
    expect(sets).toHaveLength(1);
    labelSetId = sets[0]?.id ?? 0;
    expect(job.outputs).toContainEqual({ kind: 'label-set', id: labelSetId });
    const summary = sets[0]?.summary;
    // Two thirds of the atoms sit on perfect FCC sites: FCC by CNA and by Voronoi, d = 0 there.
    expect(summary?.atomCount).toBe(12 * 36 * 4);
    expect(summary?.cnaCounts.fcc).toBeGreaterThan(0.6 * 1728);
    expect(summary?.voronoiClassCounts.fcc).toBeGreaterThan(0.55 * 1728);
    expect(summary?.flaggedAtoms).toBe(0);
    const folder = core.requireProject().project.labels.folder(labelSetId);
    for (const f of ['d.npy', 'one_minus_q6.npy', 'cna.npy', 'vor_index.npy', 'vor_class.npy', 'rdf.json', 'labels.json']) {
      expect(fs.existsSync(path.join(folder, f)), f).toBe(true);
    }
  });

  it('serves per-atom values: d ≈ 0 in the crystal, 1 − Q6 = 0.4255 there', async () => {
    const d = await dispatch(handlers, 'labels.values', { labelSetId, property: 'd' });
    const q = await dispatch(handlers, 'labels.values', { labelSetId, property: 'one_minus_q6' });
    const atoms = await dispatch(handlers, 'structures.atoms', { id: structureId });
    const lx = 12 * A;
    let crystalMax = 0;
    for (let i = 0; i < d.count; i++) {
      const x = atoms.positions[3 * i] ?? 0;
      // Far enough from the slab that no neighbour among the 12 nearest is displaced.
      if (x < lx / 3 - 3.5 || x > (2 * lx) / 3 + 3.5) {
        crystalMax = Math.max(crystalMax, d.values[i] ?? 1);
        expect(q.values[i]).toBeCloseTo(1 - 0.57452, 4);
      }
    }
    expect(crystalMax).toBeLessThan(1e-5);
    const cna = await dispatch(handlers, 'labels.values', { labelSetId, property: 'cna' });
    expect(cna.categories).toEqual(['other', 'fcc', 'hcp', 'bcc', 'ico']);
  });

  it('answers the analyses: a profile that rises in the slab, distributions, g(r) with 12 first neighbours', async () => {
    const profile = await dispatch(handlers, 'analysis.profile', { labelSetId, property: 'd', axis: 'x' });
    const lx = 12 * A;
    const at = (x: number): number => {
      const k = profile.positionA.findIndex((p) => p >= x);
      return profile.mean[k] ?? NaN;
    };
    expect(at(lx / 6)).toBeLessThan(1e-5);
    expect(at(lx / 2)).toBeGreaterThan(0.2);
    const byClass = await dispatch(handlers, 'analysis.distributions', { labelSetId, groupBy: 'cna' });
    const fcc = byClass.groups.find((g) => g.group === 'fcc');
    expect(fcc?.median).toBeLessThan(0.05);
    const threshold = await dispatch(handlers, 'analysis.threshold', { labelSetId });
    if (threshold.found) {
      expect(threshold.orderedCount).toBeGreaterThan(0);
      expect(threshold.disorderedCount).toBeGreaterThan(0);
    } else {
      expect(threshold.reason).toMatch(/no atoms are Voronoi-(dis)?ordered/);
    }
    const rdf = await dispatch(handlers, 'analysis.rdf', { labelSetId });
    expect(rdf.partials.map((p) => p.pair)).toEqual(['Cu-Cu']);
    expect(rdf.firstShell?.peakA).toBeGreaterThan(2.4);
    expect(rdf.firstShell?.peakA).toBeLessThan(2.7);
    expect(rdf.firstShell?.coordination).toBeGreaterThan(11.5);
    // The displaced slab adds a few close pairs to the average; the crystal alone has exactly 12.
    expect(rdf.firstShell?.coordination).toBeLessThan(13.2);
    const sq = await dispatch(handlers, 'analysis.sq', { labelSetId, radiation: 'xray' });
    // FCC (111) reflection: q = 2π √3 / a.
    const q111 = (2 * Math.PI * Math.sqrt(3)) / A;
    let best = 0;
    let bestQ = 0;
    sq.qInvA.forEach((q, k) => {
      const s = sq.total[k] ?? 0;
      if (q > 2 && q < 4 && s > best) {
        best = s;
        bestQ = q;
      }
    });
    expect(Math.abs(bestQ - q111)).toBeLessThan(0.08);
  });

  it('refuses bad requests with the cause named', async () => {
    await expect(dispatch(handlers, 'labels.run', { structureId: 999 })).rejects.toThrow(/structure 999 does not exist/);
    await expect(dispatch(handlers, 'analysis.profile', { labelSetId: 999, property: 'd', axis: 'x' })).rejects.toThrow(/label set 999 does not exist/);
    await expect(dispatch(handlers, 'labels.run', { structureId, edgeThresholdA: -1 })).rejects.toThrow(/edgeThresholdA/);
    const tiny = path.join(work, 'tiny.xyz');
    fs.writeFileSync(tiny, '4\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3\nCu 0 0 0\nCu 2 2 0\nCu 2 0 2\nCu 0 2 2\n');
    const job = await waitJob((await dispatch(handlers, 'structures.import', { path: tiny })).jobId);
    await expect(dispatch(handlers, 'labels.run', { structureId: Number(job.outputs[0]?.id) })).rejects.toThrow(/needs? at least 13/);
  });

  it('deleting the structure removes its label sets and their folders', async () => {
    const folder = core.requireProject().project.labels.folder(labelSetId);
    await dispatch(handlers, 'structures.delete', { id: structureId });
    expect(fs.existsSync(folder)).toBe(false);
    expect(await dispatch(handlers, 'labels.list', {})).toEqual([]);
  });
});

describe('ssro label / rdf / sq', () => {
  it('writes the label CSV with the documented columns, sorted by id', () => {
    const file = path.join(work, 'slab2.data');
    const n = writeSlabCrystal(file, 6, 0.3);
    const out = path.join(work, 'labels.csv');
    const r = spawnSync(process.execPath, ['bin/ssro.js', 'label', file, '--elements', 'Cu', '--out', out, '--edge-threshold', '0'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/→/);
    expect(r.status).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,type,element,x,y,z,d,one_minus_q6,cna,vor_n3,vor_n4,vor_n5,vor_n6,vor_class');
    expect(lines).toHaveLength(n + 1);
    const ids = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    const first = lines[1]?.split(',') ?? [];
    expect(first[2]).toBe('Cu');
    expect(first[8]).toBe('fcc');
    expect(first.slice(9, 14)).toEqual(['0', '12', '0', '0', 'fcc']);
  });

  it('runs a label job on a project structure and prints the label set id', () => {
    const dir = path.join(work, 'cli-project');
    const file = path.join(work, 'slab4.data');
    writeSlabCrystal(file, 6, 0.3);
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/ssro.js', ...args], { encoding: 'utf8' });
    expect(run('project', 'init', dir).status).toBe(0);
    expect(run('import', dir, file).stdout.trim()).toBe('1');
    const labelled = run('label', dir, '1', '--cna', 'cutoff:3.08');
    expect(labelled.stderr).toMatch(/label \[.*\] 100%/);
    expect(labelled.status).toBe(0);
    expect(labelled.stdout.trim()).toBe('1');
    expect(run('label', dir, '7').stderr).toMatch(/structure 7 does not exist/);
    expect(run('label', dir, '1', '--cna', 'sometimes').stderr).toMatch(/adaptive or cutoff:R/);
  });

  it('writes g(r) and S(q) curves', () => {
    const file = path.join(work, 'slab3.data');
    writeSlabCrystal(file, 6, 0.3);
    const rdfOut = path.join(work, 'rdf.csv');
    expect(spawnSync(process.execPath, ['bin/ssro.js', 'rdf', file, '--out', rdfOut, '--rmax', '8', '--bins', '160']).status).toBe(0);
    const rdf = fs.readFileSync(rdfOut, 'utf8').trim().split('\n');
    expect(rdf[0]).toBe('r,g_total,coord_total,g_Cu-Cu,coord_Cu-Cu');
    expect(rdf).toHaveLength(161);
    const sqOut = path.join(work, 'sq.csv');
    const r = spawnSync(process.execPath, ['bin/ssro.js', 'sq', file, '--out', sqOut, '--radiation', 'electron'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Peng/);
    expect(fs.readFileSync(sqOut, 'utf8').split('\n')[0]).toBe('q,s_total,s_Cu-Cu');
  });
});
