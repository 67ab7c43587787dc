/**
 * Voronoi benchmark: our per-atom tessellation (index ⟨n3,n4,n5,n6⟩ + volume) on a 131,072-atom periodic Cu64Zr36
 * glass against voro++ on the same atoms in the same run — the `voro++` command (wall time, file reading and writing
 * included), voro++ as a library timed around its compute loop only (when voro++-dev and g++ are installed), and
 * LAMMPS `compute voronoi/atom` with read + setup subtracted — plus whether every cell agrees with the command's, and
 * the peak memory of our computation at ~16k, ~131k and ~1M atoms, each in its own child process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cell } from '../main/shared/domain';
import { voronoiAnalysis, type VoronoiResult } from '../native-workers/lib/voronoi';
import { readStructureFile } from '../native-workers/lib/structure-io/read-structure';
import { writeLammpsData } from '../native-workers/lib/structure-io/writers';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const RUNS = 2;
/** The 2048-atom glass tiled 4 × 4 × 4 for the timing; 2, 4 and 8 for the memory series. */
const TIMING_TILES = 4;
const MEMORY_TILES = [2, 4, 8];
const BASE_ATOMS = 2048;

interface Structure {
  ids: Int32Array;
  positions: Float64Array;
  cell: Cell;
}

interface MemoryPoint {
  atoms: number;
  /** Resident set before the tessellation (Node and the positions), after a full GC. */
  baselineRssMB: number;
  /** Peak resident set of the whole process (process.resourceUsage().maxRSS). */
  peakRssMB: number;
  /** (peak − baseline) / atoms: what the tessellation itself needs per atom. */
  bytesPerAtom: number;
  seconds: number;
}

export interface VoronoiBenchResult {
  bench: 'voronoi';
  structure: string;
  atoms: number;
  ourSeconds: number;
  ourFirstSeconds: number;
  ourAtomsPerSecond: number;
  /** The same at the paper's 0.6 Å threshold (the threshold only changes the counting). */
  ourSecondsThreshold06: number;
  /** `voro++ -p -c "%i %s %v %A"`: best wall time, reading the 131k-line input and writing the output included. */
  voroCliSeconds: number | null;
  /** voro++ 0.4.6 as a library: the loop over cells (compute_cell, face_orders, volume) only. */
  voroLibraryComputeSeconds: number | null;
  /** voro++ as a library: importing the points file into the container. */
  voroLibraryImportSeconds: number | null;
  /** LAMMPS compute voronoi/atom: best run with it minus best run without (start-up, read_data, ghost set-up). */
  lammpsVoronoiSeconds: number | null;
  /** ourSeconds / voroLibraryComputeSeconds (or / voroCliSeconds when the library is not installed). */
  slowdownVsVoro: number | null;
  /** Atoms whose ⟨n3,n4,n5,n6⟩, higher-order count, face count or vertex count differ from the voro++ command's. */
  mismatchesVsVoroCli: number | null;
  memory: MemoryPoint[];
  /** True when the memory increment per atom at the largest size is within 25% of the one at the middle size. */
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

const outDir = (): string => path.join(repoRoot(), 'bench', 'out');

function available(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
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
  const s = seconds(t0);
  if (r.status !== 0) throw new Error(`lmp failed: ${r.stdout.slice(-2000)}${r.stderr}`);
  return { seconds: s, stdout: r.stdout };
}

/**
 * The glass of tests/integration/voronoi-vs-voroplusplus.test.ts (Cu64Zr36 from FCC, 1 ps at 2000 K, 1 ps quench to
 * 300 K), written once as a LAMMPS data file (temp folder + rename, so an interrupted run leaves no partial cache).
 */
export function ensureVoronoiBenchGlass(dir = outDir()): string {
  const file = path.join(dir, `voronoi-cuzr-glass-${BASE_ATOMS}-atoms-v1.data`);
  if (fs.existsSync(file)) return file;
  if (!available('lmp', ['-h']) || !fs.existsSync(POTENTIAL)) {
    throw new Error('the benchmark glass is made with LAMMPS: install lammps and lammps-data (CuZr_mm.eam.fs)');
  }
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, 'tmp-voronoi-glass-'));
  try {
    runLammps(
      `
units metal
boundary p p p
atom_style atomic
lattice fcc 3.61
region box block 0 8 0 8 0 8
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.36 12345
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
timestep 0.002
velocity all create 4000 87287 dist gaussian
fix 2 all npt temp 2000 2000 0.1 iso 0 0 1.0
run 500
unfix 2
fix 3 all npt temp 2000 300 0.1 iso 0 0 1.0
run 500
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

/** The glass repeated tiles × tiles × tiles times: a bigger periodic glass with the same local structure. */
function tiledGlass(file: string, tiles: number): Structure {
  const s = readStructureFile(file, 'lammps-data');
  const n = s.ids.length;
  const { a, b, c, origin, pbc } = s.cell;
  const total = n * tiles ** 3;
  const positions = new Float64Array(3 * total);
  const ids = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < tiles; i++) {
    for (let j = 0; j < tiles; j++) {
      for (let k = 0; k < tiles; k++) {
        for (let m = 0; m < n; m++) {
          for (let d = 0; d < 3; d++) {
            positions[3 * at + d] = (s.positions[3 * m + d] as number) + i * (a[d] as number) + j * (b[d] as number) + k * (c[d] as number);
          }
          ids[at] = at + 1;
          at++;
        }
      }
    }
  }
  const scale = (v: [number, number, number]): [number, number, number] => [v[0] * tiles, v[1] * tiles, v[2] * tiles];
  return { ids, positions, cell: { origin, a: scale(a), b: scale(b), c: scale(c), pbc } };
}

function timeOurs(s: Structure, edgeThresholdA: number): { first: number; best: number; result: VoronoiResult } {
  let first = 0;
  let best = Infinity;
  let result: VoronoiResult | null = null;
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    result = voronoiAnalysis(s, { edgeThresholdA });
    const t = seconds(t0);
    if (run === 0) first = t;
    best = Math.min(best, t);
  }
  return { first, best, result: result as VoronoiResult };
}

function writePoints(s: Structure, file: string): void {
  const fd = fs.openSync(file, 'w');
  let block = '';
  for (let i = 0; i < s.ids.length; i++) {
    // Shortest round-trip decimals: voro++ reads exactly our doubles.
    block += `${s.ids[i]} ${s.positions[3 * i]} ${s.positions[3 * i + 1]} ${s.positions[3 * i + 2]}\n`;
    if (block.length > 1 << 20) {
      fs.writeSync(fd, block);
      block = '';
    }
  }
  fs.writeSync(fd, block);
  fs.closeSync(fd);
}

function bounds(cell: Cell): string[] {
  const edges = [cell.a[0], cell.b[1], cell.c[2]];
  return [0, 1, 2].flatMap((k) => [String(cell.origin[k]), String((cell.origin[k] as number) + (edges[k] as number))]);
}

/** Best wall time of the voro++ command, and how many cells differ from ours (threshold 0). */
function timeVoroCli(s: Structure, ours: VoronoiResult, file: string): { best: number; mismatches: number } {
  let best = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('voro++', ['-p', '-c', '%i %s %w %v %A', ...bounds(s.cell), file], { stdio: 'ignore' });
    const t = seconds(t0);
    if (r.status !== 0) throw new Error('voro++ failed');
    best = Math.min(best, t);
  }
  let mismatches = 0;
  let seen = 0;
  for (const line of fs.readFileSync(`${file}.vol`, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const w = line.trim().split(/\s+/).map(Number);
    const i = (w[0] as number) - 1;
    const orders = w.slice(4);
    const f = (k: number): number => orders[k] ?? 0;
    let higher = 0;
    for (let k = 7; k < orders.length; k++) higher += orders[k] as number;
    const same =
      ours.index[4 * i] === f(3) &&
      ours.index[4 * i + 1] === f(4) &&
      ours.index[4 * i + 2] === f(5) &&
      ours.index[4 * i + 3] === f(6) &&
      ours.higherOrderFaces[i] === higher &&
      ours.faceCount[i] === w[1] &&
      ours.vertexCount[i] === w[2];
    if (!same) mismatches++;
    seen++;
  }
  fs.rmSync(`${file}.vol`, { force: true });
  return { best, mismatches: mismatches + (s.ids.length - seen) };
}

/** voro++ 0.4.6 as a library, timed around import and around the cell loop (same work as ours: orders + volume). */
const VORO_TIMER_SOURCE = `// Times voro++ as a library: container import, then the loop over cells (face orders and volume per cell).
#include "voro++/voro++.hh"
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
using namespace voro;
int main(int argc, char **argv) {
  double b[6];
  for (int i = 0; i < 6; i++) b[i] = atof(argv[i + 1]);
  int n = atoi(argv[8]);
  // Grid as the voro++ command chooses it: about 5.6 particles per block.
  double ilscale = pow(n / (5.6 * (b[1] - b[0]) * (b[3] - b[2]) * (b[5] - b[4])), 1 / 3.0);
  int nx = int((b[1] - b[0]) * ilscale + 1), ny = int((b[3] - b[2]) * ilscale + 1), nz = int((b[5] - b[4]) * ilscale + 1);
  auto t0 = std::chrono::steady_clock::now();
  container con(b[0], b[1], b[2], b[3], b[4], b[5], nx, ny, nz, true, true, true, 8);
  con.import(argv[7]);
  auto t1 = std::chrono::steady_clock::now();
  c_loop_all cl(con);
  voronoicell_neighbor c;
  std::vector<int> orders;
  double volume = 0;
  long faces = 0, cells = 0;
  if (cl.start()) do if (con.compute_cell(c, cl)) {
    c.face_orders(orders);
    faces += (long)orders.size();
    volume += c.volume();
    cells++;
  } while (cl.inc());
  auto t2 = std::chrono::steady_clock::now();
  printf("{\\"importSeconds\\":%.6f,\\"computeSeconds\\":%.6f,\\"cells\\":%ld,\\"faces\\":%ld,\\"volume\\":%.10g}\\n",
    std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(), cells, faces, volume);
  return 0;
}
`;

function voroTimer(): string | null {
  if (!fs.existsSync('/usr/include/voro++/voro++.hh') || !available('g++', ['--version'])) return null;
  const dir = outDir();
  const source = path.join(dir, 'voro-timer-v1.cc');
  const binary = path.join(dir, 'voro-timer-v1');
  if (fs.existsSync(binary)) return binary;
  fs.writeFileSync(source, VORO_TIMER_SOURCE);
  const r = spawnSync('g++', ['-O2', '-o', binary, source, '-lvoro++'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  (could not build the voro++ library timer: ${r.stderr.trim().split('\n')[0]})`);
    return null;
  }
  return binary;
}

function timeVoroLibrary(s: Structure, file: string): { compute: number; import: number } | null {
  const timer = voroTimer();
  if (timer === null) return null;
  let compute = Infinity;
  let imported = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const r = spawnSync(timer, [...bounds(s.cell), file, String(s.ids.length)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`voro++ timer failed: ${r.stderr}`);
    const t = JSON.parse(r.stdout) as { importSeconds: number; computeSeconds: number; cells: number };
    if (t.cells !== s.ids.length) throw new Error(`voro++ built ${t.cells} of ${s.ids.length} cells`);
    compute = Math.min(compute, t.computeSeconds);
    imported = Math.min(imported, t.importSeconds);
  }
  return { compute, import: imported };
}

/** LAMMPS seconds spent in compute voronoi/atom: best run with it minus best run without it. */
function timeLammpsVoronoi(s: Structure): number | null {
  if (!available('lmp', ['-h'])) return null;
  const dir = fs.mkdtempSync(path.join(outDir(), 'tmp-lmp-voronoi-'));
  try {
    const data = path.join(dir, 'glass.data');
    writeLammpsData({ ids: s.ids, types: new Int32Array(s.ids.length).fill(1), positions: s.positions, typeElements: ['Cu'], cell: s.cell }, data);
    // Ghost atoms out to 12 Å: more than any neighbour that can cut a cell of this glass.
    const base = `
units metal
boundary p p p
atom_style atomic
read_data ${data}
comm_modify cutoff 12.0
`;
    const withCompute = `${base}
compute v all voronoi/atom
compute s all reduce sum c_v[1]
thermo_style custom step c_s
run 0
`;
    const without = `${base}
thermo_style custom step
run 0
`;
    let best = Infinity;
    let bestWithout = Infinity;
    for (let run = 0; run < RUNS; run++) {
      best = Math.min(best, runLammps(withCompute, dir).seconds);
      bestWithout = Math.min(bestWithout, runLammps(without, dir).seconds);
    }
    return Math.max(best - bestWithout, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** In a child process: tile the glass, then tessellate it, reporting time and memory. */
function measureMemory(file: string, tiles: number): MemoryPoint {
  const s = tiledGlass(file, tiles);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  voronoiAnalysis(s, { edgeThresholdA: 0.6 });
  const t = seconds(t0);
  const peak = process.resourceUsage().maxRSS * 1024;
  return {
    atoms: s.ids.length,
    baselineRssMB: Math.round(baseline / 1e5) / 10,
    peakRssMB: Math.round(peak / 1e5) / 10,
    bytesPerAtom: Math.round((peak - baseline) / s.ids.length),
    seconds: Math.round(t * 1000) / 1000,
  };
}

function memoryInChild(file: string, tiles: number): MemoryPoint {
  const child = spawnSync(process.execPath, ['--expose-gc', __filename, '--memory', file, String(tiles)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`memory measurement (${tiles}³ tiles) failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as MemoryPoint;
}

export function runVoronoiBench(): VoronoiBenchResult {
  const glass = ensureVoronoiBenchGlass();
  const s = tiledGlass(glass, TIMING_TILES);
  const atoms = s.ids.length;
  console.log(`voronoi bench: ${atoms} atoms (the ${BASE_ATOMS}-atom Cu64Zr36 glass tiled ${TIMING_TILES}³, periodic)`);

  const ours = timeOurs(s, 0);
  const ours06 = timeOurs(s, 0.6);
  console.log(`  ours       : ${ours.best.toFixed(3)} s best of ${RUNS} (first ${ours.first.toFixed(3)} s), 0.6 Å: ${ours06.best.toFixed(3)} s`);

  const pointsFile = path.join(outDir(), `tmp-voronoi-points-${process.pid}.txt`);
  let cli: { best: number; mismatches: number } | null = null;
  let library: { compute: number; import: number } | null = null;
  try {
    writePoints(s, pointsFile);
    if (available('voro++', ['--version'])) {
      cli = timeVoroCli(s, ours.result, pointsFile);
      console.log(`  voro++ cmd : ${cli.best.toFixed(3)} s wall (reads ${atoms} lines, writes the table); cells differing from ours: ${cli.mismatches}`);
    } else {
      console.log('  voro++ cmd : not installed (apt install voro++)');
    }
    library = timeVoroLibrary(s, pointsFile);
    if (library) console.log(`  voro++ lib : ${library.compute.toFixed(3)} s cell loop (import ${library.import.toFixed(3)} s)`);
    else console.log('  voro++ lib : not timed (needs voro++-dev and g++)');
  } finally {
    fs.rmSync(pointsFile, { force: true });
  }
  const lammps = timeLammpsVoronoi(s);
  if (lammps !== null) console.log(`  LAMMPS compute voronoi/atom: ${lammps.toFixed(3)} s (read and set-up subtracted)`);

  const memory = MEMORY_TILES.map((tiles) => memoryInChild(glass, tiles));
  for (const m of memory) {
    console.log(`  memory ${String(m.atoms).padStart(8)} atoms: peak RSS ${m.peakRssMB} MB (baseline ${m.baselineRssMB} MB), ${m.bytesPerAtom} B/atom, ${m.seconds} s`);
  }
  const [, mid, big] = memory as [MemoryPoint, MemoryPoint, MemoryPoint];
  const memoryLinear = Math.abs(big.bytesPerAtom - mid.bytesPerAtom) <= 0.25 * mid.bytesPerAtom;

  const reference = library?.compute ?? cli?.best ?? null;
  const round = (v: number | null, digits = 3): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
  const result: VoronoiBenchResult = {
    bench: 'voronoi',
    structure: `Cu64Zr36 glass (LAMMPS eam/fs, ${BASE_ATOMS} atoms) tiled ${TIMING_TILES}x${TIMING_TILES}x${TIMING_TILES}`,
    atoms,
    ourSeconds: round(ours.best) as number,
    ourFirstSeconds: round(ours.first) as number,
    ourAtomsPerSecond: Math.round(atoms / ours.best),
    ourSecondsThreshold06: round(ours06.best) as number,
    voroCliSeconds: round(cli?.best ?? null),
    voroLibraryComputeSeconds: round(library?.compute ?? null),
    voroLibraryImportSeconds: round(library?.import ?? null),
    lammpsVoronoiSeconds: round(lammps),
    slowdownVsVoro: reference === null ? null : round(ours.best / reference, 2),
    mismatchesVsVoroCli: cli?.mismatches ?? null,
    memory,
    memoryLinear,
  };
  console.log(JSON.stringify(result));
  return result;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--memory') {
    console.log(JSON.stringify(measureMemory(args[1] as string, Number(args[2]))));
  } else {
    runVoronoiBench();
  }
}
