/** Prediction inputs: raw .npy stacks (float32/float64, one pattern or many) become model inputs; misfits are refused. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_NORMALISATION } from '../../../main/shared/model-transform';
import { openPatternStore } from '../../../native-workers/lib/datasets/pattern-store';
import { modelInput, modelInputFor } from '../../../native-workers/lib/diffraction/model-input';
import { readDatasetLabels } from '../../../native-workers/lib/models/export-evaluation';
import { checkSourceFitsModel, openNpyStackSource, openPatternSource } from '../../../native-workers/lib/models/pattern-sources';
import { writeNpy } from '../../../native-workers/lib/npy';
import { tempDir } from '../../support/temp';

const preprocessing = { transform: 'log1-minmax' as const, side: 3, kmaxInvA: 0.03, deltaKInvA: 0.015, logClip: 1, normalisation: 'per-pattern min-max to [0,1]' };

describe('pattern sources', () => {
  const dir = tempDir();

  it('reads a float64 stack record by record and a single (S, S) pattern, applying the model-input transform', () => {
    const a = [1, 10, 100, 1000, 0.5, 3, 7, 9, 2];
    const b = [5, 5, 5, 5, 5, 5, 5, 5, 50];
    const stack = path.join(dir, 'stack.npy');
    writeNpy(stack, Float64Array.from([...a, ...b]), [2, 3, 3]);
    const source = openPatternSource(stack);
    expect(source).toMatchObject({ kind: 'npy', count: 2, side: 3, content: 'raw-intensity', grid: null });
    const out = new Float32Array(9);
    source.readModelInput(1, out);
    expect(Array.from(out)).toEqual(Array.from(modelInput(b)));
    source.readModelInput(0, out);
    expect(Array.from(out)).toEqual(Array.from(modelInput(a)));
    expect(checkSourceFitsModel(source, preprocessing)).toEqual([expect.stringMatching(/records no k-grid: its pixel size is taken to be the model's \(kmax 0\.03 Å⁻¹, Δk 0\.015 Å⁻¹\)/)]);
    source.close();

    const single = path.join(dir, 'single.npy');
    writeNpy(single, Float32Array.from(a), [3, 3]);
    const one = openNpyStackSource(single);
    expect(one.count).toBe(1);
    one.readModelInput(0, out);
    expect(Array.from(out)).toEqual(Array.from(modelInput(a)));
    one.close();
  });

  it('refuses other dtypes, non-square patterns, negative intensities and another side', () => {
    const ints = path.join(dir, 'ints.npy');
    writeNpy(ints, Int32Array.from([1, 2, 3, 4]), [1, 2, 2]);
    expect(() => openNpyStackSource(ints)).toThrow(/dtype <i4; a stack of raw intensities is float32 or float64/);
    const oblong = path.join(dir, 'oblong.npy');
    writeNpy(oblong, new Float32Array(6), [1, 2, 3]);
    expect(() => openNpyStackSource(oblong)).toThrow(/shape \(1, 2, 3\); expected \(N, S, S\)/);
    const negative = path.join(dir, 'negative.npy');
    writeNpy(negative, Float32Array.from([1, 2, -3, 4, 5, 6, 7, 8, 9]), [1, 3, 3]);
    const source = openNpyStackSource(negative);
    expect(() => source.readModelInput(0, new Float32Array(9))).toThrow(/pattern 0: the raw pattern has an invalid intensity -3 at index 2/);
    expect(() => checkSourceFitsModel(source, { ...preprocessing, side: 5 })).toThrow(/patterns are 3×3, the model reads 5×5 \(kmax 0\.03 Å⁻¹, Δk 0\.015 Å⁻¹\)/);
    source.close();
    expect(() => openPatternSource(path.join(dir, 'missing.npy'))).toThrow(/no such file or folder/);
  });

  it('refuses patterns on another k-grid even when the side matches (a model reads only its own pixel size)', () => {
    const onGrid = (kmaxInvA: number, deltaKInvA: number) => ({
      kind: 'dataset' as const,
      location: 'datasets/x',
      count: 1,
      side: 3,
      content: 'raw-intensity' as const,
      grid: { kmaxInvA, deltaKInvA },
      readModelInput: () => undefined,
      close: () => undefined,
    });
    expect(checkSourceFitsModel(onGrid(0.03, 0.015), preprocessing)).toEqual([]);
    expect(() => checkSourceFitsModel(onGrid(0.04, 0.02), preprocessing)).toThrow(
      'datasets/x: the patterns are on kmax 0.04 Å⁻¹, Δk 0.02 Å⁻¹, the model was trained on (kmax 0.03 Å⁻¹, Δk 0.015 Å⁻¹); a model only reads patterns of its own pixel size',
    );
  });

  it('gives a model trained on every other k-node exactly those nodes of a project dataset, and reads its labels', () => {
    // A 9 × 9 dataset grid (kmax 0.06, Δk 0.015) and a model on a 5 × 5 grid with twice the pixel size.
    const store = path.join(dir, 'coarse-store');
    const side = 9;
    const patterns = [0, 1].map((p) => Float32Array.from({ length: side * side }, (_, i) => 1 + ((i * 37 + p * 11) % 23)));
    const writer = openPatternStore(store, {
      sampleCount: 2,
      side,
      grid: { kmaxInvA: 0.06, deltaKInvA: 0.015 },
      patternKind: 'raw-intensity',
      structures: [{ id: 4, name: 'film' }],
      zones: ['z'],
      probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
    });
    patterns.forEach((pattern, i) =>
      writer.write(i, { pattern, labels: { meanD: 0.2 + 0.5 * i, atomCount: 9, region: i === 0 ? 0 : -1, regionFractions: [1, 0, 0] }, centreA: [i, 0, 0], structure: 0 }),
    );
    writer.close();
    const spec = { transform: 'annulus-log' as const, version: 2 as const, side: 5, kmaxInvA: 0.06, deltaKInvA: 0.03, beamMaskInvA: 0, floorRatio: 0.05, ceilingRatio: 50, normalisation: ANNULUS_LOG_NORMALISATION };
    const source = openPatternSource(store, spec);
    expect(source).toMatchObject({ kind: 'dataset', side: 5, grid: { kmaxInvA: 0.06, deltaKInvA: 0.03 } });
    expect(checkSourceFitsModel(source, spec)).toEqual([]);
    // The model's nodes by their k: k = (index − 4)·0.015 on the dataset grid is a multiple of 0.03.
    const kept = Array.from({ length: side }, (_, i) => i).filter((i) => Math.abs(((i - 4) * 0.015) / 0.03 - Math.round(((i - 4) * 0.015) / 0.03)) < 1e-9);
    expect(kept).toEqual([0, 2, 4, 6, 8]);
    const out = new Float32Array(25);
    source.readModelInput(1, out);
    const nodes = kept.flatMap((r) => kept.map((c) => (patterns[1] as Float32Array)[r * side + c] as number));
    expect(Array.from(out)).toEqual(Array.from(modelInputFor(nodes, spec)));
    source.close();
    // On its own grid the same folder is read whole.
    expect(openPatternSource(store, { ...spec, side: 9, deltaKInvA: 0.015 }).side).toBe(9);

    const labels = readDatasetLabels(store);
    expect(Array.from(labels.d)).toEqual([0.2, 0.7]);
    expect(labels.region).toEqual(['grain', '']);
    expect(labels.split).toEqual(['', '']);
  });
});
