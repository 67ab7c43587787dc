/**
 * Receives a browser upload into the project's `uploads/` folder: streamed to a temp name, renamed when whole.
 * A dropped folder arrives file by file with one batch id and each file's path relative to the dropped folder's
 * parent ("patterns/grain/p1.png"); the files land under uploads/<batch>/ with that layout, so the folder's
 * subfolders (its groups) survive, and `root` is the uploaded folder.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ApiError } from '../shared/ipc-contract';

/** Keeps a file name readable but harmless: no folders, no control characters. */
export function safeFileName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  const cleaned = base.replace(/[^\w.+\-()[\] ]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'upload';
}

/** A batch id the client made (crypto.randomUUID): nothing that could leave the uploads folder. */
const BATCH_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A relative path of safe names ("a/b/c.png"); no empty, "." or ".." segments, at most 16 deep. */
export function safeRelativePath(relative: string): string[] {
  const segments = relative.replace(/\\/g, '/').split('/').filter((s) => s.length > 0);
  if (segments.length === 0 || segments.length > 16) throw new ApiError('invalid-request', `upload path "${relative}": give 1 to 16 folder levels`);
  return segments.map(safeFileName);
}

/** An upload over the size limit: answered 413 once its body has been read and dropped. */
export class UploadTooLarge extends ApiError {
  constructor(name: string, size: number, maxBytes: number) {
    super('invalid-request', `${name}: the upload is ${size} bytes, over the limit of ${maxBytes} bytes; open large files by path instead`);
    this.name = 'UploadTooLarge';
  }
}

/** Bytes of an over-limit upload read and dropped so the 413 reaches the client (beyond them the socket is cut). */
const MAX_DRAINED_BYTES = 1024 * 1024 * 1024;

export async function receiveUpload(
  req: http.IncomingMessage,
  projectDir: string,
  name: string,
  maxBytes: number,
  inFolder: { batch: string; relative: string } | null = null,
): Promise<{ path: string; name: string; root?: string }> {
  if (inFolder && !BATCH_PATTERN.test(inFolder.batch)) throw new ApiError('invalid-request', `upload batch "${inFolder.batch}" is not a UUID`);
  const segments = inFolder ? safeRelativePath(inFolder.relative) : [safeFileName(name)];
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await drain(req);
    throw new UploadTooLarge(name, declared, maxBytes);
  }
  const batchDir = path.join(projectDir, 'uploads', inFolder?.batch ?? crypto.randomUUID());
  const file = path.join(batchDir, ...segments);
  const folder = path.dirname(file);
  fs.mkdirSync(folder, { recursive: true });
  const tmp = `${file}.partial`;
  let size = 0;
  // Past the limit the rest is read and dropped instead of failing the pipeline: destroying the request while the
  // client still sends resets the connection before it can read the reply.
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes + MAX_DRAINED_BYTES) callback(new UploadTooLarge(name, size, maxBytes));
      else if (size > maxBytes) callback(null);
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(req, limit, fs.createWriteStream(tmp));
    if (size > maxBytes) throw new UploadTooLarge(name, size, maxBytes);
    if (size === 0) throw new ApiError('invalid-request', `${name}: the file is empty`);
    fs.renameSync(tmp, file);
  } catch (error) {
    // A single file's folder is its own; in a folder batch only this file is removed (the others are whole).
    if (inFolder) fs.rmSync(tmp, { force: true });
    else fs.rmSync(batchDir, { recursive: true, force: true });
    throw error;
  }
  return inFolder ? { path: file, name, root: path.join(batchDir, segments[0] as string) } : { path: file, name };
}

/** Reads and drops a request body (at most MAX_DRAINED_BYTES; a longer one is cut). */
function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) {
        req.destroy();
        resolve();
      }
    });
    req.on('end', () => resolve());
    req.on('error', () => resolve());
  });
}
