/**
 * Makes TypeScript modules runnable by a plain `node` child process: transpiles a module and everything it imports
 * relatively (TypeScript's transpileModule, CommonJS) into a folder mirroring the repository, so crash tests can
 * kill a real writer process without depending on `npm run build` having run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Transpiles `entry` (a repository path) and its relative imports under `outRoot`; returns the entry's .js path. */
export function transpileForChild(entry: string, outRoot: string): string {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const output = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const dest = path.join(outRoot, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, output);
    for (const match of output.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const base = path.resolve(path.dirname(file), match[1] as string);
      const candidate = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (!candidate) throw new Error(`${file}: cannot resolve ${match[1]}`);
      visit(candidate);
    }
  };
  const entryFile = path.resolve(REPO_ROOT, entry);
  visit(entryFile);
  return path.join(outRoot, path.relative(REPO_ROOT, entryFile)).replace(/\.ts$/, '.js');
}
