/** The Electron shell's IPC: every contract channel through `dispatch` (validated), events pushed to windows. */
import * as path from 'node:path';
import { BrowserWindow, dialog, ipcMain } from 'electron';
import { FILE_PURPOSE_FILTERS, FILE_PURPOSES, type FilePurpose } from '../shared/file-purposes';
import { ApiError, isChannel } from '../shared/ipc-contract';
import type { AppCore } from '../core/app-core';
import { dispatch, type Handlers } from '../core/api/handlers';

export function registerIpc(core: AppCore, handlers: Handlers): void {
  ipcMain.handle('ssro:invoke', async (event, channel: unknown, request: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'invalid-request', message: 'untrusted sender' } };
    }
    if (!isChannel(channel)) return { ok: false, error: { code: 'invalid-request', message: `unknown channel ${String(channel)}` } };
    try {
      return { ok: true, data: await dispatch(handlers, channel, request) };
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('failed', (error as Error).message);
      return { ok: false, error: { code: e.code, message: e.message } };
    }
  });
  ipcMain.handle('ssro:pick-file', async (event, purpose: unknown) => {
    if (!FILE_PURPOSES.includes(purpose as FilePurpose)) return null;
    const filter = FILE_PURPOSE_FILTERS[purpose as FilePurpose];
    const window = BrowserWindow.fromWebContents(event.sender);
    const options: Electron.OpenDialogOptions = {
      title: filter.title,
      properties: ['openFile'],
      filters: [
        { name: filter.name, extensions: [...filter.extensions] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    const file = result.filePaths[0];
    return result.canceled || file === undefined ? null : { path: file, name: path.basename(file) };
  });
  core.on('event', (name, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send('ssro:event', name, payload);
  });
}

/** Only our own bundled page may call the core. */
export function isTrustedSender(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('file://');
}
