/**
 * The pattern store: files and headers at creation, incremental writes, random-access reads, resume after a crash
 * (simulated on disk, and a real writer process killed with SIGKILL) ending bit for bit equal to an uninterrupted
 * build, and refusal of damaged or foreign folders.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../native-workers/lib/npy';
import {
  datasetProgress,
  META_COLUMNS,
  openPatternStore,
  PatternReader,
  readPattern,
  type PatternRecord,
  type PatternStoreSpec,
} from '../../../native-workers/lib/datasets/pattern-store';
import { tempDir } from '../../support/temp';
import { transpileForChild } from './child-modules';

const SIDE = 21; // kmax 0.15 Å⁻¹, Δk 0.015 Å⁻¹
const N = 30;

function spec(sampleCount = N): PatternStoreSpec {
  return {
    sampleCount,
    side: SIDE,
    grid: { kmaxInvA: 0.15, deltaKInvA: 0.015 },
    patternKind: 'raw-intensity',
    structures: [{ id: 3, name: 'gb-a' }, { id: 5, name: 'gb, "b"' }],
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }, { kind: 'ellipsoid', semiAxesA: [5, 4, 10] }],
    recipe: { stepA: 2.5 },
  };
}

/** A deterministic record for index i (the same function body runs in the child process below). */
function record(i: number): PatternRecord {
  const pattern = new Float64Array(SIDE * SIDE);
  for (let k = 0; k < pattern.length; k++) pattern[k] = Math.abs(Math.sin(0.37 * i + 0.011 * k)) * 1000;
  return {
    pattern,
    labels: { meanD: (i % 7) / 7, atomCount: 40 + i, region: i % 3, regionFractions: [0.5, 0.25, 0.25] },
    centreA: [2.5 * i, 1, 10],
    structure: i % 2,
    scanPosition: i,
    probe: i % 2,
  };
}

function build(dir: string, indices: Iterable<number>, flushEvery = 8): void {
  const store = openPatternStore(dir, spec(), { flushEvery });
  for (const i of indices) store.write(i, record(i));
  store.close();
}

const DATA_FILES = ['patterns.npy', 'labels.npy', 'meta.npy', 'done.npy'];
function expectSameFiles(a: string, b: string): void {
  for (const file of DATA_FILES) expect(fs.readFileSync(path.join(b, file)).equals(fs.readFileSync(path.join(a, file))), file).toBe(true);
}

describe('pattern store', () => {
  it('creates full-size NumPy files, fills them by index and reads one pattern back', () => {
    const dir = path.join(tempDir(), 'ds');
    const store = openPatternStore(dir, spec(), { flushEvery: 4 });
    expect(store.resumed).toBe(false);
    expect(fs.statSync(path.join(dir, 'patterns.npy')).size).toBe(128 + N * SIDE * SIDE * 4);
    for (const i of [5, 0, 29]) store.write(i, record(i));
    expect(store.doneCount).toBe(3);
    expect(store.firstMissing()).toBe(1);
    store.close();

    const patterns = readNpy(path.join(dir, 'patterns.npy'));
    expect(patterns.dtype).toBe('<f4');
    expect(patterns.shape).toEqual([N, SIDE, SIDE]);
    const expected = Float32Array.from(record(5).pattern);
    expect(readPattern(dir, 5)).toEqual(expected);
    expect(readPattern(dir, 1)).toEqual(new Float32Array(SIDE * SIDE));

    const reader = PatternReader.open(dir);
    expect(reader.readLabels()[29]).toBe(record(29).labels.meanD);
    const meta = reader.readMeta();
    const row = Array.from(meta.subarray(5 * META_COLUMNS.length, 6 * META_COLUMNS.length));
    expect(Object.fromEntries(META_COLUMNS.map((c, k) => [c, row[k]]))).toMatchObject({ structure: 1, scan_position: 5, centre_x_A: 12.5, probe: 1, atoms: 45, region: 2, frac_grain: 0.5 });
    expect(Array.from(reader.readDoneMap().subarray(0, 6))).toEqual([1, 0, 0, 0, 0, 1]);
    reader.close();
    expect(datasetProgress(dir)).toEqual({ sampleCount: N, doneCount: 3, complete: false, firstMissing: 1 });
  });

  it('resumes after a simulated crash (unflushed marks, torn records) and ends bit for bit equal', () => {
    const root = tempDir();
    const reference = path.join(root, 'reference');
    build(reference, Array.from({ length: N }, (_, i) => i));
    expect(datasetProgress(reference).complete).toBe(true);

    // What a kill after record 13 leaves with flushEvery 8: marks for 0 … 7 durable, records 8 … 13 written but
    // unmarked, record 13 torn in half, nothing after.
    const crashed = path.join(root, 'crashed');
    build(crashed, Array.from({ length: 14 }, (_, i) => i));
    const done = path.join(crashed, 'done.npy');
    const doneBytes = fs.readFileSync(done);
    doneBytes.fill(0, doneBytes.length - N + 8);
    fs.writeFileSync(done, doneBytes);
    const fd = fs.openSync(path.join(crashed, 'patterns.npy'), 'r+');
    fs.writeSync(fd, Buffer.alloc(SIDE * SIDE * 2, 0xab), 0, SIDE * SIDE * 2, 128 + 13 * SIDE * SIDE * 4);
    fs.closeSync(fd);

    const store = openPatternStore(crashed, spec(), { flushEvery: 8 });
    expect(store.resumed).toBe(true);
    expect(store.doneCount).toBe(8);
    expect(store.firstMissing()).toBe(8);
    for (const i of store.missingIndices()) store.write(i, record(i));
    expect(store.isComplete()).toBe(true);
    store.close();
    expectSameFiles(reference, crashed);
  });

  it('recreates an unfinished creation and refuses damaged or foreign folders', () => {
    const root = tempDir();
    const unfinished = path.join(root, 'unfinished');
    fs.mkdirSync(unfinished);
    fs.writeFileSync(path.join(unfinished, 'patterns.npy'), 'half a header');
    const store = openPatternStore(unfinished, spec());
    expect(store.resumed).toBe(false);
    store.close();

    expect(() => openPatternStore(unfinished, { ...spec(), recipe: { stepA: 2 } })).toThrow(/different dataset \(differs in: recipe\)/);
    expect(() => openPatternStore(unfinished, spec(31))).toThrow(/sampleCount/);
    fs.truncateSync(path.join(unfinished, 'patterns.npy'), 1000);
    expect(() => openPatternStore(unfinished, spec())).toThrow(/truncated/);
    expect(() => openPatternStore(path.join(root, 'bad'), { ...spec(), side: 133 })).toThrow(/does not match the k-grid/);
  });

  it('refuses bad records', () => {
    const store = openPatternStore(path.join(tempDir(), 'ds'), spec());
    expect(() => store.write(N, record(0))).toThrow(/outside/);
    expect(() => store.write(0, { ...record(0), pattern: new Float32Array(5) })).toThrow(/441 values/);
    expect(() => store.write(0, { ...record(0), structure: 2 })).toThrow(/structure 2/);
    expect(() => store.write(0, { ...record(0), labels: { ...record(0).labels, meanD: Number.NaN } })).toThrow(/mean d/);
    store.close();
  });
});

// The writer the kill test runs: the same records as record() above, slowed so the kill lands mid-build.
const CHILD_SCRIPT = `
const { openPatternStore } = require(process.argv[2]);
const dir = process.argv[3];
const spec = JSON.parse(process.argv[4]);
const slowMs = Number(process.argv[5]);
const SIDE = spec.side;
const pause = new Int32Array(new SharedArrayBuffer(4));
const store = openPatternStore(dir, spec, { flushEvery: 5 });
process.stdout.write('resumed ' + store.doneCount + '\\n');
for (const i of store.missingIndices()) {
  const pattern = new Float64Array(SIDE * SIDE);
  for (let k = 0; k < pattern.length; k++) pattern[k] = Math.abs(Math.sin(0.37 * i + 0.011 * k)) * 1000;
  store.write(i, {
    pattern,
    labels: { meanD: (i % 7) / 7, atomCount: 40 + i, region: i % 3, regionFractions: [0.5, 0.25, 0.25] },
    centreA: [2.5 * i, 1, 10],
    structure: i % 2,
    scanPosition: i,
    probe: i % 2,
  });
  process.stdout.write('wrote ' + i + '\\n');
  if (slowMs > 0) Atomics.wait(pause, 0, 0, slowMs);
}
store.close();
process.stdout.write('closed\\n');
`;

/** Runs the writer; with `killAfter`, SIGKILLs it once it reports that many records. Resolves with its output. */
function runWriter(script: string, module: string, dir: string, slowMs: number, killAfter?: number): Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, module, dir, JSON.stringify(spec()), String(slowMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (killAfter !== undefined && lines.filter((l) => l.startsWith('wrote')).length >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`writer failed (${code}): ${stderr}`));
      else resolve({ lines, signal, code });
    });
  });
}

describe('pattern store in a killed process', () => {
  it('resumes after SIGKILL mid-build and ends bit for bit equal to an uninterrupted build', async () => {
    const root = tempDir();
    const module = transpileForChild('native-workers/lib/datasets/pattern-store.ts', path.join(root, 'js'));
    const script = path.join(root, 'writer.js');
    fs.writeFileSync(script, CHILD_SCRIPT);

    const reference = path.join(root, 'reference');
    const whole = await runWriter(script, module, reference, 0);
    expect(whole.lines.at(-1)).toBe('closed');

    const killed = path.join(root, 'killed');
    const first = await runWriter(script, module, killed, 20, 12);
    expect(first.signal).toBe('SIGKILL');
    expect(first.lines).not.toContain('closed');
    const progress = datasetProgress(killed);
    expect(progress.complete).toBe(false);
    expect(progress.doneCount).toBeGreaterThanOrEqual(10);
    expect(progress.doneCount % 5).toBe(0); // only flushed marks survive

    const second = await runWriter(script, module, killed, 0);
    expect(second.lines[0]).toBe(`resumed ${progress.doneCount}`);
    expect(second.lines.filter((l) => l.startsWith('wrote'))[0]).toBe(`wrote ${progress.firstMissing}`);
    expect(datasetProgress(killed).complete).toBe(true);
    expectSameFiles(reference, killed);
  });
});
