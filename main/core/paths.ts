/** Where the app's own files are: the package root, compiled workers, bundled resources and the renderer build. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobKind } from '../shared/job-protocol';

function findAppRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
        if (pkg.name === 'ssro-studio') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the SSRO Studio package root above ${start}`);
    dir = parent;
  }
}

export const appRoot = findAppRoot(__dirname);
export const distDir = path.join(appRoot, 'dist');
export const resourcesDir = path.join(appRoot, 'resources');
export const rendererDir = path.join(distDir, 'renderer');

export function appVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The compiled entry of a job kind's worker; workers always run compiled JavaScript (also under the tests). */
export function workerEntry(kind: JobKind): string {
  const entry = path.join(distDir, 'native-workers', kind, 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`the ${kind} worker is not built (${entry} is missing); run "npm run build"`);
  }
  return entry;
}
