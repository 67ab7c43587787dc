/**
 * How a structure lives in a project folder: `positions.npy` (N×3 float64, Å), `ids.npy` and `types.npy` (int32),
 * and `structure.json` (elements by type, cell, provenance), so a user can open it in NumPy without the app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AtomFrame, Cell, StructureFormat } from '../../main/shared/domain';
import { readNpy, writeNpy } from './npy';
import type { ParsedStructure } from './structure-io/types';

export interface StoredStructureMeta {
  format: StructureFormat;
  atomCount: number;
  typeElements: string[];
  composition: Record<string, number>;
  cell: Cell;
  triclinic: boolean;
  timestep: number | null;
  notes: string[];
  sourcePath: string;
}

export function isTriclinic(cell: Cell): boolean {
  const off = [cell.a[1], cell.a[2], cell.b[0], cell.b[2], cell.c[0], cell.c[1]];
  const scale = Math.max(Math.abs(cell.a[0]), Math.abs(cell.b[1]), Math.abs(cell.c[2]), 1);
  return off.some((v) => Math.abs(v) > 1e-12 * scale);
}

export function compositionOf(types: Int32Array, typeElements: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const perType = new Array<number>(typeElements.length + 1).fill(0);
  for (let i = 0; i < types.length; i++) perType[types[i] ?? 0] = (perType[types[i] ?? 0] ?? 0) + 1;
  typeElements.forEach((element, t) => {
    counts[element] = (counts[element] ?? 0) + (perType[t + 1] ?? 0);
  });
  return counts;
}

/** Writes a structure folder (the caller stages it in scratch and renames it into the project when complete). */
export function writeStructureFolder(dir: string, structure: ParsedStructure, sourcePath: string): StoredStructureMeta {
  fs.mkdirSync(dir, { recursive: true });
  const n = structure.ids.length;
  writeNpy(path.join(dir, 'positions.npy'), structure.positions, [n, 3]);
  writeNpy(path.join(dir, 'ids.npy'), structure.ids);
  writeNpy(path.join(dir, 'types.npy'), structure.types);
  const meta: StoredStructureMeta = {
    format: structure.format,
    atomCount: n,
    typeElements: structure.typeElements,
    composition: compositionOf(structure.types, structure.typeElements),
    cell: structure.cell,
    triclinic: isTriclinic(structure.cell),
    timestep: structure.timestep,
    notes: structure.notes,
    sourcePath,
  };
  fs.writeFileSync(path.join(dir, 'structure.json'), JSON.stringify(meta, null, 2));
  return meta;
}

export function readStructureMeta(dir: string): StoredStructureMeta {
  return JSON.parse(fs.readFileSync(path.join(dir, 'structure.json'), 'utf8')) as StoredStructureMeta;
}

/** Reads a stored structure back in full (float64 positions), as analyses and writers need it. */
export function readStructureFolder(dir: string): ParsedStructure {
  const meta = readStructureMeta(dir);
  const positions = readNpy(path.join(dir, 'positions.npy')).data;
  const ids = readNpy(path.join(dir, 'ids.npy')).data;
  const types = readNpy(path.join(dir, 'types.npy')).data;
  if (!(positions instanceof Float64Array) || !(ids instanceof Int32Array) || !(types instanceof Int32Array)) {
    throw new Error(`${dir}: stored arrays have unexpected dtypes`);
  }
  if (positions.length !== meta.atomCount * 3 || ids.length !== meta.atomCount || types.length !== meta.atomCount) {
    throw new Error(`${dir}: stored arrays do not hold ${meta.atomCount} atoms`);
  }
  return {
    format: meta.format,
    ids,
    types,
    positions,
    typeElements: meta.typeElements,
    cell: meta.cell,
    timestep: meta.timestep,
    notes: meta.notes,
  };
}

/** The viewer's light form: float32 positions and a species index into the distinct element list. */
export function atomFrameFromFolder(dir: string): AtomFrame {
  const s = readStructureFolder(dir);
  const elements = [...new Set(s.typeElements)];
  const speciesOfType = s.typeElements.map((e) => elements.indexOf(e));
  const n = s.ids.length;
  const speciesIndex = new Uint8Array(n);
  for (let i = 0; i < n; i++) speciesIndex[i] = speciesOfType[(s.types[i] ?? 1) - 1] ?? 0;
  return { count: n, positions: Float32Array.from(s.positions), speciesIndex, elements, cell: s.cell };
}
