/**
 * The sticks of the ball+stick view: pairs of atoms closer than STICK_FACTOR × (r₁ + r₂) with metallic display
 * radii, which lands near the first minimum of the partial g(r) of metallic glasses (e.g. Cu–Cu 3.2 Å, Cu–Zr 3.6 Å,
 * Zr–Zr 4.0 Å). They mark nearest neighbours, not chemical bonds. Found with a cell list in O(N); pairs across the
 * periodic boundary are not drawn (a stick would span the whole box).
 */

export const STICK_FACTOR = 1.25;

export interface NeighbourSticks {
  /** Atom index pairs, 2 per stick. */
  pairs: Uint32Array;
  count: number;
}

export function findNeighbourSticks(
  positions: Float32Array,
  speciesIndex: Uint8Array,
  speciesRadiusA: readonly number[],
  count: number,
): NeighbourSticks {
  if (count < 2) return { pairs: new Uint32Array(0), count: 0 };
  const cutoffBySpecies = speciesRadiusA.map((ri) => speciesRadiusA.map((rj) => STICK_FACTOR * (ri + rj)));
  const maxCutoff = Math.max(...cutoffBySpecies.flat());
  const nSpecies = speciesRadiusA.length;
  const cutoffSq = new Float32Array(nSpecies * nSpecies);
  for (let i = 0; i < nSpecies; i++)
    for (let j = 0; j < nSpecies; j++) cutoffSq[i * nSpecies + j] = (cutoffBySpecies[i]?.[j] ?? 0) ** 2;

  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = positions[3 * i] ?? 0, y = positions[3 * i + 1] ?? 0, z = positions[3 * i + 2] ?? 0;
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (z < minZ) minZ = z;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
    if (z > maxZ) maxZ = z;
  }
  // Cells at least one cutoff wide, but never more than ~count cells (sparse or very flat boxes).
  const maxCells = Math.max(1, count);
  let size = maxCutoff;
  let nx = 1, ny = 1, nz = 1;
  for (;;) {
    nx = Math.max(1, Math.floor((maxX - minX) / size) + 1);
    ny = Math.max(1, Math.floor((maxY - minY) / size) + 1);
    nz = Math.max(1, Math.floor((maxZ - minZ) / size) + 1);
    if (nx * ny * nz <= maxCells) break;
    size *= 1.5;
  }
  const cellOf = new Int32Array(count);
  const head = new Int32Array(nx * ny * nz).fill(-1);
  const next = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const cx = Math.min(nx - 1, Math.floor(((positions[3 * i] ?? 0) - minX) / size));
    const cy = Math.min(ny - 1, Math.floor(((positions[3 * i + 1] ?? 0) - minY) / size));
    const cz = Math.min(nz - 1, Math.floor(((positions[3 * i + 2] ?? 0) - minZ) / size));
    const c = (cz * ny + cy) * nx + cx;
    cellOf[i] = c;
    next[i] = head[c] ?? -1;
    head[c] = i;
  }

  let pairs = new Uint32Array(Math.max(64, count * 8));
  let n = 0;
  for (let i = 0; i < count; i++) {
    const c = cellOf[i] ?? 0;
    const cx = c % nx, cy = Math.floor(c / nx) % ny, cz = Math.floor(c / (nx * ny));
    const xi = positions[3 * i] ?? 0, yi = positions[3 * i + 1] ?? 0, zi = positions[3 * i + 2] ?? 0;
    const si = (speciesIndex[i] ?? 0) * nSpecies;
    for (let dz = -1; dz <= 1; dz++) {
      const z = cz + dz;
      if (z < 0 || z >= nz) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const y = cy + dy;
        if (y < 0 || y >= ny) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const x = cx + dx;
          if (x < 0 || x >= nx) continue;
          for (let j = head[(z * ny + y) * nx + x] ?? -1; j >= 0; j = next[j] ?? -1) {
            if (j <= i) continue;
            const ddx = (positions[3 * j] ?? 0) - xi, ddy = (positions[3 * j + 1] ?? 0) - yi, ddz = (positions[3 * j + 2] ?? 0) - zi;
            const d2 = ddx * ddx + ddy * ddy + ddz * ddz;
            if (d2 > (cutoffSq[si + (speciesIndex[j] ?? 0)] ?? 0) || d2 < 1e-6) continue;
            if (2 * n + 2 > pairs.length) {
              const grown = new Uint32Array(pairs.length * 2);
              grown.set(pairs);
              pairs = grown;
            }
            pairs[2 * n] = i;
            pairs[2 * n + 1] = j;
            n++;
          }
        }
      }
    }
  }
  return { pairs: pairs.subarray(0, 2 * n), count: n };
}
