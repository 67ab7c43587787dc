/** What every structure reader returns and every writer takes: atoms sorted by id, with types, cell and provenance. */
import type { Cell, StructureFormat } from '../../../main/shared/domain';
import { printable } from '../../../main/shared/printable';

export interface ParsedStructure {
  format: StructureFormat;
  /** Atom ids, ascending and unique (files without ids get 1 … N in file order). */
  ids: Int32Array;
  /** LAMMPS-style types, 1-based; element = typeElements[type − 1]. */
  types: Int32Array;
  /** x, y, z per atom in Å, interleaved (length 3N); wrapped into the cell along periodic directions. */
  positions: Float64Array;
  typeElements: string[];
  cell: Cell;
  timestep: number | null;
  /** Things the user should know about the import (atoms wrapped, frame chosen, masses matched …). */
  notes: string[];
}

export interface ReadOptions {
  /** Element symbols by type (index 0 = type 1); overrides what the file says. */
  elements?: string[];
  /** Which frame of a multi-frame file; default 'last'. */
  frame?: 'first' | 'last' | number;
  /** Called with 0 … 1 as the file is read. */
  onProgress?: (fraction: number) => void;
  /** Polled between chunks; when it returns true the reader throws ReadCancelled. */
  isCancelled?: () => boolean;
}

/** A problem with an input file: the message names the file and, where known, the line. */
export class StructureFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    // Problems quote file content: control characters in it are shown escaped, never sent to a terminal raw.
    const shown = printable(problem, 2000);
    super(line === null ? `${file}: ${shown}` : `${file}, line ${line}: ${shown}`);
    this.name = 'StructureFileError';
  }
}

export class ReadCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'ReadCancelled';
  }
}
