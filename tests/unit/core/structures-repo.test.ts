import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project } from '../../../main/core/project/project';
import { atomFrameFromFolder, readStructureFolder, writeStructureFolder } from '../../../native-workers/lib/structure-store';
import { readNpy } from '../../../native-workers/lib/npy';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { tempDir } from '../../support/temp';

function structure(): ParsedStructure {
  return {
    format: 'lammps-data',
    ids: new Int32Array([1, 2, 5]),
    types: new Int32Array([1, 2, 1]),
    positions: new Float64Array([0, 0, 0, 1.25, 2.5, 3.75, 9.5, 0.125, 4]),
    typeElements: ['Cu', 'Zr'],
    cell: { origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, true] },
    timestep: 500,
    notes: ['2 atoms wrapped'],
  };
}

describe('structure storage', () => {
  it('writes NumPy-readable arrays and reads them back exactly', () => {
    const dir = path.join(tempDir(), 's');
    const meta = writeStructureFolder(dir, structure(), '/data/x.data');
    expect(meta).toMatchObject({ atomCount: 3, composition: { Cu: 2, Zr: 1 }, triclinic: false });
    const positions = readNpy(path.join(dir, 'positions.npy'));
    expect(positions.shape).toEqual([3, 3]);
    expect(positions.dtype).toBe('<f8');
    const back = readStructureFolder(dir);
    expect(Array.from(back.positions)).toEqual(Array.from(structure().positions));
    expect(Array.from(back.ids)).toEqual([1, 2, 5]);
    const frame = atomFrameFromFolder(dir);
    expect(frame.elements).toEqual(['Cu', 'Zr']);
    expect(Array.from(frame.speciesIndex)).toEqual([0, 1, 0]);
  });

  it('maps several types of one element onto one species in the viewer frame', () => {
    const dir = path.join(tempDir(), 's');
    writeStructureFolder(dir, { ...structure(), types: new Int32Array([1, 2, 3]), typeElements: ['Cu', 'Zr', 'Cu'] }, 'x');
    const frame = atomFrameFromFolder(dir);
    expect(frame.elements).toEqual(['Cu', 'Zr']);
    expect(Array.from(frame.speciesIndex)).toEqual([0, 1, 0]);
  });

  it('commits a staged folder and its row together, and deletes both', () => {
    const project = Project.create(path.join(tempDir(), 'p'));
    const staged = path.join(project.scratchDir(1), 'structure');
    writeStructureFolder(staged, structure(), '/data/x.data');
    const s = project.structures.commitStaged(staged, 'x', null);
    expect(fs.existsSync(staged)).toBe(false);
    expect(fs.existsSync(path.join(project.structures.folder(s.id), 'positions.npy'))).toBe(true);
    expect(s).toMatchObject({ atomCount: 3, timestep: 500, notes: ['2 atoms wrapped'] });
    const folder = project.structures.folder(s.id);
    expect(project.structures.delete(s.id)).toBe(true);
    expect(fs.existsSync(folder)).toBe(false);
    expect(project.structures.list()).toEqual([]);
    project.close();
  });

  it('records nothing when the staged folder cannot be moved into the project', () => {
    const project = Project.create(path.join(tempDir(), 'p'));
    const staged = path.join(project.scratchDir(2), 'structure');
    writeStructureFolder(staged, structure(), 'x');
    // Make the move fail: the structures folder is replaced by a file.
    fs.rmSync(path.join(project.dir, 'structures'), { recursive: true });
    fs.writeFileSync(path.join(project.dir, 'structures'), 'not a folder');
    expect(() => project.structures.commitStaged(staged, 'x', null)).toThrow();
    expect(project.structures.list()).toEqual([]);
    expect(fs.existsSync(path.join(staged, 'positions.npy'))).toBe(true);
    project.close();
  });
});
