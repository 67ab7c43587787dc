/**
 * Electron preload (sandboxed): exposes `window.api`, the contract over IPC. It may import only types from the
 * app, because a sandboxed preload cannot load other modules; the main process validates every request.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { Channel, EventName, Events, Request, Response, SsroApi } from '../shared/ipc-contract';

const api = {
  shell: 'electron',
  async invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
    const reply = (await ipcRenderer.invoke('ssro:invoke', channel, request)) as
      | { ok: true; data: Response<C> }
      | { ok: false; error: { code: string; message: string } };
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.data;
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, name: EventName, payload: Events[E]): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('ssro:event', wrapped);
    return () => {
      ipcRenderer.off('ssro:event', wrapped);
    };
  },
  async pickFile(purpose) {
    return (await ipcRenderer.invoke('ssro:pick-file', purpose)) as { path: string; name: string } | null;
  },
  pathOfDropped(file: File): string | null {
    // Empty for data that is not on disk (e.g. dragged out of another application's memory).
    const where = webUtils.getPathForFile(file);
    return where.length > 0 ? where : null;
  },
  uploadDropped(): Promise<{ path: string; name: string }> {
    // Never needed here: everything dropped on the Electron window has a path (pathOfDropped).
    return Promise.reject(new Error('dropped data without a path on disk cannot be opened; save it to a file first'));
  },
} satisfies SsroApi;

contextBridge.exposeInMainWorld('api', api);
