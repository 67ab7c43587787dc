/** How numbers, compositions, cells, times and errors read in the UI: one place so every panel says it the same way. */
import type { Cell, Vec3 } from '../../main/shared/domain';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 23328 → "23,328" */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** "23,328 atoms", "1 atom" */
export function formatAtoms(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'atom' : 'atoms'}`;
}

/**
 * Composition in atomic percent the way metallurgists write it: {Cu: 14930, Zr: 8398} → "Cu64Zr36". Integer percents
 * by the largest-remainder rule so they add up to 100; a minor element that would round to 0 keeps one decimal.
 * Elements are listed in `order` (the LAMMPS type order) first, then any others by decreasing count.
 */
export function formatComposition(composition: Record<string, number>, order: readonly string[] = []): string {
  const entries = Object.entries(composition).filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return '—';
  const rank = (el: string) => {
    const i = order.indexOf(el);
    return i < 0 ? order.length : i;
  };
  entries.sort((x, y) => rank(x[0]) - rank(y[0]) || y[1] - x[1]);
  if (entries.length === 1) return entries[0]?.[0] ?? '—';
  const exact = entries.map(([, n]) => (100 * n) / total);
  const rounded = exact.map(Math.floor);
  let missing = 100 - rounded.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((p, q) => q[0] - p[0]);
  for (const [, i] of byRemainder) {
    if (missing <= 0) break;
    rounded[i] = (rounded[i] ?? 0) + 1;
    missing--;
  }
  return entries
    .map(([el], i) => {
      const pct = rounded[i] ?? 0;
      const value = pct === 0 ? (exact[i] ?? 0).toFixed(1) : String(pct);
      return `${el}${value}`;
    })
    .join('');
}

export function vectorLength(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

function angleDeg(u: Vec3, v: Vec3): number {
  const dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const cos = dot / (vectorLength(u) * vectorLength(v));
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/** A length in Å with sensible precision: 2 decimals below 100 Å, 1 above. */
export function formatLengthA(x: number): string {
  return x.toFixed(Math.abs(x) < 100 ? 2 : 1);
}

/** "36.3 × 36.3 × 36.3 Å" */
export function formatCellLengths(cell: Cell): string {
  return `${[cell.a, cell.b, cell.c].map((v) => formatLengthA(vectorLength(v))).join(' × ')} Å`;
}

/** α (b∧c), β (a∧c), γ (a∧b) in degrees. */
export function cellAngles(cell: Cell): [number, number, number] {
  return [angleDeg(cell.b, cell.c), angleDeg(cell.a, cell.c), angleDeg(cell.a, cell.b)];
}

export function cellVolumeA3(cell: Cell): number {
  const [a, b, c] = [cell.a, cell.b, cell.c];
  return Math.abs(
    a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]),
  );
}

export function formatVector(v: Vec3, digits = 3): string {
  return `(${v.map((x) => x.toFixed(digits)).join(', ')})`;
}

/** "2025-03-04 14:07" in local time; the ISO text when it does not parse. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 950 → "0.95 s", 75_000 → "1 min 15 s", 7_380_000 → "2 h 3 min". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${s % 60} s`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let x = n / 1024;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[u]}`;
}

/** The message of anything thrown, for showing to the user as it is. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
