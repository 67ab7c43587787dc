/** A worker stages its outputs inside its scratch folder but never recreates that folder once recovery removed it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeStagingDir } from '../../../native-workers/runtime/worker-runtime';
import { tempDir } from '../../support/temp';

describe('makeStagingDir', () => {
  it('creates the folder inside an existing scratch folder, and accepts one that is already there', () => {
    const scratch = path.join(tempDir(), 'job-1');
    fs.mkdirSync(scratch);
    const dir = makeStagingDir(scratch, 'labels');
    expect(dir).toBe(path.join(scratch, 'labels'));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(makeStagingDir(scratch, 'labels')).toBe(dir);
  });

  it('refuses, naming the folder, when the scratch folder was removed, and creates nothing', () => {
    const root = tempDir();
    const scratch = path.join(root, 'scratch', 'job-7');
    expect(() => makeStagingDir(scratch, 'labels')).toThrow(/scratch folder .*job-7 was removed while the job ran/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
