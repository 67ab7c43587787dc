/**
 * The HDF5 open guard's thread (hdf5-guard.ts): opens the file as openMicroscopy does, reads its first frame, closes
 * it and says whether that finished. A damaged file that sends the HDF5 library into an endless loop hangs this
 * thread, which the guard then terminates, instead of the app.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { OpenOptions } from './frame-source';
import { openMicroscopyUnguarded } from './open';

export interface GuardRequest {
  file: string;
  options: OpenOptions;
}

export type GuardReply = { kind: 'ok' } | { kind: 'error'; message: string };

void (async () => {
  const request = workerData as GuardRequest;
  let reply: GuardReply;
  try {
    const source = await openMicroscopyUnguarded(request.file, request.options);
    try {
      if (source.info.frameCount > 0) source.readFrame(0);
    } finally {
      source.close();
    }
    reply = { kind: 'ok' };
  } catch (error) {
    reply = { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
})();
