/** The lint rules that hold the layout: they must reject what the design forbids (checked with ESLint itself). */
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: path.resolve('.') });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('architecture lint rules', () => {
  it('keep main/shared free of Node, DOM and Electron', async () => {
    expect(await ruleIds('main/shared/probe.ts', `import * as fs from 'node:fs';\nexport const a = fs;\n`)).toContain('no-restricted-imports');
    expect(await ruleIds('main/shared/probe.ts', `import { app } from 'electron';\nexport const a = app;\n`)).toContain('no-restricted-imports');
    expect(await ruleIds('main/shared/probe.ts', `export const a = document.title;\n`)).toContain('no-restricted-globals');
    expect(await ruleIds('main/shared/probe.ts', `export const a = process.pid;\n`)).toContain('no-restricted-globals');
    expect(await ruleIds('main/shared/probe.ts', `import { z } from 'zod';\nexport const a = z.string();\n`)).toEqual([]);
  });

  it('let the renderer import only main/shared', async () => {
    expect(await ruleIds('renderer/src/probe.ts', `import { AppCore } from '../../main/core/app-core';\nexport const a = AppCore;\n`)).toContain('no-restricted-imports');
    expect(await ruleIds('renderer/src/probe.ts', `import { readFileSync } from 'fs';\nexport const a = readFileSync;\n`)).toContain('no-restricted-imports');
    expect(await ruleIds('renderer/src/probe.ts', `import { contract } from '../../main/shared/ipc-contract';\nexport const a = contract;\n`)).toEqual([]);
  });

  it('keep Electron out of the core and forbid any at boundaries', async () => {
    expect(await ruleIds('main/core/probe.ts', `import { app } from 'electron';\nexport const a = app;\n`)).toContain('no-restricted-imports');
    expect(await ruleIds('main/core/probe.ts', `export function f(x: any): number { return x; }\n`)).toContain('@typescript-eslint/no-explicit-any');
  });
});
