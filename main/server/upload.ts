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

export async function receiveUpload(
  req: http.IncomingMessage,
  projectDir: string,
  name: string,
  maxBytes: number,
  inFolder: { batch: string; relative: string } | null = null,
): Promise<{ path: string; name: string; root?: string }> {
  if (inFolder && !BATCH_PATTERN.test(inFolder.batch)) throw new ApiError('invalid-request', `upload batch "${inFolder.batch}" is not a UUID`);
  const segments = inFolder ? safeRelativePath(inFolder.relative) : [safeFileName(name)];
  const batchDir = path.join(projectDir, 'uploads', inFolder?.batch ?? crypto.randomUUID());
  const file = path.join(batchDir, ...segments);
  const folder = path.dirname(file);
  fs.mkdirSync(folder, { recursive: true });
  const tmp = `${file}.partial`;
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(new ApiError('invalid-request', `${name}: upload larger than ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(req, limit, fs.createWriteStream(tmp));
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
