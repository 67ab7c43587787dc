/**
 * The Settings dialog in Chromium through the browser shell: a project whose settings name a program not confirmed
 * on this machine is opened without running it, the dialog says so, and saving asks the person to confirm running
 * the program before the core records and probes it; a path that does not exist is refused with its name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import { readTrustStore } from '../../main/core/engine-trust';
import { Project } from '../../main/core/project/project';
import { startServer, type RunningServer } from '../../main/server/server';
import { collectPageErrors, hasChromium, launchChromium } from '../support/browser';
import { tempDir } from '../support/temp';

const guiBuilt = fs.existsSync(path.resolve('dist/renderer/index.html'));
const missing = [
  !hasChromium && 'Chromium is not at /usr/bin/chromium (apt install chromium)',
  !guiBuilt && 'the renderer is not built (npm run build)',
].filter((m): m is string => typeof m === 'string');
const title = missing.length === 0 ? 'engine paths in the Settings dialog (browser shell)' : `engine paths in the Settings dialog — skipped: ${missing.join('; ')}`;

describe.skipIf(missing.length > 0)(title, () => {
  const work = tempDir('ssro-e2e-settings-');
  const marker = path.join(work, 'their-lmp.ran');
  const program = path.join(work, 'their-lmp');
  const savedConfig = process.env.SSRO_CONFIG_DIR;
  let browser: Browser;
  let core: AppCore;
  let handlers: Handlers;
  let server: RunningServer;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    process.env.SSRO_CONFIG_DIR = path.join(work, 'config');
    fs.writeFileSync(program, `#!/bin/sh\necho ran > '${marker}'\necho 'Large-scale Atomic/Molecular Massively Parallel Simulator - 2 Aug 2023'\n`, { mode: 0o755 });
    // A project as it might come from a colleague: its settings name a program of theirs.
    const projectDir = path.join(work, 'shared project');
    Project.create(projectDir, 'From a colleague').close();
    const db = new Database(path.join(projectDir, 'project.sqlite'));
    db.prepare('INSERT INTO settings(key, value) VALUES (?, ?)').run('lmpPath', JSON.stringify(program));
    db.close();

    core = new AppCore();
    handlers = createHandlers(core);
    await dispatch(handlers, 'project.open', { path: projectDir });
    server = await startServer({ core, handlers });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    pageErrors = collectPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    if (savedConfig === undefined) delete process.env.SSRO_CONFIG_DIR;
    else process.env.SSRO_CONFIG_DIR = savedConfig;
  });

  it('shows the unconfirmed path, asks before running a program, refuses a missing one, and runs a confirmed one', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('settings-open').click();
    await page.getByTestId('settings-dialog').waitFor();
    await page.getByTestId('settings-unconfirmed-lmpPath').waitFor();
    await expect(page.getByTestId('settings-lmp-input').inputValue()).resolves.toBe(program);
    expect(await page.getByTestId('settings-unconfirmed-lmpPath').textContent()).toContain('it has not been confirmed on this machine, so it is not run');
    // The status bar's engine status (read once the page loads; probing Python takes a while) shows LAMMPS unusable.
    await expect.poll(() => page.getByTestId('status-bar').textContent(), { timeout: 60_000 }).toMatch(/LAMMPS not available/);
    expect(fs.existsSync(marker)).toBe(false);

    // A path that does not exist: asked first, then refused by the core with the path named.
    const absent = path.join(work, 'no-such-lmp');
    await page.getByTestId('settings-lmp-input').fill(absent);
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-confirm').waitFor();
    await page.getByTestId('settings-save').click();
    await page.getByTestId('error-banner').waitFor();
    expect(await page.getByTestId('error-banner').textContent()).toContain(`${absent} does not exist`);

    // The project's program: the dialog asks in plain words; Back saves nothing.
    await page.getByTestId('settings-lmp-input').fill(program);
    await page.getByTestId('settings-save').click();
    const confirm = page.getByTestId('settings-confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(`Run ${program} as the LAMMPS engine? It will be executed with your permissions`);
    // Outside the repository, to be looked at after the run.
    await page.screenshot({ path: '/tmp/settings-confirm.png' });
    await page.getByRole('button', { name: 'Back' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(readTrustStore()).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);

    await page.getByTestId('settings-save').click();
    await confirm.waitFor();
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
    expect(readTrustStore()).toMatchObject([{ setting: 'lmpPath', path: program }]);
    // Confirmed: the core probes it now (the engine status shows LAMMPS found).
    await expect.poll(() => fs.existsSync(marker), { timeout: 30_000 }).toBe(true);
    expect(await dispatch(handlers, 'settings.get', {})).toMatchObject({ lmpPath: program, unconfirmed: [] });
    expect(pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
