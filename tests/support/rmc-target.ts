/**
 * A measured-data stand-in for RMC tests: the demo Cu64Zr36 glass (2048 atoms, made by the app's own LAMMPS
 * protocol) and its X-ray S(q) and partial g_ab(r), computed by the app's structure-factor code (Faber–Ziman
 * partials of LAMMPS-normalised g(r), Waasmaier–Kirfel factors) — independent of the RMC engine's linear maps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pairDistribution, partialStructureFactors, qGrid, readScatteringFactors, totalStructureFactor, type PairDistribution } from '../../native-workers/lib/rdf';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../native-workers/lib/structure-io/types';

export const GLASS_FILE = path.resolve('resources/demo/cu64zr36-glass.data');

export interface GlassTarget {
  glass: ParsedStructure;
  atoms: number;
  density: number;
  /** g(r) up to 12 Å in 0.02 Å bins. */
  pd: PairDistribution;
}

export function glassTarget(): GlassTarget {
  const glass = readStructureFile(GLASS_FILE, 'lammps-data');
  const n = glass.ids.length;
  const species = Int32Array.from(glass.types, (t) => t - 1);
  const pd = pairDistribution(glass.positions, species, glass.cell, { rmaxA: 12, binWidthA: 0.02, speciesCount: 2 });
  return { glass, atoms: n, density: n / (glass.cell.a[0] * glass.cell.b[1] * glass.cell.c[2]), pd };
}

/** The glass's X-ray S(q) on 0.5 … 15 Å⁻¹ (0.05 Å⁻¹ steps), written as two columns. */
export function writeTargetSq(target: GlassTarget, file: string): void {
  const q = qGrid(0.5, 15, 0.05);
  const xray = readScatteringFactors('xray', path.resolve('resources/elements/xray-form-factors.json'));
  const s = totalStructureFactor(partialStructureFactors(target.pd, q), target.glass.typeElements, xray).s;
  fs.writeFileSync(file, `# X-ray S(q) of the demo Cu64Zr36 glass\n${Array.from(q, (qq, k) => `${qq.toFixed(4)} ${(s[k] as number).toFixed(8)}`).join('\n')}\n`);
}

/** The glass's partial g_ab(r) (species a, b) at the bin centres from 1.5 Å, written as two columns. */
export function writeTargetPartial(target: GlassTarget, a: number, b: number, file: string): void {
  const curve = target.pd.partials[a * 2 + b];
  if (!curve) throw new Error(`no partial (${a}, ${b})`);
  const rows: string[] = [];
  target.pd.rA.forEach((r, k) => {
    if (r >= 1.5) rows.push(`${r.toFixed(4)} ${(curve.g[k] as number).toFixed(8)}`);
  });
  fs.writeFileSync(file, `# partial g(r) of the demo glass\n${rows.join('\n')}\n`);
}
