/** The seeded split: mulberry32 reference values, a true permutation, torch random_split sizes, determinism. */
import { describe, expect, it } from 'vitest';
import { mulberry32, randomSplit, seededPermutation } from '../../../native-workers/lib/datasets/random-split';

describe('randomSplit', () => {
  it('draws the reference mulberry32 sequence', () => {
    // First outputs of the reference JavaScript mulberry32 for seed 42 (Tommy Ettinger's constants).
    const random = mulberry32(42);
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('shuffles into a permutation', () => {
    const perm = seededPermutation(1000, 7);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(perm.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('sizes the subsets like torch random_split([0.8, 0.2]) and repeats for a seed', () => {
    for (const [n, train] of [[10, 8], [11, 9], [57720, 46176], [1, 1], [0, 0]] as const) {
      const split = randomSplit(n);
      expect(split.trainCount).toBe(train);
      expect(split.validationCount).toBe(n - train);
      expect(split.split.reduce((a, b) => a + b, 0)).toBe(n - train);
    }
    const a = randomSplit(500, { seed: 42 });
    expect(randomSplit(500, { seed: 42 }).split).toEqual(a.split);
    expect(randomSplit(500, { seed: 43 }).split).not.toEqual(a.split);
    expect(() => randomSplit(10, { validationFraction: 1.5 })).toThrow(/validationFraction/);
  });
});
