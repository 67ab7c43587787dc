/** Test structures for g(r) and S(q): FCC supercells, a seeded random generator, random boxes and clusters. */
import type { Cell, Vec3 } from '../../../main/shared/domain';

/** mulberry32: a small seeded PRNG so every test sees the same "random" atoms. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function orthogonalCell(lx: number, ly: number, lz: number, origin: Vec3 = [0, 0, 0], pbc: Cell['pbc'] = [true, true, true]): Cell {
  return { origin, a: [lx, 0, 0], b: [0, ly, 0], c: [0, 0, lz], pbc };
}

/** An nx × ny × nz supercell of the conventional FCC cell (4 atoms per cell), lattice parameter `a` in Å. */
export function fccCrystal(a: number, nx: number, ny: number, nz: number, origin: Vec3 = [0, 0, 0]): { positions: Float64Array; cell: Cell } {
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const out: number[] = [];
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      for (let k = 0; k < nz; k++) {
        for (const b of basis) out.push(origin[0] + (i + (b[0] as number)) * a, origin[1] + (j + (b[1] as number)) * a, origin[2] + (k + (b[2] as number)) * a);
      }
    }
  }
  return { positions: Float64Array.from(out), cell: orthogonalCell(nx * a, ny * a, nz * a, origin) };
}

/** Random positions (fractional coordinates uniform) in `cell`. */
export function randomInCell(cell: Cell, count: number, random: () => number): Float64Array {
  const out = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    const f = [random(), random(), random()];
    for (let k = 0; k < 3; k++) {
      out[3 * i + k] = (cell.origin[k] as number) + (f[0] as number) * (cell.a[k] as number) + (f[1] as number) * (cell.b[k] as number) + (f[2] as number) * (cell.c[k] as number);
    }
  }
  return out;
}

/** Species 0/1 with probability `fraction1` of species 1. */
export function randomSpecies(count: number, fraction1: number, random: () => number): Uint8Array {
  return Uint8Array.from({ length: count }, () => (random() < fraction1 ? 1 : 0));
}

/**
 * Reference ordered-pair histogram by brute force: every ordered pair (i, j + n·cell) with image counts n in
 * [−K, K]³ along periodic directions, 0 < r < rmax, binned as floor(r / Δr).
 */
export function bruteForceHistogram(
  positions: Float64Array,
  species: ArrayLike<number>,
  speciesCount: number,
  cell: Cell,
  rmaxA: number,
  binCount: number,
  images: number,
  centreMask?: ArrayLike<number>,
): Float64Array {
  const n = positions.length / 3;
  const width = rmaxA / binCount;
  const inv = 1 / width;
  const hist = new Float64Array(speciesCount * speciesCount * binCount);
  const range = (k: number): number[] => (cell.pbc[k] ? Array.from({ length: 2 * images + 1 }, (_, t) => t - images) : [0]);
  for (let i = 0; i < n; i++) {
    if (centreMask && !centreMask[i]) continue;
    for (let j = 0; j < n; j++) {
      for (const p of range(0)) {
        for (const q of range(1)) {
          for (const s of range(2)) {
            if (i === j && p === 0 && q === 0 && s === 0) continue;
            const sx = p * cell.a[0] + q * cell.b[0] + s * cell.c[0];
            const sy = p * cell.a[1] + q * cell.b[1] + s * cell.c[1];
            const sz = p * cell.a[2] + q * cell.b[2] + s * cell.c[2];
            const dx = (positions[3 * i] as number) - ((positions[3 * j] as number) + sx);
            const dy = (positions[3 * i + 1] as number) - ((positions[3 * j + 1] as number) + sy);
            const dz = (positions[3 * i + 2] as number) - ((positions[3 * j + 2] as number) + sz);
            const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
            const bin = Math.floor(r * inv);
            if (bin >= binCount) continue;
            const a = species[i] as number;
            const b = species[j] as number;
            hist[(a * speciesCount + b) * binCount + bin] = (hist[(a * speciesCount + b) * binCount + bin] as number) + 1;
          }
        }
      }
    }
  }
  return hist;
}
