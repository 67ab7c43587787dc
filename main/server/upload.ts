/** Receives a browser upload into the project's `uploads/` folder: streamed to a temp name, renamed when whole. */
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

export async function receiveUpload(
  req: http.IncomingMessage,
  projectDir: string,
  name: string,
  maxBytes: number,
): Promise<{ path: string; name: string }> {
  const folder = path.join(projectDir, 'uploads', crypto.randomUUID());
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, safeFileName(name));
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
    fs.rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return { path: file, name };
}
