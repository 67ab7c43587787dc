/** Test helper: a private temp directory for string fixtures, removed after the suite. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

export interface TempFiles {
  dir: string;
  /** Writes `text` to `name` inside the temp dir and returns the full path. */
  write(name: string, text: string | Buffer): string;
}

export function useTempFiles(prefix: string): TempFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ssro-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    },
  };
}

/** Joins lines with "\n" and a final newline (fixtures read like the files they stand for). */
export function lines(...rows: string[]): string {
  return rows.join('\n') + '\n';
}
