/**
 * Import benchmark: times readStructureFile on a generated 1,000,000-atom LAMMPS dump against a plain
 * readFileSync + split + parseFloat peer, each in its own child process (so peak RSS is per method), and checks
 * that both give bit-identical positions.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStructureFile } from '../native-workers/lib/structure-io/read-structure';

const ATOMS = 1_000_000;
const RUNS = 3;
/** Box edge (Å) for 1M atoms at a Cu–Zr metallic-glass number density of ~0.06 Å⁻³. */
const BOX_A = 255.0;

interface Measurement {
  method: 'ssro' | 'baseline';
  firstSeconds: number;
  bestSeconds: number;
  atoms: number;
  peakRssBytes: number;
  positionsSha1: string;
}

export interface ImportBenchResult {
  bench: 'import';
  file: string;
  atoms: number;
  fileBytes: number;
  ssroSeconds: number;
  ssroFirstSeconds: number;
  ssroAtomsPerSecond: number;
  ssroMBPerSecond: number;
  ssroPeakRssMB: number;
  baselineSeconds: number;
  baselineAtomsPerSecond: number;
  baselinePeakRssMB: number;
  /** baselineSeconds / ssroSeconds (> 1: the reader is faster than the baseline). */
  speedupVsBaseline: number;
  identicalPositions: boolean;
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

/** Deterministic PRNG (mulberry32) so the cached file is the same everywhere. */
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

/** Writes the 1M-atom dump once (temp file + rename, so an interrupted run never leaves a partial cache). */
export function ensureBenchDump(dir = path.join(repoRoot(), 'bench', 'out')): string {
  const file = path.join(dir, `dump-${ATOMS}-atoms-v1.lammpstrj`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const random = mulberry32(12345);
    const box = BOX_A.toFixed(16);
    fs.writeSync(
      fd,
      `ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n${ATOMS}\nITEM: BOX BOUNDS pp pp pp\n0 ${box}\n0 ${box}\n0 ${box}\nITEM: ATOMS id type x y z\n`,
    );
    let block = '';
    for (let i = 1; i <= ATOMS; i++) {
      const type = random() < 0.64 ? 1 : 2;
      block += `${i} ${type} ${(random() * BOX_A).toFixed(6)} ${(random() * BOX_A).toFixed(6)} ${(random() * BOX_A).toFixed(6)}\n`;
      if (block.length > 1 << 20) {
        fs.writeSync(fd, block);
        block = '';
      }
    }
    fs.writeSync(fd, block);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return file;
}

function sha1(positions: Float64Array): string {
  return crypto.createHash('sha1').update(new Uint8Array(positions.buffer, positions.byteOffset, positions.byteLength)).digest('hex');
}

/** The peer: what one would write without a dedicated reader. */
function baselineRead(file: string): { atoms: number; positions: Float64Array } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const atoms = parseInt(lines[3] as string, 10);
  const ids = new Int32Array(atoms);
  const types = new Int32Array(atoms);
  const positions = new Float64Array(3 * atoms);
  for (let i = 0; i < atoms; i++) {
    const w = (lines[9 + i] as string).trim().split(/\s+/);
    ids[i] = parseInt(w[0] as string, 10);
    types[i] = parseInt(w[1] as string, 10);
    positions[3 * i] = parseFloat(w[2] as string);
    positions[3 * i + 1] = parseFloat(w[3] as string);
    positions[3 * i + 2] = parseFloat(w[4] as string);
  }
  return { atoms, positions };
}

function measure(method: 'ssro' | 'baseline', file: string): Measurement {
  let first = 0;
  let best = Infinity;
  let atoms = 0;
  let positions: Float64Array = new Float64Array(0);
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    if (method === 'ssro') {
      const s = readStructureFile(file, 'lammps-dump', { elements: ['Cu', 'Zr'] });
      atoms = s.ids.length;
      positions = s.positions;
    } else {
      const b = baselineRead(file);
      atoms = b.atoms;
      positions = b.positions;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (run === 0) first = seconds;
    best = Math.min(best, seconds);
  }
  return {
    method,
    firstSeconds: first,
    bestSeconds: best,
    atoms,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    positionsSha1: sha1(positions),
  };
}

function measureInChild(method: 'ssro' | 'baseline', file: string): Measurement {
  const child = spawnSync(process.execPath, [__filename, '--measure', method, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${method} measurement failed: ${child.stderr}`);
  const last = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

export function runImportBench(): ImportBenchResult {
  const file = ensureBenchDump();
  const fileBytes = fs.statSync(file).size;
  const ours = measureInChild('ssro', file);
  const peer = measureInChild('baseline', file);
  const mb = (bytes: number): number => Math.round((bytes / 1e6) * 10) / 10;
  const result: ImportBenchResult = {
    bench: 'import',
    file: path.relative(repoRoot(), file),
    atoms: ours.atoms,
    fileBytes,
    ssroSeconds: ours.bestSeconds,
    ssroFirstSeconds: ours.firstSeconds,
    ssroAtomsPerSecond: Math.round(ours.atoms / ours.bestSeconds),
    ssroMBPerSecond: Math.round(fileBytes / 1e6 / ours.bestSeconds),
    ssroPeakRssMB: mb(ours.peakRssBytes),
    baselineSeconds: peer.bestSeconds,
    baselineAtomsPerSecond: Math.round(peer.atoms / peer.bestSeconds),
    baselinePeakRssMB: mb(peer.peakRssBytes),
    speedupVsBaseline: Math.round((peer.bestSeconds / ours.bestSeconds) * 100) / 100,
    identicalPositions: ours.positionsSha1 === peer.positionsSha1,
  };
  console.log(`import bench: ${result.atoms} atoms, ${mb(fileBytes)} MB LAMMPS dump (${result.file})`);
  console.log(
    `  readStructureFile : ${result.ssroSeconds.toFixed(3)} s best of ${RUNS} (first ${result.ssroFirstSeconds.toFixed(3)} s), ` +
      `${(result.ssroAtomsPerSecond / 1e6).toFixed(2)} M atoms/s, ${result.ssroMBPerSecond} MB/s, peak RSS ${result.ssroPeakRssMB} MB`,
  );
  console.log(
    `  baseline (readFileSync + split + parseFloat): ${result.baselineSeconds.toFixed(3)} s, ` +
      `${(result.baselineAtomsPerSecond / 1e6).toFixed(2)} M atoms/s, peak RSS ${result.baselinePeakRssMB} MB`,
  );
  console.log(`  speed-up vs baseline ×${result.speedupVsBaseline}; positions bit-identical: ${result.identicalPositions}`);
  console.log(JSON.stringify(result));
  return result;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    const method = args[1] === 'baseline' ? 'baseline' : 'ssro';
    console.log(JSON.stringify(measure(method, args[2] as string)));
  } else {
    runImportBench();
  }
}
