/**
 * Paths read from the project database are data, not trust: a database edited by hand (or damaged, or crafted and
 * sent to a colleague) may hold `../elsewhere`, `/home/you`, or a folder that is a symbolic link leading out of the
 * project. Every stored path is turned into a file-system path here, and only if it stays inside the data folder it
 * belongs to — before anything is read, written or deleted there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Which row holds the path, what the path is, where it must lie, and what was about to happen with it. */
export interface StoredPathOwner {
  /** The table, as in the message: "structures row 3". */
  table: string;
  /** The row's id; null for a row about to be added. */
  id: number | null;
  /** What the path names, for the message: "folder", "ONNX file". */
  what?: string;
  /** The folder, relative to the project, the path must lie strictly inside: "structures", "models/<uuid>". */
  within: string;
  /** 'delete' says "nothing was deleted"; otherwise "it was not used". */
  action?: 'delete' | 'use';
}

/** A stored path that does not name a place inside its data folder. */
export class StoredPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredPathError';
  }
}

/**
 * The absolute path of a path stored relative to the project folder; throws naming the row and the stored value
 * when it is not a plain relative path strictly inside `owner.within` — textually, and after following symbolic
 * links (for the part of it that exists).
 */
export function projectPath(projectDir: string, stored: unknown, owner: StoredPathOwner): string {
  const refuse = (problem: string): never => {
    const shown = typeof stored === 'string' ? `'${stored}'` : String(stored);
    const tail = owner.action === 'delete' ? 'nothing was deleted' : 'it was not used';
    throw new StoredPathError(
      `${owner.id === null ? `a new ${owner.table} row` : `${owner.table} row ${owner.id}`}: its ${owner.what ?? 'folder'} ${shown} ${problem}; the database was edited or damaged, ${tail}`,
    );
  };
  if (typeof stored !== 'string' || stored.length === 0) return refuse('is empty');
  if (stored.includes('\0')) return refuse('contains a NUL character');
  const root = path.resolve(projectDir);
  if (path.isAbsolute(stored) || path.win32.isAbsolute(stored)) return refuse('is outside the project (an absolute path)');
  const resolved = path.resolve(root, stored);
  if (!isInside(root, resolved)) return refuse('is outside the project');
  if (path.normalize(stored) !== stored || stored.split(/[\\/]/).some((part) => part === '..' || part === '.' || part === '')) {
    return refuse('is not a plain path inside the project (it has empty, "." or ".." parts)');
  }
  const within = path.resolve(root, owner.within);
  if (resolved === within) return refuse(`is the whole ${owner.within}${path.sep} folder, not one entry inside it`);
  if (!isInside(within, resolved)) return refuse(`is not inside the project's ${owner.within}${path.sep} folder`);

  // The text is fine; now the file system: a symbolic link anywhere on the way may lead out of the project.
  const realRoot = realOrSelf(root);
  const realWithin = realExisting(within);
  if (!isInside(realRoot, realWithin)) {
    return refuse(`lies in ${owner.within}${path.sep}, which leads outside the project through a symbolic link (to ${realWithin})`);
  }
  const realTarget = realExisting(resolved);
  if (!isInside(realWithin, realTarget)) {
    return refuse(`leads outside the project's ${owner.within}${path.sep} folder through a symbolic link (to ${realTarget})`);
  }
  return resolved;
}

/** True when `child` lies strictly below `parent` (both absolute, resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return p;
  }
}

/** The real path of `p`, or of its nearest existing ancestor with the missing rest appended. */
function realExisting(p: string): string {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(current);
      // A dangling symbolic link (ENOENT on the link itself) must not pass as "missing": report where it points.
      if (code === 'ENOENT' && isSymlink(current)) return path.resolve(parent, fs.readlinkSync(current), ...rest.reverse());
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
