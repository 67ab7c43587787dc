/**
 * SSRO maps of experimental data (issue 6): the request of a `map` job (a project model, an experimental file or
 * folder, how to read it, and the preprocessing recipe without its model section, which comes from the model) and
 * the stored map record. Shared by the core, the CLI, the map worker and the renderer.
 */
import { z } from 'zod';

const id = z.number().int().positive();

/** How to read an experimental file: what the file does not say (or says wrongly). */
export const inputReadOptionsShape = {
  /** The scan shape when the file does not say it ([ny, nx], product = frame count). */
  scanShape: z.array(z.number().int().positive()).min(1).max(2).optional(),
  /** HDF5: the dataset to read. */
  datasetPath: z.string().trim().min(1).max(1000).optional(),
  /** The real-space step between scan positions (nm) when the file does not record it. */
  scanStepNm: z.number().positive().max(1e7).optional(),
};
export interface InputReadOptions {
  scanShape?: number[];
  datasetPath?: string;
  scanStepNm?: number;
}

/** The read options that are set (for exactOptionalPropertyTypes: no undefined values). */
export function readOptionsOf(from: InputReadOptions): InputReadOptions {
  return {
    ...(from.scanShape ? { scanShape: from.scanShape } : {}),
    ...(from.datasetPath ? { datasetPath: from.datasetPath } : {}),
    ...(from.scanStepNm !== undefined ? { scanStepNm: from.scanStepNm } : {}),
  };
}

export const mapRequestSchema = z
  .object({
    modelId: id,
    /** An experimental file or folder the core can read (ssro open). */
    input: z.string().trim().min(1).max(4096),
    name: z.string().trim().min(1).max(200).optional(),
    ...inputReadOptionsShape,
    /** The preprocessing recipe (main/shared/preprocess-recipe.ts) without `model`: the chosen model supplies it. */
    recipe: z.record(z.string(), z.unknown()).default({}),
    /**
     * A 'halo' calibration: the project dataset whose simulated raw patterns (on the model's k-grid) the scan's mean
     * halo is fitted against, e.g. the model's own training set.
     */
    haloReferenceDatasetId: id.optional(),
    batchSize: z.number().int().min(1).max(4096).default(64),
  })
  .strict();
export type MapRequest = z.output<typeof mapRequestSchema>;

export const MAP_STATES = ['mapping', 'incomplete', 'complete'] as const;
export type MapState = (typeof MAP_STATES)[number];

export interface MapRecord {
  id: number;
  name: string;
  modelId: number | null;
  input: string;
  /** scanShape / datasetPath / scanStepNm as given. */
  options: InputReadOptions;
  /** The resolved recipe (calibration found, the model's grid), once the job has planned the map. */
  recipe: Record<string, unknown> | null;
  state: MapState;
  /** Counts, flagged frames by kind, d statistics, timings (mapping.ts MapSummary), once complete. */
  summary: Record<string, unknown> | null;
  /** What the file says about itself (MicroscopyInfo). */
  info: Record<string, unknown>;
  /** Absolute path of the map folder. */
  dir: string;
  createdAt: string;
  updatedAt: string;
  jobId: number | null;
}

export const mapRecordSchema = z.object({
  id,
  name: z.string(),
  modelId: z.number().int().nullable(),
  input: z.string(),
  options: z.object({ scanShape: z.array(z.number().int()).optional(), datasetPath: z.string().optional(), scanStepNm: z.number().optional() }),
  recipe: z.record(z.string(), z.unknown()).nullable(),
  state: z.enum(MAP_STATES),
  summary: z.record(z.string(), z.unknown()).nullable(),
  info: z.record(z.string(), z.unknown()),
  dir: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  jobId: z.number().int().nullable(),
}) satisfies z.ZodType<MapRecord>;

/** The files of a complete map a user can export (the folder's own files; the report is made when first asked). */
export const MAP_EXPORTS = {
  'd.tif': { label: 'float TIFF', mime: 'image/tiff' },
  'd.npy': { label: 'NPY', mime: 'application/octet-stream' },
  'd.csv': { label: 'CSV (map)', mime: 'text/csv' },
  'frames.csv': { label: 'CSV (per frame)', mime: 'text/csv' },
  'map.json': { label: 'JSON (recipe, statistics)', mime: 'application/json' },
  'report.html': { label: 'report', mime: 'text/html' },
} as const;
export type MapExportName = keyof typeof MAP_EXPORTS;
export const MAP_EXPORT_NAMES = Object.keys(MAP_EXPORTS) as [MapExportName, ...MapExportName[]];

/**
 * The frame flags of flags.npy by code (native-workers/lib/microscopy/frame-processing.ts FRAME_FLAGS, which only ever
 * appends; a unit test keeps the two equal), for readers that cannot import the workers (the renderer). Every flag but
 * 'ok' and 'out-of-distribution' means the frame was not mapped; an out-of-distribution frame keeps its d.
 */
export const MAP_FRAME_FLAGS = ['ok', 'saturated', 'empty', 'non-finite', 'no-centre', 'vacuum', 'out-of-distribution'] as const;
export type MapFrameFlag = (typeof MAP_FRAME_FLAGS)[number];

/**
 * A map's arrays in scan order (maps.arrays): d null where the frame was not mapped (flagged, or not yet mapped) —
 * an out-of-distribution frame keeps its d; groups/files of a folder.
 */
export interface MapArrays {
  shape: number[];
  d: (number | null)[];
  /** σ(d) of an ensemble model; null for a single model, an unmapped frame, or a map made before σ was kept. */
  sigma: (number | null)[];
  /** The frame's squared feature distance D² to the training inputs; null where the model records no statistics. */
  oodDistance: (number | null)[];
  /** What σ and D² were compared with to flag frames 'out-of-distribution'; null when the model records none. */
  oodThresholds: { sigma: number | null; distance: number | null };
  flags: number[];
  /** Null where a frame is not mapped yet. */
  vbf: (number | null)[];
  vadf: (number | null)[];
  groups: string[] | null;
  files: string[] | null;
  /** Frames mapped so far; partial while the map is being made or stopped. */
  done: number;
  partial: boolean;
}
