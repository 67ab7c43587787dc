/** The parity plot's 2-D kernel density: Scott's rule as scipy's gaussian_kde, equal to the direct Gaussian sum. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../native-workers/lib/datasets/random-split';
import { kernelDensity2d, scottBandwidth } from '../../../native-workers/lib/models/kernel-density';

/** Correlated points like a parity plot: predicted = true + noise. */
function parityPoints(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = mulberry32(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = random();
    // Box–Muller noise, σ 0.05.
    y[i] = (x[i] as number) + 0.05 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { x, y };
}

/** f(p) = 1/(n 2π √det H) Σ exp(−½ (p − x_i)ᵀ H⁻¹ (p − x_i)), every point against every node, no truncation. */
function directSum(x: Float64Array, y: Float64Array, H: [[number, number], [number, number]], gx: number[], gy: number[]): number[] {
  const [[a, b], [, c]] = H;
  const det = a * c - b * b;
  const inv = [c / det, -b / det, a / det] as const;
  const out: number[] = [];
  for (const py of gy) {
    for (const px of gx) {
      let sum = 0;
      for (let i = 0; i < x.length; i++) {
        const dx = px - (x[i] as number);
        const dy = py - (y[i] as number);
        sum += Math.exp(-0.5 * (inv[0] * dx * dx + 2 * inv[1] * dx * dy + inv[2] * dy * dy));
      }
      out.push(sum / (x.length * 2 * Math.PI * Math.sqrt(det)));
    }
  }
  return out;
}

describe('kernelDensity2d', () => {
  it("uses Scott's factor n^(−1/6) on the sample covariance (n − 1), as scipy.stats.gaussian_kde", () => {
    const x = [0, 1, 2, 3];
    const y = [0, 2, 1, 5];
    const bw = scottBandwidth(x, y);
    expect(bw.factor).toBeCloseTo(4 ** (-1 / 6), 15);
    // Sample covariance: var x = 5/3, var y = 14/3, cov = 7/3 (n − 1 = 3).
    const f2 = bw.factor ** 2;
    expect(bw.covariance[0][0]).toBeCloseTo((5 / 3) * f2, 14);
    expect(bw.covariance[1][1]).toBeCloseTo((14 / 3) * f2, 14);
    expect(bw.covariance[0][1]).toBeCloseTo((7 / 3) * f2, 14);
    expect(bw.regularised).toBe(false);
  });

  it('equals the direct sum over every point and node to 1e-12, and integrates to ≈ 1', () => {
    const { x, y } = parityPoints(400, 3);
    const grid = kernelDensity2d(x, y, { gridSize: 40 });
    expect(grid.values).toHaveLength(40 * 40);
    expect(grid.count).toBe(400);
    const reference = directSum(x, y, grid.bandwidth.covariance, grid.x, grid.y);
    const peak = Math.max(...reference);
    grid.values.forEach((v, k) => expect(Math.abs(v - (reference[k] as number))).toBeLessThan(1e-12 * peak));
    const cell = ((grid.x[1] as number) - (grid.x[0] as number)) * ((grid.y[1] as number) - (grid.y[0] as number));
    expect(grid.values.reduce((s, v) => s + v, 0) * cell).toBeCloseTo(1, 2);
    // The grid extends three kernel widths beyond the data on a common square range.
    expect(grid.x).toEqual(grid.y);
    expect(grid.x[0]).toBeLessThan(Math.min(...x, ...y));
  });

  it('follows a fixed range and still equals the direct sum inside it', () => {
    const { x, y } = parityPoints(50, 9);
    const grid = kernelDensity2d(x, y, { gridSize: 11, range: [0, 1] });
    expect(grid.x[0]).toBe(0);
    expect(grid.x[10]).toBe(1);
    const reference = directSum(x, y, grid.bandwidth.covariance, grid.x, grid.y);
    grid.values.forEach((v, k) => expect(v).toBeCloseTo(reference[k] as number, 10));
  });

  it('widens a singular covariance (a perfect model, or constant values) instead of failing', () => {
    const x = [0.1, 0.2, 0.3, 0.4, 0.5];
    const perfect = kernelDensity2d(x, x, { gridSize: 16 });
    expect(perfect.values.every(Number.isFinite)).toBe(true);
    expect(scottBandwidth(x, x).regularised).toBe(true);
    // Constant true values: a thin ridge at x = 0.5, the middle node of an odd grid.
    const constant = kernelDensity2d([0.5, 0.5, 0.5], [0.4, 0.6, 0.5], { gridSize: 9 });
    expect(constant.x[4]).toBeCloseTo(0.5, 12);
    expect(constant.values[4 * 9 + 4]).toBeGreaterThan(0);
    expect(() => kernelDensity2d([1], [1])).toThrow(/at least two points/);
  });
});
