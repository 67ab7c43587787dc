/** The one entry point for importing a structure file: picks the reader by format (or detects it) and runs it. */
import * as fs from 'node:fs';
import type { StructureFormat } from '../../../main/shared/domain';
import { detectFormat } from './detect-format';
import { readExtxyz } from './extxyz';
import { readLammpsData } from './lammps-data';
import { readLammpsDump } from './lammps-dump';
import { readPoscar } from './poscar';
import { StructureFileError, type ParsedStructure, type ReadOptions } from './types';

const READERS: Record<StructureFormat, (file: string, options: ReadOptions) => ParsedStructure> = {
  'lammps-data': readLammpsData,
  'lammps-dump': readLammpsDump,
  extxyz: readExtxyz,
  poscar: readPoscar,
};

/** Compressed files would otherwise fail with confusing parse errors. */
function rejectCompressed(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new StructureFileError(file, null, `cannot open: ${(err as Error).message}`);
  }
  try {
    const magic = Buffer.alloc(4);
    let n: number;
    try {
      n = fs.readSync(fd, magic, 0, 4, 0);
    } catch (err) {
      throw new StructureFileError(file, null, `cannot read: ${(err as Error).message}`);
    }
    if (n >= 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
      throw new StructureFileError(file, null, 'the file is gzip-compressed; decompress it first (gunzip)');
    }
    if (n >= 3 && magic.toString('latin1', 0, 3) === 'BZh') {
      throw new StructureFileError(file, null, 'the file is bzip2-compressed; decompress it first (bunzip2)');
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a structure file into atoms sorted by id, wrapped into the cell along periodic directions.
 * Throws StructureFileError (naming file and line) for anything wrong with the file, ReadCancelled when cancelled.
 */
export function readStructureFile(file: string, format: StructureFormat | 'auto', options: ReadOptions = {}): ParsedStructure {
  rejectCompressed(file);
  const chosen = format === 'auto' ? detectFormat(file) : format;
  const reader = READERS[chosen];
  if (reader === undefined) throw new StructureFileError(file, null, `unknown format "${String(format)}"`);
  return reader(file, options);
}
