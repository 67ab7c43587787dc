import { describe, expect, it } from 'vitest';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';
import { nearestNeighbors } from '../../../native-workers/lib/neighbors/nearest-neighbors';
import { bondOrientationalOrder, type BondOrder } from '../../../native-workers/lib/order/bond-order';
import { sphericalHarmonic } from '../../../native-workers/lib/order/spherical-harmonics';
import { bcc, fcc, fccPrimitive, hcp, icosahedron, idealGas, rotated, rotation, withNoise } from './lattices';

// Q_l of perfect shells: exact values from SymPy's Y_lm (FCC Q4 = √(7/192) as in the LAMMPS docs), BCC's 8 + 6
// shell from SciPy's sph_harm_y; they agree with Mickel et al., J. Chem. Phys. 138, 044501 (2013), Table I.
const FCC_Q4 = Math.sqrt(7 / 192); // 0.190941
const FCC_Q6 = Math.sqrt(169 / 512); // 0.574524
const HCP_Q4 = 7 / 72; // 0.097222
const HCP_Q6 = Math.sqrt(29237 / 124416); // 0.484762
const BCC14_Q4 = 0.036369648372665;
const BCC14_Q6 = 0.510688230856951;
const BCC8_Q4 = Math.sqrt(7 / 27); // 0.509175
const BCC8_Q6 = Math.sqrt(32 / 81); // 0.628539
const ICO_Q6 = Math.sqrt(11) / 5;

function expectEveryAtom(result: BondOrder, expected: { q4: number; q6: number; d: number }, digits = 10): void {
  result.q4.forEach((v) => expect(v).toBeCloseTo(expected.q4, digits));
  result.q6.forEach((v) => expect(v).toBeCloseTo(expected.q6, digits));
  result.oneMinusQ6.forEach((v) => expect(v).toBeCloseTo(1 - expected.q6, digits));
  result.d.forEach((v) => expect(v).toBeCloseTo(expected.d, digits));
}

function mean(values: Float64Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** d_i, Q4, Q6 straight from the definitions: complex Y_lm for m = −l … l by recurrence, no symmetry shortcuts. */
function definitionReference(input: AtomsInput, k: number): { d: number[]; q4: number[]; q6: number[] } {
  const nn = nearestNeighbors(input, k);
  const n = input.positions.length / 3;
  const y = [0, 0];
  const q = (l: number, i: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let m = -l; m <= l; m++) {
      let re = 0;
      let im = 0;
      for (let b = 0; b < k; b++) {
        const e = 3 * (i * k + b);
        sphericalHarmonic(l, m, nn.delta[e]!, nn.delta[e + 1]!, nn.delta[e + 2]!, y);
        re += y[0]! / k;
        im += y[1]! / k;
      }
      out.push([re, im]);
    }
    return out;
  };
  const bigQ = (l: number, c: [number, number][]): number => Math.sqrt(((4 * Math.PI) / (2 * l + 1)) * c.reduce((s, [re, im]) => s + re * re + im * im, 0));
  const q6 = Array.from({ length: n }, (_, i) => q(6, i));
  const unit = q6.map((c) => {
    const norm = Math.sqrt(c.reduce((s, [re, im]) => s + re * re + im * im, 0));
    return c.map(([re, im]) => [re / norm, im / norm] as [number, number]);
  });
  const d = unit.map((qi, i) => {
    let s = 0;
    for (let b = 0; b < k; b++) {
      const qj = unit[nn.index[i * k + b]!]!;
      // Re(q̂_i · conj(q̂_j))
      qi.forEach(([ar, ai], m) => (s += ar * qj[m]![0] + ai * qj[m]![1]));
    }
    return 1 - s / k;
  });
  return { d, q4: Array.from({ length: n }, (_, i) => bigQ(4, q(4, i))), q6: q6.map((c) => bigQ(6, c)) };
}

describe('bond-orientational order of perfect structures', () => {
  it('FCC: Q4 = √(7/192) = 0.19094, Q6 = 0.57452 (1 − Q6 = 0.42548), d = 0 on every atom', () => {
    expectEveryAtom(bondOrientationalOrder(fcc(3.61, 4)), { q4: FCC_Q4, q6: FCC_Q6, d: 0 });
  });

  it('FCC in a one-atom triclinic primitive cell (12 neighbours are images of the atom itself)', () => {
    expectEveryAtom(bondOrientationalOrder(fccPrimitive(3.61)), { q4: FCC_Q4, q6: FCC_Q6, d: 0 });
  });

  it('FCC rigidly rotated into a triclinic cell: the invariants do not change', () => {
    const turned = rotated(fcc(4.05, 3), rotation([1, 2, 3], 0.7));
    expectEveryAtom(bondOrientationalOrder(turned), { q4: FCC_Q4, q6: FCC_Q6, d: 0 });
  });

  it('HCP: Q4 = 0.09722, Q6 = 0.48476, d = 0', () => {
    expectEveryAtom(bondOrientationalOrder(hcp(2.5, [4, 3, 3])), { q4: HCP_Q4, q6: HCP_Q6, d: 0 });
  });

  it('BCC with its 8 + 6 shell: Q4 = 0.03637, Q6 = 0.51069; with the 8 nearest: Q4 = 0.50918, Q6 = 0.62854', () => {
    expectEveryAtom(bondOrientationalOrder(bcc(2.87, 4), { neighborCount: 14 }), { q4: BCC14_Q4, q6: BCC14_Q6, d: 0 });
    expectEveryAtom(bondOrientationalOrder(bcc(2.87, 4), { neighborCount: 8 }), { q4: BCC8_Q4, q6: BCC8_Q6, d: 0 });
  });

  it('icosahedral cluster: the centre has Q6 = √11/5 = 0.66332 and Q4 = 0', () => {
    const result = bondOrientationalOrder(icosahedron(2.6));
    expect(result.q6[0]).toBeCloseTo(ICO_Q6, 12);
    expect(result.q4[0]).toBeCloseTo(0, 12);
    expect(result.oneMinusQ6[0]).toBeCloseTo(1 - ICO_Q6, 12);
  });

  it('ideal gas: d ≈ 1 and Q6 small; thermal noise on FCC: d small', () => {
    const gas = bondOrientationalOrder(idealGas(3000, 35, 11));
    expect(mean(gas.d)).toBeGreaterThan(0.88);
    expect(mean(gas.d)).toBeLessThan(1.02);
    expect(mean(gas.q6)).toBeLessThan(0.3);
    const warm = bondOrientationalOrder(withNoise(fcc(3.61, 5), 0.08, 3));
    expect(mean(warm.d)).toBeGreaterThan(0.002);
    expect(mean(warm.d)).toBeLessThan(0.03);
    expect(Math.max(...warm.d)).toBeLessThan(0.08);
  });

  it('equals the textbook definition (full m = −l … l complex sums) on a disordered periodic structure', () => {
    for (const input of [idealGas(150, 12, 5), withNoise(fccPrimitive(3.61), 0, 0), withNoise(hcp(2.5, [2, 1, 1]), 0.2, 9)]) {
      const ours = bondOrientationalOrder(input);
      const reference = definitionReference(input, 12);
      reference.d.forEach((v, i) => expect(Math.abs(ours.d[i]! - v)).toBeLessThan(1e-12));
      reference.q4.forEach((v, i) => expect(Math.abs(ours.q4[i]! - v)).toBeLessThan(1e-12));
      reference.q6.forEach((v, i) => expect(Math.abs(ours.q6[i]! - v)).toBeLessThan(1e-12));
    }
  });

  it('does not depend on the order of the atoms', () => {
    const input = idealGas(400, 18, 8);
    const n = 400;
    const order = Array.from({ length: n }, (_, i) => (i * 151) % n);
    const shuffled = new Float64Array(3 * n);
    order.forEach((from, to) => shuffled.set(input.positions.subarray(3 * from, 3 * from + 3), 3 * to));
    const a = bondOrientationalOrder(input);
    const b = bondOrientationalOrder({ ...input, positions: shuffled });
    order.forEach((from, to) => {
      expect(b.d[to]).toBeCloseTo(a.d[from]!, 13);
      expect(b.q6[to]).toBeCloseTo(a.q6[from]!, 13);
    });
  });
});
