/** Public API of the structure readers and writers. */
export { ReadCancelled, StructureFileError, type ParsedStructure, type ReadOptions } from './types';
export { readStructureFile } from './read-structure';
export { detectFormat, formatFromContent, formatFromName } from './detect-format';
export { readLammpsData } from './lammps-data';
export { readLammpsDump } from './lammps-dump';
export { readExtxyz, parseExtxyzComment, NON_PERIODIC_PAD_A } from './extxyz';
export { readPoscar } from './poscar';
export { writeExtxyz, writeLammpsData, lammpsBoxOf, type WritableStructure } from './writers';
export { CellFrame, cellVolume, isTriclinic, isOrthogonal, cellFromLammpsBox, type LammpsBox } from './cell-math';
export { wrapPositions, NON_PERIODIC_TOLERANCE } from './wrap';
export { LineReader, LineTokenizer, readLines, type Line, type LineReaderOptions } from './line-reader';
export type { FrameOption } from './frame-choice';
