/**
 * Checks an EAM potential file before a run: its pair style (from the name: .eam.fs → eam/fs, .eam.alloy →
 * eam/alloy, the setfl formats LAMMPS reads with one file for all elements) and the elements its header lists,
 * so a potential lacking an element fails with the file and the element named instead of a LAMMPS error.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PotentialInfo {
  file: string;
  pairStyle: 'eam/fs' | 'eam/alloy';
  elements: string[];
  cutoffA: number;
  sha256: string;
}

export function readPotentialInfo(file: string): PotentialInfo {
  const name = path.basename(file).toLowerCase();
  const pairStyle = name.endsWith('.eam.fs') || name.endsWith('.fs') ? 'eam/fs' : name.endsWith('.eam.alloy') || name.endsWith('.setfl') ? 'eam/alloy' : null;
  if (pairStyle === null) {
    throw new Error(`${file}: unknown potential format; give an EAM file named *.eam.fs (Finnis–Sinclair) or *.eam.alloy (setfl)`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new Error(`${file}: cannot read the potential file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // setfl: three comment lines, then "N el1 … elN", then "Nrho drho Nr dr cutoff".
  const head = bytes.subarray(0, 4096).toString('latin1').split(/\r?\n/);
  const elementLine = head[3]?.trim().split(/\s+/) ?? [];
  const count = Number(elementLine[0]);
  const elements = elementLine.slice(1);
  if (!Number.isInteger(count) || count < 1 || elements.length !== count || !elements.every((e) => /^[A-Z][a-z]?$/.test(e))) {
    throw new Error(`${file}, line 4: expected "N element1 … elementN" of an EAM setfl file, found "${head[3]?.trim() ?? ''}"`);
  }
  const grid = head[4]?.trim().split(/\s+/).map(Number) ?? [];
  const cutoffA = grid[4];
  if (grid.length < 5 || cutoffA === undefined || !(cutoffA > 0)) {
    throw new Error(`${file}, line 5: expected "Nrho drho Nr dr cutoff", found "${head[4]?.trim() ?? ''}"`);
  }
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  return { file, pairStyle, elements, cutoffA, sha256 };
}

/** Throws naming the file and the missing elements when the potential cannot describe all of `needed`. */
export function requireElements(info: PotentialInfo, needed: readonly string[]): void {
  const missing = [...new Set(needed)].filter((e) => !info.elements.includes(e));
  if (missing.length > 0) {
    throw new Error(`${info.file} has no parameters for ${missing.join(', ')} (it covers ${info.elements.join(', ')}); choose a potential for ${[...new Set(needed)].join('–')}`);
  }
}
