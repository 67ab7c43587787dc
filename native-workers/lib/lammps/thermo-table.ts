/**
 * The thermo table of a simulate job: rows of our thermo_style (step temp pe vol press v_xdop) kept as thermo.csv
 * (appended as LAMMPS prints them, so a failed run still has its history) with the columns of THERMO_COLUMNS.
 */
import * as fs from 'node:fs';
import { THERMO_COLUMNS } from '../../../main/shared/simulation';

/** The LAMMPS headers our scripts' thermo_style prints, in order. */
const LAMMPS_HEADER = ['Step', 'Temp', 'PotEng', 'Volume', 'Press', 'v_xdop'];

export class ThermoTable {
  private readonly fd: number;
  private last: number[] | null = null;
  private readonly kept: number;

  /**
   * A new table, or with `keepUpToStep` the continuation of the table of a run resumed from that step: its rows
   * up to that step are kept and the later ones (which the resumed run computes again) dropped.
   */
  constructor(
    readonly file: string,
    options: { keepUpToStep?: number } = {},
  ) {
    const kept = options.keepUpToStep !== undefined && fs.existsSync(file) ? readThermoCsv(file).rows.filter((r) => (r[0] as number) <= (options.keepUpToStep as number)) : [];
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, `${THERMO_COLUMNS.join(',')}\n`);
    for (const row of kept) fs.writeSync(this.fd, `${row.join(',')}\n`);
    this.last = kept[kept.length - 1] ?? null;
    this.kept = kept.length;
  }

  /** Rows carried over from before a resume. */
  rowsKept(): number {
    return this.kept;
  }

  /** Appends a row when it has our columns (other tables, e.g. a user's own thermo_style, are ignored). */
  append(columns: string[], values: number[]): number[] | null {
    if (columns.length !== LAMMPS_HEADER.length || !columns.every((c, i) => c === LAMMPS_HEADER[i])) return null;
    // Minimisation prints the same step twice at its end; keep one row per step.
    if (this.last !== null && this.last[0] === values[0]) return null;
    this.last = values;
    fs.writeSync(this.fd, `${values.join(',')}\n`);
    return values;
  }

  lastRow(): number[] | null {
    return this.last;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** Reads a thermo.csv back (for plots of finished runs). */
export function readThermoCsv(file: string): { columns: string[]; rows: number[][] } {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const columns = (lines[0] ?? '').split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number)).filter((r) => r.length === columns.length && r.every((v) => !Number.isNaN(v)));
  return { columns, rows };
}
