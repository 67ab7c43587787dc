/** Which frame of a multi-frame file to import ('first', 'last' or a 0-based index, negative from the end). */
import { LineReader } from './line-reader';
import { StructureFileError } from './types';

export type FrameOption = 'first' | 'last' | number;

/** The index that can be decided before the whole file is scanned, or null when the frame count is needed. */
export function frameKnownUpFront(frame: FrameOption): number | null {
  if (frame === 'first') return 0;
  if (frame === 'last') return null;
  return frame >= 0 ? frame : null;
}

/** Resolves the option against the number of complete frames; throws when that frame does not exist. */
export function resolveFrame(file: string, frame: FrameOption, complete: number): number {
  if (!Number.isInteger(frame) && typeof frame === 'number') {
    throw new StructureFileError(file, null, `frame ${frame} is not an integer`);
  }
  const index = frame === 'first' ? 0 : frame === 'last' ? complete - 1 : frame < 0 ? complete + frame : frame;
  if (index < 0 || index >= complete) {
    throw new StructureFileError(
      file,
      null,
      `the file has ${complete} complete frame${complete === 1 ? '' : 's'}; frame ${String(frame)} does not exist (frames are numbered from 0; negative counts from the end)`,
    );
  }
  return index;
}

/** "dump has 5 frames; imported frame 4 (timestep 4000)", or null for single-frame files. */
export function frameNote(kind: string, frames: number, index: number, timestep: number | null): string | null {
  if (frames <= 1) return null;
  const ts = timestep === null ? '' : ` (timestep ${timestep})`;
  return `${kind} has ${frames} frames; imported frame ${index}${ts}`;
}

/** Where a frame's atom lines start, as the frame scan recorded it. */
export interface FrameStart {
  atomsOffset: number;
  atomsLine: number;
}

/**
 * The atoms of the chosen frame: the ones parsed during the scan when the scan already parsed that frame,
 * otherwise re-read from the frame's recorded offset (the last 10 % of the progress).
 */
export function atomsOfFrame<A>(
  file: string,
  start: FrameStart,
  parsedDuringScan: A | null,
  parse: (reader: LineReader) => A,
  options: { isCancelled?: (() => boolean) | undefined; progress?: ((fraction: number) => void) | undefined },
): A {
  if (parsedDuringScan !== null) return parsedDuringScan;
  const progress = options.progress;
  const reader = new LineReader(file, {
    startOffset: start.atomsOffset,
    startLine: start.atomsLine,
    isCancelled: options.isCancelled,
    onProgress: progress ? (f) => progress(0.9 + 0.1 * f) : undefined,
  });
  try {
    return parse(reader);
  } finally {
    reader.close();
  }
}
