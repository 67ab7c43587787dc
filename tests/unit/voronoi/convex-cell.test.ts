/** The plane-cutting polyhedron on its own: generic cuts, cuts through vertices, touching planes, failures. */
import { describe, expect, it } from 'vitest';
import { CUT_FAILED, CUT_MADE, CUT_NONE, ConvexCell } from '../../../native-workers/lib/voronoi/convex-cell';

const TOL = 1e-12;
const LABELS = [-1, -2, -3, -4, -5, -6];
const counts = new Int32Array(8);

function cube(): ConvexCell {
  const c = new ConvexCell();
  c.initBox(-1, 1, -1, 1, -1, 1, LABELS);
  return c;
}

function faceOrders(c: ConvexCell): number[] {
  const orders: number[] = [];
  c.measure(0, (_label, _area, order) => orders.push(order), null, counts);
  return orders.sort((a, b) => a - b);
}

describe('ConvexCell', () => {
  it('starts as the box: volume, faces, vertices, radius', () => {
    const c = cube();
    expect(c.measure(0, null, null, counts)).toBeCloseTo(8, 14);
    expect([c.vertexCount, c.faceCount, c.eulerCharacteristic()]).toEqual([8, 6, 2]);
    expect(c.maxRadiusSq()).toBe(3);
  });

  it('a generic cut adds one face and keeps the polyhedron closed', () => {
    const c = cube();
    expect(c.cut(1, 0.3, 0.2, 1.2, 7, TOL)).toBe(CUT_MADE);
    expect(c.eulerCharacteristic()).toBe(2);
    expect(c.faceCount).toBe(7);
    expect(c.hasFaceLabelled(7)).toBe(true);
    expect(c.maxRadiusSq()).toBe(3); // the far corners (−1, ±1, ±1) remain
  });

  it('a plane through three corners: they stay single vertices; the three faces at the corner become triangles', () => {
    const c = cube();
    // x + y + z = 1 passes through (1,1,−1), (1,−1,1), (−1,1,1) and cuts off the corner (1,1,1).
    expect(c.cut(1, 1, 1, 1, 9, TOL)).toBe(CUT_MADE);
    expect([c.vertexCount, c.faceCount, c.eulerCharacteristic()]).toEqual([7, 7, 2]);
    expect(c.measure(0, null, null, counts)).toBeCloseTo(8 - 4 / 3, 13);
    expect(faceOrders(c)).toEqual([3, 3, 3, 3, 4, 4, 4]);
  });

  it('planes that only touch (a vertex, an edge, a whole face) change nothing', () => {
    const c = cube();
    expect(c.cut(1, 1, 1, 3, 9, TOL)).toBe(CUT_NONE);
    expect(c.cut(1, 1, 0, 2, 9, TOL)).toBe(CUT_NONE);
    expect(c.cut(1, 0, 0, 1, 9, TOL)).toBe(CUT_NONE);
    expect(c.cut(1, 0, 0, 1 - 1e-13, 9, TOL)).toBe(CUT_NONE); // within the tolerance
    expect([c.vertexCount, c.faceCount]).toEqual([8, 6]);
  });

  it('the octahedron |x| + |y| + |z| ≤ 1 from the cube: four-fold vertices on the cube faces, no slivers', () => {
    const c = cube();
    for (const sx of [-1, 1]) for (const sy of [-1, 1]) for (const sz of [-1, 1]) {
      expect(c.cut(sx, sy, sz, 1, 10, TOL)).toBe(CUT_MADE);
      expect(c.eulerCharacteristic()).toBe(2);
    }
    expect([c.vertexCount, c.faceCount]).toEqual([6, 8]);
    expect(faceOrders(c)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(c.measure(0, null, null, counts)).toBeCloseTo(4 / 3, 13);
    expect(c.hasFaceLabelled(-1)).toBe(false);
  });

  it('a plane with the whole cell beyond it fails with a reason', () => {
    const c = cube();
    expect(c.cut(1, 0, 0, -2, 9, TOL)).toBe(CUT_FAILED);
    expect(c.failure).toMatch(/left nothing of the cell/);
  });

  it('grows its buffers for cells with many faces (a 200-face polyhedron)', () => {
    const c = new ConvexCell();
    c.initBox(-2, 2, -2, 2, -2, 2, LABELS);
    // Tangent planes of the unit sphere on a Fibonacci lattice: the cell approaches the sphere.
    const n = 200;
    for (let k = 0; k < n; k++) {
      const z = 1 - (2 * (k + 0.5)) / n;
      const r = Math.sqrt(1 - z * z);
      const phi = k * Math.PI * (3 - Math.sqrt(5));
      expect(c.cut(r * Math.cos(phi), r * Math.sin(phi), z, 1, k, TOL)).toBe(CUT_MADE);
    }
    expect(c.faceCount).toBe(n);
    expect(c.eulerCharacteristic()).toBe(2);
    const volume = c.measure(0, null, null, counts);
    expect(volume).toBeGreaterThan((4 / 3) * Math.PI);
    expect(volume).toBeLessThan(1.05 * (4 / 3) * Math.PI);
  });
});
