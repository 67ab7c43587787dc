/** cells.json of a sweep folder: the cells' states and results as the sweep job last wrote them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepCell } from '../../../main/shared/sweeps';
import { writeFileAtomic } from '../datasets/atomic-files';

export const SWEEP_CELLS_FILE = 'cells.json';

/** The cells as last written by a sweep job (null when none was written yet). */
export function readSweepCells(sweepDir: string): SweepCell[] | null {
  const file = path.join(sweepDir, SWEEP_CELLS_FILE);
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SweepCell[];
}

export function writeSweepCells(sweepDir: string, cells: SweepCell[]): void {
  writeFileAtomic(path.join(sweepDir, SWEEP_CELLS_FILE), `${JSON.stringify(cells, null, 2)}\n`);
}
