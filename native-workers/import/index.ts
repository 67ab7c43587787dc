/**
 * The `import` job: reads a structure file with the streaming readers, checks it, and stages the project's
 * structure folder in the job's scratch folder; the core moves it into the project when the job succeeds.
 */
import type { ImportRequest } from '../../main/shared/ipc-contract';
import { parseElementMapping } from '../../main/shared/elements';
import { runWorker } from '../runtime/worker-runtime';
import { readStructureFile } from '../lib/structure-io/read-structure';
import { ReadCancelled } from '../lib/structure-io/types';
import { writeStructureFolder } from '../lib/structure-store';
import { JobCancelled } from '../runtime/worker-runtime';

runWorker('import', (raw, ctx) => {
  const request = raw as ImportRequest;
  const elements =
    request.elements === undefined
      ? undefined
      : typeof request.elements === 'string'
        ? parseElementMapping(request.elements)
        : parseElementMapping(request.elements.join(','));
  ctx.log(`reading ${request.displayName ?? request.path} (${request.format})`);
  const started = Date.now();
  let structure;
  try {
    structure = readStructureFile(request.path, request.format, {
      ...(elements ? { elements } : {}),
      frame: request.frame,
      onProgress: (fraction) => ctx.progress(0.9 * fraction, 'reading'),
      isCancelled: () => ctx.isCancelled(),
    });
  } catch (error) {
    if (error instanceof ReadCancelled) throw new JobCancelled();
    // Name the file as the user knows it, not the upload's internal copy.
    if (request.displayName && error instanceof Error) {
      error.message = error.message.split(request.path).join(request.displayName);
    }
    throw error;
  }
  const seconds = (Date.now() - started) / 1000;
  ctx.log(`read ${structure.ids.length} atoms in ${seconds.toFixed(2)} s`);
  for (const note of structure.notes) ctx.log(note, 'warn');
  ctx.throwIfCancelled();
  ctx.progress(0.92, 'writing arrays');
  const stagedDir = ctx.stagingDir('structure');
  const meta = writeStructureFolder(stagedDir, structure, request.displayName ?? request.path);
  ctx.progress(1, 'done');
  return { stagedDir, atomCount: meta.atomCount };
});
