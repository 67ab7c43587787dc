import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project } from '../../../main/core/project/project';
import { projectPath } from '../../../main/core/project/confined-path';
import type { ModelPreprocessing } from '../../../main/shared/models';
import { addDataset, addLabelSet, addMap, addModel, addPrediction, addStructure, addSweep } from '../../support/project-rows';
import { tempDir } from '../../support/temp';

interface World {
  project: Project;
  /** A folder outside the project: victim/keep.txt and victim/inner/keep.txt must survive every test. */
  victim: string;
  /** A file of the user's outside the project that a map reads. */
  scan: string;
}

function world(): World {
  const base = tempDir();
  const victim = path.join(base, 'victim');
  fs.mkdirSync(path.join(victim, 'inner'), { recursive: true });
  fs.writeFileSync(path.join(victim, 'keep.txt'), 'precious');
  fs.writeFileSync(path.join(victim, 'inner', 'keep.txt'), 'precious');
  const scan = path.join(base, 'scan.mib');
  fs.writeFileSync(scan, 'frames');
  return { project: Project.create(path.join(base, 'project')), victim, scan };
}

function victimIntact(w: World): void {
  expect(fs.readFileSync(path.join(w.victim, 'keep.txt'), 'utf8')).toBe('precious');
  expect(fs.readFileSync(path.join(w.victim, 'inner', 'keep.txt'), 'utf8')).toBe('precious');
}

/** Each damaged value, made from the data folder's name and the victim's path; the symbolic links are made here. */
const DAMAGE: [string, (folder: string, w: World) => string][] = [
  ['a path up out of the project', () => '../victim'],
  ['an absolute path', (_folder, w) => w.victim],
  ['a path through the data folder and up', (folder) => `${folder}/../../victim`],
  ['a symbolic link inside the data folder to the outside', (folder, w) => link(w, folder, '')],
  ['a path through such a link', (folder, w) => link(w, folder, 'inner')],
  ['the whole data folder', (folder) => folder],
  ['another data folder', () => 'uploads/x'],
];

function link(w: World, folder: string, below: string): string {
  const name = path.join(folder, `escape-${Math.random().toString(36).slice(2)}`);
  fs.symlinkSync(w.victim, path.join(w.project.dir, name));
  return below === '' ? name : path.join(name, below);
}

function damage(w: World, table: string, column: string, id: number, value: string): void {
  w.project.db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`).run(value, id);
}

function rowExists(w: World, table: string, id: number): boolean {
  return w.project.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined;
}

const quoted = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each(DAMAGE)('a stored folder that is %s', (_name, make) => {
  it('structures: delete and read refuse, naming the row; nothing outside is touched', () => {
    const w = world();
    const id = addStructure(w.project);
    const other = addStructure(w.project);
    const value = make('structures', w);
    damage(w, 'structures', 'dir', id, value);
    const row = new RegExp(`^structures row ${id}: its folder '${quoted(value)}' .*; the database was edited or damaged`);
    expect(() => w.project.deleteStructure(id)).toThrow(row);
    expect(() => w.project.deleteStructure(id)).toThrow(/nothing was deleted$/);
    expect(() => w.project.structures.folder(id)).toThrow(row);
    expect(rowExists(w, 'structures', id)).toBe(true);
    expect(fs.existsSync(path.join(w.project.structures.folder(other), 'positions.npy'))).toBe(true);
    victimIntact(w);
    w.project.close();
  });

  it("label_sets: deleting their structure refuses, naming the label set's row", () => {
    const w = world();
    const structure = addStructure(w.project);
    const set = addLabelSet(w.project, structure);
    const value = make('labels', w);
    damage(w, 'label_sets', 'dir', set, value);
    expect(() => w.project.deleteStructure(structure)).toThrow(new RegExp(`^label_sets row ${set}: its folder '${quoted(value)}' .*nothing was deleted$`));
    expect(() => w.project.labels.folder(set)).toThrow(new RegExp(`^label_sets row ${set}: its folder`));
    expect(rowExists(w, 'structures', structure)).toBe(true);
    expect(fs.existsSync(path.join(w.project.structures.folder(structure), 'positions.npy'))).toBe(true);
    victimIntact(w);
    w.project.close();
  });

  it.each([
    ['datasets', 'datasets', addDataset, (p: Project, id: number) => p.datasets.folder(id)],
    ['predictions', 'predictions', addPrediction, (p: Project, id: number) => p.predictions.folder(id)],
    ['models', 'models', addModel, (p: Project, id: number) => p.models.folder(id)],
    ['sweeps', 'sweeps', addSweep, (p: Project, id: number) => p.sweeps.folder(id)],
  ] as const)('%s: reading the folder refuses', (table, folder, add, read) => {
    const w = world();
    const id = add(w.project);
    const value = make(folder, w);
    damage(w, table, 'dir', id, value);
    expect(() => read(w.project, id)).toThrow(new RegExp(`^${table} row ${id}: its folder '${quoted(value)}' .*it was not used$`));
    victimIntact(w);
    w.project.close();
  });

  it.each([
    ['models', 'models', addModel, (p: Project, id: number) => p.models.delete(id)],
    ['sweeps', 'sweeps', addSweep, (p: Project, id: number) => p.sweeps.delete(id)],
  ] as const)('%s: delete refuses and keeps the row', (table, folder, add, remove) => {
    const w = world();
    const id = add(w.project);
    const value = make(folder, w);
    damage(w, table, 'dir', id, value);
    expect(() => remove(w.project, id)).toThrow(new RegExp(`^${table} row ${id}: its folder '${quoted(value)}' .*nothing was deleted$`));
    expect(rowExists(w, table, id)).toBe(true);
    victimIntact(w);
    w.project.close();
  });

  it('maps: delete and read refuse; the scan the map was made from stays', () => {
    const w = world();
    const id = addMap(w.project, w.scan);
    const value = make('maps', w);
    damage(w, 'maps', 'dir', id, value);
    expect(() => w.project.maps.delete(id)).toThrow(new RegExp(`^maps row ${id}: its folder '${quoted(value)}' .*nothing was deleted$`));
    expect(() => w.project.maps.get(id)).toThrow(new RegExp(`^maps row ${id}: its folder`));
    expect(rowExists(w, 'maps', id)).toBe(true);
    expect(fs.readFileSync(w.scan, 'utf8')).toBe('frames');
    victimIntact(w);
    w.project.close();
  });
});

const PREPROCESSING: ModelPreprocessing = { transform: 'log1-minmax', side: 1, kmaxInvA: null, deltaKInvA: null, logClip: 0, normalisation: 'none' };

describe("a model's stored ONNX file", () => {
  it.each([
    ['outside the project', () => '../victim/keep.txt'],
    ['absolute', (w: World) => path.join(w.victim, 'keep.txt')],
    ["in another model's folder", (w: World) => path.join(w.project.models.folder(addModel(w.project)), 'model.onnx').slice(w.project.dir.length + 1)],
  ])('%s is refused when the model is read', (_name, make) => {
    const w = world();
    const id = addModel(w.project);
    const value = make(w);
    damage(w, 'models', 'onnx_file', id, value);
    expect(() => w.project.models.get(id)).toThrow(new RegExp(`^models row ${id}: its ONNX file '${quoted(value)}' .*it was not used$`));
    victimIntact(w);
    w.project.close();
  });

  it('a worker naming an ONNX file outside its model folder is refused before it is recorded', () => {
    const w = world();
    const id = addModel(w.project);
    const before = w.project.models.get(id).onnxPath;
    expect(() =>
      w.project.models.markTrained(id, { onnxFile: '../../../victim/keep.txt', sha256: '1', preprocessing: PREPROCESSING, metrics: {} }),
    ).toThrow(new RegExp(`^models row ${id}: its ONNX file .* is outside the project`));
    expect(w.project.models.get(id).onnxPath).toBe(before);
    w.project.close();
  });
});

describe('stored paths that are fine', () => {
  it('a project reached through a symbolic link reads and deletes its own folders', () => {
    const w = world();
    const alias = path.join(path.dirname(w.project.dir), 'alias');
    fs.symlinkSync(w.project.dir, alias);
    w.project.close();
    const p = Project.open(alias);
    const s = addStructure(p);
    const map = addMap(p, w.scan);
    const folder = p.structures.folder(s);
    expect(folder.startsWith(alias)).toBe(true);
    expect(p.deleteStructure(s)).toBe(true);
    expect(fs.existsSync(folder)).toBe(false);
    expect(p.maps.delete(map)).toBe(true);
    expect(fs.readFileSync(w.scan, 'utf8')).toBe('frames');
    p.close();
  });

  it('projectPath accepts a plain path inside its folder and names every other kind of value', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'structures'));
    const owner = { table: 'structures', id: 7, within: 'structures' };
    expect(projectPath(dir, 'structures/abc', owner)).toBe(path.join(dir, 'structures', 'abc'));
    expect(() => projectPath(dir, '', owner)).toThrow("structures row 7: its folder '' is empty");
    expect(() => projectPath(dir, null, owner)).toThrow('structures row 7: its folder null is empty');
    expect(() => projectPath(dir, 'structures/./abc', owner)).toThrow(/is not a plain path/);
    expect(() => projectPath(dir, 'structures//abc', owner)).toThrow(/is not a plain path/);
    expect(() => projectPath(dir, 'structures/abc/../def', owner)).toThrow(/is not a plain path/);
    expect(() => projectPath(dir, '../victimdir', { ...owner, id: 3, action: 'delete' })).toThrow(
      "structures row 3: its folder '../victimdir' is outside the project; the database was edited or damaged, nothing was deleted",
    );
  });
});
