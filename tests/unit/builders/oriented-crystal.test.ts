/** Oriented FCC, BCC and HCP crystals: exact atom counts and periods, seamless periodic tiling, and refused orientations. */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../main/shared/domain';
import {
  atomicVolumeA3,
  latticeCell,
  nearestNeighborDistanceA,
  orientedCrystal,
  type LatticeKind,
  type Orientation,
} from '../../../native-workers/lib/builders';
import { allInsideBox, badlyCoordinated, boxVolume } from './geometry-checks';

const CU_A = 3.615;
const FE_A = 2.8665;
const ZR_A = 3.232;
const s2 = Math.SQRT2;
const s3 = Math.sqrt(3);
const s6 = Math.sqrt(6);
const IDEAL_C = Math.sqrt(8 / 3);

interface Case {
  name: string;
  lattice: LatticeKind;
  latticeA: number;
  orient?: Orientation;
  repeats: Vec3;
  /** Expected periods along x, y, z in lattice parameters. */
  periodsOverA: Vec3;
  perPeriod: number;
  coordination: number;
}

const cases: Case[] = [
  { name: 'FCC cube axes', lattice: 'fcc', latticeA: CU_A, repeats: [2, 2, 2], periodsOverA: [1, 1, 1], perPeriod: 4, coordination: 12 },
  {
    name: 'FCC x=[110] y=[-110] z=[001]', lattice: 'fcc', latticeA: CU_A, orient: { x: [1, 1, 0], y: [-1, 1, 0], z: [0, 0, 1] },
    repeats: [3, 3, 2], periodsOverA: [1 / s2, 1 / s2, 1], perPeriod: 2, coordination: 12,
  },
  {
    name: 'FCC x=[112] y=[11-1] z=[-110]', lattice: 'fcc', latticeA: CU_A, orient: { x: [1, 1, 2], y: [1, 1, -1], z: [-1, 1, 0] },
    repeats: [2, 2, 3], periodsOverA: [s6 / 2, s3, 1 / s2], perPeriod: 6, coordination: 12,
  },
  {
    name: 'FCC x=[123] y=[11-1] z=[-54-1] (high index)', lattice: 'fcc', latticeA: CU_A, orient: { x: [1, 2, 3], y: [1, 1, -1], z: [-5, 4, -1] },
    repeats: [2, 2, 1], periodsOverA: [Math.sqrt(14) / 2, s3, Math.sqrt(42) / 2], perPeriod: 42, coordination: 12,
  },
  {
    name: 'FCC paper grain B x=[00-1] y=[-1-10] z=[-110]', lattice: 'fcc', latticeA: CU_A, orient: { x: [0, 0, -1], y: [-1, -1, 0], z: [-1, 1, 0] },
    repeats: [2, 3, 3], periodsOverA: [1, 1 / s2, 1 / s2], perPeriod: 2, coordination: 12,
  },
  { name: 'BCC cube axes', lattice: 'bcc', latticeA: FE_A, repeats: [3, 3, 3], periodsOverA: [1, 1, 1], perPeriod: 2, coordination: 8 },
  {
    name: 'BCC x=[111] y=[-110] z=[-1-12]', lattice: 'bcc', latticeA: FE_A, orient: { x: [1, 1, 1], y: [-1, 1, 0], z: [-1, -1, 2] },
    repeats: [3, 2, 1], periodsOverA: [s3 / 2, s2, s6], perPeriod: 6, coordination: 8,
  },
  {
    name: 'BCC x=[110] y=[-110] z=[001]', lattice: 'bcc', latticeA: FE_A, orient: { x: [1, 1, 0], y: [-1, 1, 0], z: [0, 0, 1] },
    repeats: [2, 2, 3], periodsOverA: [s2, s2, 1], perPeriod: 4, coordination: 8,
  },
  { name: 'HCP orthohexagonal (default)', lattice: 'hcp', latticeA: ZR_A, repeats: [3, 2, 2], periodsOverA: [1, s3, IDEAL_C], perPeriod: 4, coordination: 12 },
  {
    name: 'HCP x=[0001] y=[2-1-10] z=[01-10]', lattice: 'hcp', latticeA: ZR_A, orient: { x: [0, 0, 0, 1], y: [2, -1, -1, 0], z: [0, 1, -1, 0] },
    repeats: [2, 3, 2], periodsOverA: [IDEAL_C, 1, s3], perPeriod: 4, coordination: 12,
  },
  {
    name: 'HCP x=[01-10] y=[0001] z=[2-1-10]', lattice: 'hcp', latticeA: ZR_A, orient: { x: [0, 1, -1, 0], y: [0, 0, 0, 1], z: [2, -1, -1, 0] },
    repeats: [2, 2, 3], periodsOverA: [s3, IDEAL_C, 1], perPeriod: 4, coordination: 12,
  },
  {
    name: 'HCP basal pair rotated x=[11-20] y=[-1100] z=[0001]', lattice: 'hcp', latticeA: ZR_A, orient: { x: [1, 1, -2, 0], y: [-1, 1, 0, 0], z: [0, 0, 0, 1] },
    repeats: [3, 2, 2], periodsOverA: [1, s3, IDEAL_C], perPeriod: 4, coordination: 12,
  },
  {
    name: 'HCP three-index x=[100] y=[120] z=[001]', lattice: 'hcp', latticeA: ZR_A, orient: { x: [1, 0, 0], y: [1, 2, 0], z: [0, 0, 1] },
    repeats: [3, 2, 2], periodsOverA: [1, s3, IDEAL_C], perPeriod: 4, coordination: 12,
  },
];

describe('orientedCrystal', () => {
  it.each(cases)('$name: exact count, periods and density', ({ lattice, latticeA, orient, repeats, periodsOverA, perPeriod }) => {
    const crystal = orientedCrystal({ lattice, latticeA, ...(orient ? { orient } : {}), repeats, element: 'X' });
    const { structure } = crystal;
    const n = structure.types.length;
    crystal.periodsA.forEach((p, k) => expect(p).toBeCloseTo(periodsOverA[k]! * latticeA, 10));
    expect(crystal.repeats).toEqual(repeats);
    expect(n).toBe(perPeriod * repeats[0] * repeats[1] * repeats[2]);
    // Number of atoms × volume per atom = box volume: the box is a whole supercell of the lattice.
    expect((n * atomicVolumeA3(latticeCell(lattice, latticeA))) / boxVolume(structure)).toBeCloseTo(1, 12);
    expect(structure.ids).toEqual(Int32Array.from({ length: n }, (_, i) => i + 1));
    expect(structure.types.every((t) => t === 1)).toBe(true);
    expect(structure.typeElements).toEqual(['X']);
    expect(structure.format).toBe('lammps-data');
    expect(structure.timestep).toBeNull();
    expect(structure.cell.pbc).toEqual([true, true, true]);
    expect(allInsideBox(structure)).toBe(true);
  });

  it.each(cases)('$name: every atom has its full first shell at the ideal distance (seamless tiling)', ({ lattice, latticeA, orient, repeats, coordination }) => {
    const { structure } = orientedCrystal({ lattice, latticeA, ...(orient ? { orient } : {}), repeats, element: 'X' });
    const nn = nearestNeighborDistanceA(latticeCell(lattice, latticeA));
    expect(badlyCoordinated(structure, nn, coordination)).toEqual([]);
  });

  it('rounds target lengths to the nearest whole period, at least one', () => {
    const crystal = orientedCrystal({ lattice: 'fcc', latticeA: CU_A, lengthsA: [10, 1, 100], element: 'Cu' });
    expect(crystal.repeats).toEqual([3, 1, 28]);
    expect(crystal.structure.cell.c[2]).toBeCloseTo(28 * CU_A, 10);
    expect(crystal.structure.types.length).toBe(4 * 3 * 1 * 28);
    expect(crystal.structure.notes[0]).toMatch(/FCC a = 3.615 Å, x=\[1,0,0\] y=\[0,1,0\] z=\[0,0,1\], 3 × 1 × 28 periods/);
  });

  it('treats a multiple of a direction as the direction itself', () => {
    const a = orientedCrystal({ lattice: 'fcc', latticeA: CU_A, orient: { x: [2, 2, 0], y: [-3, 3, 0], z: [0, 0, 5] }, repeats: [1, 1, 1], element: 'Cu' });
    expect(a.periodsA[0]).toBeCloseTo(CU_A / s2, 12);
    expect(a.structure.types.length).toBe(2);
  });

  it('keeps the exact count for a large box', () => {
    const { structure } = orientedCrystal({ lattice: 'fcc', latticeA: CU_A, orient: { x: [1, 1, 0], y: [0, 0, -1], z: [-1, 1, 0] }, repeats: [40, 12, 30], element: 'Cu' });
    expect(structure.types.length).toBe(2 * 40 * 12 * 30);
  });

  it('uses the non-ideal c/a of HCP', () => {
    const crystal = orientedCrystal({ lattice: 'hcp', latticeA: ZR_A, cOverA: 1.593, repeats: [1, 1, 1], element: 'Zr' });
    expect(crystal.periodsA[2]).toBeCloseTo(1.593 * ZR_A, 12);
    expect(crystal.structure.types.length).toBe(4);
  });
});

describe('orientedCrystal refuses', () => {
  const build = (lattice: LatticeKind, orient: Orientation) => () => orientedCrystal({ lattice, latticeA: 3, orient, repeats: [1, 1, 1], element: 'X' });

  it('non-orthogonal directions, naming them', () => {
    expect(build('fcc', { x: [1, 1, 0], y: [0, 0, 1], z: [-1, -1, 0] })).toThrow('orientation x=[1,1,0], z=[-1,-1,0] is not orthogonal');
    expect(build('bcc', { x: [1, 1, 1], y: [1, 0, 0], z: [0, 1, -1] })).toThrow('orientation x=[1,1,1], y=[1,0,0] is not orthogonal');
  });

  it('left-handed triples', () => {
    expect(build('fcc', { x: [1, 0, 0], y: [0, 0, 1], z: [0, 1, 0] })).toThrow(/x=\[1,0,0\], y=\[0,0,1\], z=\[0,1,0\] is left-handed/);
    expect(build('fcc', { x: [1, 1, 2], y: [1, 1, -1], z: [1, -1, 0] })).toThrow(/left-handed/);
    expect(build('hcp', { x: [0, 1, -1, 0], y: [2, -1, -1, 0], z: [0, 0, 0, 1] })).toThrow(/left-handed/);
  });

  it('HCP directions at 120° and c tilted off a box axis', () => {
    expect(build('hcp', { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] })).toThrow(/x=\[1,0,0\], y=\[0,1,0\] is not orthogonal.*\[0001\]/);
    expect(build('hcp', { x: [2, -1, -1, 0], y: [0, 1, -1, 1], z: [0, -1, 1, 1] })).toThrow(/is not orthogonal/);
  });

  it('malformed directions', () => {
    expect(build('fcc', { x: [0, 0, 0], y: [0, 1, 0], z: [0, 0, 1] })).toThrow(/x=\[0,0,0\] is the zero vector/);
    expect(build('fcc', { x: [1.5, 0, 0], y: [0, 1, 0], z: [0, 0, 1] })).toThrow(/integers/);
    expect(build('fcc', { x: [2, -1, -1, 0], y: [0, 1, -1, 0], z: [0, 0, 0, 1] })).toThrow(/four-index directions are for HCP only/);
    expect(build('hcp', { x: [1, 0, 0, 0], y: [0, 1, -1, 0], z: [0, 0, 0, 1] })).toThrow(/u \+ v \+ t = 0/);
  });

  it('ambiguous or missing sizes and bad lattice parameters', () => {
    expect(() => orientedCrystal({ lattice: 'fcc', latticeA: 3, element: 'X' })).toThrow(/either as repeats/);
    expect(() => orientedCrystal({ lattice: 'fcc', latticeA: 3, repeats: [1, 1, 1], lengthsA: [5, 5, 5], element: 'X' })).toThrow(/not both/);
    expect(() => orientedCrystal({ lattice: 'fcc', latticeA: 3, repeats: [1, 0, 1], element: 'X' })).toThrow(/whole numbers/);
    expect(() => orientedCrystal({ lattice: 'fcc', latticeA: -3, repeats: [1, 1, 1], element: 'X' })).toThrow(/latticeA/);
    expect(() => orientedCrystal({ lattice: 'hcp', latticeA: 3, cOverA: 0, repeats: [1, 1, 1], element: 'X' })).toThrow(/cOverA/);
  });
});
