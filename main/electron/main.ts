/**
 * Electron main process: one window on the bundled renderer, locked down (context isolation, sandbox, no Node in
 * the page, CSP, no navigation or new windows), wired to the same core and handlers as the other shells.
 */
import * as path from 'node:path';
import { app, BrowserWindow, session, shell } from 'electron';
import { AppCore } from '../core/app-core';
import { createHandlers } from '../core/api/handlers';
import { rendererDir } from '../core/paths';
import { registerIpc } from './ipc';

/** The same policy as the meta tag in renderer/index.html (NGL builds its workers from blob: URLs). */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'SSRO Studio',
    backgroundColor: '#10141a',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith('file://')) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void window.loadFile(path.join(rendererDir, 'index.html'));
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  const core = new AppCore();
  const projectArg = process.argv.find((a) => a.startsWith('--project='))?.slice('--project='.length);
  if (projectArg) await core.openProject(projectArg).catch((e: Error) => console.error(e.message));
  registerIpc(core, createHandlers(core));
  createWindow();
  app.on('window-all-closed', () => {
    void core.dispose().then(() => app.quit());
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

void start();
