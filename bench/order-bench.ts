/**
 * Bond-order benchmark: times our d_i + Q4 + Q6 + 1 − Q6 (neighbour search included) on a 131,072-atom Cu64Zr36 glass
 * against LAMMPS `compute orientorder/atom nnn 12 degrees 2 4 6 components 6` on the same data file in the same run
 * (LAMMPS read + setup measured by a run without the compute and subtracted), and measures the peak memory of our
 * computation at ~10k, ~100k and ~1M atoms, each in its own child process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AtomsInput } from '../native-workers/lib/neighbors/atoms-input';
import { nearestNeighbors } from '../native-workers/lib/neighbors/nearest-neighbors';
import { bondOrientationalOrder } from '../native-workers/lib/order/bond-order';
import { readStructureFile } from '../native-workers/lib/structure-io/read-structure';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
/** Repetitions; the best is kept, because the machine may be shared and noise only ever adds time. */
const RUNS = 5;
/** The 2048-atom glass is replicated 4 × 4 × 4. */
const REPLICAS = 4;
const GLASS_ATOMS = 2048 * REPLICAS ** 3;
/** FCC n × n × n cells (4n³ atoms) for the memory series: 10,976, 97,556 and 1,000,188 atoms. */
const MEMORY_CELLS = [14, 29, 63];

interface Timing {
  firstSeconds: number;
  bestSeconds: number;
}

interface MemoryPoint {
  atoms: number;
  /** Resident set before the computation (Node, the positions). */
  baselineRssMB: number;
  /** Peak resident set of the whole process (process.resourceUsage().maxRSS). */
  peakRssMB: number;
  /** Linux VmHWM of the same process: the peak of this process image alone (null elsewhere). */
  vmHwmMB: number | null;
  /** (peak − baseline) / atoms: what the computation itself needs per atom. */
  bytesPerAtom: number;
  seconds: number;
}

export interface OrderBenchResult {
  bench: 'order';
  structure: string;
  atoms: number;
  ourSeconds: number;
  ourFirstSeconds: number;
  ourAtomsPerSecond: number;
  /** LAMMPS cutoff used for its neighbour search: the largest 12th-neighbour distance plus a little. */
  lammpsCutoffA: number | null;
  lammpsOrientorderSeconds: number | null;
  /** The same compute with `degrees 1 6 components 6` (the DESIGN.md formulation: no Q4). */
  lammpsOrientorderQ6OnlySeconds: number | null;
  /** lammpsOrientorderSeconds / ourSeconds (> 1: we are faster). */
  speedupVsLammps: number | null;
  memory: MemoryPoint[];
  /** True when the memory increment per atom from 100k to 1M is within 25% of the one from 10k to 100k. */
  memoryLinear: boolean;
}

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json)');
    dir = up;
  }
  return dir;
}

function lammpsAvailable(): boolean {
  return spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(POTENTIAL);
}

function runLammps(script: string, dir: string): { seconds: number; stdout: string } {
  const input = path.join(dir, 'in.bench');
  fs.writeFileSync(input, script);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('lmp', ['-in', input, '-log', 'none', '-nocite'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`lmp failed: ${r.stdout.slice(-2000)}${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** The quenched glass of tests/integration/order-vs-lammps.test.ts, replicated, written once (temp file + rename). */
export function ensureBenchGlass(dir = path.join(repoRoot(), 'bench', 'out')): string {
  const file = path.join(dir, `cuzr-glass-${GLASS_ATOMS}-atoms-v1.data`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, 'tmp-glass-'));
  try {
    runLammps(
      `
units metal
boundary p p p
atom_style atomic
lattice fcc 3.75
region box block 0 8 0 8 0 8
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.36 12345
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
neighbor 0.6 bin
velocity all create 2500 4928459 dist gaussian
timestep 0.003
fix md all npt temp 2500 2500 0.1 iso 0 0 1
run 300
unfix md
fix md all npt temp 2500 300 0.1 iso 0 0 1
run 900
unfix md
minimize 0 1e-8 200 2000
replicate ${REPLICAS} ${REPLICAS} ${REPLICAS}
write_data glass.data
`,
      work,
    );
    fs.renameSync(path.join(work, 'glass.data'), file);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return file;
}

function timeOurs(input: AtomsInput): Timing {
  let first = 0;
  let best = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    bondOrientationalOrder(input);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (run === 0) first = seconds;
    best = Math.min(best, seconds);
  }
  return { firstSeconds: first, bestSeconds: best };
}

/** LAMMPS seconds spent in the compute: best run with it minus best run without it (read_data, setup, start-up). */
function timeLammpsOrientorder(dataFile: string, cutoffA: number, degrees: string): number {
  const dir = fs.mkdtempSync(path.join(path.dirname(dataFile), 'tmp-lmp-'));
  try {
    const base = `
units metal
boundary p p p
atom_style atomic
read_data ${dataFile}
pair_style zero ${cutoffA}
pair_coeff * *
neighbor 0.3 bin
`;
    const withCompute = `${base}
compute oo all orientorder/atom nnn 12 degrees ${degrees} components 6
compute q6min all reduce min c_oo[${degrees.startsWith('1') ? 1 : 2}]
thermo_style custom step c_q6min
run 0
`;
    const without = `${base}
thermo_style custom step
run 0
`;
    let best = Infinity;
    let bestWithout = Infinity;
    for (let run = 0; run < RUNS; run++) {
      const r = runLammps(withCompute, dir);
      // LAMMPS zeroes Q of atoms with fewer than 12 neighbours inside the cutoff: the cutoff must be wide enough.
      const row = /^\s*0\s+(\S+)\s*$/m.exec(r.stdout);
      if (row === null || !(Number(row[1]) > 0)) throw new Error(`LAMMPS left atoms without 12 neighbours within ${cutoffA} Å`);
      best = Math.min(best, r.seconds);
      bestWithout = Math.min(bestWithout, runLammps(without, dir).seconds);
    }
    return Math.max(best - bestWithout, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic PRNG (mulberry32). */
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

/** FCC Cu (a = 3.615 Å), n³ cells, uniform displacements of up to ±0.15 Å: a thermalised-looking crystal. */
function noisyFcc(cells: number): AtomsInput {
  const a = 3.615;
  const random = mulberry32(cells);
  const positions = new Float64Array(12 * cells ** 3);
  const basis = [0, 0, 0, 0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5];
  let at = 0;
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      for (let k = 0; k < cells; k++) {
        for (let b = 0; b < 12; b += 3) {
          positions[at++] = (i + (basis[b] as number)) * a + (random() - 0.5) * 0.3;
          positions[at++] = (j + (basis[b + 1] as number)) * a + (random() - 0.5) * 0.3;
          positions[at++] = (k + (basis[b + 2] as number)) * a + (random() - 0.5) * 0.3;
        }
      }
    }
  }
  const l = cells * a;
  return { positions, cell: { origin: [0, 0, 0], a: [l, 0, 0], b: [0, l, 0], c: [0, 0, l], pbc: [true, true, true] } };
}

/**
 * Linux's VmHWM: the peak resident set of this process image. It cross-checks maxRSS, which on Linux also counts
 * the parent's pages a child had between fork and exec; hence the memory series runs before the parent loads the glass.
 */
function vmHwmBytes(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** Runs in a child process: one computation, its peak memory. */
function measureMemory(cells: number): MemoryPoint {
  const input = noisyFcc(cells);
  const atoms = input.positions.length / 3;
  const baseline = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const result = bondOrientationalOrder(input);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!Number.isFinite(result.d[atoms - 1] as number)) throw new Error('non-finite d');
  const peak = process.resourceUsage().maxRSS * 1024;
  const hwm = vmHwmBytes();
  return {
    atoms,
    baselineRssMB: Math.round(baseline / 1e5) / 10,
    peakRssMB: Math.round(peak / 1e5) / 10,
    vmHwmMB: hwm === null ? null : Math.round(hwm / 1e5) / 10,
    bytesPerAtom: Math.round((peak - baseline) / atoms),
    seconds,
  };
}

function measureMemoryInChild(cells: number): MemoryPoint {
  const child = spawnSync(process.execPath, [__filename, '--memory', String(cells)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`memory measurement at ${cells}³ cells failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as MemoryPoint;
}

export function runOrderBench(): OrderBenchResult {
  // Memory first, while this process is still small (see vmHwmBytes).
  const memory = MEMORY_CELLS.map(measureMemoryInChild);
  const haveLammps = lammpsAvailable();
  if (!haveLammps) console.log('order bench: `lmp` or CuZr_mm.eam.fs missing, so no glass and no LAMMPS comparison');
  let structure = 'none';
  let atoms = 0;
  let ours: Timing = { firstSeconds: NaN, bestSeconds: NaN };
  let lammpsCutoffA: number | null = null;
  let lammpsSeconds: number | null = null;
  let lammpsQ6OnlySeconds: number | null = null;
  if (haveLammps) {
    const file = ensureBenchGlass();
    structure = path.relative(repoRoot(), file);
    const s = readStructureFile(file, 'lammps-data', { elements: ['Cu', 'Zr'] });
    const input: AtomsInput = { positions: s.positions, cell: s.cell, ids: s.ids };
    atoms = s.ids.length;
    ours = timeOurs(input);
    // The tightest fair cutoff for LAMMPS's neighbour list: every atom's 12th neighbour inside, with 0.1 Å to spare.
    const shell = nearestNeighbors(input, 12);
    let farthest = 0;
    for (let i = 11; i < shell.distance.length; i += 12) farthest = Math.max(farthest, shell.distance[i] as number);
    lammpsCutoffA = Math.ceil((farthest + 0.1) * 10) / 10;
    lammpsSeconds = timeLammpsOrientorder(file, lammpsCutoffA, '2 4 6');
    lammpsQ6OnlySeconds = timeLammpsOrientorder(file, lammpsCutoffA, '1 6');
  }
  const [small, medium, large] = memory as [MemoryPoint, MemoryPoint, MemoryPoint];
  const slope = (p: MemoryPoint, q: MemoryPoint): number => (q.peakRssMB - p.peakRssMB) / (q.atoms - p.atoms);
  const memoryLinear = Math.abs(slope(medium, large) / slope(small, medium) - 1) < 0.25;
  const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
  const result: OrderBenchResult = {
    bench: 'order',
    structure,
    atoms,
    ourSeconds: round(ours.bestSeconds),
    ourFirstSeconds: round(ours.firstSeconds),
    ourAtomsPerSecond: Math.round(atoms / ours.bestSeconds),
    lammpsCutoffA,
    lammpsOrientorderSeconds: lammpsSeconds === null ? null : round(lammpsSeconds),
    lammpsOrientorderQ6OnlySeconds: lammpsQ6OnlySeconds === null ? null : round(lammpsQ6OnlySeconds),
    speedupVsLammps: lammpsSeconds === null ? null : round(lammpsSeconds / ours.bestSeconds, 2),
    memory,
    memoryLinear,
  };
  if (haveLammps) {
    console.log(`order bench: ${atoms} atoms, Cu64Zr36 glass (${structure})`);
    console.log(
      `  ours (neighbours + Q4 + Q6 + d_i): ${result.ourSeconds} s best of ${RUNS} (first ${result.ourFirstSeconds} s), ` +
        `${(result.ourAtomsPerSecond / 1e6).toFixed(2)} M atoms/s`,
    );
    console.log(
      `  LAMMPS orientorder/atom degrees 2 4 6 components 6 (cutoff ${lammpsCutoffA} Å): ${result.lammpsOrientorderSeconds} s; ` +
        `degrees 1 6: ${result.lammpsOrientorderQ6OnlySeconds} s`,
    );
    console.log(`  speed-up vs LAMMPS ×${result.speedupVsLammps}`);
  }
  for (const p of memory) {
    console.log(
      `  memory at ${p.atoms} atoms: peak RSS ${p.peakRssMB} MB (VmHWM ${p.vmHwmMB} MB; baseline ${p.baselineRssMB} MB, ` +
        `${p.bytesPerAtom} B/atom for the computation), ${p.seconds.toFixed(3)} s`,
    );
  }
  console.log(
    `  memory grows linearly: ${memoryLinear} (${(slope(small, medium) * 1e6).toFixed(0)} B/atom from 10k to 100k, ` +
      `${(slope(medium, large) * 1e6).toFixed(0)} B/atom from 100k to 1M)`,
  );
  console.log(JSON.stringify(result));
  return result;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--memory') {
    console.log(JSON.stringify(measureMemory(Number(args[1]))));
  } else {
    runOrderBench();
  }
}
