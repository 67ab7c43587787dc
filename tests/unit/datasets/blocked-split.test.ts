import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Cell } from '../../../main/shared/domain';
import { datasetRecipeSchema } from '../../../main/shared/ipc-contract';
import { DEFAULT_SPLIT_REQUEST, splitSummaryLine, type SplitRequest } from '../../../main/shared/splits';
import {
  axisSpan,
  blockedSplit,
  chooseSplitAxis,
  probeHalfExtentA,
  SplitRefused,
  structureSplit,
  type SplitSamples,
} from '../../../native-workers/lib/datasets/blocked-split';
import { exportDataset } from '../../../native-workers/lib/datasets/dataset-export';
import { planDataset } from '../../../native-workers/lib/datasets/dataset-plan';
import { openPatternStore } from '../../../native-workers/lib/datasets/pattern-store';
import { planDatasetSplit, readSplitFile, readSplitInfo, writeSplitPlan } from '../../../native-workers/lib/datasets/split-plan';
import { ProbeSelector, type ProbeStructure } from '../../../native-workers/lib/diffraction/probes';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';

const GLASS_FILE = path.resolve('resources/demo/cu64zr36-glass.data');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-split-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const cube = (L: number, pbc: [boolean, boolean, boolean] = [true, true, true]): Cell => ({ origin: [0, 0, 0], a: [L, 0, 0], b: [0, L, 0], c: [0, 0, L], pbc });

/** Samples on a line along x at `step` Å, one structure, every probe extent `e`. */
function line(count: number, step: number, regions?: number[]): SplitSamples {
  const centreA = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) centreA[3 * i] = (i + 0.5) * step;
  return { count, structure: new Int32Array(count), centreA, region: Int32Array.from({ length: count }, (_, i) => regions?.[i] ?? -1) };
}

describe('probe extents along an axis', () => {
  it('follow the cylinder and ellipsoid formulas for Cartesian and oblique zones', () => {
    const cylinder: ProbeShape = { kind: 'cylinder', radiusA: 5, heightA: 20 };
    expect(probeHalfExtentA(cylinder, 'z', 'x')).toBeCloseTo(5, 12);
    expect(probeHalfExtentA(cylinder, 'z', 'z')).toBeCloseTo(10, 12);
    // Zone [1 1 0]: a·w = 1/√2 along x → 5·√(1/2) + 10·√(1/2).
    expect(probeHalfExtentA(cylinder, [1, 1, 0], 'x')).toBeCloseTo(15 / Math.SQRT2, 12);
    const ellipsoid: ProbeShape = { kind: 'ellipsoid', semiAxesA: [2, 3, 7] };
    // Zone z: u = x, v = y, w = z.
    expect(probeHalfExtentA(ellipsoid, 'z', 'x')).toBeCloseTo(2, 12);
    expect(probeHalfExtentA(ellipsoid, 'z', 'y')).toBeCloseTo(3, 12);
    expect(probeHalfExtentA(ellipsoid, 'x', 'x')).toBeCloseTo(7, 12);
    expect(probeHalfExtentA({ kind: 'cluster' }, 'z', 'x')).toBeNull();
  });
});

describe('axis choice and cell spans', () => {
  it('picks the axis perpendicular to every zone and the region axis, and refuses when none is', () => {
    expect(chooseSplitAxis(['z'], 'x', () => 10)).toBe('y');
    expect(chooseSplitAxis(['z', 'x'], null, () => 10)).toBe('y');
    expect(chooseSplitAxis(['z'], null, (a) => (a === 'y' ? 40 : 30))).toBe('y');
    expect(() => chooseSplitAxis(['z', 'x'], 'y', () => 10)).toThrow(/no axis is perpendicular to every zone \(z, x\) and to the region axis y/);
    expect(() => chooseSplitAxis([[1, 1, 1]], null, () => 10)).toThrow(/--split-axis/);
  });

  it('reads the period along an axis, refuses tilted periodic cells, and spans non-periodic ones', () => {
    expect(axisSpan(cube(30), 'y', 's')).toEqual({ periodic: true, lowA: 0, lengthA: 30 });
    const tilted: Cell = { origin: [0, 0, 0], a: [30, 0, 0], b: [5, 30, 0], c: [0, 0, 30], pbc: [true, true, true] };
    expect(axisSpan(tilted, 'y', 's')).toEqual({ periodic: true, lowA: 0, lengthA: 30 });
    expect(() => axisSpan(tilted, 'x', 'structure 3 (tilted)')).toThrow(/structure 3 \(tilted\): periodic cell vectors a and b both have a component along x/);
    expect(axisSpan(cube(30, [true, true, false]), 'z', 's')).toEqual({ periodic: false, lowA: 0, lengthA: 30 });
  });
});

describe('blockedSplit on a line of probes', () => {
  const spans = [{ periodic: true, lowA: 0, lengthA: 100 }];
  const options = (extent: number, guardA = 0) => ({ axis: 'x' as const, axisAuto: false, guardA, validationFraction: 0.2, seed: 5, spans, extentA: new Float64Array(100).fill(extent) });

  it('validates one slab, excludes probes within the summed extents and trains the rest (periodic distances)', () => {
    const samples = line(100, 1);
    const { split, info } = blockedSplit(samples, [{ id: 1, name: 'a' }], options(3));
    const x = (i: number) => (samples.centreA[3 * i] as number);
    const validation = [...split.keys()].filter((i) => split[i] === 1);
    expect(validation.length).toBe(20);
    const slab = info.structures[0]?.slab;
    expect(slab).toBeDefined();
    const pd = (a: number, b: number) => {
      const d = Math.abs(a - b) % 100;
      return Math.min(d, 100 - d);
    };
    for (let i = 0; i < 100; i++) {
      const nearest = Math.min(...validation.map((j) => pd(x(i), x(j))));
      if (split[i] === 0) expect(nearest).toBeGreaterThan(6);
      if (split[i] === -1) expect(nearest).toBeLessThanOrEqual(6);
    }
    // 20 validation, 6 excluded on each side (distances 1 … 6), 68 train.
    expect(info.counts).toEqual({ train: 68, validation: 20, excluded: 12 });
    expect(splitSummaryLine(info)).toBe('blocked along x, guard 0 Å: 68 train / 20 validation / 12 excluded');
    // The guard widens the band.
    expect(blockedSplit(samples, [{ id: 1, name: 'a' }], options(3, 4)).info.counts).toEqual({ train: 60, validation: 20, excluded: 20 });
  });

  it('is seeded', () => {
    const samples = line(100, 1);
    const a = blockedSplit(samples, [{ id: 1, name: 'a' }], options(3)).split;
    expect(blockedSplit(samples, [{ id: 1, name: 'a' }], options(3)).split).toEqual(a);
    expect(blockedSplit(samples, [{ id: 1, name: 'a' }], { ...options(3), seed: 6 }).split).not.toEqual(a);
  });

  it('refuses a structure whose cell is too short for its probes, and one probe', () => {
    expect(() => blockedSplit(line(100, 1), [{ id: 4, name: 'small' }], options(45))).toThrow(/structure 4 \(small\): no probe can train .*--split structure/);
    expect(() => blockedSplit(line(1, 1), [{ id: 4, name: 'small' }], { ...options(1), extentA: new Float64Array([1]) })).toThrow(/structure 4 \(small\)/);
  });

  it('refuses a split that leaves a region without validation probes', () => {
    // Region 1 (actr) only at x < 10: the seeded slab misses it.
    const regions = Array.from({ length: 100 }, (_, i) => (i < 10 ? 1 : 0));
    const samples = line(100, 1, regions);
    let message = '';
    for (let seed = 0; seed < 20 && message === ''; seed++) {
      try {
        const { info } = blockedSplit(samples, [{ id: 1, name: 'a' }], { ...options(1), seed });
        expect(info.regions.actr?.validation).toBeGreaterThan(0);
      } catch (error) {
        expect(error).toBeInstanceOf(SplitRefused);
        message = (error as Error).message;
      }
    }
    expect(message).toMatch(/region actr with no validation probe/);
  });
});

describe('leave-structure-out', () => {
  const samples: SplitSamples = { count: 6, structure: Int32Array.from([0, 0, 1, 1, 2, 2]), centreA: new Float64Array(18), region: new Int32Array(6).fill(-1) };
  const structures = [
    { id: 3, name: 'A' },
    { id: 5, name: 'B' },
    { id: 9, name: 'C' },
  ];
  it('validates the held-out structures and trains on the rest', () => {
    const { split, info } = structureSplit(samples, structures, [5], 42);
    expect(Array.from(split)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(info.label).toBe('leave-structure-out (B held out)');
    expect(info.counts).toEqual({ train: 4, validation: 2, excluded: 0 });
  });
  it('refuses one structure, unknown ids and holding out everything', () => {
    expect(() => structureSplit({ ...samples, structure: new Int32Array(6) }, [{ id: 3, name: 'A' }], [3], 42)).toThrow(/two or more structures/);
    expect(() => structureSplit(samples, structures, [7], 42)).toThrow(/structure 7 is not in this dataset \(its structures: 3 A, 5 B, 9 C\)/);
    expect(() => structureSplit(samples, structures, [3, 5, 9], 42)).toThrow(/nothing to train on/);
    expect(() => structureSplit(samples, structures, [], 42)).toThrow(/--holdout-structure/);
  });
});

describe('automatic axis of a strip scan', () => {
  it('takes the axis the strip runs along, and says what to do when no axis can block', () => {
    const dir = path.join(work, 'strip');
    const count = 30;
    const store = openPatternStore(dir, {
      sampleCount: count,
      side: 5,
      grid: { kmaxInvA: 0.03, deltaKInvA: 0.015 },
      patternKind: 'raw-intensity',
      structures: [{ id: 2, name: 'cube' }],
      zones: ['z'],
      probes: [{ kind: 'cylinder', radiusA: 3, heightA: 10 }],
    });
    for (let i = 0; i < count; i++) {
      store.write(i, {
        pattern: new Float32Array(25),
        labels: { meanD: 0.5, atomCount: 1, region: -1, regionFractions: [Number.NaN, Number.NaN, Number.NaN] },
        centreA: [20, 0.5 + 1.3 * i, 20],
        structure: 0,
        scanPosition: i,
      });
    }
    store.close();
    const loadStructure = () => ({ cell: cube(40), atoms: (): ProbeStructure => { throw new Error('not needed'); } });
    // x and y are equally long and perpendicular to the zone, but the strip only spreads along y.
    const plan = planDatasetSplit(dir, DEFAULT_SPLIT_REQUEST, { seed: 42, loadStructure });
    expect(plan.info.axis).toBe('y');
    expect(plan.info.counts.train).toBeGreaterThan(0);
    expect(() => planDatasetSplit(dir, { ...DEFAULT_SPLIT_REQUEST, splitAxis: 'x' }, { seed: 42, loadStructure })).toThrow(/structure 2 \(cube\): .*--split-axis/);
  });
});

/**
 * The point of the blocked split: no atom seen by a training probe is seen by a validation probe. A dataset of the
 * demo Cu–Zr glass (periodic 32 Å cube) with two zones, three probe shapes and a 1 Å grid, split through the dataset
 * folder; every probe's atoms come from the diffraction code's own selection.
 */
describe('blocked split of a real structure: atoms never shared between training and validation', () => {
  const parsed = readStructureFile(GLASS_FILE, 'lammps-data', { elements: ['Cu', 'Zr'] });
  const structure: ProbeStructure = { positions: parsed.positions, cell: parsed.cell, ids: parsed.ids };
  const zones: ZoneAxis[] = ['z', 'x'];
  const probes: ProbeShape[] = [{ kind: 'cylinder', radiusA: 4, heightA: 12 }, { kind: 'ellipsoid', semiAxesA: [3, 3.5, 5] }, { kind: 'cluster' }];
  const recipe = datasetRecipeSchema.parse({ name: 'glass', sources: [{ structureId: 7, labelSetId: 1 }], scan: { kind: 'grid', stepA: 1 }, zones, probes, kmaxInvA: 0.03, deltaKInvA: 0.015 });
  const plan = planDataset(recipe, [parsed.cell]);
  const dir = path.join(work, 'glass');
  const zoneOf = new Int32Array(plan.sampleCount);
  const probeOf = new Int32Array(plan.sampleCount);
  const centres = new Float64Array(3 * plan.sampleCount);
  const store = openPatternStore(dir, {
    sampleCount: plan.sampleCount,
    side: 5,
    grid: { kmaxInvA: 0.03, deltaKInvA: 0.015 },
    patternKind: 'raw-intensity',
    structures: [{ id: 7, name: 'Cu64Zr36 glass' }],
    zones,
    probes,
    recipe,
  });
  for (const block of plan.blocks) {
    for (let k = 0; k < block.scan.descriptor.count; k++) {
      const index = block.offset + k;
      const centreA = block.scan.centresA.subarray(3 * k, 3 * k + 3);
      zoneOf[index] = block.zone;
      probeOf[index] = block.probe;
      centres.set(centreA, 3 * index);
      store.write(index, {
        pattern: new Float32Array(25),
        labels: { meanD: 0.5, atomCount: 1, region: -1, regionFractions: [Number.NaN, Number.NaN, Number.NaN] },
        centreA,
        structure: 0,
        zone: block.zone,
        probe: block.probe,
        scanPosition: k,
      });
    }
  }
  store.close();
  const loadStructure = (id: number) => {
    expect(id).toBe(7);
    return { cell: parsed.cell, atoms: () => structure };
  };
  const selectors = zones.map((zone) => probes.map((shape) => new ProbeSelector(structure, shape, zone)));
  const atomsOf = (i: number): Int32Array => (selectors[zoneOf[i] as number]?.[probeOf[i] as number] as ProbeSelector).select([centres[3 * i] as number, centres[3 * i + 1] as number, centres[3 * i + 2] as number]).indices;
  const seenBy = (split: Int8Array, code: number): Set<number> => {
    const seen = new Set<number>();
    for (let i = 0; i < split.length; i++) if (split[i] === code) for (const a of atomsOf(i)) seen.add(a);
    return seen;
  };
  const shared = (split: Int8Array): number => {
    const train = seenBy(split, 0);
    let count = 0;
    for (const a of seenBy(split, 1)) if (train.has(a)) count++;
    return count;
  };

  it('has overlapping probes on a 1 Å grid in two zones', () => {
    // 33 × 33 centres per zone and shape (step 32.15 / 33 ≈ 0.97 Å).
    expect(plan.sampleCount).toBe(2 * 3 * 33 * 33);
  });

  it('blocked (automatic axis y): no shared atom; the split file and its record round-trip', () => {
    const result = planDatasetSplit(dir, DEFAULT_SPLIT_REQUEST, { seed: 42, loadStructure });
    expect(result.info.axis).toBe('y');
    expect(result.info.axisAuto).toBe(true);
    expect(result.info.counts.train).toBeGreaterThan(300);
    expect(result.info.counts.validation).toBeGreaterThan(300);
    expect(result.info.counts.excluded).toBeGreaterThan(0);
    expect(shared(result.split)).toBe(0);
    const file = path.join(work, 'split.npy');
    writeSplitPlan(file, result);
    expect(readSplitFile(file, plan.sampleCount)).toEqual(result.split);
    expect(readSplitInfo(file)).toEqual(result.info);
  });

  it('blocked along z (the first zone axis) with a guard: still no shared atom', () => {
    const request: SplitRequest = { ...DEFAULT_SPLIT_REQUEST, splitAxis: 'z', splitGuardA: 1.5, validationFraction: 0.15 };
    const result = planDatasetSplit(dir, request, { seed: 3, loadStructure });
    expect(result.info.counts.train).toBeGreaterThan(0);
    expect(shared(result.split)).toBe(0);
  });

  it('the random split shares atoms (so the checks above can fail)', () => {
    const result = planDatasetSplit(dir, { ...DEFAULT_SPLIT_REQUEST, split: 'random' }, { seed: 42, loadStructure });
    expect(result.info.label).toBe('random (overlapping probes — optimistic)');
    expect(shared(result.split)).toBeGreaterThan(500);
  });

  it('an export writes the split as train, validation and excluded, and records it', () => {
    const plan = planDatasetSplit(dir, DEFAULT_SPLIT_REQUEST, { seed: 42, loadStructure });
    const out = path.join(work, 'export');
    const result = exportDataset(dir, out, { transform: { name: 'identity', apply: (raw) => raw }, split: plan });
    expect(result).toMatchObject({ trainCount: plan.info.counts.train, validationCount: plan.info.counts.validation, excludedCount: plan.info.counts.excluded });
    const words = fs.readFileSync(path.join(out, 'split.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[1]);
    expect(words).toEqual(Array.from(plan.split, (c) => (c === 0 ? 'train' : c === 1 ? 'validation' : 'excluded')));
    const provenance = JSON.parse(fs.readFileSync(path.join(out, 'export.json'), 'utf8')) as { split: { summary: string; record: unknown } };
    expect(provenance.split.record).toEqual(plan.info);
    expect(provenance.split.summary).toMatch(/^blocked along y, guard 0 Å: [\d,]+ train \/ [\d,]+ validation \/ [\d,]+ excluded$/);
  });

  it('a sweep cell splits only its probe shape', () => {
    const result = planDatasetSplit(dir, DEFAULT_SPLIT_REQUEST, { seed: 42, loadStructure, probe: 0 });
    for (let i = 0; i < plan.sampleCount; i++) if (probeOf[i] !== 0) expect(result.split[i]).toBe(-1);
    expect(result.info.probe).toBe(0);
    expect(shared(result.split)).toBe(0);
  });
});
