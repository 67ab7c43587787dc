/**
 * A small synthetic NBED dataset registered in a project as a complete dataset: 33 × 33 raw patterns written by the
 * app's PatternStore, whose amorphous-halo width encodes d, laid out as a two-row strip scan across a boundary
 * (grain → ACTR → interior → ACTR → grain) so region metrics and strip profiles have something to show.
 */
import { patternSide, type ProbeShape } from '../../main/shared/diffraction';
import type { Project } from '../../main/core/project/project';
import { openPatternStore } from '../../native-workers/lib/datasets/pattern-store';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import type { LineScanDescriptor } from '../../native-workers/lib/datasets/scan-positions';

export const SYNTHETIC_GRID = { kmaxInvA: 0.24, deltaKInvA: 0.015 };
export const SYNTHETIC_SIDE = patternSide(SYNTHETIC_GRID); // 33
export const STRIP_STEP_A = 2.5;

/** d and region along a strip of `cols` positions: grain, ACTR ramp, interior, ACTR ramp, grain. */
function profile(col: number, cols: number): { d: number; region: number } {
  const t = col / (cols - 1);
  if (t < 0.2 || t > 0.8) return { d: 0.05 + 0.05 * Math.abs(Math.sin(7 * t)), region: 0 };
  if (t < 0.35) return { d: 0.1 + ((t - 0.2) / 0.15) * 0.75, region: 1 };
  if (t > 0.65) return { d: 0.1 + ((0.8 - t) / 0.15) * 0.75, region: 1 };
  return { d: 0.85 + 0.1 * Math.sin(20 * t), region: 2 };
}

/** Forward beam, a halo whose width grows with d, exponential background (as torch-engine.test.ts). */
export function syntheticPattern(d: number, random: () => number, side = SYNTHETIC_SIDE): Float32Array {
  const c = (side - 1) / 2;
  const width = 0.6 + 3 * d;
  const radius = 0.3 * side;
  const out = new Float32Array(side * side);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const r = Math.hypot(row - c, col - c);
      const halo = 5000 * Math.exp(-((r - radius) ** 2) / (2 * width * width));
      const beam = r < 1 ? 1e5 : 0;
      out[row * side + col] = halo + beam - 20 * Math.log(1 - random());
    }
  }
  return out;
}

export interface SyntheticDataset {
  datasetId: number;
  dir: string;
  labels: Float64Array;
  rows: number;
  cols: number;
}

export interface SyntheticDatasetOptions {
  name?: string;
  rows?: number;
  cols?: number;
  seed?: number;
  splitSeed?: number;
  /** Probe shapes (default one cylinder r 5 Å h 20 Å); every scan position is written once per probe, probe-major. */
  probes?: ProbeShape[];
  /** Indices of probes whose patterns do not depend on d (a halo of fixed width): nothing to learn there. */
  blindProbes?: number[];
}

/** Creates the dataset row (no source structures), fills its folder and marks it complete. */
export function addSyntheticDataset(project: Project, options: SyntheticDatasetOptions = {}): SyntheticDataset {
  const rows = options.rows ?? 2;
  const cols = options.cols ?? 80;
  const probes = options.probes ?? [{ kind: 'cylinder', radiusA: 5, heightA: 20 }];
  const positions = rows * cols;
  const n = positions * probes.length;
  const recipe = { name: options.name ?? 'synthetic strip', synthetic: true, splitSeed: options.splitSeed ?? 42, kmaxInvA: SYNTHETIC_GRID.kmaxInvA, deltaKInvA: SYNTHETIC_GRID.deltaKInvA };
  const dataset = project.datasets.create(recipe.name, recipe, n, []);
  const dir = project.datasets.folder(dataset.id);
  const scan: LineScanDescriptor = {
    kind: 'line',
    count: positions,
    rows,
    cols,
    wrappedCount: 0,
    startA: [0, 5, 10],
    direction: [1, 0, 0],
    stepA: STRIP_STEP_A,
    acrossDirection: [0, 1, 0],
    offsetsA: Array.from({ length: rows }, (_, r) => 5 * r),
  };
  const random = mulberry32(options.seed ?? 7);
  const labels = new Float64Array(n);
  const store = openPatternStore(dir, {
    sampleCount: n,
    side: SYNTHETIC_SIDE,
    grid: SYNTHETIC_GRID,
    patternKind: 'raw-intensity',
    structures: [{ id: 1, name: 'synthetic boundary' }],
    zones: ['z'],
    probes,
    scans: [scan],
    recipe,
  });
  try {
    for (let k = 0; k < n; k++) {
      const probe = Math.floor(k / positions);
      const position = k % positions;
      const row = Math.floor(position / cols);
      const col = position % cols;
      const { d, region } = profile(col, cols);
      const jitter = 0.02 * (random() - 0.5);
      const value = Math.min(1, Math.max(0, d + jitter));
      labels[k] = value;
      const fractions = [0, 0, 0];
      fractions[region] = 1;
      store.write(k, {
        pattern: syntheticPattern(options.blindProbes?.includes(probe) ? 0.5 : value, random),
        labels: { meanD: value, atomCount: 40, region, regionFractions: fractions },
        centreA: [col * STRIP_STEP_A, 5 + 5 * row, 10],
        structure: 0,
        scan: 0,
        scanPosition: position,
        probe,
      });
    }
  } finally {
    store.close();
  }
  project.datasets.markComplete(dataset.id, { synthetic: true });
  return { datasetId: dataset.id, dir, labels, rows, cols };
}

export interface RingStoreOptions {
  count: number;
  grid: { kmaxInvA: number; deltaKInvA: number };
  /** Seeds the d draws and the patterns' background. */
  seed: number;
  /** Rows left unwritten (done = 0). */
  notDone?: readonly number[];
  /** Region codes from d (grain < 0.33 ≤ ACTR < 0.66 ≤ interior); otherwise every row is grain. */
  regionsFromD?: boolean;
}

/**
 * A pattern-store folder (no project) of ring patterns with d uniform in [0, 1), in row order, written by the app's
 * PatternStore, for the training-engine tests. Returns every row's d (unwritten rows included).
 */
export function writeRingStore(dir: string, options: RingStoreOptions): Float64Array {
  const side = patternSide(options.grid);
  const random = mulberry32(options.seed);
  const labels = new Float64Array(options.count);
  const store = openPatternStore(dir, {
    sampleCount: options.count,
    side,
    grid: options.grid,
    patternKind: 'raw-intensity',
    structures: [{ id: 1, name: 'synthetic rings' }],
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
  });
  try {
    for (let i = 0; i < options.count; i++) {
      const d = random();
      labels[i] = d;
      if (options.notDone?.includes(i)) continue;
      const region = options.regionsFromD ? (d < 0.33 ? 0 : d < 0.66 ? 1 : 2) : 0;
      const regionFractions = [0, 0, 0];
      regionFractions[region] = 1;
      store.write(i, { pattern: syntheticPattern(d, random, side), labels: { meanD: d, atomCount: 40, region, regionFractions }, centreA: [i, 0, 0], structure: 0 });
    }
  } finally {
    store.close();
  }
  return labels;
}
