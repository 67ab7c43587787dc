import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../../main/core/project/migrations';
import { Project } from '../../../main/core/project/project';
import { tempDir } from '../../support/temp';

function tables(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
    (r) => r.name,
  );
}

describe('migrations', () => {
  it('are numbered 1, 2, … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('1: creates meta, settings, jobs and job_artifacts with their constraints', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 'mem', 1)).toBe(1);
    expect(tables(db)).toEqual(['job_artifacts', 'jobs', 'meta', 'settings']);
    const insert = db.prepare(`INSERT INTO jobs(kind, params, state, created_at) VALUES ('import', '{}', ?, 'now')`);
    expect(() => insert.run('running')).not.toThrow();
    expect(() => insert.run('exploded')).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE jobs SET progress = 1.5`).run()).toThrow(/CHECK/);
    db.close();
  });

  it('2: adds structures on top of 1 and keeps existing jobs', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 1);
    db.prepare(`INSERT INTO jobs(kind, params, state, created_at) VALUES ('import', '{"a":1}', 'succeeded', 't')`).run();
    expect(migrate(db, 'mem', 2)).toBe(2);
    expect(tables(db)).toContain('structures');
    expect(db.prepare('SELECT params FROM jobs').get()).toEqual({ params: '{"a":1}' });
    const add = db.prepare(
      `INSERT INTO structures(name, dir, source_path, format, atom_count, type_elements, composition, cell, triclinic, created_at, job_id)
       VALUES ('s', ?, 'f', 'extxyz', ?, '[]', '{}', '{}', 0, 't', 1)`,
    );
    add.run('structures/a', 10);
    expect(() => add.run('structures/b', 0)).toThrow(/CHECK/);
    expect(() => add.run('structures/a', 5)).toThrow(/UNIQUE/);
    db.prepare('DELETE FROM jobs').run();
    expect(db.prepare('SELECT job_id FROM structures').get()).toEqual({ job_id: null });
    db.close();
  });

  it('3: adds label_sets, tied to structures by cascade', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 2);
    db.prepare(
      `INSERT INTO structures(name, dir, source_path, format, atom_count, type_elements, composition, cell, triclinic, created_at)
       VALUES ('s', 'structures/a', 'f', 'extxyz', 20, '[]', '{}', '{}', 0, 't')`,
    ).run();
    expect(migrate(db, 'mem', 3)).toBe(3);
    const add = db.prepare(`INSERT INTO label_sets(structure_id, dir, params, summary, created_at) VALUES (?, ?, '{}', '{}', 't')`);
    add.run(1, 'labels/a');
    expect(() => add.run(99, 'labels/b')).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM structures WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM label_sets').get()).toEqual({ n: 0 });
    db.close();
  });

  it('4: adds datasets whose sources may not vanish under them', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 3);
    db.prepare(
      `INSERT INTO structures(name, dir, source_path, format, atom_count, type_elements, composition, cell, triclinic, created_at)
       VALUES ('s', 'structures/a', 'f', 'extxyz', 20, '[]', '{}', '{}', 0, 't')`,
    ).run();
    db.prepare(`INSERT INTO label_sets(structure_id, dir, params, summary, created_at) VALUES (1, 'labels/a', '{}', '{}', 't')`).run();
    expect(migrate(db, 'mem', 4)).toBe(4);
    db.prepare(`INSERT INTO datasets(name, dir, recipe, state, sample_count, created_at) VALUES ('d', 'datasets/a', '{}', 'building', 10, 't')`).run();
    db.prepare('INSERT INTO dataset_sources(dataset_id, structure_id, label_set_id) VALUES (1, 1, 1)').run();
    expect(() => db.prepare(`UPDATE datasets SET state = 'half'`).run()).toThrow(/CHECK/);
    expect(() => db.prepare('DELETE FROM structures WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM datasets WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM dataset_sources').get()).toEqual({ n: 0 });
    db.close();
  });

  it('5: adds structure provenance; existing (imported) structures have none', () => {
    const db = new Database(':memory:');
    migrate(db, 'mem', 4);
    db.prepare(
      `INSERT INTO structures(name, dir, source_path, format, atom_count, type_elements, composition, cell, triclinic, created_at)
       VALUES ('s', 'structures/a', 'f', 'extxyz', 20, '[]', '{}', '{}', 0, 't')`,
    ).run();
    expect(migrate(db, 'mem', 5)).toBe(5);
    expect(db.prepare('SELECT provenance FROM structures WHERE id = 1').get()).toEqual({ provenance: null });
    db.prepare(`UPDATE structures SET provenance = '{"kind":"simulation"}' WHERE id = 1`).run();
    expect(db.prepare('SELECT provenance FROM structures WHERE id = 1').get()).toEqual({ provenance: '{"kind":"simulation"}' });
    db.close();
  });

  it('6: adds models and predictions; a trained model needs its ONNX file and checksum; deletions leave provenance', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 5);
    db.prepare(`INSERT INTO datasets(name, dir, recipe, state, sample_count, created_at) VALUES ('d', 'datasets/a', '{}', 'complete', 10, 't')`).run();
    expect(migrate(db, 'mem', 6)).toBe(6);
    expect(tables(db)).toEqual(expect.arrayContaining(['models', 'predictions']));
    const add = db.prepare(
      `INSERT INTO models(name, dir, architecture, target, source, state, dataset_id, onnx_file, sha256, created_at, updated_at)
       VALUES ('m', ?, 'basecnn', ?, 'trained', ?, 1, ?, ?, 't', 't')`,
    );
    add.run('models/a', 'one_minus_d', 'training', null, null);
    expect(() => add.run('models/b', 'one_minus_d', 'trained', null, null)).toThrow(/CHECK/);
    expect(() => add.run('models/b', 'q6', 'training', null, null)).toThrow(/CHECK/);
    expect(() => add.run('models/b', 'd', 'half-done', null, null)).toThrow(/CHECK/);
    add.run('models/b', 'd', 'trained', 'models/b/run/model.onnx', 'abc');
    expect(() => add.run('models/a', 'd', 'training', null, null)).toThrow(/UNIQUE/);
    db.prepare(
      `INSERT INTO predictions(name, dir, model_id, dataset_id, input, sample_count, provenance, created_at) VALUES ('p', 'predictions/a', 2, 1, '{}', 10, '{"model":{"sha256":"abc"}}', 't')`,
    ).run();
    db.prepare('DELETE FROM models WHERE id = 2').run();
    db.prepare('DELETE FROM datasets WHERE id = 1').run();
    expect(db.prepare('SELECT model_id, dataset_id, provenance FROM predictions').get()).toEqual({ model_id: null, dataset_id: null, provenance: '{"model":{"sha256":"abc"}}' });
    expect(db.prepare('SELECT dataset_id FROM models WHERE id = 1').get()).toEqual({ dataset_id: null });
    db.close();
  });

  it('7: adds sweeps; a sweep has a known state, and outlives its dataset and job', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 6);
    db.prepare(`INSERT INTO datasets(name, dir, recipe, state, sample_count, created_at) VALUES ('d', 'datasets/a', '{}', 'complete', 10, 't')`).run();
    expect(migrate(db, 'mem', 7)).toBe(7);
    expect(tables(db)).toContain('sweeps');
    const add = db.prepare(`INSERT INTO sweeps(name, dir, dataset_id, params, state, cells, created_at, updated_at) VALUES ('s', ?, 1, '{}', ?, '[]', 't', 't')`);
    add.run('sweeps/a', 'running');
    expect(() => add.run('sweeps/b', 'paused')).toThrow(/CHECK/);
    expect(() => add.run('sweeps/a', 'complete')).toThrow(/UNIQUE/);
    db.prepare('DELETE FROM datasets WHERE id = 1').run();
    expect(db.prepare('SELECT dataset_id, state FROM sweeps').get()).toEqual({ dataset_id: null, state: 'running' });
    db.close();
  });

  it('8: adds maps; a map has a known state and keeps its record when its model is deleted', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 'mem', 7);
    db.prepare(`INSERT INTO models(name, dir, architecture, target, source, state, created_at, updated_at) VALUES ('m', 'models/a', 'basecnn', 'd', 'trained', 'training', 't', 't')`).run();
    expect(migrate(db, 'mem', 8)).toBe(8);
    const add = db.prepare(`INSERT INTO maps(name, dir, model_id, input, state, info, created_at, updated_at) VALUES ('x', ?, 1, '/data/scan.mib', ?, '{}', 't', 't')`);
    add.run('maps/a', 'mapping');
    expect(() => add.run('maps/b', 'done')).toThrow(/CHECK/);
    db.prepare('DELETE FROM models WHERE id = 1').run();
    expect(db.prepare('SELECT model_id, input FROM maps').get()).toEqual({ model_id: null, input: '/data/scan.mib' });
    db.close();
  });

  it('refuses a database written by a newer app and leaves it unchanged', () => {
    const dir = tempDir();
    const project = Project.create(dir, 'future');
    project.db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    project.close();
    const before = fs.readFileSync(path.join(dir, 'project.sqlite'));
    expect(() => Project.open(dir)).toThrow(/newer SSRO Studio.*Update SSRO Studio/);
    expect(fs.readFileSync(path.join(dir, 'project.sqlite')).equals(before)).toBe(true);
  });

  it('a failing migration rolls back whole', () => {
    const db = new Database(':memory:');
    migrate(db, 'mem', 1);
    db.exec('CREATE TABLE structures (id INTEGER)'); // collides with migration 2
    expect(() => migrate(db, 'mem', 2)).toThrow(/already exists/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });
});
