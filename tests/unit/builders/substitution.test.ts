/** Random substitution: exact counts, a seeded and repeatable choice, masks respected, the input left alone. */
import { describe, expect, it } from 'vitest';
import { orientedCrystal, substituteRandomly } from '../../../native-workers/lib/builders';

const copper = orientedCrystal({ lattice: 'fcc', latticeA: 3.615, repeats: [5, 5, 5], element: 'Cu' }).structure;

function countType(types: Int32Array, type: number): number {
  return types.filter((t) => t === type).length;
}

describe('substituteRandomly', () => {
  it('converts exactly round(fraction × eligible) atoms and adds the new type', () => {
    const result = substituteRandomly(copper, { element: 'Zr', fraction: 0.36, seed: 1 });
    expect(result.eligibleCount).toBe(500);
    expect(result.substitutedCount).toBe(180);
    expect(result.structure.typeElements).toEqual(['Cu', 'Zr']);
    expect(countType(result.structure.types, 2)).toBe(180);
    expect(result.substituted.reduce((a, b) => a + b, 0)).toBe(180);
    result.substituted.forEach((s, i) => expect(result.structure.types[i]).toBe(s === 1 ? 2 : 1));
    expect(result.structure.positions).toEqual(copper.positions);
    expect(result.structure.notes.at(-1)).toBe('substituted 180 of 500 eligible atoms with Zr (fraction 0.36, seed 1)');
  });

  it('rounds half up and handles the end points', () => {
    const three = { ...copper, types: copper.types.slice(0, 3), ids: copper.ids.slice(0, 3), positions: copper.positions.slice(0, 9) };
    expect(substituteRandomly(three, { element: 'Zr', fraction: 0.5, seed: 3 }).substitutedCount).toBe(2);
    expect(substituteRandomly(copper, { element: 'Zr', fraction: 0, seed: 3 }).substitutedCount).toBe(0);
    expect(countType(substituteRandomly(copper, { element: 'Zr', fraction: 1, seed: 3 }).structure.types, 2)).toBe(500);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = substituteRandomly(copper, { element: 'Zr', fraction: 0.02, seed: 42 });
    const b = substituteRandomly(copper, { element: 'Zr', fraction: 0.02, seed: 42 });
    const c = substituteRandomly(copper, { element: 'Zr', fraction: 0.02, seed: 43 });
    expect(b.substituted).toEqual(a.substituted);
    expect(c.substituted).not.toEqual(a.substituted);
    expect(c.substitutedCount).toBe(a.substitutedCount);
  });

  it('touches only eligible atoms', () => {
    const half = copper.cell.a[0] / 2;
    const eligible = Uint8Array.from({ length: 500 }, (_, i) => (copper.positions[3 * i]! < half ? 1 : 0));
    const eligibleCount = eligible.reduce((a, b) => a + b, 0);
    const result = substituteRandomly(copper, { element: 'Zr', fraction: 0.36, seed: 9, eligible });
    expect(result.eligibleCount).toBe(eligibleCount);
    expect(result.substitutedCount).toBe(Math.round(0.36 * eligibleCount));
    for (let i = 0; i < 500; i++) {
      if (eligible[i] === 0) expect(result.structure.types[i]).toBe(1);
    }
    expect(result.structure.notes.at(-1)).toMatch(/masked/);
  });

  it('counts only atoms not already of the element, reuses its type and leaves the input unchanged', () => {
    const before = copper.types.slice();
    const first = substituteRandomly(copper, { element: 'Zr', fraction: 0.1, seed: 5 });
    const second = substituteRandomly(first.structure, { element: 'Zr', fraction: 0.5, seed: 6 });
    expect(second.eligibleCount).toBe(450);
    expect(second.substitutedCount).toBe(225);
    expect(second.structure.typeElements).toEqual(['Cu', 'Zr']);
    expect(countType(second.structure.types, 2)).toBe(50 + 225);
    expect(copper.types).toEqual(before);
    expect(copper.typeElements).toEqual(['Cu']);
    expect(first.structure.notes).toHaveLength(2);
  });

  it('refuses bad fractions, seeds and masks', () => {
    expect(() => substituteRandomly(copper, { element: 'Zr', fraction: 1.5, seed: 1 })).toThrow(/fraction/);
    expect(() => substituteRandomly(copper, { element: 'Zr', fraction: 0.5, seed: 1.5 })).toThrow(/seed/);
    expect(() => substituteRandomly(copper, { element: 'Zr', fraction: 0.5, seed: 1, eligible: new Uint8Array(3) })).toThrow(/3 entries for 500 atoms/);
    expect(() => substituteRandomly(copper, { element: ' ', fraction: 0.5, seed: 1 })).toThrow(/element/);
  });
});
