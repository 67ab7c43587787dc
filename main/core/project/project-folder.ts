/**
 * Where a project may live. A project folder must be an ordinary folder on a disk: the kernel's pseudo file systems
 * (/proc, /sys, /dev, cgroups, …) accept some operations and fail others in ways that make recursive folder creation
 * loop forever (mkdir reports ENOENT under /proc, so "create the parent, then retry" never ends), and pipes or
 * devices block whoever opens them. So the checks here never open what they inspect, walk up to the nearest existing
 * folder themselves, and create the missing levels one by one, a bounded number of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** More missing levels than this is a typing mistake, not a project location. */
export const MAX_NEW_LEVELS = 32;

/** statfs(2) f_type values of Linux pseudo file systems (linux/magic.h); tmpfs (0x01021994) is a fine place. */
const SPECIAL_MAGIC = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0x958458f6, 'hugetlbfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x6e736673, 'nsfs'],
  [0x67596969, 'rpc_pipefs'],
]);

/**
 * The same by name, from /proc/self/mountinfo: devtmpfs (/dev) reports tmpfs's magic number, so only the mount
 * table tells it apart.
 */
const SPECIAL_NAMES = new Set([...SPECIAL_MAGIC.values(), 'devtmpfs']);

const FS_WORDS: Record<string, string> = {
  proc: "the kernel's process file system",
  sysfs: "the kernel's device file system",
  devtmpfs: "the kernel's device-node file system",
  devpts: "the kernel's terminal file system",
};

/** What a non-folder is, in words: "a FIFO (named pipe)", "a character device", … */
export function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFile()) return 'a file';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a file or folder';
}

/** The name of the pseudo file system `p` lies on, or null for an ordinary one (always null off Linux). */
export function specialFileSystem(p: string): string | null {
  if (process.platform !== 'linux') return null;
  try {
    // statfs(2) reads the file system's header; it does not open `p`, so a FIFO cannot block it.
    const byMagic = SPECIAL_MAGIC.get(Number(fs.statfsSync(p).type) >>> 0);
    if (byMagic !== undefined) return byMagic;
  } catch {
    // No answer from statfs: the mount table below still may have one.
  }
  const byName = mountTypeOf(p);
  return byName !== null && SPECIAL_NAMES.has(byName) ? byName : null;
}

/** The file-system type of the mount holding `p` (the longest mount point above its real path). */
function mountTypeOf(p: string): string | null {
  let real: string;
  let table: string;
  try {
    real = fs.realpathSync.native(p);
    table = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  let best: { point: string; type: string } | null = null;
  for (const line of table.split('\n')) {
    // "36 35 98:0 /root /mount/point rw,noatime shared:1 - ext4 /dev/sda1 rw": point is field 5, type follows " - ".
    const [left, right] = line.split(' - ');
    const point = left?.split(' ')[4];
    const type = right?.split(' ')[0];
    if (point === undefined || type === undefined) continue;
    const mount = point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const covers = real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    // Later lines mount over earlier ones at the same point.
    if (covers && (best === null || mount.length >= best.point.length)) best = { point: mount, type };
  }
  return best?.type ?? null;
}

function specialMessage(target: string, where: string, fsName: string): string {
  const words = FS_WORDS[fsName] ?? 'a kernel pseudo file system';
  const place = where === target ? 'it' : where;
  return `cannot use ${target} as a project folder: ${place} is on ${fsName} (${words}), not on a disk; choose a folder on a disk`;
}

/** stat that follows links; null when the path (or one of its parents) does not exist. Never opens the path. */
function statOrNull(p: string, target: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (isSymlink(p)) throw new Error(`cannot use ${target} as a project folder: ${p} is a symbolic link to something that does not exist`);
      return null;
    }
    if (code === 'ELOOP') throw new Error(`cannot use ${target} as a project folder: ${p} is a loop of symbolic links`);
    throw new Error(`cannot use ${target} as a project folder: ${p} cannot be inspected (${code ?? String(error)})`);
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Refuses `where` (the target itself or its nearest existing ancestor) unless it is a folder on an ordinary disk. */
function requireOrdinaryFolder(target: string, where: string, stats: fs.Stats): void {
  if (!stats.isDirectory()) {
    const place = where === target ? target : `${where} (on the way to ${target})`;
    throw new Error(`${place} is ${kindOf(stats)}, not a folder`);
  }
  const special = specialFileSystem(where);
  if (special !== null) throw new Error(specialMessage(target, where, special));
}

/**
 * Makes sure `dirInput` can hold a new project: an existing folder on an ordinary file system, or missing levels
 * below one (at most MAX_NEW_LEVELS), created here one by one. Returns the resolved path and whether it existed.
 */
export function prepareNewProjectFolder(dirInput: string): { dir: string; existed: boolean } {
  const dir = path.resolve(dirInput);
  const missing: string[] = [];
  let existing = dir;
  let stats = statOrNull(existing, dir);
  while (stats === null) {
    const parent = path.dirname(existing);
    if (parent === existing) throw new Error(`cannot use ${dir} as a project folder: none of its parent folders exists`);
    if (missing.length >= MAX_NEW_LEVELS) {
      throw new Error(`cannot use ${dir} as a project folder: more than ${MAX_NEW_LEVELS} of its parent folders do not exist (a typing mistake?)`);
    }
    missing.push(existing);
    existing = parent;
    stats = statOrNull(existing, dir);
  }
  requireOrdinaryFolder(dir, existing, stats);
  for (const level of missing.reverse()) {
    try {
      // Not recursive: each parent was checked, and one failing mkdir is one error, never a loop.
      fs.mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const now = code === 'EEXIST' ? statOrNull(level, dir) : null;
      if (now?.isDirectory() !== true) {
        throw new Error(`cannot create the folder ${level}: ${code === 'EEXIST' ? `it appeared meanwhile as ${now === null ? 'something else' : kindOf(now)}` : (code ?? String(error))}`);
      }
    }
  }
  return { dir, existed: missing.length === 0 };
}

/** Makes sure an existing project folder is a folder on an ordinary file system; returns the resolved path. */
export function checkProjectFolder(dirInput: string): string {
  const dir = path.resolve(dirInput);
  const stats = statOrNull(dir, dir);
  if (stats === null) throw new Error(`${dir} does not exist`);
  if (!stats.isDirectory()) throw new Error(`${dir} is ${kindOf(stats)}, not a project folder`);
  requireOrdinaryFolder(dir, dir, stats);
  return dir;
}

/** SQLite opens its database (and -wal, -shm) files and reads them: each must be a regular file if it exists. */
export function requireRegularFileOrMissing(file: string): boolean {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !isSymlink(file)) return false;
    throw new Error(`${file} cannot be used: ${code === 'ENOENT' ? 'it is a symbolic link to something that does not exist' : (code ?? String(error))}`);
  }
  if (!stats.isFile()) throw new Error(`${file} is ${kindOf(stats)}, not a database file; the project cannot be opened`);
  return true;
}
