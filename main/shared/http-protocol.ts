/**
 * How the browser shell carries the contract over HTTP + WebSocket on 127.0.0.1. Shared by the server
 * (main/server) and the browser client (renderer) so the two cannot drift.
 *
 * - Every request carries the per-launch token: header `x-ssro-token`, or `?token=` on the page URL and the
 *   WebSocket URL (the server then sets an HttpOnly SameSite=Strict cookie so the page's assets load).
 * - `POST /api/<channel>` with the JSON request body → JSON `ApiReply`; channels with a binary codec
 *   (binary-codecs.ts: structures.atoms, labels.values) answer `application/octet-stream`, JSON only on error.
 * - `POST /upload?name=<file name>` with the raw file bytes → JSON `ApiReply<{ path, name }>`: the file is kept
 *   in the project's upload folder and `path` is what `structures.import` takes. A dropped folder is sent file by
 *   file with `&batch=<uuid>&relative=<folder/sub/file>`: the files keep their layout under one upload folder and
 *   the reply's `root` is the folder.
 * - `GET /ws?token=…` upgrades to a WebSocket that pushes `EventEnvelope`s.
 */
import type { ApiErrorShape, EventName, Events } from './ipc-contract';

export const TOKEN_HEADER = 'x-ssro-token';
export const TOKEN_QUERY = 'token';
export const TOKEN_COOKIE = 'ssro_token';
export const API_PREFIX = '/api/';
export const UPLOAD_PATH = '/upload';
export const WS_PATH = '/ws';
/** Uploads larger than this are refused (structure files; experimental data is opened by path). */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

export type ApiReply<T = unknown> = { ok: true; data: T } | { ok: false; error: ApiErrorShape };

export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  payload: Events[E];
}
