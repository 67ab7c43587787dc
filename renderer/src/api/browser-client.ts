/**
 * The browser shell's side of the contract: SsroApi over HTTP (POST /api/<channel>), file upload (POST /upload) and
 * one shared WebSocket (/ws) for events, as main/shared/http-protocol.ts specifies.
 */
import { decodeBinaryResponse, isBinaryChannel } from '../../../main/shared/binary-codecs';
import {
  API_PREFIX,
  TOKEN_HEADER,
  TOKEN_QUERY,
  UPLOAD_PATH,
  WS_PATH,
  type ApiReply,
  type EventEnvelope,
} from '../../../main/shared/http-protocol';
// Types only: ipc-contract's values pull in zod and every schema, which the renderer never runs.
import type {
  ApiErrorShape,
  Channel,
  EventName,
  Events,
  FilePurpose,
  Request,
  Response,
  SsroApi,
} from '../../../main/shared/ipc-contract';
import { FILE_PURPOSE_FILTERS } from '../../../main/shared/file-purposes';
import { connectionStatus, uploadProgress } from './transport-status';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

type AnyListener = (payload: Events[EventName]) => void;

export interface BrowserClientOptions {
  /** Where the core listens; defaults to the page's own origin. */
  origin?: string;
  /**
   * The per-launch token; defaults to `?token=` of the page URL. Every API call, upload and the WebSocket carry it
   * themselves (header, or query on the WebSocket URL): the server's cookie only loads the page's assets.
   */
  token?: string | null;
}

export function createBrowserClient(options: BrowserClientOptions = {}): SsroApi {
  const origin = options.origin ?? window.location.origin;
  const token = options.token !== undefined ? options.token : new URLSearchParams(window.location.search).get(TOKEN_QUERY);
  const listeners = new Map<EventName, Set<AnyListener>>();
  let socket: WebSocket | null = null;
  let reconnectDelayMs = RECONNECT_MIN_MS;
  let everConnected = false;

  function headers(contentType: string): Record<string, string> {
    const h: Record<string, string> = { 'content-type': contentType };
    if (token) h[TOKEN_HEADER] = token;
    return h;
  }

  async function invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
    let res: globalThis.Response;
    try {
      res = await fetch(new URL(API_PREFIX + channel, origin), {
        method: 'POST',
        headers: headers('application/json'),
        body: JSON.stringify(request ?? {}),
        credentials: 'same-origin',
      });
    } catch (cause) {
      throw new Error(`Cannot reach the SSRO core at ${origin} (${channel}): ${errorText(cause)}. Is the server still running?`);
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.ok && isBinaryChannel(channel) && type.startsWith('application/octet-stream')) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      return decodeBinaryResponse(channel, bytes);
    }
    return unwrapReply<Response<C>>(channel, res.status, res.statusText, await res.text());
  }

  function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const entry = listener as AnyListener;
    set.add(entry);
    ensureSocket();
    return () => {
      set.delete(entry);
    };
  }

  function ensureSocket(): void {
    if (socket) return;
    const url = new URL(WS_PATH, origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token) url.searchParams.set(TOKEN_QUERY, token);
    const ws = new WebSocket(url);
    socket = ws;
    if (!everConnected) connectionStatus.set({ ...connectionStatus.get(), state: 'connecting' });
    ws.onopen = () => {
      reconnectDelayMs = RECONNECT_MIN_MS;
      const previous = connectionStatus.get();
      // A reconnect bumps the generation: views re-read jobs and structures whose events they may have missed.
      connectionStatus.set({
        state: 'connected',
        generation: everConnected ? previous.generation + 1 : previous.generation,
        detail: null,
      });
      everConnected = true;
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let envelope: EventEnvelope;
      try {
        envelope = JSON.parse(message.data) as EventEnvelope;
      } catch {
        console.error('SSRO event channel: a message that is not JSON was ignored', message.data);
        return;
      }
      for (const listener of [...(listeners.get(envelope.event) ?? [])]) {
        try {
          listener(envelope.payload);
        } catch (error) {
          console.error(`SSRO event listener for ${envelope.event} failed`, error);
        }
      }
    };
    ws.onclose = (close) => {
      if (socket !== ws) return;
      socket = null;
      const delay = reconnectDelayMs;
      reconnectDelayMs = Math.min(RECONNECT_MAX_MS, reconnectDelayMs * 2);
      connectionStatus.set({
        ...connectionStatus.get(),
        state: 'reconnecting',
        detail: `Live updates from the core are interrupted (WebSocket closed, code ${close.code}${close.reason ? `: ${close.reason}` : ''}); retrying in ${Math.round(delay / 100) / 10} s.`,
      });
      window.setTimeout(ensureSocket, delay);
    };
  }

  function pickFile(purpose: FilePurpose): Promise<{ path: string; name: string } | null> {
    return new Promise((resolve, reject) => {
      const input = document.createElement('input');
      input.type = 'file';
      // A hint for the browser's picker ("All files" stays available there), as the native dialog's filter is.
      input.accept = FILE_PURPOSE_FILTERS[purpose].extensions.map((e) => `.${e}`).join(',');
      input.hidden = true;
      input.dataset.testid = 'file-input';
      const done = () => input.remove();
      input.addEventListener('cancel', () => {
        done();
        resolve(null);
      });
      input.addEventListener('change', () => {
        const file = input.files?.[0];
        done();
        if (!file) return resolve(null);
        upload(file).then(resolve, reject);
      });
      document.body.append(input);
      // Must run inside the user's click: browsers open file pickers only from a user gesture.
      input.click();
    });
  }

  function upload(file: File, inFolder: { batch: string; relative: string } | null = null): Promise<{ path: string; name: string; root?: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(UPLOAD_PATH, origin);
      url.searchParams.set('name', file.name);
      if (inFolder) {
        url.searchParams.set('batch', inFolder.batch);
        url.searchParams.set('relative', inFolder.relative);
      }
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      if (token) xhr.setRequestHeader(TOKEN_HEADER, token);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      uploadProgress.set({ name: file.name, loadedBytes: 0, totalBytes: file.size });
      xhr.upload.onprogress = (e) => {
        uploadProgress.set({ name: file.name, loadedBytes: e.loaded, totalBytes: e.lengthComputable ? e.total : file.size });
      };
      xhr.onload = () => {
        uploadProgress.set(null);
        try {
          resolve(unwrapReply<{ path: string; name: string; root?: string }>('upload', xhr.status, xhr.statusText, xhr.responseText));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      xhr.onerror = () => {
        uploadProgress.set(null);
        reject(new Error(`Uploading ${file.name} failed: the SSRO core at ${origin} did not answer.`));
      };
      xhr.onabort = () => {
        uploadProgress.set(null);
        reject(new Error(`Uploading ${file.name} was aborted.`));
      };
      xhr.send(file);
    });
  }

  /** One file: an upload of its own; several (a dropped folder): one batch keeping their layout, one at a time. */
  async function uploadDropped(files: { file: File; relative: string }[]): Promise<{ path: string; name: string }> {
    const first = files[0];
    if (!first) throw new Error('nothing was dropped');
    const segments = first.relative.split('/');
    if (files.length === 1 && segments.length === 1) return upload(first.file);
    const batch = crypto.randomUUID();
    let root: string | undefined;
    for (const { file, relative } of files) root = (await upload(file, { batch, relative })).root;
    if (root === undefined) throw new Error('the core did not say where the uploaded folder is');
    return { path: root, name: segments[0] as string };
  }

  return { shell: 'browser', invoke, on, pickFile, pathOfDropped: () => null, uploadDropped };
}

/** Turns an HTTP answer into the data, or throws ApiError with the core's own message. */
function unwrapReply<T>(what: string, status: number, statusText: string, text: string): T {
  let reply: ApiReply<T>;
  try {
    reply = JSON.parse(text) as ApiReply<T>;
  } catch {
    const body = text.trim().slice(0, 300);
    throw new Error(`${what}: HTTP ${status} ${statusText}${body ? `: ${body}` : ''}`);
  }
  if (reply.ok === true) return reply.data;
  if (reply.ok === false && typeof reply.error?.message === 'string') throw new CoreError(reply.error.code, reply.error.message);
  throw new Error(`${what}: HTTP ${status} ${statusText}: the answer is not an ApiReply`);
}

/** A failure the core reported, with its message as the core wrote it (the same fields as ApiError). */
export class CoreError extends Error {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
