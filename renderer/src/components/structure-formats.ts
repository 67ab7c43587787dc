/** What each structure file format is called in the UI. */
import type { StructureFormat } from '../../../main/shared/domain';

export const FORMAT_LABELS: Record<StructureFormat, string> = {
  'lammps-data': 'LAMMPS data',
  'lammps-dump': 'LAMMPS dump',
  extxyz: 'Extended XYZ',
  poscar: 'VASP POSCAR',
};
