import { describe, expect, it } from 'vitest';
import { CNA_TYPES, type CnaType } from '../../../main/shared/labels';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';
import {
  CNA_BCC,
  CNA_FCC,
  CNA_HCP,
  CNA_ICO,
  CNA_OTHER,
  adaptiveCna,
  commonNeighborAnalysis,
  conventionalCna,
} from '../../../native-workers/lib/order/cna';
import { bcc, fcc, fccPrimitive, hcp, icosahedron, idealGas, rotated, rotation, withNoise } from './lattices';

function census(codes: Uint8Array): Partial<Record<CnaType, number>> {
  const out: Partial<Record<CnaType, number>> = {};
  for (const c of codes) {
    const name = CNA_TYPES[c] as CnaType;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

function withoutAtom(input: AtomsInput, atom: number): AtomsInput {
  const positions = new Float64Array(input.positions.length - 3);
  positions.set(input.positions.subarray(0, 3 * atom));
  positions.set(input.positions.subarray(3 * atom + 3), 3 * atom);
  return { ...input, positions };
}

describe('CNA codes', () => {
  it('are the indices of CNA_TYPES', () => {
    expect([CNA_OTHER, CNA_FCC, CNA_HCP, CNA_BCC, CNA_ICO].map((c) => CNA_TYPES[c])).toEqual(['other', 'fcc', 'hcp', 'bcc', 'ico']);
  });
});

describe('adaptive CNA', () => {
  it('recognises perfect FCC, HCP and BCC at any lattice constant', () => {
    expect(census(adaptiveCna(fcc(3.61, 4)))).toEqual({ fcc: 256 });
    expect(census(adaptiveCna(fcc(2.0, 3)))).toEqual({ fcc: 108 });
    expect(census(adaptiveCna(hcp(3.2, [4, 3, 3])))).toEqual({ hcp: 144 });
    expect(census(adaptiveCna(bcc(2.87, 4)))).toEqual({ bcc: 128 });
    expect(census(adaptiveCna(bcc(5.0, 3)))).toEqual({ bcc: 54 });
  });

  it('recognises the centre of an icosahedron (and not its surface)', () => {
    const codes = adaptiveCna(icosahedron(2.6));
    expect(codes[0]).toBe(CNA_ICO);
    expect(census(codes)).toEqual({ ico: 1, other: 12 });
  });

  it('tolerates thermal noise and triclinic or one-atom cells', () => {
    expect(census(adaptiveCna(withNoise(fcc(3.61, 5), 0.08, 1)))).toEqual({ fcc: 500 });
    expect(census(adaptiveCna(withNoise(bcc(2.87, 5), 0.05, 2)))).toEqual({ bcc: 250 });
    expect(census(adaptiveCna(rotated(hcp(2.5, [3, 2, 2]), rotation([0.3, -1, 0.2], 1.1))))).toEqual({ hcp: 48 });
    expect(census(adaptiveCna(fccPrimitive(3.61)))).toEqual({ fcc: 1 });
  });

  it('calls an ideal gas other, and the 12 neighbours of a vacancy other', () => {
    expect(census(adaptiveCna(idealGas(2000, 30, 3)))).toEqual({ other: 2000 });
    expect(census(adaptiveCna(withoutAtom(fcc(3.61, 4), 37)))).toEqual({ fcc: 243, other: 12 });
  });
});

describe('conventional CNA (LAMMPS cna/atom semantics)', () => {
  const a = 3.61;

  it('recognises FCC at 0.854·a, BCC at 1.207·a, HCP between its shells', () => {
    expect(census(conventionalCna(fcc(a, 4), 0.854 * a))).toEqual({ fcc: 256 });
    expect(census(conventionalCna(bcc(2.87, 4), 1.207 * 2.87))).toEqual({ bcc: 128 });
    expect(census(conventionalCna(hcp(2.5, [4, 3, 3]), 1.207 * 2.5))).toEqual({ hcp: 144 });
    expect(census(conventionalCna(fccPrimitive(a), 0.854 * a))).toEqual({ fcc: 1 });
  });

  it('recognises the icosahedron centre with a cutoff that spans the shell and its edges', () => {
    // Edge length of a regular icosahedron = 1.0515 · radius; a cutoff of 1.2 · radius bonds the edges only.
    const codes = conventionalCna(icosahedron(2.6), 1.2 * 2.6);
    expect(codes[0]).toBe(CNA_ICO);
    expect(census(codes)).toEqual({ ico: 1, other: 12 });
  });

  it('calls atoms other when the cutoff gives other than 12 or 14 neighbours', () => {
    expect(census(conventionalCna(fcc(a, 3), 0.6 * a))).toEqual({ other: 108 }); // no neighbours
    expect(census(conventionalCna(fcc(a, 3), 1.1 * a))).toEqual({ other: 108 }); // 18 neighbours
    expect(census(conventionalCna(withoutAtom(fcc(a, 4), 0), 0.854 * a))).toEqual({ fcc: 243, other: 12 });
  });

  it('depends on the cutoff the way a fixed cutoff must: strained FCC drops out', () => {
    const stretched = fcc(a * 1.25, 3); // nearest neighbours at 0.884·a, beyond 0.854·a
    expect(census(conventionalCna(stretched, 0.854 * a))).toEqual({ other: 108 });
    expect(census(adaptiveCna(stretched))).toEqual({ fcc: 108 });
  });
});

describe('commonNeighborAnalysis', () => {
  it('dispatches on the label parameters\' CNA mode', () => {
    const stretched = fcc(3.61 * 1.25, 3);
    expect(census(commonNeighborAnalysis(stretched, { mode: 'adaptive' }))).toEqual({ fcc: 108 });
    expect(census(commonNeighborAnalysis(stretched, { mode: 'cutoff', cutoffA: 0.854 * 3.61 }))).toEqual({ other: 108 });
    expect(census(commonNeighborAnalysis(stretched, { mode: 'cutoff', cutoffA: 0.854 * 3.61 * 1.25 }))).toEqual({ fcc: 108 });
  });
});
