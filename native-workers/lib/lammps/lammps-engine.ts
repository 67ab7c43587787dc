/**
 * Finds what a LAMMPS executable can do before a job relies on it: its release (too old → refused with the
 * version named) and whether it has the styles a protocol needs (eam/fs, atom/swap, sgcmc), read from `lmp -h`.
 */
import { execFile } from 'node:child_process';
import { lammpsReleaseDate, MIN_LAMMPS_DATE } from './output-parser';

export interface LammpsCapabilities {
  lmpPath: string;
  version: string;
  packages: string[];
  /** Every style name `lmp -h` lists (pair, fix, compute …). */
  styles: Set<string>;
}

function runHelp(lmpPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(lmpPath, ['-h'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error && !stdout) {
        const code = (error as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? `LAMMPS was not found at "${lmpPath}"; install Debian's lammps package or set the LAMMPS path in the settings` : `"${lmpPath} -h" failed: ${error.message}`));
      } else resolve(stdout);
    });
  });
}

export function parseLammpsHelp(lmpPath: string, help: string): LammpsCapabilities {
  const version = /Large-scale Atomic\/Molecular Massively Parallel Simulator - (.+)/.exec(help)?.[1]?.trim();
  if (version === undefined) throw new Error(`"${lmpPath}" does not look like LAMMPS (its -h output has no version banner)`);
  const packagesBlock = /Installed packages:\s*\n([\s\S]*?)\n\s*\n/.exec(help)?.[1] ?? '';
  const packages = packagesBlock.split(/\s+/).filter(Boolean);
  const stylesStart = help.indexOf('List of individual style options');
  const styles = new Set(
    (stylesStart >= 0 ? help.slice(stylesStart) : '')
      .split('\n')
      .filter((l) => !l.startsWith('*'))
      .flatMap((l) => l.trim().split(/\s+/))
      .filter((t) => /^[a-z][a-z0-9/_.-]*$/.test(t)),
  );
  return { lmpPath, version, packages, styles };
}

export async function lammpsCapabilities(lmpPath: string): Promise<LammpsCapabilities> {
  return parseLammpsHelp(lmpPath, await runHelp(lmpPath));
}

/** Refuses a LAMMPS that is too old or lacks a style, naming what is missing and what to do. */
export function requireCapabilities(caps: LammpsCapabilities, styles: readonly string[]): void {
  const date = lammpsReleaseDate(caps.version);
  if (date !== null && date < MIN_LAMMPS_DATE) {
    throw new Error(`LAMMPS ${caps.version} at ${caps.lmpPath} is too old: the simulation scripts need a release from ${MIN_LAMMPS_DATE.toISOString().slice(0, 10)} or newer`);
  }
  const missing = styles.filter((s) => !caps.styles.has(s));
  if (missing.length > 0) {
    throw new Error(`LAMMPS ${caps.version} at ${caps.lmpPath} lacks ${missing.join(', ')} (packages: ${caps.packages.join(' ') || 'none listed'}); use a build with ${missing.map(packageOf).join(', ')}`);
  }
}

function packageOf(style: string): string {
  if (style.startsWith('eam')) return 'the MANYBODY package';
  if (style === 'atom/swap' || style === 'sgcmc') return 'the MC package (fix sgcmc needs LAMMPS 2023 or newer)';
  return `the package providing ${style}`;
}
