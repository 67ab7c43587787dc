/**
 * Probe volumes against brute force over periodic images (orthogonal, triclinic and partly periodic cells), the
 * one-layer cluster against the neighbour search, and every refusal.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { ProbeInputError, ProbeSelector, selectProbeAtoms, zoneBasis } from '../../../native-workers/lib/diffraction';
import { nearestNeighbors } from '../../../native-workers/lib/neighbors';
import { fccCrystal, randomInCell, seededRandom } from '../rdf/lattices';
import { demoGlass } from './reference';

function insideShape(shape: ProbeShape, zone: ZoneAxis, d: Vec3): boolean {
  const { u, v, w } = zoneBasis(zone);
  const du = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
  const dv = d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
  const dw = d[0] * w[0] + d[1] * w[1] + d[2] * w[2];
  if (shape.kind === 'cylinder') return Math.abs(dw) <= shape.heightA / 2 && du * du + dv * dv <= shape.radiusA ** 2;
  if (shape.kind === 'ellipsoid') return (du / shape.semiAxesA[0]) ** 2 + (dv / shape.semiAxesA[1]) ** 2 + (dw / shape.semiAxesA[2]) ** 2 <= 1;
  throw new Error('not a volume');
}

/** Every image (shifts −2 … 2 along periodic directions) of every atom inside the probe: atom → displacements. */
function bruteForce(positions: Float64Array, cell: Cell, shape: ProbeShape, zone: ZoneAxis, center: Vec3): Map<number, Vec3[]> {
  const found = new Map<number, Vec3[]>();
  const shifts = (k: number): number[] => (cell.pbc[k] ? [-2, -1, 0, 1, 2] : [0]);
  for (let atom = 0; atom < positions.length / 3; atom++) {
    for (const p of shifts(0)) {
      for (const q of shifts(1)) {
        for (const s of shifts(2)) {
          const d = [0, 1, 2].map(
            (k) => (positions[3 * atom + k] as number) + p * cell.a[k]! + q * cell.b[k]! + s * cell.c[k]! - center[k]!,
          ) as Vec3;
          if (insideShape(shape, zone, d)) found.set(atom, [...(found.get(atom) ?? []), d]);
        }
      }
    }
  }
  return found;
}

function expectSameAsBruteForce(positions: Float64Array, cell: Cell, shape: ProbeShape, zone: ZoneAxis, centers: Vec3[]): number {
  const selector = new ProbeSelector({ positions, cell }, shape, zone);
  let total = 0;
  for (const center of centers) {
    const expected = bruteForce(positions, cell, shape, zone, center);
    for (const images of expected.values()) expect(images.length).toBe(1);
    const probe = selector.select(center);
    expect([...probe.indices]).toEqual([...expected.keys()].sort((a, b) => a - b));
    probe.indices.forEach((atom, m) => {
      const d = (expected.get(atom) as Vec3[])[0] as Vec3;
      for (let k = 0; k < 3; k++) expect(probe.relative[3 * m + k]).toBeCloseTo(d[k] as number, 9);
    });
    total += probe.indices.length;
  }
  return total;
}

const GLASS_CENTERS: Vec3[] = [
  [15, 15, 15],
  [0.1, 31.2, -0.5],
  [-3, 40, 5],
  [30.9, 2.2, 29.7],
];

describe('probe volumes', () => {
  it('select exactly the atoms brute force finds, once each, in an orthogonal periodic cell', () => {
    const { positions, cell } = demoGlass();
    let total = 0;
    total += expectSameAsBruteForce(positions, cell, { kind: 'cylinder', radiusA: 5, heightA: 20 }, 'z', GLASS_CENTERS);
    total += expectSameAsBruteForce(positions, cell, { kind: 'cylinder', radiusA: 5, heightA: 20 }, 'x', GLASS_CENTERS);
    total += expectSameAsBruteForce(positions, cell, { kind: 'cylinder', radiusA: 6, heightA: 16 }, [1, 2, 3], GLASS_CENTERS);
    total += expectSameAsBruteForce(positions, cell, { kind: 'ellipsoid', semiAxesA: [4, 7, 11] }, 'y', GLASS_CENTERS);
    total += expectSameAsBruteForce(positions, cell, { kind: 'ellipsoid', semiAxesA: [5, 3, 9] }, [-1, 1, 1], GLASS_CENTERS);
    // A 5 Å × 20 Å cylinder in this glass holds ~90 atoms.
    expect(total).toBeGreaterThan(20 * 50);
  });

  it('handle triclinic cells and partly periodic cells', () => {
    const random = seededRandom(7);
    const triclinic: Cell = { origin: [1, -2, 3], a: [28, 0, 0], b: [9, 26, 0], c: [-6, 7, 25], pbc: [true, true, true] };
    const atoms = randomInCell(triclinic, 1500, random);
    const centers: Vec3[] = [
      [10, 10, 10],
      [1, -2, 3],
      [40, 30, 27],
      [-8, 5, 15],
    ];
    expectSameAsBruteForce(atoms, triclinic, { kind: 'cylinder', radiusA: 5, heightA: 14 }, [1, -1, 2], centers);
    expectSameAsBruteForce(atoms, triclinic, { kind: 'ellipsoid', semiAxesA: [6, 4, 8] }, 'z', centers);
    const slab: Cell = { origin: [0, 0, 0], a: [28, 0, 0], b: [9, 26, 0], c: [0, 0, 25], pbc: [true, true, false] };
    // Along the non-periodic c the probe may be longer than the cell: there are no images to see twice.
    expectSameAsBruteForce(randomInCell(slab, 1000, random), slab, { kind: 'cylinder', radiusA: 4, heightA: 60 }, 'z', [[12, 12, 26], [5, 0, 0]]);
  });

  it('take a one-layer cluster: the atom nearest the centre and its 12 nearest neighbours', () => {
    const glass = demoGlass();
    const neighbors = nearestNeighbors({ positions: glass.positions, cell: glass.cell }, 12);
    const selector = new ProbeSelector(glass, { kind: 'cluster' }, 'z');
    for (const center of [[15, 15, 15], [0, 0, 0], [31.3, -0.9, 12], [-40, 70, 5]] as Vec3[]) {
      const probe = selector.select(center);
      expect(probe.indices.length).toBe(13);
      const centre = probe.indices[0] as number;
      // The nearest atom by brute force over images.
      let best = Infinity;
      let bestAtom = -1;
      for (const [atom, images] of bruteForce(glass.positions, glass.cell, { kind: 'ellipsoid', semiAxesA: [6, 6, 6] }, 'z', center)) {
        const d = Math.hypot(...(images[0] as Vec3));
        if (d < best) [best, bestAtom] = [d, atom];
      }
      expect(centre).toBe(bestAtom);
      expect(Math.hypot(probe.relative[0]!, probe.relative[1]!, probe.relative[2]!)).toBeCloseTo(best, 10);
      expect([...probe.indices.subarray(1)]).toEqual([...neighbors.index.subarray(12 * centre, 12 * centre + 12)]);
      for (let m = 1; m <= 12; m++) {
        const bond = [0, 1, 2].map((k) => probe.relative[3 * m + k]! - probe.relative[k]!);
        expect(Math.hypot(...bond)).toBeCloseTo(neighbors.distance[12 * centre + m - 1]!, 10);
      }
    }
  });

  it('refuse bad probes before any work, with clear messages', () => {
    const glass = demoGlass();
    const make = (shape: ProbeShape, zone: ZoneAxis = 'z'): ProbeSelector => new ProbeSelector(glass, shape, zone);
    expect(() => make({ kind: 'cylinder', radiusA: 0, heightA: 20 })).toThrow(/radius must be a positive number/);
    expect(() => make({ kind: 'cylinder', radiusA: 5, heightA: -1 })).toThrow(/height must be a positive number/);
    expect(() => make({ kind: 'cylinder', radiusA: Number.NaN, heightA: 2 })).toThrow(ProbeInputError);
    expect(() => make({ kind: 'ellipsoid', semiAxesA: [1, 0, 1] })).toThrow(/semi-axis v must be a positive number/);
    // The glass cube is 32.15 Å: a 40 Å tall cylinder along z, or a 17 Å radius one, would see atoms twice.
    expect(() => make({ kind: 'cylinder', radiusA: 5, heightA: 40 })).toThrow(/spans 40 Å across periodic cell direction c, but the cell is only 32\.14\d* Å thick.*twice/);
    expect(() => make({ kind: 'cylinder', radiusA: 17, heightA: 2 }, 'x')).toThrow(/direction b.*twice/);
    expect(() => make({ kind: 'ellipsoid', semiAxesA: [2, 2, 25] }, [1, 1, 0])).toThrow(/twice/);
    expect(() => make({ kind: 'cylinder', radiusA: 5, heightA: 20 }).select([1, Number.NaN, 2])).toThrow(/three finite numbers/);
    const sparse = { positions: Float64Array.of(1, 1, 1, 9, 9, 9), cell: { origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, true] } as Cell };
    expect(() => selectProbeAtoms(sparse, [5, 5, 5], { kind: 'cylinder', radiusA: 1, heightA: 2 }, 'z')).toThrow(
      /no atoms within the cylinder \(r = 1 Å, h = 2 Å\) at \(5, 5, 5\)/,
    );
    // One FCC cell repeated: the 12 neighbours of an atom are images of only 3 other atoms.
    const tiny = fccCrystal(3.6, 1, 1, 1);
    expect(() => selectProbeAtoms(tiny, [0, 0, 0], { kind: 'cluster' }, 'z')).toThrow(/too small for a one-layer cluster.*counted twice/);
    expect(() => new ProbeSelector({ positions: new Float64Array(0), cell: tiny.cell }, { kind: 'cluster' }, 'z')).toThrow(/no atoms/);
  });
});
