/**
 * Follows LAMMPS's screen output line by line: the version banner, our `@ssro stage` markers, thermo tables
 * (header line starting with `Step`, then numeric rows), warnings, and the `ERROR` line that explains a failure.
 */

export type LammpsEvent =
  | { kind: 'version'; version: string }
  | { kind: 'stage'; index: number; name: string }
  | { kind: 'thermo'; columns: string[]; values: number[] }
  | { kind: 'warning'; line: string }
  | { kind: 'error'; line: string }
  | { kind: 'done' };

export class LammpsOutputParser {
  private columns: string[] | null = null;
  /** The first ERROR line seen (LAMMPS prints one, then exits). */
  errorLine: string | null = null;
  version: string | null = null;

  feed(rawLine: string): LammpsEvent | null {
    const line = rawLine.trimEnd();
    const trimmed = line.trim();
    if (trimmed === '') return null;
    const banner = /^LAMMPS \((.+)\)$/.exec(trimmed);
    if (banner?.[1] !== undefined) {
      this.version = banner[1];
      return { kind: 'version', version: banner[1] };
    }
    if (trimmed.startsWith('ERROR')) {
      this.columns = null;
      this.errorLine ??= trimmed;
      return { kind: 'error', line: trimmed };
    }
    if (trimmed.startsWith('WARNING')) return { kind: 'warning', line: trimmed };
    const stage = /^@ssro stage (-?\d+) ?(.*)$/.exec(trimmed);
    if (stage) {
      this.columns = null;
      return { kind: 'stage', index: Number(stage[1]), name: stage[2] ?? '' };
    }
    if (trimmed === '@ssro done') return { kind: 'done' };
    const tokens = trimmed.split(/\s+/);
    if (tokens[0] === 'Step') {
      this.columns = tokens;
      return null;
    }
    if (this.columns !== null) {
      if (tokens.length === this.columns.length) {
        const values = tokens.map(Number);
        if (values.every((v) => !Number.isNaN(v))) return { kind: 'thermo', columns: this.columns, values };
      }
      // Anything else ("Loop time of …", a WARNING) ends the table.
      this.columns = null;
    }
    return null;
  }
}

/** Minimum LAMMPS release the generated scripts need (immediate $() variables, atom/swap semi-grand with mu). */
export const MIN_LAMMPS_DATE = new Date('2020-10-29');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The release date in a version string such as "29 Sep 2021 - Update 2"; null when it has none. */
export function lammpsReleaseDate(version: string): Date | null {
  const m = /(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})/.exec(version);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2] as string);
  if (month < 0) return null;
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}
