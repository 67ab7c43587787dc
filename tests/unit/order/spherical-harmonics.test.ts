import { describe, expect, it } from 'vitest';
import { Y4Y6_LENGTH, Y6_OFFSET, packedIndex, sphericalHarmonic, sumY4Y6 } from '../../../native-workers/lib/order/spherical-harmonics';
import { mulberry32 } from './lattices';

const FOUR_PI = 4 * Math.PI;

function recurrence(l: number, m: number, v: number[]): [number, number] {
  const out = [0, 0];
  sphericalHarmonic(l, m, v[0]!, v[1]!, v[2]!, out);
  return [out[0]!, out[1]!];
}

function closedForms(v: number[]): Float64Array {
  const sums = new Float64Array(Y4Y6_LENGTH);
  sumY4Y6(Float64Array.of(v[0]!), Float64Array.of(v[1]!), Float64Array.of(v[2]!), 1, sums);
  return sums;
}

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n), exact for polynomials of degree ≤ 2n − 1. */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let t = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      derivative = (n * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / derivative;
      t -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x.push(t);
    w.push(2 / ((1 - t * t) * derivative * derivative));
  }
  return { x, w };
}

describe('spherical harmonics', () => {
  const random = mulberry32(4);
  const directions: number[][] = [
    [0, 0, 1],
    [0, 0, -1],
    [1, 0, 0],
    [0, -1, 0],
    [3, 4, 0],
    [1e-9, 0, 1],
  ];
  for (let i = 0; i < 200; i++) directions.push([random() - 0.5, random() - 0.5, random() - 0.5].map((c) => c * (0.1 + 10 * random())));

  it('has the standard values and Condon–Shortley phase at low l', () => {
    expect(recurrence(0, 0, [0.3, -2, 5])[0]).toBeCloseTo(1 / Math.sqrt(FOUR_PI), 15);
    expect(recurrence(1, 0, [0, 0, 2])[0]).toBeCloseTo(Math.sqrt(3 / FOUR_PI), 15);
    expect(recurrence(1, 1, [1, 0, 0])[0]).toBeCloseTo(-Math.sqrt(3 / (2 * FOUR_PI)), 15);
    expect(recurrence(1, -1, [1, 0, 0])[0]).toBeCloseTo(Math.sqrt(3 / (2 * FOUR_PI)), 15);
    expect(recurrence(2, 0, [0, 0, 1])[0]).toBeCloseTo(Math.sqrt(5 / FOUR_PI), 15);
    // Y_66 on the x axis: (−1)^6 √(13/4π · 1/12!) · 10395.
    expect(recurrence(6, 6, [1, 0, 0])[0]).toBeCloseTo(Math.sqrt(13 / FOUR_PI / 479001600) * 10395, 15);
    // At (0, 1, 1)/√2: Y_63 = −√(13/4π · 3!/9!) · (27720z³ − 7560z)/16 · (i/√2)³, z = 1/√2.
    const z = Math.SQRT1_2;
    const [re, im] = recurrence(6, 3, [0, 1, 1]);
    expect(re).toBeCloseTo(0, 15);
    expect(im).toBeCloseTo(Math.sqrt((13 / FOUR_PI) * (6 / 362880)) * ((27720 * z ** 3 - 7560 * z) / 16) * (1 / (2 * Math.SQRT2)), 14);
  });

  it('obeys Y_l,−m = (−1)^m conj(Y_lm)', () => {
    for (const v of directions.slice(0, 30)) {
      for (const l of [4, 6]) {
        for (let m = 1; m <= l; m++) {
          const [pr, pi] = recurrence(l, m, v);
          const [nr, ni] = recurrence(l, -m, v);
          const sign = m % 2 === 0 ? 1 : -1;
          expect(nr).toBeCloseTo(sign * pr, 14);
          expect(ni).toBeCloseTo(-sign * pi, 14);
        }
      }
    }
  });

  it('closed forms for l = 4, 6 equal the recurrence in every direction, poles included', () => {
    for (const v of directions) {
      const packed = closedForms(v);
      for (const [l, offset] of [
        [4, 0],
        [6, Y6_OFFSET],
      ] as const) {
        for (let m = 0; m <= l; m++) {
          const [re, im] = recurrence(l, m, v);
          expect(Math.abs(packed[offset + packedIndex(m)]! - re)).toBeLessThan(1e-13);
          if (m > 0) expect(Math.abs(packed[offset + packedIndex(m) + 1]! - im)).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('satisfies the addition theorem Σ_m |Y_lm|² = (2l + 1)/4π (normalisation of the closed forms)', () => {
    for (const v of directions) {
      const packed = closedForms(v);
      for (const [l, offset] of [
        [4, 0],
        [6, Y6_OFFSET],
      ] as const) {
        let sum = packed[offset]! ** 2;
        for (let c = 1; c <= 2 * l; c++) sum += 2 * packed[offset + c]! ** 2;
        expect(sum).toBeCloseTo((2 * l + 1) / FOUR_PI, 13);
      }
    }
  });

  it('is orthonormal on the sphere (Gauss–Legendre × uniform φ quadrature, exact at these degrees)', () => {
    const { x: nodes, w: weights } = gaussLegendre(16);
    const phis = 32;
    const pairs: [number, number][] = [];
    for (const l of [4, 6]) for (let m = -l; m <= l; m++) pairs.push([l, m]);
    const gram = new Map<string, [number, number]>();
    nodes.forEach((cosTheta, a) => {
      const sinTheta = Math.sqrt(1 - cosTheta * cosTheta);
      for (let b = 0; b < phis; b++) {
        const phi = (2 * Math.PI * b) / phis;
        const v = [sinTheta * Math.cos(phi), sinTheta * Math.sin(phi), cosTheta];
        const weight = (weights[a]! * 2 * Math.PI) / phis;
        const values = pairs.map(([l, m]) => recurrence(l, m, v));
        pairs.forEach((p, i) =>
          pairs.forEach((q, j) => {
            const key = `${p}|${q}`;
            const [ar, ai] = values[i]!;
            const [br, bi] = values[j]!;
            const acc = gram.get(key) ?? [0, 0];
            gram.set(key, [acc[0] + weight * (ar * br + ai * bi), acc[1] + weight * (ai * br - ar * bi)]);
          }),
        );
      }
    });
    for (const [key, [re, im]] of gram) {
      const [p, q] = key.split('|');
      expect(re).toBeCloseTo(p === q ? 1 : 0, 12);
      expect(im).toBeCloseTo(0, 12);
    }
  });

  it('rejects impossible l, m and zero vectors', () => {
    expect(() => recurrence(4, 5, [1, 0, 0])).toThrow('|m| ≤ l');
    expect(() => recurrence(-1, 0, [1, 0, 0])).toThrow('l ≥ 0');
    expect(() => recurrence(4, 0, [0, 0, 0])).toThrow('zero');
  });
});
