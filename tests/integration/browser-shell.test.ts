/** The browser shell over real HTTP and WebSocket: token, host and origin guards, validation, an import end to end. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeAtomFrame } from '../../main/shared/atom-frame-codec';
import type { JobSummary } from '../../main/shared/domain';
import { assetCookieName, MAX_JSON_BODY_BYTES, type ApiReply, type EventEnvelope } from '../../main/shared/http-protocol';
import { AppCore } from '../../main/core/app-core';
import { createHandlers } from '../../main/core/api/handlers';
import { startServer, type RunningServer } from '../../main/server/server';
import { tempDir } from '../support/temp';

let core: AppCore;
let server: RunningServer;

beforeAll(async () => {
  core = new AppCore();
  server = await startServer({ core, handlers: createHandlers(core) });
});
afterAll(async () => {
  await server.close();
  await core.dispose();
});

async function call<T>(channel: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; reply: ApiReply<T> }> {
  const res = await fetch(`${server.url}api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ssro-token': server.token, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, reply: (await res.json()) as ApiReply<T> };
}

/** 'open', or the error of a refused upgrade (its message carries the HTTP status). */
async function wsOutcome(url: string, headers: Record<string, string> = {}): Promise<string> {
  const ws = new WebSocket(url, { headers });
  const outcome = await new Promise<string>((resolve) => {
    ws.on('open', () => resolve('open'));
    ws.on('error', (e) => resolve(e.message));
  });
  ws.close();
  return outcome;
}

const XYZ = `4
Lattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3 pbc="T T T"
Cu 0 0 0
Zr 1.8 1.8 0
Cu 1.8 0 1.8
Cu 0 1.8 1.8
`;

describe('browser shell', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses API calls without the token, with a wrong token, from a foreign origin or host', async () => {
    const noToken = await fetch(`${server.url}api/app.info`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    expect((await call('app.info', {}, { 'x-ssro-token': 'guess' })).status).toBe(401);
    expect((await call('app.info', {}, { origin: 'http://evil.example' })).status).toBe(401);
    const page = await fetch(server.url);
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/carries the session token/);
    // DNS rebinding: a request whose Host is not ours.
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { host: 'evil.example' } }, (res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(403);
  });

  it('validates requests at the boundary and says which field is wrong', async () => {
    const { status, reply } = await call('structures.get', { id: 'x' });
    expect(status).toBe(400);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/structures.get: id/);
    const unknown = await call('structures.explode', {});
    expect(unknown.status).toBe(404);
    const noProject = await call('structures.list', {});
    expect(noProject.status).toBe(409);
    if (!noProject.reply.ok) expect(noProject.reply.error.message).toMatch(/no project is open/);
  });

  it('refuses a WebSocket without the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(outcome).toMatch(/401/);
  });

  it('refuses a WebSocket that carries the token only in a cookie', async () => {
    // Browsers send 127.0.0.1's cookies to every port: a cookie must never open the event stream.
    const outcome = await wsOutcome(`ws://127.0.0.1:${server.port}/ws`, { cookie: `ssro_token=${server.token}; ${assetCookieName(server.port)}=${server.token}` });
    expect(outcome).toMatch(/401/);
    expect(await wsOutcome(`ws://127.0.0.1:${server.port}/ws`, { 'x-ssro-token': server.token })).toBe('open');
    expect(await wsOutcome(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)).toBe('open');
  });

  it('answers a JSON body over the limit with 413 naming the limit, after reading it (no connection reset)', async () => {
    const body = JSON.stringify({ path: 'x'.repeat(MAX_JSON_BODY_BYTES + 1024 * 1024) });
    const res = await fetch(`${server.url}api/project.open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ssro-token': server.token },
      body,
    });
    expect(res.status).toBe(413);
    const reply = (await res.json()) as ApiReply;
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.message).toContain(`${MAX_JSON_BODY_BYTES} bytes`);
      expect(reply.error.message).toMatch(/project\.open: the request is 17\.0 MB .* over the limit of 16 MB/);
    }
    // The server goes on answering.
    expect((await call('project.current', {})).status).toBe(200);
  });

  it('answers 400, not 500, to an address with broken percent-encoding', async () => {
    const api = await fetch(`${server.url}api/%E0%A4%A`, { method: 'POST', headers: { 'x-ssro-token': server.token }, body: '{}' });
    expect(api.status).toBe(400);
    const reply = (await api.json()) as ApiReply;
    expect(!reply.ok && reply.error.message).toMatch(/malformed \(broken %-encoding\)/);
    const asset = await fetch(`${server.url}assets/%E0%A4%A.js?token=${server.token}`);
    expect(asset.status).toBe(400);
    expect(await asset.text()).toMatch(/malformed/);
  });

  it('loads the page with an asset cookie of its own secret, which opens neither the API, uploads nor the WebSocket', async () => {
    const staticDir = tempDir();
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>SSRO</title>');
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1);');
    const shell = await startServer({ core, handlers: createHandlers(core), staticDir });
    try {
      const page = await fetch(`${shell.openUrl}`);
      expect(page.status).toBe(200);
      const setCookie = page.headers.get('set-cookie') ?? '';
      const name = assetCookieName(shell.port);
      const match = new RegExp(`^${name}=([^;]+); HttpOnly; SameSite=Strict; Path=/$`).exec(setCookie);
      expect(match).not.toBeNull();
      const assetKey = match?.[1] ?? '';
      expect(assetKey.length).toBeGreaterThanOrEqual(32);
      expect(assetKey).not.toBe(shell.token);
      expect(setCookie).not.toContain(shell.token);

      const cookie = `${name}=${assetKey}`;
      const asset = await fetch(`${shell.url}app.js`, { headers: { cookie } });
      expect(asset.status).toBe(200);
      expect(await asset.text()).toBe('console.log(1);');
      expect((await fetch(`${shell.url}app.js`)).status).toBe(401);
      // The token in the asset cookie's place does not load assets either: the cookie holds the asset key only.
      expect((await fetch(`${shell.url}app.js`, { headers: { cookie: `${name}=${shell.token}` } })).status).toBe(401);

      const api = (headers: Record<string, string>, query = ''): Promise<Response> =>
        fetch(`${shell.url}api/app.info${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      expect((await api({ cookie })).status).toBe(401);
      expect((await api({ 'x-ssro-token': assetKey })).status).toBe(401);
      expect((await api({}, `?token=${assetKey}`)).status).toBe(401);
      expect((await fetch(`${shell.url}api/project.current`, { method: 'POST', headers: { 'x-ssro-token': shell.token }, body: '{}' })).status).toBe(200);
      const upload = await fetch(`${shell.url}upload?name=a.xyz&token=${assetKey}`, { method: 'POST', headers: { cookie }, body: XYZ });
      expect(upload.status).toBe(401);

      expect(await wsOutcome(`ws://127.0.0.1:${shell.port}/ws`, { cookie })).toMatch(/401/);
      expect(await wsOutcome(`ws://127.0.0.1:${shell.port}/ws?token=${assetKey}`)).toMatch(/401/);
    } finally {
      await shell.close();
    }
  });

  it('creates a project, uploads and imports a file, pushes job events, and serves the atoms', async () => {
    const dir = path.join(tempDir(), 'shell project');
    const created = await call<{ name: string }>('project.create', { path: dir, name: 'Shell' });
    expect(created.reply).toMatchObject({ ok: true, data: { name: 'Shell' } });

    const events: EventEnvelope[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((resolve) => ws.on('open', resolve));
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as EventEnvelope));

    const upload = await fetch(`${server.url}upload?name=${encodeURIComponent('../../tiny cell.xyz')}`, {
      method: 'POST',
      headers: { 'x-ssro-token': server.token },
      body: XYZ,
    });
    const uploaded = (await upload.json()) as ApiReply<{ path: string; name: string }>;
    expect(uploaded.ok).toBe(true);
    if (!uploaded.ok) return;
    expect(uploaded.data.path.startsWith(path.join(dir, 'uploads'))).toBe(true);
    expect(path.basename(uploaded.data.path)).toBe('tiny cell.xyz');
    expect(fs.readFileSync(uploaded.data.path, 'utf8')).toBe(XYZ);

    const submitted = await call<{ jobId: number }>('structures.import', { path: uploaded.data.path, displayName: 'tiny cell.xyz' });
    expect(submitted.reply.ok).toBe(true);
    if (!submitted.reply.ok) return;
    const jobId = submitted.reply.data.jobId;
    for (let i = 0; i < 100; i++) {
      if (events.some((e) => e.event === 'job.updated' && (e.payload as JobSummary).id === jobId && (e.payload as JobSummary).state === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const states = events.filter((e) => e.event === 'job.updated').map((e) => (e.payload as JobSummary).state);
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('succeeded');
    expect(events.some((e) => e.event === 'structures.changed')).toBe(true);

    const list = await call<{ id: number; name: string; atomCount: number; composition: Record<string, number> }[]>('structures.list', {});
    expect(list.reply.ok && list.reply.data[0]).toMatchObject({ name: 'tiny cell.xyz', atomCount: 4, composition: { Cu: 3, Zr: 1 } });
    const id = list.reply.ok ? (list.reply.data[0]?.id ?? 0) : 0;

    const atoms = await fetch(`${server.url}api/structures.atoms`, {
      method: 'POST',
      headers: { 'x-ssro-token': server.token },
      body: JSON.stringify({ id }),
    });
    expect(atoms.headers.get('content-type')).toBe('application/octet-stream');
    const frame = decodeAtomFrame(new Uint8Array(await atoms.arrayBuffer()));
    expect(frame.count).toBe(4);
    expect(frame.elements).toEqual(['Cu', 'Zr']);
    expect(Array.from(frame.positions.subarray(3, 6))).toEqual([1.7999999523162842, 1.7999999523162842, 0]);
    ws.close();
  });

  it('uploads a dropped folder file by file into one place with its subfolders, and refuses paths that would leave it', async () => {
    const batch = crypto.randomUUID();
    const send = async (relative: string, body: string, batchId: string = batch): Promise<{ status: number; reply: ApiReply<{ path: string; name: string; root?: string }> }> => {
      const url = `${server.url}upload?name=${encodeURIComponent(path.basename(relative))}&batch=${batchId}&relative=${encodeURIComponent(relative)}`;
      const res = await fetch(url, { method: 'POST', headers: { 'x-ssro-token': server.token }, body });
      return { status: res.status, reply: (await res.json()) as ApiReply<{ path: string; name: string; root?: string }> };
    };
    const a = await send('patterns/grain/p1.png', 'one');
    const b = await send('patterns/interior/p2.png', 'two');
    if (!a.reply.ok || !b.reply.ok) throw new Error('upload failed');
    expect(a.reply.data.root).toBe(b.reply.data.root);
    const root = a.reply.data.root ?? '';
    expect(path.basename(root)).toBe('patterns');
    expect(fs.readFileSync(path.join(root, 'grain', 'p1.png'), 'utf8')).toBe('one');
    expect(fs.readFileSync(path.join(root, 'interior', 'p2.png'), 'utf8')).toBe('two');
    // ".." segments are neutralised (they stay inside the batch folder), a batch id that is not a UUID is refused.
    const sneaky = await send('../../../outside.png', 'x');
    expect(sneaky.reply.ok && sneaky.reply.data.path.startsWith(path.dirname(root))).toBe(true);
    const bad = await send('patterns/p.png', 'x', '../../etc');
    expect(bad.status).toBe(400);
    expect(!bad.reply.ok && bad.reply.error.message).toMatch(/upload batch "..\/..\/etc" is not a UUID/);
  });

  it('fails an import of a malformed file with the file and line named, and adds nothing', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'broken.xyz');
    fs.writeFileSync(bad, XYZ.replace('Zr 1.8 1.8 0', 'Zr 1.8 abc 0'));
    const before = await call<unknown[]>('structures.list', {});
    const submitted = await call<{ jobId: number }>('structures.import', { path: bad });
    if (!submitted.reply.ok) throw new Error(submitted.reply.error.message);
    let job: JobSummary | null = null;
    for (let i = 0; i < 100; i++) {
      const r = await call<JobSummary>('jobs.get', { id: submitted.reply.data.jobId });
      if (r.reply.ok && ['failed', 'succeeded'].includes(r.reply.data.state)) {
        job = r.reply.data;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(job?.state).toBe('failed');
    expect(job?.error).toMatch(/broken\.xyz.*line 4/);
    const after = await call<unknown[]>('structures.list', {});
    expect(after.reply.ok && after.reply.data.length).toBe(before.reply.ok && before.reply.data.length);
    const missing = await call('structures.import', { path: path.join(dir, 'nothing.data') });
    expect(missing.status).toBe(400);
    if (!missing.reply.ok) expect(missing.reply.error.message).toMatch(/nothing\.data: file not found/);
  });
});

describe('browser shell uploads over the size limit', () => {
  let small: RunningServer;
  let smallCore: AppCore;
  let dir = '';
  beforeAll(async () => {
    smallCore = new AppCore();
    dir = path.join(tempDir(), 'p');
    await smallCore.createProject(dir);
    small = await startServer({ core: smallCore, handlers: createHandlers(smallCore), maxUploadBytes: 1000 });
  });
  afterAll(async () => {
    await small.close();
    await smallCore.dispose();
  });

  const leftovers = (): string[] => fs.readdirSync(path.join(dir, 'uploads'), { recursive: true }).map(String);

  it('answers 413 naming the limit, with or without a declared length, keeps nothing and goes on answering', async () => {
    const declared = await fetch(`${small.url}upload?name=big.xyz`, { method: 'POST', headers: { 'x-ssro-token': small.token }, body: 'x'.repeat(5000) });
    expect(declared.status).toBe(413);
    const reply = (await declared.json()) as ApiReply;
    expect(!reply.ok && reply.error.message).toMatch(/big\.xyz: the upload is 5000 bytes, over the limit of 1000 bytes/);
    // A streamed body declares no length: it is read and dropped past the limit, then refused the same way.
    const chunks = [Buffer.alloc(800, 120), Buffer.alloc(800, 120), Buffer.alloc(800, 120)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await fetch(`${small.url}upload?name=streamed.xyz`, {
      method: 'POST',
      headers: { 'x-ssro-token': small.token },
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(streamed.status).toBe(413);
    const streamedReply = (await streamed.json()) as ApiReply;
    expect(!streamedReply.ok && streamedReply.error.message).toMatch(/streamed\.xyz: the upload is 2400 bytes, over the limit of 1000 bytes/);
    expect(leftovers()).toEqual([]);
    const fine = await fetch(`${small.url}upload?name=ok.xyz`, { method: 'POST', headers: { 'x-ssro-token': small.token }, body: XYZ });
    expect(fine.status).toBe(200);
  });
});
