/**
 * The energy of an RMC model before and after a conjugate-gradient relaxation in LAMMPS at fixed box (the paper's
 * Fig. 5: a fitted model far above the MD energy stays far above it after relaxing, because its atoms sit in the
 * wrong basins, not merely off their minima). The script is written from typed values only, like the simulate
 * protocols; the relaxed configuration is kept beside the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputScript, word } from '../lammps/input-script';
import { LammpsFailed, runLammps } from '../lammps/lammps-run';
import { readPotentialInfo, requireElements } from '../lammps/potential-file';
import { writeLammpsData, type WritableStructure } from '../structure-io';

export interface RelaxResult {
  /** Energy per atom of the model as fitted (LAMMPS `run 0`), eV. */
  beforeEvPerAtom: number;
  /** After `minimize 0 1e-8 10000 100000` with the box fixed, eV/atom. */
  afterEvPerAtom: number;
  /** The relaxed configuration (LAMMPS data file). */
  relaxedData: string;
  lammpsVersion: string | null;
}

export async function relaxModel(options: {
  lmpPath: string;
  dir: string;
  structure: WritableStructure;
  potentialPath: string;
  isCancelled: () => boolean;
}): Promise<RelaxResult> {
  const { dir, structure } = options;
  const potential = readPotentialInfo(options.potentialPath);
  requireElements(potential, structure.typeElements);
  fs.mkdirSync(dir, { recursive: true });
  const potentialFile = potential.pairStyle === 'eam/fs' ? 'potential.eam.fs' : 'potential.eam.alloy';
  fs.copyFileSync(potential.file, path.join(dir, potentialFile));
  writeLammpsData(structure, path.join(dir, 'model.data'));
  const script = new InputScript()
    .comment('RMC model: energy as fitted, then relaxed at fixed box')
    .command('units', 'metal')
    .command('atom_style', 'atomic')
    .command('boundary', 'p', 'p', 'p')
    .command('read_data', 'model.data')
    .command('pair_style', word(potential.pairStyle, 'pair style'))
    .command('pair_coeff', '*', '*', potentialFile, ...structure.typeElements.map((e) => word(e, 'element')))
    .command('thermo_style', 'custom', 'step', 'pe')
    .command('thermo_modify', 'format', 'float', '%20.15g')
    .command('run', '0')
    .command('min_style', 'cg')
    .command('minimize', '0', '1e-8', '10000', '100000')
    .command('write_data', 'relaxed.data')
    .done();
  fs.writeFileSync(path.join(dir, 'in.relax'), script.text());
  const pe: number[] = [];
  let done = false;
  const result = await runLammps({
    lmpPath: options.lmpPath,
    cwd: dir,
    inputFile: 'in.relax',
    logFile: 'log.relax',
    isCancelled: options.isCancelled,
    onEvent: (event) => {
      if (event.kind === 'thermo') {
        const k = event.columns.indexOf('PotEng');
        if (k >= 0) pe.push(event.values[k] as number);
      }
      if (event.kind === 'done') done = true;
    },
  });
  const n = structure.ids.length;
  if (!done || pe.length < 2) throw new LammpsFailed('the LAMMPS relaxation of the RMC model ended without its energies', null, []);
  return { beforeEvPerAtom: (pe[0] as number) / n, afterEvPerAtom: (pe[pe.length - 1] as number) / n, relaxedData: path.join(dir, 'relaxed.data'), lammpsVersion: result.version };
}
