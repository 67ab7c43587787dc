/**
 * Writes structures as LAMMPS data files (atomic style) and extended XYZ, atomically (temp file, fsync, rename).
 * Numbers are written in JavaScript's shortest round-trip form, so reading a written file gives back the same doubles.
 */
import * as fs from 'node:fs';
import type { Cell } from '../../../main/shared/domain';
import { atomicMass } from '../../../main/shared/elements';
import type { LammpsBox } from './cell-math';
import type { ParsedStructure } from './types';

export type WritableStructure = Pick<ParsedStructure, 'ids' | 'types' | 'positions' | 'typeElements' | 'cell'>;

const FLUSH_CHARS = 1 << 20;

/** Shortest decimal that parses back to the same double ("0" for ±0). */
function num(x: number): string {
  return x === 0 ? '0' : String(x);
}

/**
 * The LAMMPS box of a cell in restricted triclinic form: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz), lx, ly, lz > 0
 * and tilts within half the box length (what read_data accepts by default). Throws with the reason otherwise.
 */
export function lammpsBoxOf(cell: Cell): LammpsBox {
  const { origin, a, b, c } = cell;
  const scale = Math.max(Math.abs(a[0]), Math.abs(b[1]), Math.abs(c[2]), 1e-300);
  const zero = (v: number): boolean => Math.abs(v) <= 1e-10 * scale;
  if (!zero(a[1]) || !zero(a[2]) || !zero(b[2])) {
    throw new Error(
      'the cell is a general triclinic cell, not in LAMMPS restricted form (a along x, b in the xy plane): ' +
        `a = (${a.join(', ')}), b = (${b.join(', ')}); rotate the structure so that a ∥ x and b lies in the xy plane before writing a LAMMPS data file`,
    );
  }
  if (!(a[0] > 0 && b[1] > 0 && c[2] > 0)) {
    throw new Error(`LAMMPS needs a right-handed cell with positive lx, ly, lz; got lx = ${a[0]}, ly = ${b[1]}, lz = ${c[2]}`);
  }
  const box: LammpsBox = {
    xlo: origin[0],
    xhi: origin[0] + a[0],
    ylo: origin[1],
    yhi: origin[1] + b[1],
    zlo: origin[2],
    zhi: origin[2] + c[2],
    xy: b[0],
    xz: c[0],
    yz: c[1],
  };
  const half = (tilt: number, length: number): boolean => Math.abs(tilt) <= 0.5 * length * (1 + 1e-9);
  if (!half(box.xy, a[0]) || !half(box.xz, a[0]) || !half(box.yz, b[1])) {
    throw new Error(
      `the cell's tilt factors (xy ${box.xy}, xz ${box.xz}, yz ${box.yz}) exceed half the box length (lx ${a[0]}, ly ${b[1]}); ` +
        'LAMMPS read_data rejects such skewed boxes; reduce the cell to a less skewed equivalent first',
    );
  }
  return box;
}

function checkStructure(s: WritableStructure): void {
  const n = s.ids.length;
  if (n === 0) throw new Error('the structure has no atoms');
  if (s.types.length !== n || s.positions.length !== 3 * n) throw new Error('ids, types and positions have different lengths');
  for (let i = 0; i < n; i++) {
    const t = s.types[i] as number;
    if (t < 1 || t > s.typeElements.length) throw new Error(`atom ${s.ids[i]} has type ${t}, outside 1 … ${s.typeElements.length}`);
  }
  for (let j = 0; j < s.positions.length; j++) {
    if (!Number.isFinite(s.positions[j])) throw new Error(`atom ${s.ids[Math.floor(j / 3)]} has a non-finite position`);
  }
}

/** Writes through a temp file next to `file` and renames it into place; the temp file is removed on failure. */
function writeAtomically(file: string, produce: (write: (text: string) => void) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  let pending: string[] = [];
  let pendingChars = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    fs.writeSync(fd, pending.join(''));
    pending = [];
    pendingChars = 0;
  };
  try {
    produce((text) => {
      pending.push(text);
      pendingChars += text.length;
      if (pendingChars >= FLUSH_CHARS) flush();
    });
    flush();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * LAMMPS data file, atom style atomic, with Masses commented by element (`1 63.546 # Cu`), readable by read_data
 * and by readLammpsData. Boundary conditions are not part of a data file; the input script sets them.
 */
export function writeLammpsData(structure: WritableStructure, file: string): void {
  checkStructure(structure);
  const box = lammpsBoxOf(structure.cell);
  const triclinic = box.xy !== 0 || box.xz !== 0 || box.yz !== 0;
  const masses = structure.typeElements.map((e, t) => {
    const m = atomicMass(e);
    if (m === null) throw new Error(`type ${t + 1}: "${e}" is not an element symbol`);
    return m;
  });
  const n = structure.ids.length;
  writeAtomically(file, (write) => {
    write(`LAMMPS data file written by SSRO Studio (atom style atomic, ${structure.typeElements.join(' ')})\n\n`);
    write(`${n} atoms\n${structure.typeElements.length} atom types\n\n`);
    write(`${num(box.xlo)} ${num(box.xhi)} xlo xhi\n${num(box.ylo)} ${num(box.yhi)} ylo yhi\n${num(box.zlo)} ${num(box.zhi)} zlo zhi\n`);
    if (triclinic) write(`${num(box.xy)} ${num(box.xz)} ${num(box.yz)} xy xz yz\n`);
    write('\nMasses\n\n');
    masses.forEach((m, t) => write(`${t + 1} ${m} # ${structure.typeElements[t]}\n`));
    write('\nAtoms # atomic\n\n');
    const { ids, types, positions } = structure;
    let block = '';
    for (let i = 0; i < n; i++) {
      block += `${ids[i]} ${types[i]} ${num(positions[3 * i] as number)} ${num(positions[3 * i + 1] as number)} ${num(positions[3 * i + 2] as number)}\n`;
      if (block.length >= 65536) {
        write(block);
        block = '';
      }
    }
    write(block);
  });
}

/**
 * Extended XYZ: Lattice, Properties=species:S:1:pos:R:3 and pbc; an Origin key when the cell does not start at 0
 * (positions stay absolute, so readExtxyz gives back the same structure; ids become 1 … N in the current order).
 */
export function writeExtxyz(structure: WritableStructure, file: string): void {
  checkStructure(structure);
  const { cell, ids, types, positions, typeElements } = structure;
  const n = ids.length;
  const lattice = [...cell.a, ...cell.b, ...cell.c].map(num).join(' ');
  const pbc = cell.pbc.map((p) => (p ? 'T' : 'F')).join(' ');
  const origin = cell.origin.some((v) => v !== 0) ? ` Origin="${cell.origin.map(num).join(' ')}"` : '';
  writeAtomically(file, (write) => {
    write(`${n}\nLattice="${lattice}" Properties=species:S:1:pos:R:3 pbc="${pbc}"${origin}\n`);
    let block = '';
    for (let i = 0; i < n; i++) {
      const element = typeElements[(types[i] as number) - 1] as string;
      block += `${element} ${num(positions[3 * i] as number)} ${num(positions[3 * i + 1] as number)} ${num(positions[3 * i + 2] as number)}\n`;
      if (block.length >= 65536) {
        write(block);
        block = '';
      }
    }
    write(block);
  });
}
