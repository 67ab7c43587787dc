/**
 * The seeded train/validation split of a dataset (papers/000 §3: "randomly split … 0.8 and 0.2"; DESIGN.md
 * "Training": seed 42). Deterministic on every platform: mulberry32 (Tommy Ettinger's 32-bit generator, the same
 * one the tests use) drives a Fisher–Yates shuffle of 0 … N−1.
 *
 * Sizes follow torch.utils.data.random_split with fractions [1 − f, f]: validation = floor(N · f), train = the
 * rest; the first `train` entries of the permutation are the training set (as random_split slices its
 * permutation). The permutation itself is not torch's (different generator), so a split is reproducible here,
 * not in PyTorch: the exported split.csv is the record of it.
 */

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random permutation of 0 … n−1 (Fisher–Yates, from the last position down). */
export function seededPermutation(n: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

export const SPLIT_NAMES = ['train', 'validation'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface SplitOptions {
  /** Default 42 (the authors' seed). */
  seed?: number;
  /** Default 0.2. */
  validationFraction?: number;
}

export interface DatasetSplit {
  /** Per sample: 0 = train, 1 = validation (SPLIT_NAMES). */
  split: Uint8Array;
  trainCount: number;
  validationCount: number;
  seed: number;
  validationFraction: number;
}

/** Splits N samples; see the file comment for the rule. */
export function randomSplit(n: number, options: SplitOptions = {}): DatasetSplit {
  const seed = options.seed ?? 42;
  const validationFraction = options.validationFraction ?? 0.2;
  if (!Number.isInteger(n) || n < 0) throw new Error(`sample count must be a non-negative integer (got ${n})`);
  if (!Number.isInteger(seed)) throw new Error(`the split seed must be an integer (got ${seed})`);
  if (!(validationFraction >= 0 && validationFraction <= 1)) throw new Error(`validationFraction must be in [0, 1] (got ${validationFraction})`);
  // The 1e-9 keeps 0.2 · 10 from landing a hair below 2 in floating point.
  const validationCount = Math.min(n, Math.floor(n * validationFraction + 1e-9));
  const trainCount = n - validationCount;
  const perm = seededPermutation(n, seed);
  const split = new Uint8Array(n);
  for (let k = trainCount; k < n; k++) split[perm[k] as number] = 1;
  return { split, trainCount, validationCount, seed, validationFraction };
}
