/**
 * A preprocessing thread of a map (preprocess-pool.ts): opens the input itself, then turns lists of frame indices
 * into processed frames (frame-processing.ts), the model inputs transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import type { FrameSource } from './frame-source';
import { FrameProcessor } from './frame-processing';
import type { MapPlan } from './mapping';
import { openMicroscopyUnguarded } from './open';

export interface ThreadInit {
  plan: MapPlan;
  badPixels: Uint8Array | null;
  dark: Float32Array | null;
}

type Message = { kind: 'init'; init: ThreadInit } | { kind: 'frames'; id: number; indices: number[] } | { kind: 'close' };

let source: FrameSource | null = null;
let processor: FrameProcessor | null = null;

parentPort?.on('message', (message: Message) => {
  void (async () => {
    try {
      if (message.kind === 'init') {
        const { plan, badPixels, dark } = message.init;
        // Flat frame indices need no scan shape; the dataset path picks the same HDF5 dataset.
        source = await openMicroscopyUnguarded(plan.input.file, plan.input.datasetPath ? { datasetPath: plan.input.datasetPath } : {});
        processor = new FrameProcessor(source, plan, badPixels, dark);
        parentPort?.postMessage({ kind: 'ready' });
      } else if (message.kind === 'frames') {
        if (!processor) throw new Error('the preprocessing thread was not initialised');
        const results = message.indices.map((i) => (processor as FrameProcessor).process(i));
        const transfer = results.flatMap((r) => (r.modelInput ? [r.modelInput.buffer as ArrayBuffer] : []));
        parentPort?.postMessage({ kind: 'frames', id: message.id, results }, transfer);
      } else {
        source?.close();
        source = null;
        processor = null;
        parentPort?.postMessage({ kind: 'closed' });
      }
    } catch (error) {
      parentPort?.postMessage({ kind: 'error', id: message.kind === 'frames' ? message.id : -1, message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
