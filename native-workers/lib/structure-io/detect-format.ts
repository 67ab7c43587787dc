/** Decides a structure file's format from its name, else from its first lines. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StructureFormat } from '../../../main/shared/domain';
import { StructureFileError } from './types';

const BY_EXTENSION: Record<string, StructureFormat> = {
  '.data': 'lammps-data',
  '.lmp': 'lammps-data',
  '.lammps': 'lammps-data',
  '.dump': 'lammps-dump',
  '.lammpstrj': 'lammps-dump',
  '.xyz': 'extxyz',
  '.extxyz': 'extxyz',
  '.vasp': 'poscar',
  '.poscar': 'poscar',
};

const SNIFF_BYTES = 8192;

export function formatFromName(file: string): StructureFormat | null {
  const base = path.basename(file);
  if (/^(POSCAR|CONTCAR)/i.test(base)) return 'poscar';
  return BY_EXTENSION[path.extname(base).toLowerCase()] ?? null;
}

function isNumber(word: string | undefined): boolean {
  return word !== undefined && word.length > 0 && Number.isFinite(Number(word));
}

function numbersIn(line: string | undefined): number {
  if (line === undefined) return 0;
  const words = line.trim().split(/\s+/);
  let n = 0;
  while (n < words.length && isNumber(words[n])) n++;
  return n;
}

/** The format the first lines look like, or null when they fit none. */
export function formatFromContent(head: string): StructureFormat | null {
  const lines = head.split(/\r?\n/);
  if (lines.some((l) => l.startsWith('ITEM: TIMESTEP') || l.startsWith('ITEM: NUMBER OF ATOMS'))) return 'lammps-dump';
  const body = lines.slice(1).map((l) => l.replace(/#.*/, '').trim());
  if (body.some((l) => /^\d+\s+atoms$/.test(l)) && body.some((l) => /\sxlo\s+xhi$/.test(l))) return 'lammps-data';
  const first = lines[0]?.trim() ?? '';
  if (/^\d+$/.test(first)) {
    if (/[A-Za-z_][\w-]*\s*=/.test(lines[1] ?? '')) return 'extxyz';
    const atom = (lines[2] ?? '').trim().split(/\s+/);
    if (/^[A-Za-z]{1,3}$/.test(atom[0] ?? '') && numbersIn(atom.slice(1).join(' ')) >= 3) return 'extxyz';
  }
  // POSCAR: comment, scale (1 or 3 numbers), three lattice rows, then species names or counts.
  const scale = numbersIn(lines[1]);
  if ((scale === 1 || scale === 3) && [2, 3, 4].every((k) => numbersIn(lines[k]) === 3)) {
    const sixth = (lines[5] ?? '').trim().split(/\s+/);
    if (sixth.length > 0 && (sixth.every((w) => /^\d+$/.test(w)) || /^[A-Z][a-z]?/.test(sixth[0] ?? ''))) return 'poscar';
  }
  return null;
}

/** Format from the extension or name, else from content; throws a StructureFileError asking for --format. */
export function detectFormat(file: string): StructureFormat {
  const byName = formatFromName(file);
  if (byName !== null) return byName;
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const n = fs.readSync(fd, buf, 0, SNIFF_BYTES, 0);
      head = buf.toString('utf8', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new StructureFileError(file, null, `cannot open: ${(err as Error).message}`);
  }
  const byContent = formatFromContent(head);
  if (byContent !== null) return byContent;
  throw new StructureFileError(
    file,
    null,
    'cannot tell the file format from its name or first lines; pass --format lammps-data, lammps-dump, extxyz or poscar',
  );
}
