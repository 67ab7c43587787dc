/**
 * Preprocessing in parallel for maps: worker threads that each open the input and process their share of a batch
 * (frame-processing.ts), so the next batch is prepared while onnxruntime runs the current one. TV denoising costs
 * ~165 ms per 256² frame against ~9 ms of inference, so without this the map waits on one JavaScript thread.
 * The thread script is the compiled preprocess-thread.js beside this module; where it is absent (TypeScript run
 * directly, e.g. by the test runner), `available()` says so and the caller processes in its own thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProcessedFrame } from './frame-processing';
import type { ThreadInit } from './preprocess-thread';

const SCRIPT = path.join(__dirname, 'preprocess-thread.js');

type Reply = { kind: 'ready' } | { kind: 'closed' } | { kind: 'frames'; id: number; results: ProcessedFrame[] } | { kind: 'error'; id: number; message: string };

/** Threads worth starting on this machine: every core (inference waits on them, not the other way round). */
export function defaultPreprocessThreads(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export class PreprocessPool {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ProcessedFrame[]) => void; reject: (e: Error) => void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: Reply) => {
        if (reply.kind !== 'frames' && reply.kind !== 'error') return;
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if (reply.kind === 'frames') waiting.resolve(reply.results);
        else waiting.reject(new Error(reply.message));
      });
      w.on('error', (error) => this.failAll(error));
      w.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`a preprocessing thread stopped (exit code ${code})`));
      });
    }
  }

  static available(): boolean {
    return fs.existsSync(SCRIPT);
  }

  static async start(threads: number, init: ThreadInit): Promise<PreprocessPool> {
    const workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(SCRIPT));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (reply: Reply): void => {
              if (reply.kind === 'ready') {
                w.off('message', onMessage);
                resolve();
              } else if (reply.kind === 'error') reject(new Error(reply.message));
            };
            w.on('message', onMessage);
            w.once('error', reject);
            w.postMessage({ kind: 'init', init });
          }),
      ),
    ).catch(async (error: unknown) => {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    });
    return new PreprocessPool(workers);
  }

  /** Processes `indices` across the threads (interleaved, so each gets a share of every scan region); results in order. */
  async process(indices: number[]): Promise<ProcessedFrame[]> {
    const n = this.workers.length;
    const shares = this.workers.map((_, k) => indices.filter((_, i) => i % n === k));
    const parts = await Promise.all(
      this.workers.map(
        (w, k) =>
          new Promise<ProcessedFrame[]>((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve, reject });
            w.postMessage({ kind: 'frames', id, indices: shares[k] });
          }),
      ),
    );
    const out: ProcessedFrame[] = new Array<ProcessedFrame>(indices.length);
    parts.forEach((part, k) => part.forEach((r, j) => (out[j * n + k] = r)));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(error: Error): void {
    for (const [, waiting] of this.pending) waiting.reject(error);
    this.pending.clear();
  }
}
