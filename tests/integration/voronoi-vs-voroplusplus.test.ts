/**
 * Our Voronoi cells against voro++ for every atom. The `voro++` command (Debian) gives per atom the face-order table
 * (%A), face and vertex counts and the volume (printed to 6 digits); LAMMPS's `compute voronoi/atom` (voro++ as a
 * library) gives volumes to 15 digits and face counts, also for triclinic boxes, plus whole-box face-order histograms
 * with and without its edge threshold. Inputs: random points (periodic, and walled along z), perfect FCC and BCC
 * (maximally degenerate), and a LAMMPS-made Cu–Zr crystal and glass (orthogonal, then sheared triclinic).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, Vec3 } from '../../main/shared/domain';
import { voronoiAnalysis, type VoronoiResult } from '../../native-workers/lib/voronoi';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import { writeLammpsData } from '../../native-workers/lib/structure-io/writers';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const voroAvailable = spawnSync('voro++', ['--version'], { stdio: 'ignore' }).status === 0;
const lmpHelp = spawnSync('lmp', ['-h'], { encoding: 'utf8' });
const lmpAvailable = lmpHelp.status === 0 && lmpHelp.stdout.includes('voronoi/atom') && fs.existsSync(POTENTIAL);

interface VoroCell {
  faces: number;
  vertices: number;
  volume: number;
  /** %A: number of faces with k edges, k = 0, 1, 2 … */
  orders: number[];
}

interface Agreement {
  dataset: string;
  atoms: number;
  /** Atoms whose face-order table, face count or vertex count differ from voro++'s. */
  mismatches: number;
  /** Largest |ours − voro++| / voro++ volume against the printed 6 digits (bounded by the rounding, ≤ 5e-6). */
  maxVolumeRelVsCli: number;
  /** Atoms whose volume differs from voro++'s printed one by more than its last printed digit can explain. */
  volumeMismatches: number;
  examples: string[];
}

const summary: Record<string, unknown>[] = [];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the voro++ command on an orthogonal cell (the command has no triclinic containers). */
function runVoroPlusPlus(dir: string, name: string, positions: Float64Array, ids: Int32Array, cell: Cell): Map<number, VoroCell> {
  const file = path.join(dir, `${name}.pts`);
  let text = '';
  // JavaScript prints the shortest decimal that reads back as the same double, so voro++ sees our exact inputs.
  for (let i = 0; i < ids.length; i++) text += `${ids[i]} ${positions[3 * i]} ${positions[3 * i + 1]} ${positions[3 * i + 2]}\n`;
  fs.writeFileSync(file, text);
  const flags = cell.pbc.every((p) => p) ? ['-p'] : (['-px', '-py', '-pz'] as const).filter((_, k) => cell.pbc[k]);
  const bounds = [0, 1, 2].flatMap((k) => {
    const lo = cell.origin[k]!;
    return [String(lo), String(lo + [cell.a, cell.b, cell.c][k]![k]!)];
  });
  execFileSync('voro++', [...flags, '-o', '-c', '%i %s %w %v %A', ...bounds, file], { timeout: 60_000 });
  const out = new Map<number, VoroCell>();
  for (const line of fs.readFileSync(`${file}.vol`, 'utf8').trim().split('\n')) {
    const w = line.trim().split(/\s+/).map(Number);
    out.set(w[0]!, { faces: w[1]!, vertices: w[2]!, volume: w[3]!, orders: w.slice(4) });
  }
  return out;
}

/** The most a %g-printed (6 significant digits) value can be off: half a unit in its last digit. */
function printedHalfUlp(value: number): number {
  return 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(value))) - 5);
}

function compareWithVoroPlusPlus(dataset: string, r: VoronoiResult, ids: Int32Array, ref: Map<number, VoroCell>): Agreement {
  const a: Agreement = { dataset, atoms: r.count, mismatches: 0, maxVolumeRelVsCli: 0, volumeMismatches: 0, examples: [] };
  expect(ref.size).toBe(r.count);
  for (let i = 0; i < r.count; i++) {
    const v = ref.get(ids[i]!);
    if (v === undefined) throw new Error(`voro++ has no cell for atom ${ids[i]}`);
    const freq = (k: number): number => v.orders[k] ?? 0;
    let higher = 0;
    for (let k = 7; k < v.orders.length; k++) higher += v.orders[k]!;
    const ours = [r.index[4 * i], r.index[4 * i + 1], r.index[4 * i + 2], r.index[4 * i + 3], r.higherOrderFaces[i], r.lowOrderFaces[i]];
    const theirs = [freq(3), freq(4), freq(5), freq(6), higher, freq(0) + freq(1) + freq(2)];
    const same = ours.every((x, k) => x === theirs[k]) && r.faceCount[i] === v.faces && r.vertexCount[i] === v.vertices;
    if (!same) {
      a.mismatches++;
      if (a.examples.length < 5) a.examples.push(`atom ${ids[i]}: ours ${ours} (${r.faceCount[i]} faces) vs voro++ ${theirs} (${v.faces} faces)`);
    }
    const diff = Math.abs(r.volumeA3[i]! - v.volume);
    a.maxVolumeRelVsCli = Math.max(a.maxVolumeRelVsCli, diff / v.volume);
    if (diff > printedHalfUlp(v.volume) * (1 + 1e-6)) a.volumeMismatches++;
  }
  summary.push({ ...a, examples: undefined });
  return a;
}

function expectAgreement(a: Agreement): void {
  expect(a.examples).toEqual([]);
  expect(a.mismatches).toBe(0);
  expect(a.volumeMismatches).toBe(0);
}

function lattice(basis: Vec3[], n: number, aA: number): { positions: Float64Array; cell: Cell } {
  const p: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    for (const b of basis) p.push((i + b[0]) * aA, (j + b[1]) * aA, (k + b[2]) * aA);
  }
  return { positions: Float64Array.from(p), cell: { origin: [0, 0, 0], a: [n * aA, 0, 0], b: [0, n * aA, 0], c: [0, 0, n * aA], pbc: [true, true, true] } };
}

function oneToN(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i + 1);
}

const title = voroAvailable
  ? 'Voronoi cells against voro++, atom by atom'
  : 'Voronoi cells against voro++ — skipped: the `voro++` command is not on PATH (apt install voro++)';

describe.skipIf(!voroAvailable)(title, () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-voronoi-'));
  });
  afterAll(() => {
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`voronoi vs voro++: ${JSON.stringify(summary)}\n`);
  });

  it('random points in a periodic box (3000 atoms): every cell identical', () => {
    const L = 36;
    const random = mulberry32(2024);
    const positions = Float64Array.from({ length: 9000 }, () => random() * L);
    const cell: Cell = { origin: [0, 0, 0], a: [L, 0, 0], b: [0, L, 0], c: [0, 0, L], pbc: [true, true, true] };
    const ids = oneToN(3000);
    const r = voronoiAnalysis({ positions, cell, ids }, { edgeThresholdA: 0 });
    const a = compareWithVoroPlusPlus('random periodic', r, ids, runVoroPlusPlus(dir, 'random', positions, ids, cell));
    expectAgreement(a);
    expect(a.maxVolumeRelVsCli).toBeLessThan(5.1e-6);
  });

  it('random points walled along z (voro++ -px -py), cell not at the origin: every cell identical', () => {
    const random = mulberry32(77);
    const cell: Cell = { origin: [-10, 5, 2.5], a: [30, 0, 0], b: [0, 28, 0], c: [0, 0, 26], pbc: [true, true, false] };
    const positions = Float64Array.from({ length: 6000 }, (_, k) => cell.origin[k % 3]! + random() * [30, 28, 26][k % 3]!);
    const ids = oneToN(2000);
    const r = voronoiAnalysis({ positions, cell, ids }, { edgeThresholdA: 0 });
    expectAgreement(compareWithVoroPlusPlus('random, walls along z', r, ids, runVoroPlusPlus(dir, 'walled', positions, ids, cell)));
  });

  it('perfect FCC and BCC (four-fold vertices, touching planes): voro++ and we both give ⟨0,12,0,0⟩ and ⟨0,6,0,8⟩', () => {
    const cases = [
      { name: 'perfect fcc', basis: [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]] as Vec3[], n: 6, a: 3.61, want: [0, 12, 0, 0] },
      { name: 'perfect bcc', basis: [[0, 0, 0], [0.5, 0.5, 0.5]] as Vec3[], n: 7, a: 3.23, want: [0, 6, 0, 8] },
    ];
    for (const c of cases) {
      const { positions, cell } = lattice(c.basis, c.n, c.a);
      const ids = oneToN(positions.length / 3);
      const r = voronoiAnalysis({ positions, cell, ids }, { edgeThresholdA: 0 });
      const ref = runVoroPlusPlus(dir, c.name.replace(' ', '-'), positions, ids, cell);
      expectAgreement(compareWithVoroPlusPlus(c.name, r, ids, ref));
      expect(Array.from(r.index.subarray(0, 4))).toEqual(c.want);
    }
  });

  describe.skipIf(!lmpAvailable)('LAMMPS-made Cu–Zr (Debian lmp, eam/fs CuZr_mm)', () => {
    const hist: Record<string, number[]> = {};

    beforeAll(() => {
      const out = execFileSync('lmp', ['-in', 'in.cuzr', '-log', 'none', '-nocite'], {
        cwd: writeInput(dir),
        encoding: 'utf8',
        timeout: 120_000,
      });
      for (const m of out.matchAll(/^HIST (\S+) (.*)$/gm)) hist[m[1]!] = m[2]!.trim().split(/\s+/).map(Number);
    });

    it.each(['crystal', 'glass'])('%s (orthogonal, 2048 atoms): every cell identical to voro++, volumes to 1e-10', (name) => {
      const file = path.join(dir, `${name}.dump`);
      const s = readStructureFile(file, 'lammps-dump', { elements: ['Cu', 'Zr'] });
      const r = voronoiAnalysis({ positions: s.positions, cell: s.cell, ids: s.ids }, { edgeThresholdA: 0, collectFaces: true });
      const a = compareWithVoroPlusPlus(`lammps ${name}`, r, s.ids, runVoroPlusPlus(dir, name, s.positions, s.ids, s.cell));
      expectAgreement(a);
      const lammps = compareWithLammps(`lammps ${name}`, r, s.ids, file);
      expect(lammps.faceMismatches).toBe(0);
      expect(lammps.maxVolumeRel).toBeLessThan(1e-10);
      expectHistogram(r, hist[`${name}-0`]!);
      expectHistogram(voronoiAnalysis({ positions: s.positions, cell: s.cell }, { edgeThresholdA: 0.6, collectFaces: true }), hist[`${name}-0.6`]!);
      if (name === 'glass') {
        // A glass, not a crystal: almost no FCC cells at the paper's threshold.
        const fcc = voronoiAnalysis({ positions: s.positions, cell: s.cell }, { edgeThresholdA: 0.6 }).classCode.filter((c) => c === 0).length;
        expect(fcc).toBeLessThan(0.05 * s.ids.length);
      }
    });

    it('the glass sheared into a triclinic box: volumes, face counts and face-order histograms (0 and 0.6 Å)', () => {
      const file = path.join(dir, 'glass-tri.dump');
      const s = readStructureFile(file, 'lammps-dump', { elements: ['Cu', 'Zr'] });
      expect(s.cell.b[0]).toBe(4);
      const r = voronoiAnalysis({ positions: s.positions, cell: s.cell, ids: s.ids }, { edgeThresholdA: 0, collectFaces: true });
      const lammps = compareWithLammps('lammps glass, triclinic', r, s.ids, file);
      expect(lammps.faceMismatches).toBe(0);
      expect(lammps.maxVolumeRel).toBeLessThan(1e-10);
      expectHistogram(r, hist['tri-0']!);
      expectHistogram(voronoiAnalysis({ positions: s.positions, cell: s.cell }, { edgeThresholdA: 0.6, collectFaces: true }), hist['tri-0.6']!);
    });

    it('random points through LAMMPS too: volumes to 1e-10', () => {
      const L = 30;
      const random = mulberry32(5);
      const n = 2000;
      const positions = Float64Array.from({ length: 3 * n }, () => random() * L);
      const cell: Cell = { origin: [0, 0, 0], a: [L, 0, 0], b: [0, L, 0], c: [0, 0, L], pbc: [true, true, true] };
      const ids = oneToN(n);
      writeLammpsData({ ids, types: new Int32Array(n).fill(1), positions, typeElements: ['Cu'], cell }, path.join(dir, 'random.data'));
      fs.writeFileSync(
        path.join(dir, 'in.random'),
        [
          'units metal',
          'boundary p p p',
          'atom_style atomic',
          'read_data random.data',
          // Ghost atoms must reach every neighbour that can cut a cell; Poisson cells are big.
          'comm_modify cutoff 15.0',
          'compute v all voronoi/atom',
          'dump d all custom 1 random.dump id type x y z c_v[1] c_v[2]',
          'dump_modify d sort id format float %20.15g',
          'run 0',
        ].join('\n'),
      );
      execFileSync('lmp', ['-in', 'in.random', '-log', 'none', '-nocite', '-screen', 'none'], { cwd: dir, timeout: 60_000 });
      const r = voronoiAnalysis({ positions, cell, ids }, { edgeThresholdA: 0 });
      const lammps = compareWithLammps('random periodic via lammps', r, ids, path.join(dir, 'random.dump'));
      expect(lammps.faceMismatches).toBe(0);
      expect(lammps.maxVolumeRel).toBeLessThan(1e-10);
    });
  });
});

/** compute voronoi/atom columns c_v[1] (volume) and c_v[2] (faces) of a dump, against ours by id. */
function compareWithLammps(dataset: string, r: VoronoiResult, ids: Int32Array, file: string): { faceMismatches: number; maxVolumeRel: number } {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
  const header = rows.findIndex((l) => l.startsWith('ITEM: ATOMS'));
  const columns = rows[header]!.split(/\s+/).slice(2);
  const [idCol, volCol, faceCol] = ['id', 'c_v[1]', 'c_v[2]'].map((c) => columns.indexOf(c));
  const ref = new Map<number, [number, number]>();
  for (const row of rows.slice(header + 1)) {
    const w = row.trim().split(/\s+/).map(Number);
    ref.set(w[idCol!]!, [w[volCol!]!, w[faceCol!]!]);
  }
  expect(ref.size).toBe(r.count);
  let faceMismatches = 0;
  let maxVolumeRel = 0;
  let volumeSum = 0;
  for (let i = 0; i < r.count; i++) {
    const [volume, faces] = ref.get(ids[i]!)!;
    if (faces !== r.faceCount[i]) faceMismatches++;
    maxVolumeRel = Math.max(maxVolumeRel, Math.abs(r.volumeA3[i]! - volume) / volume);
    volumeSum += r.volumeA3[i]!;
  }
  summary.push({ dataset, reference: 'lammps compute voronoi/atom', atoms: r.count, faceMismatches, maxVolumeRel, volumeSum });
  return { faceMismatches, maxVolumeRel };
}

/** LAMMPS's edge_histo: entry k (1-based) = faces with k edges (longer than its edge_threshold), k = 1 … 12. */
function expectHistogram(r: VoronoiResult, lammps: number[]): void {
  expect(lammps).toBeDefined();
  const ours = new Array(13).fill(0);
  if (r.faces) {
    for (const o of r.faces.order) if (o >= 1 && o <= 12) ours[o - 1]++;
  }
  expect(ours.slice(0, 12)).toEqual(lammps.slice(0, 12));
}

/**
 * Cu64Zr36 from an FCC lattice (random substitution), a short 300 K run (the crystal), a 1 ps melt at 2000 K and a
 * 1 ps quench to 300 K (a glass, ~1.7e15 K/s), then the glass sheared into a triclinic box. Each stage dumps the
 * atoms with compute voronoi/atom's volume and face count, and prints its face-order histograms.
 */
function writeInput(dir: string): string {
  const histogram = (name: string): string[] => [
    `print "HIST ${name}-0 ${Array.from({ length: 13 }, (_, k) => `$(c_v[${k + 1}]:%.0f)`).join(' ')}"`,
    `print "HIST ${name}-0.6 ${Array.from({ length: 13 }, (_, k) => `$(c_w[${k + 1}]:%.0f)`).join(' ')}"`,
  ];
  const stage = (name: string, file: string): string[] => [
    `dump d all custom 1 ${file} id type x y z c_v[1] c_v[2]`,
    'dump_modify d sort id format float %20.15g',
    'run 0',
    'undump d',
    ...histogram(name),
  ];
  const thermo = ['step', 'pe', ...Array.from({ length: 13 }, (_, k) => `c_v[${k + 1}] c_w[${k + 1}]`)].join(' ');
  const lines = [
    'units metal',
    'boundary p p p',
    'atom_style atomic',
    'lattice fcc 3.61',
    'region box block 0 8 0 8 0 8',
    'create_box 2 box',
    'create_atoms 1 box',
    'set type 1 type/fraction 2 0.36 12345',
    'mass 1 63.546',
    'mass 2 91.224',
    'pair_style eam/fs',
    `pair_coeff * * ${POTENTIAL} Cu Zr`,
    'timestep 0.002',
    // Ghost atoms must cover every neighbour that can cut a cell (the pair cutoff alone may not).
    'comm_modify cutoff 12.0',
    'compute v all voronoi/atom edge_histo 12',
    'compute w all voronoi/atom edge_histo 12 edge_threshold 0.6',
    `thermo_style custom ${thermo}`,
    'velocity all create 600 4928459 dist gaussian',
    'fix 1 all nvt temp 300 300 0.1',
    'run 100',
    'unfix 1',
    ...stage('crystal', 'crystal.dump'),
    'velocity all create 4000 87287 dist gaussian',
    'fix 2 all npt temp 2000 2000 0.1 iso 0 0 1.0',
    'run 500',
    'unfix 2',
    'fix 3 all npt temp 2000 300 0.1 iso 0 0 1.0',
    'run 500',
    'unfix 3',
    ...stage('glass', 'glass.dump'),
    'change_box all triclinic',
    'change_box all xy final 4.0 xz final -3.0 yz final 2.5 remap units box',
    ...stage('tri', 'glass-tri.dump'),
  ];
  fs.writeFileSync(path.join(dir, 'in.cuzr'), lines.join('\n') + '\n');
  return dir;
}
