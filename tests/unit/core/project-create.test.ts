import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppCore } from '../../../main/core/app-core';
import { createHandlers, dispatch } from '../../../main/core/api/handlers';
import { Project } from '../../../main/core/project/project';
import { MAX_NEW_LEVELS } from '../../../main/core/project/project-folder';
import { tempDir } from '../../support/temp';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'bin', 'ssro.js');
const linux = process.platform === 'linux';

function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** `ssro project init <dir>` in a child: a hang would be killed after 10 s and show as a null status. */
function cliInit(dir: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'project', 'init', dir], { timeout: 10_000, encoding: 'utf8', killSignal: 'SIGKILL' });
  return { status: result.status, stderr: result.stderr };
}

describe.runIf(linux)('creating a project on a kernel pseudo file system', () => {
  let cliAnswered = false;

  it('the CLI answers `project init /proc/x` with a refusal instead of hanging', () => {
    expect(fs.existsSync(path.join(ROOT, 'dist', 'main', 'cli', 'index.js')), 'build first: npx tsc -p tsconfig.json').toBe(true);
    for (const dir of ['/proc/x', '/proc/self/x/y', '/sys/x']) {
      const { status, stderr } = cliInit(dir);
      expect(status, `ssro project init ${dir} did not end within 10 s`).toBe(1);
      expect(stderr).toMatch(new RegExp(`cannot use ${dir} as a project folder: .* not on a disk`));
    }
    cliAnswered = true;
  });

  it.for<[string, RegExp]>([
    ['/proc/x', /\/proc is on proc/],
    ['/proc/self/x/y', /\/proc\/self is on proc/],
    ['/sys/x', /\/sys is on sysfs/],
  ])('refuses %s at once, naming the file system', ([dir, message], ctx) => {
    // Run in this process only once the child proved it ends: a hang here could not be stopped by a timeout.
    if (!cliAnswered) ctx.skip('the CLI did not answer');
    expect(() => Project.create(dir)).toThrow(message);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('the project.create channel refuses /proc/x with the same message and keeps no project open', async (ctx) => {
    if (!cliAnswered) ctx.skip('the CLI did not answer');
    const core = new AppCore();
    await expect(dispatch(createHandlers(core), 'project.create', { path: '/proc/x' })).rejects.toThrow('cannot use /proc/x as a project folder: /proc is on proc');
    expect(core.project).toBeNull();
  });

  it('refuses a project folder under /dev when /dev is devtmpfs', (ctx) => {
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    if (!/ \/dev [^\n]* - devtmpfs /.test(mounts)) ctx.skip('/dev is not devtmpfs here');
    expect(() => Project.create('/dev/ssro-test-project')).toThrow(/\/dev is on devtmpfs/);
    expect(fs.existsSync('/dev/ssro-test-project')).toBe(false);
  });
});

describe('creating a project where something other than a folder is', () => {
  it('refuses a FIFO as the project folder without opening it', () => {
    const fifo = path.join(tempDir(), 'pipe');
    mkfifo(fifo);
    expect(() => Project.create(fifo)).toThrow(`${fifo} is a FIFO (named pipe), not a folder`);
    expect(cliInit(fifo)).toMatchObject({ status: 1, stderr: expect.stringContaining('is a FIFO (named pipe), not a folder') as unknown });
  });

  it('refuses a FIFO (and a symbolic link to one) as a parent of the project folder', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe');
    mkfifo(fifo);
    fs.symlinkSync(fifo, path.join(dir, 'link'));
    expect(() => Project.create(path.join(fifo, 'a', 'project'))).toThrow(`${fifo} (on the way to ${path.join(fifo, 'a', 'project')}) is a FIFO (named pipe), not a folder`);
    expect(() => Project.create(path.join(dir, 'link', 'project'))).toThrow(/link \(on the way to .*\) is a FIFO \(named pipe\), not a folder/);
    expect(() => Project.create(path.join(dir, 'link'))).toThrow(/link is a FIFO \(named pipe\), not a folder/);
  });

  it('refuses a regular file, as the folder and as a parent', () => {
    const file = path.join(tempDir(), 'notes.txt');
    fs.writeFileSync(file, 'x');
    expect(() => Project.create(file)).toThrow(`${file} is a file, not a folder`);
    expect(() => Project.create(path.join(file, 'p'))).toThrow(`${file} (on the way to ${path.join(file, 'p')}) is a file, not a folder`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it.runIf(linux)('refuses a character device', () => {
    expect(() => Project.create('/dev/null')).toThrow('/dev/null is a character device, not a folder');
    expect(() => Project.create('/dev/null/p')).toThrow(/\/dev\/null \(on the way to \/dev\/null\/p\) is a character device/);
  });

  it('refuses a dangling symbolic link instead of creating a folder through it', () => {
    const dir = tempDir();
    fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'link'));
    expect(() => Project.create(path.join(dir, 'link'))).toThrow(/link is a symbolic link to something that does not exist/);
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });
});

describe('creating missing levels', () => {
  it('creates several missing levels one by one', () => {
    const dir = path.join(tempDir(), 'a', 'b', 'c', 'project');
    const p = Project.create(dir);
    expect(p.info().path).toBe(dir);
    p.close();
    expect(fs.existsSync(path.join(dir, 'project.sqlite'))).toBe(true);
  });

  it(`refuses more than ${MAX_NEW_LEVELS} missing levels and creates none of them`, () => {
    const base = tempDir();
    const deep = path.join(base, ...Array.from({ length: MAX_NEW_LEVELS + 1 }, (_, i) => `l${i}`));
    expect(() => Project.create(deep)).toThrow(`more than ${MAX_NEW_LEVELS} of its parent folders do not exist`);
    expect(fs.readdirSync(base)).toEqual([]);
  });
});

describe('opening a project whose files are not what they seem', () => {
  it.runIf(linux)('refuses /proc and a character device at once', () => {
    expect(() => Project.open('/proc')).toThrow('cannot use /proc as a project folder: it is on proc');
    expect(() => Project.open('/dev/null')).toThrow('/dev/null is a character device, not a project folder');
  });

  it('refuses a FIFO in place of the database or its write-ahead log, without blocking on it', () => {
    const dir = path.join(tempDir(), 'p');
    Project.create(dir).close();
    const wal = path.join(dir, 'project.sqlite-wal');
    fs.rmSync(wal, { force: true });
    mkfifo(wal);
    expect(() => Project.open(dir)).toThrow(`${wal} is a FIFO (named pipe), not a database file`);
    fs.rmSync(wal);
    const db = path.join(dir, 'project.sqlite');
    fs.rmSync(db);
    mkfifo(db);
    expect(() => Project.open(dir)).toThrow(`${db} is a FIFO (named pipe), not a database file`);
  });
});
