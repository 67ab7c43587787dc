/**
 * How the browser shell carries the contract over HTTP + WebSocket on 127.0.0.1. Shared by the server
 * (main/server) and the browser client (renderer) so the two cannot drift.
 *
 * - API calls, uploads and the WebSocket carry the per-launch token themselves: header `x-ssro-token`, or `?token=`
 *   on the URL (the browser client puts it on the WebSocket URL). A cookie never authorises them: browsers send
 *   cookies for 127.0.0.1 to every port, so another local server would receive it.
 * - The page is opened with `?token=`; the server then sets an HttpOnly SameSite=Strict cookie holding a second,
 *   separate secret (the asset key) so the page's own scripts and styles load. It opens nothing but static files.
 * - A JSON request body larger than MAX_JSON_BODY_BYTES is answered 413 with a JSON error naming the limit; an
 *   address with broken percent-encoding is answered 400.
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
/** The asset cookie's name carries the port, so two servers on one machine do not overwrite each other's. */
export function assetCookieName(port: number): string {
  return `ssro_assets_${port}`;
}
export const API_PREFIX = '/api/';
export const UPLOAD_PATH = '/upload';
export const WS_PATH = '/ws';
/** API request bodies (JSON) larger than this are refused with 413; big data travels by path or by upload. */
export const MAX_JSON_BODY_BYTES = 16 * 1024 * 1024;
/** Uploads larger than this are refused (structure files; experimental data is opened by path). */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

export type ApiReply<T = unknown> = { ok: true; data: T } | { ok: false; error: ApiErrorShape };

export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  payload: Events[E];
}
