/**
 * The browser shell: the contract over HTTP + WebSocket on 127.0.0.1 only, guarded by a per-launch token, plus
 * the built renderer as static files (guarded by a separate asset key in a cookie, which opens nothing else).
 * Protocol details live in main/shared/http-protocol.ts.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeBinaryResponse, isBinaryChannel } from '../shared/binary-codecs';
import { ApiError, isChannel, type ApiErrorShape } from '../shared/ipc-contract';
import {
  API_PREFIX,
  assetCookieName,
  MAX_JSON_BODY_BYTES,
  MAX_UPLOAD_BYTES,
  TOKEN_HEADER,
  TOKEN_QUERY,
  UPLOAD_PATH,
  WS_PATH,
  type ApiReply,
  type EventEnvelope,
} from '../shared/http-protocol';
import type { AppCore } from '../core/app-core';
import { dispatch, type Handlers } from '../core/api/handlers';
import { rendererDir } from '../core/paths';
import { receiveUpload, UploadTooLarge } from './upload';

export interface ServerOptions {
  core: AppCore;
  handlers: Handlers;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); default: a fresh random one per launch. */
  token?: string;
  staticDir?: string;
  /** Largest upload accepted (tests); default MAX_UPLOAD_BYTES. */
  maxUploadBytes?: number;
}

export interface RunningServer {
  url: string;
  /** The URL a person opens: carries the token. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** A body over the limit is still read (and dropped) up to this, so the 413 reply reaches the client. */
const MAX_DRAINED_BYTES = 1024 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function cookieValue(req: http.IncomingMessage, name: string): string | undefined {
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim()) ?? [];
  const entry = cookies.find((c) => c.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/** The token as an API call, upload or WebSocket must carry it: header or query, never a cookie. */
function requestToken(req: http.IncomingMessage, url: URL): string | null {
  const header = req.headers[TOKEN_HEADER];
  return typeof header === 'string' ? header : url.searchParams.get(TOKEN_QUERY);
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
}

function sendJson(res: http.ServerResponse, status: number, body: ApiReply): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, error: ApiErrorShape): void {
  sendJson(res, status, { ok: false, error });
}

function statusFor(code: ApiErrorShape['code']): number {
  return code === 'invalid-request' ? 400 : code === 'not-found' ? 404 : code === 'no-project' ? 409 : 500;
}

/**
 * Reads a request body of at most `limit` bytes. A larger one is read to its end and dropped, and reported as its
 * size: closing the connection while the client still sends would reset it before the client reads our reply.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer } | { tooLarge: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
      if (size > MAX_DRAINED_BYTES) {
        reject(new ApiError('invalid-request', `request body larger than ${MAX_DRAINED_BYTES} bytes`));
        req.destroy();
      }
    });
    req.on('end', () => resolve(size > limit ? { tooLarge: size } : { body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

function parseUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** The path with %-escapes decoded, or null when they are broken (e.g. "%E0%A4%A"). */
function decodedPath(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  // The page's asset cookie holds its own secret: a cookie for 127.0.0.1 reaches every port on the machine.
  const assetKey = crypto.randomBytes(24).toString('base64url');
  const staticDir = options.staticDir ?? rendererDir;
  let port = options.port ?? 0;

  /** Only our own origin may talk to us: defeats DNS rebinding and cross-site requests. */
  const hostAllowed = (req: http.IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const originAllowed = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, channelName: string): Promise<void> => {
    if (req.method !== 'POST') return sendError(res, 405, { code: 'invalid-request', message: 'use POST' });
    if (!isChannel(channelName)) {
      return sendError(res, 404, { code: 'invalid-request', message: `unknown channel "${channelName}"` });
    }
    let body: unknown = {};
    const read = await readBody(req, MAX_JSON_BODY_BYTES);
    if ('tooLarge' in read) {
      return sendError(res, 413, {
        code: 'invalid-request',
        message: `${channelName}: the request is ${megabytes(read.tooLarge)} (${read.tooLarge} bytes), over the limit of ${megabytes(MAX_JSON_BODY_BYTES)} (${MAX_JSON_BODY_BYTES} bytes) for a request; large data goes by file path or upload`,
      });
    }
    const raw = read.body;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        return sendError(res, 400, { code: 'invalid-request', message: `${channelName}: the request body is not JSON` });
      }
    }
    const data = await dispatch(options.handlers, channelName, body);
    if (isBinaryChannel(channelName)) {
      const bytes = encodeBinaryResponse(channelName, data);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return;
    }
    sendJson(res, 200, { ok: true, data: data ?? null });
  };

  const serveStatic = (res: http.ServerResponse, url: URL, pathname: string): void => {
    const rel = pathname === '/' ? '/index.html' : pathname;
    const file = path.resolve(staticDir, `.${rel}`);
    if (!file.startsWith(path.resolve(staticDir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(fs.existsSync(staticDir) ? 'not found' : `the GUI is not built (${staticDir} is missing); run "npm run build"`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': rel === '/index.html' ? 'no-store' : 'private, max-age=3600',
    };
    if (sameToken(url.searchParams.get(TOKEN_QUERY), token)) {
      headers['set-cookie'] = `${assetCookieName(port)}=${assetKey}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (!hostAllowed(req)) {
          res.writeHead(403, { 'content-type': 'text/plain' });
          return res.end('forbidden host');
        }
        const url = parseUrl(req);
        const isApi = url !== null && (url.pathname.startsWith(API_PREFIX) || url.pathname === UPLOAD_PATH);
        const pathname = url === null ? null : decodedPath(url);
        if (url === null || pathname === null) {
          const message = `the address ${JSON.stringify((req.url ?? '').slice(0, 200))} is malformed (broken %-encoding)`;
          if (isApi) return sendError(res, 400, { code: 'invalid-request', message });
          res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
          return res.end(message);
        }
        // API calls must carry the token themselves (header or query); a cookie goes to every port on 127.0.0.1
        // and may be sent cross-site. The asset cookie opens the page's static files and nothing else.
        const authorised = isApi
          ? originAllowed(req) && sameToken(requestToken(req, url), token)
          : sameToken(url.searchParams.get(TOKEN_QUERY), token) || sameToken(cookieValue(req, assetCookieName(port)), assetKey);
        if (!authorised) {
          if (isApi) return sendError(res, 401, { code: 'invalid-request', message: 'missing or wrong session token' });
          res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
          return res.end('SSRO Studio: open the address printed by "ssro serve" or "npm start"; it carries the session token.');
        }
        if (url.pathname === UPLOAD_PATH) {
          if (req.method !== 'POST') return sendError(res, 405, { code: 'invalid-request', message: 'use POST' });
          const name = url.searchParams.get('name') ?? 'upload';
          const { project } = options.core.requireProject();
          const batch = url.searchParams.get('batch');
          const relative = url.searchParams.get('relative');
          const stored = await receiveUpload(req, project.dir, name, options.maxUploadBytes ?? MAX_UPLOAD_BYTES, batch !== null && relative !== null ? { batch, relative } : null);
          return sendJson(res, 200, { ok: true, data: stored });
        }
        if (url.pathname.startsWith(API_PREFIX)) return await handleApi(req, res, pathname.slice(API_PREFIX.length));
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405);
          return res.end();
        }
        serveStatic(res, url, pathname);
      } catch (error) {
        if (res.headersSent) return res.destroy();
        const apiError = error instanceof ApiError ? error : new ApiError('failed', (error as Error).message);
        sendError(res, error instanceof UploadTooLarge ? 413 : statusFor(apiError.code), { code: apiError.code, message: apiError.message });
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = parseUrl(req);
    // The token only (query or header): the page's cookie never opens the event stream.
    const ok =
      url !== null &&
      url.pathname === WS_PATH &&
      hostAllowed(req) &&
      originAllowed(req) &&
      sameToken(requestToken(req, url), token);
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  const forward = (event: EventEnvelope['event'], payload: EventEnvelope['payload']): void => {
    const text = JSON.stringify({ event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  options.core.on('event', forward);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?${TOKEN_QUERY}=${token}`,
    token,
    port,
    async close() {
      options.core.off('event', forward);
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
