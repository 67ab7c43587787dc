/**
 * The typed API contract: every channel's request schema and response schema. The core's handlers implement it,
 * the Electron preload and the browser-shell client call it, and both shells validate requests against it.
 */
import { z } from 'zod';
import { ARTIFACT_KINDS, ENGINE_SETTINGS, EXPORT_FORMATS, JOB_STATES, STRUCTURE_FORMATS } from './domain';
import type { AtomFrame, DatasetSummary, EngineStatus, JobSummary, LabelSetSummary, ProjectInfo, Settings, StructureSummary } from './domain';
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A } from './diffraction';
import { LABEL_PROPERTIES } from './labels';
import {
  MAX_DATASET_PROBES,
  MAX_DATASET_SOURCES,
  MAX_DATASET_ZONES,
  MAX_PREDICTION_VALUES,
  MAX_THUMBNAIL_PIXELS,
  MAX_VALIDATION_PAIRS,
} from './limits';
import {
  densityGridSchema,
  fitMetricsSchema,
  modelImportRequestSchema,
  modelSummarySchema,
  predictionEvaluationSchema,
  predictionRequestSchema,
  predictionSummarySchema,
  trainingRequestSchema,
} from './models';
import { simulationParamsSchema } from './simulation';
import { sweepRequestSchema, sweepSummarySchema } from './sweeps';
import { inputReadOptionsShape, MAP_EXPORT_NAMES, mapRecordSchema, mapRequestSchema } from './maps';
import type { FilePurpose } from './file-purposes';
import { TRAINING_TRANSFORMS } from './model-transform';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const id = z.number().int().positive();
const path = z.string().trim().min(1, 'a path is required').max(4096);

export const cellSchema = z.object({
  origin: vec3,
  a: vec3,
  b: vec3,
  c: vec3,
  pbc: z.tuple([z.boolean(), z.boolean(), z.boolean()]),
});

export const projectInfoSchema = z.object({
  path: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  createdAt: z.string(),
}) satisfies z.ZodType<ProjectInfo>;

export const structureSummarySchema = z.object({
  id,
  name: z.string(),
  sourcePath: z.string(),
  format: z.enum(STRUCTURE_FORMATS),
  atomCount: z.number().int().nonnegative(),
  typeElements: z.array(z.string()),
  composition: z.record(z.string(), z.number().int()),
  cell: cellSchema,
  triclinic: z.boolean(),
  timestep: z.number().nullable(),
  createdAt: z.string(),
  jobId: z.number().int().nullable(),
  notes: z.array(z.string()),
  provenance: z.looseObject({ kind: z.string() }).nullable(),
}) satisfies z.ZodType<StructureSummary>;

const artifactRef = z.object({ kind: z.enum(ARTIFACT_KINDS), id: z.union([z.number(), z.string()]) });

export const jobSummarySchema = z.object({
  id,
  kind: z.string(),
  params: z.unknown(),
  state: z.enum(JOB_STATES),
  progress: z.number().min(0).max(1).nullable(),
  message: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  logTail: z.array(z.string()),
  error: z.string().nullable(),
  inputs: z.array(artifactRef),
  outputs: z.array(artifactRef),
}) satisfies z.ZodType<JobSummary>;

export const settingsSchema = z.object({
  lmpPath: z.string().min(1),
  python3Path: z.string().min(1),
}) satisfies z.ZodType<Settings>;

const engineStatusSchema = z.object({
  name: z.enum(['lammps', 'pytorch', 'chromium']),
  available: z.boolean(),
  detail: z.string(),
  disables: z.string(),
}) satisfies z.ZodType<EngineStatus>;

export const atomFrameSchema = z.object({
  count: z.number().int().nonnegative(),
  positions: z.custom<Float32Array>((v) => v instanceof Float32Array, 'positions must be a Float32Array'),
  speciesIndex: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'speciesIndex must be a Uint8Array'),
  elements: z.array(z.string()),
  cell: cellSchema,
}) satisfies z.ZodType<AtomFrame>;

const cnaModeSchema = z.union([
  z.object({ mode: z.literal('adaptive') }).strict(),
  z.object({ mode: z.literal('cutoff'), cutoffA: z.number().positive().max(20) }).strict(),
]);

export const labelSetSummarySchema = z.object({
  id,
  structureId: id,
  params: z.object({ edgeThresholdA: z.number(), cna: cnaModeSchema }),
  summary: z.object({
    atomCount: z.number().int(),
    dMean: z.number(),
    dStd: z.number(),
    oneMinusQ6Mean: z.number(),
    cnaCounts: z.record(z.string(), z.number()),
    voronoiClassCounts: z.record(z.string(), z.number()),
    topMotifs: z.array(z.object({ index: z.tuple([z.number(), z.number(), z.number(), z.number()]), count: z.number() })),
    flaggedAtoms: z.number().int(),
    seconds: z.record(z.string(), z.number()),
  }),
  createdAt: z.string(),
  jobId: z.number().int().nullable(),
}) satisfies z.ZodType<LabelSetSummary>;

const axis = z.enum(['x', 'y', 'z']);
const windowA = z.number().positive().max(100).default(2);
const stepA = z.number().positive().max(50).default(0.5);
const series = z.array(z.number().nullable());
const continuousProperty = z.enum(['d', 'one_minus_q6', 'q4', 'q6', 'vor_volume']);

export const profileSchema = z.object({
  property: z.string(),
  axis,
  windowA: z.number(),
  positionA: z.array(z.number()),
  mean: series,
  p5: series,
  p95: series,
  count: z.array(z.number()),
});

export const motifProfilesSchema = z.object({
  axis,
  centerElement: z.string(),
  positionA: z.array(z.number()),
  centreCount: z.array(z.number()),
  coveredFraction: z.number(),
  motifs: z.array(
    z.object({
      index: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      count: z.number(),
      fractionOfCentres: z.number(),
      densityPerA3: series,
      fractionInWindow: series,
    }),
  ),
});

const boxStatsSchema = z.object({
  group: z.string(),
  n: z.number(),
  mean: z.number().nullable(),
  q1: z.number().nullable(),
  median: z.number().nullable(),
  q3: z.number().nullable(),
  whiskerLow: z.number().nullable(),
  whiskerHigh: z.number().nullable(),
  outliers: z.array(z.number()),
  outlierCount: z.number(),
});

export const regionsSchema = z.object({
  axis,
  intervals: z.array(
    z.object({ label: z.string(), kind: z.string(), startA: z.number(), endA: z.number(), lengthA: z.number(), wraps: z.boolean() }),
  ),
  notes: z.array(z.string()),
  regionMeans: z.array(z.object({ label: z.string(), kind: z.string(), atoms: z.number(), dMean: z.number().nullable() })),
});

export const rdfSchema = z.object({
  rA: z.array(z.number()),
  total: z.object({ g: z.array(z.number()), coord: z.array(z.number()) }),
  partials: z.array(z.object({ pair: z.string(), g: z.array(z.number()), coord: z.array(z.number()) })),
  firstShell: z.object({ peakA: z.number(), minimumA: z.number(), coordination: z.number() }).nullable(),
});

export const structureFactorSchema = z.object({
  radiation: z.enum(['electron', 'xray']),
  source: z.string(),
  qInvA: z.array(z.number()),
  total: series,
  partials: z.array(z.object({ pair: z.string(), s: series })),
});

const zoneAxisSchema = z.union([z.enum(['x', 'y', 'z']), vec3.refine((v) => Math.hypot(...v) > 0, 'a zone axis must not be zero')]);

export const probeShapeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cylinder'), radiusA: z.number().positive().max(500), heightA: z.number().positive().max(5000) }).strict(),
  z.object({ kind: z.literal('ellipsoid'), semiAxesA: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) }).strict(),
  z.object({ kind: z.literal('cluster') }).strict(),
]);

export const scanSchema = z.discriminatedUnion('kind', [
  /** Probe centres on a grid over the cell face perpendicular to the zone axis. */
  z.object({ kind: z.literal('grid'), stepA: z.number().positive().max(1000) }).strict(),
  /** Probe centres along a line (a strip across a grain boundary, Fig. 8–9). */
  z.object({ kind: z.literal('line'), start: vec3, direction: vec3, lengthA: z.number().positive(), stepA: z.number().positive() }).strict(),
]);

export const datasetRecipeSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    sources: z.array(z.object({ structureId: id, labelSetId: id }).strict()).min(1).max(MAX_DATASET_SOURCES, `at most ${MAX_DATASET_SOURCES} structures per dataset`),
    scan: scanSchema,
    zones: z.array(zoneAxisSchema).min(1).max(MAX_DATASET_ZONES, `at most ${MAX_DATASET_ZONES} zone axes per dataset`).default(['z']),
    probes: z.array(probeShapeSchema).min(1).max(MAX_DATASET_PROBES, `at most ${MAX_DATASET_PROBES} probe shapes per dataset`).default([{ kind: 'cylinder', radiusA: 5, heightA: 20 }]),
    kmaxInvA: z.number().positive().max(10).default(DEFAULT_KMAX_INV_A),
    deltaKInvA: z.number().positive().max(1).default(DEFAULT_DELTA_K_INV_A),
    /** Beam energy for Ewald-sphere curvature; null = the flat plane of the spec. */
    beamEnergyKeV: z.number().positive().max(10_000).nullable().default(null),
    /** Axis along which grain / ACTR / complexion-interior regions label the samples; null = no regions. */
    regionAxis: z.enum(['x', 'y', 'z']).nullable().default(null),
    splitSeed: z.number().int().default(42),
  })
  .strict();
export type DatasetRecipe = z.output<typeof datasetRecipeSchema>;

const datasetSummarySchema = z.object({
  id,
  name: z.string(),
  state: z.enum(['building', 'complete']),
  sampleCount: z.number().int(),
  doneCount: z.number().int(),
  recipe: z.unknown(),
  summary: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  jobId: z.number().int().nullable(),
  sources: z.array(z.object({ structureId: z.number(), labelSetId: z.number() })),
}) satisfies z.ZodType<DatasetSummary>;

/** Element mapping by LAMMPS type: a list of symbols, or the text a user types ("Cu,Zr"). */
const elementMapping = z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]);

export const importRequestSchema = z
  .object({
    path,
    format: z.enum(['auto', ...STRUCTURE_FORMATS]).default('auto'),
    elements: elementMapping.optional(),
    /** Which frame of a multi-frame dump or XYZ file: 'first', 'last' or a 0-based index. */
    frame: z.union([z.literal('first'), z.literal('last'), z.number().int().nonnegative()]).default('last'),
    name: z.string().trim().min(1).max(200).optional(),
    /** The name the user knows the file by, when `path` is an uploaded copy. */
    displayName: z.string().max(1000).optional(),
    /**
     * A folder of how the file was made (provenance.json + in.lammps, log.lammps, thermo.csv, as a simulate job
     * keeps them): copied in with the structure, so e.g. the bundled demo structures carry their simulation.
     */
    provenanceDir: path.optional(),
  })
  .strict();
export type ImportRequest = z.output<typeof importRequestSchema>;

const empty = z.object({}).strict();

/** A preprocessing step as drawn: `bin` source pixels per shown pixel along each axis (large frames are binned). */
const displayStepSchema = z.object({
  name: z.string(),
  rows: z.number().int(),
  cols: z.number().int(),
  bin: z.number().int().positive(),
  image: z.array(z.number()),
});

/** A live or kept table; cells are null where a value is undefined (e.g. R² of constant labels). */
const seriesTable = z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.number().nullable())) });

export const contract = {
  'app.info': {
    request: empty,
    response: z.object({
      version: z.string(),
      engines: z.array(engineStatusSchema),
      project: projectInfoSchema.nullable(),
    }),
  },
  'project.create': {
    request: z.object({ path, name: z.string().trim().min(1).max(200).optional() }).strict(),
    response: projectInfoSchema,
  },
  'project.open': { request: z.object({ path }).strict(), response: projectInfoSchema },
  'project.current': { request: empty, response: projectInfoSchema.nullable() },
  'structures.list': { request: empty, response: z.array(structureSummarySchema) },
  'structures.get': { request: z.object({ id }).strict(), response: structureSummarySchema },
  'structures.import': { request: importRequestSchema, response: z.object({ jobId: id }) },
  'structures.atoms': { request: z.object({ id }).strict(), response: atomFrameSchema },
  'structures.export': {
    request: z.object({ id, format: z.enum(EXPORT_FORMATS), path }).strict(),
    response: z.object({ path: z.string() }),
  },
  'structures.delete': { request: z.object({ id }).strict(), response: z.object({ deleted: z.boolean() }) },
  'jobs.list': {
    request: z.object({ limit: z.number().int().positive().max(1000).default(100) }).strict(),
    response: z.array(jobSummarySchema),
  },
  'jobs.get': { request: z.object({ id }).strict(), response: jobSummarySchema },
  'jobs.cancel': { request: z.object({ id }).strict(), response: jobSummarySchema },
  'settings.get': { request: empty, response: settingsSchema.extend({ unconfirmed: z.array(z.enum(ENGINE_SETTINGS)) }) },
  'settings.set': {
    // `confirmed`: the engine settings whose new program the person agreed to run on this machine.
    request: settingsSchema.partial().extend({ confirmed: z.array(z.enum(ENGINE_SETTINGS)).max(ENGINE_SETTINGS.length).default([]) }).strict(),
    response: settingsSchema.extend({ unconfirmed: z.array(z.enum(ENGINE_SETTINGS)) }),
  },
  'labels.run': {
    request: z
      .object({
        structureId: id,
        edgeThresholdA: z.number().min(0).max(5).default(0.6),
        cna: cnaModeSchema.default({ mode: 'adaptive' }),
      })
      .strict(),
    response: z.object({ jobId: id }),
  },
  'labels.list': { request: z.object({ structureId: id.optional() }).strict(), response: z.array(labelSetSummarySchema) },
  'labels.values': {
    request: z.object({ labelSetId: id, property: z.enum(LABEL_PROPERTIES) }).strict(),
    response: z.object({
      count: z.number().int(),
      values: z.custom<Float32Array>((v) => v instanceof Float32Array, 'values must be a Float32Array'),
      categories: z.array(z.string()),
    }),
  },
  'analysis.profile': {
    request: z.object({ labelSetId: id, property: continuousProperty, axis, windowA, stepA }).strict(),
    response: profileSchema,
  },
  'analysis.motifs': {
    request: z
      .object({ labelSetId: id, centerElement: z.string().min(1), axis, top: z.number().int().min(1).max(30).default(8), windowA, stepA })
      .strict(),
    response: motifProfilesSchema,
  },
  'analysis.distributions': {
    request: z
      .object({ labelSetId: id, property: continuousProperty.default('d'), groupBy: z.enum(['vor_class', 'cna', 'region']), axis: axis.default('x') })
      .strict(),
    response: z.object({ property: z.string(), groupBy: z.string(), groups: z.array(boxStatsSchema) }),
  },
  'analysis.threshold': {
    request: z.object({ labelSetId: id }).strict(),
    /** Needs both Voronoi-ordered and Voronoi-disordered atoms; a plain crystal has no threshold (found: false). */
    response: z.discriminatedUnion('found', [
      z.object({
        found: z.literal(true),
        threshold: z.number(),
        balancedAccuracy: z.number(),
        accuracy: z.number(),
        orderedCount: z.number(),
        disorderedCount: z.number(),
      }),
      z.object({ found: z.literal(false), reason: z.string(), orderedCount: z.number(), disorderedCount: z.number() }),
    ]),
  },
  'analysis.regions': {
    request: z.object({ labelSetId: id, axis, centerElement: z.string().min(1).optional() }).strict(),
    response: regionsSchema,
  },
  'analysis.rdf': { request: z.object({ labelSetId: id }).strict(), response: rdfSchema },
  'analysis.sq': {
    request: z
      .object({
        labelSetId: id,
        radiation: z.enum(['electron', 'xray']).default('electron'),
        qmaxInvA: z.number().positive().max(40).default(12),
        dqInvA: z.number().positive().max(1).default(0.02),
      })
      .strict(),
    response: structureFactorSchema,
  },
  'datasets.build': { request: datasetRecipeSchema, response: z.object({ datasetId: id, jobId: id }) },
  'datasets.resume': { request: z.object({ datasetId: id }).strict(), response: z.object({ jobId: id }) },
  'datasets.list': { request: empty, response: z.array(datasetSummarySchema) },
  'datasets.export': {
    request: z.object({ datasetId: id, dir: path, transform: z.enum(TRAINING_TRANSFORMS).optional() }).strict(),
    response: z.object({ dir: z.string(), files: z.array(z.string()) }),
  },
  /** One probe's pattern, live: raw I(K) (side², row 0 = most negative v) with its radial profile and label. */
  'diffraction.preview': {
    request: z
      .object({
        structureId: id,
        labelSetId: id.optional(),
        center: vec3,
        probe: probeShapeSchema.default({ kind: 'cylinder', radiusA: 5, heightA: 20 }),
        zone: zoneAxisSchema.default('z'),
        kmaxInvA: z.number().positive().max(10).default(DEFAULT_KMAX_INV_A),
        deltaKInvA: z.number().positive().max(1).default(DEFAULT_DELTA_K_INV_A),
        beamEnergyKeV: z.number().positive().max(10_000).nullable().default(null),
      })
      .strict(),
    response: z.object({
      header: z.object({
        side: z.number().int(),
        kmaxInvA: z.number(),
        deltaKInvA: z.number(),
        atoms: z.number().int(),
        dMean: z.number().nullable(),
        radial: z.object({ kInvA: z.array(z.number()), mean: z.array(z.number()) }),
        seconds: z.number(),
      }),
      values: z.custom<Float32Array>((v) => v instanceof Float32Array, 'values must be a Float32Array'),
    }),
  },
  /**
   * What a recipe would build, without building anything: the sample count of every block (structure × zone × probe)
   * and, per scan (structure × zone; the probes share it), its centres x y z row-major — every rowStride-th row and
   * colStride-th column, at most MAX_PREVIEW_CENTRES in all, so the reply stays small whatever the step.
   */
  'datasets.scanPreview': {
    request: datasetRecipeSchema,
    response: z.object({
      sampleCount: z.number().int(),
      blocks: z.array(z.object({ structureId: z.number(), zone: z.number(), probe: z.number(), count: z.number().int() })),
      scans: z.array(
        z.object({
          structureId: z.number(),
          zone: z.number(),
          count: z.number().int(),
          rows: z.number().int(),
          cols: z.number().int(),
          rowStride: z.number().int().positive(),
          colStride: z.number().int().positive(),
          centres: z.array(z.number()),
        }),
      ),
    }),
  },
  /** Per-sample metadata of a dataset (for histograms, filters and the browser). */
  'datasets.samples': {
    request: z.object({ datasetId: id }).strict(),
    response: z.object({
      count: z.number().int(),
      side: z.number().int(),
      done: z.array(z.boolean()),
      meanD: z.array(z.number().nullable()),
      region: z.array(z.number().nullable()),
      atoms: z.array(z.number()),
      centre: z.array(z.number()),
      structure: z.array(z.number()),
      zone: z.array(z.number()),
      probe: z.array(z.number()),
    }),
  },
  /** One stored pattern (raw I) of a dataset. */
  'datasets.pattern': {
    request: z.object({ datasetId: id, index: z.number().int().nonnegative() }).strict(),
    response: z.object({
      header: z.object({ side: z.number().int(), index: z.number().int(), kmaxInvA: z.number(), deltaKInvA: z.number() }),
      values: z.custom<Float32Array>((v) => v instanceof Float32Array, 'values must be a Float32Array'),
    }),
  },
  /** Runs a worker that only reports progress (and optionally crashes): checks the job system end to end. */
  'simulations.run': { request: simulationParamsSchema, response: z.object({ jobId: id }) },
  'simulations.plan': {
    request: simulationParamsSchema,
    response: z.object({
      script: z.string(),
      atoms: z.number().int(),
      stages: z.array(z.object({ name: z.string(), steps: z.number().int(), extraForceEvaluations: z.number().int() })),
      atomSteps: z.number(),
      estimatedSeconds: z.number(),
      notes: z.array(z.string()),
    }),
  },
  'simulations.thermo': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.number())) }),
  },
  'models.list': { request: empty, response: z.array(modelSummarySchema) },
  /** A model with its ONNX metadata, training history, best-model metrics and validation predictions. */
  'models.get': {
    request: z.object({ id, maxPairs: z.number().int().min(0).max(MAX_VALIDATION_PAIRS, `at most ${MAX_VALIDATION_PAIRS} pairs per reply`).default(20_000) }).strict(),
    response: z.object({
      model: modelSummarySchema,
      /** The 'ssro' metadata embedded in the ONNX file (null until trained). */
      metadata: z.record(z.string(), z.unknown()).nullable(),
      /** history.json of a training run: the best epoch and one record per epoch. */
      history: z.object({ bestEpoch: z.number().nullable(), epochs: z.array(z.record(z.string(), z.unknown())) }).nullable(),
      /** The best model on the validation split (val_predictions.npy), pairs subsampled beyond maxPairs. */
      validation: z
        .object({
          metrics: fitMetricsSchema,
          index: z.array(z.number().int()),
          trueD: z.array(z.number()),
          predictedD: z.array(z.number()),
          sampled: z.boolean(),
          /** Gaussian KDE (Scott's rule) of every validation pair, for the parity contours. */
          density: densityGridSchema.nullable(),
        })
        .nullable(),
      predictions: z.array(predictionSummarySchema),
    }),
  },
  'models.import': { request: modelImportRequestSchema, response: modelSummarySchema },
  'models.delete': { request: z.object({ id }).strict(), response: z.object({ deleted: z.boolean() }) },
  /** Starts a train job on a complete dataset; the model is listed at once (state 'training'). */
  'training.run': { request: trainingRequestSchema, response: z.object({ modelId: id, jobId: id }) },
  /** Continues an incomplete run from its last checkpoint (optionally to more epochs). */
  'training.resume': {
    request: z.object({ modelId: id, epochs: z.number().int().min(1).max(100_000).optional() }).strict(),
    response: z.object({ modelId: id, jobId: id }),
  },
  /** A train job's per-epoch and per-batch tables: live while it runs, from the run folder afterwards. */
  'training.series': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ modelId: z.number().int().nullable(), live: z.boolean(), training: seriesTable, batches: seriesTable }),
  },
  'sweeps.list': { request: empty, response: z.array(sweepSummarySchema) },
  /** A sweep with its cells (live from the sweep folder while its job runs). */
  'sweeps.get': { request: z.object({ id }).strict(), response: sweepSummarySchema },
  /** Starts a sweep job (papers/000 Fig. 7) on a complete dataset with several cylinder probes. */
  'sweeps.run': { request: sweepRequestSchema, response: z.object({ sweepId: id, jobId: id }) },
  'sweeps.resume': { request: z.object({ sweepId: id }).strict(), response: z.object({ sweepId: id, jobId: id }) },
  'sweeps.delete': { request: z.object({ id }).strict(), response: z.object({ deleted: z.boolean() }) },
  /** What an experimental file or folder holds (headers only): shapes, dtype, calibrations, beam energy, notes. */
  'experiments.open': {
    request: z.object({ path: z.string().trim().min(1).max(4096), ...inputReadOptionsShape }).strict(),
    response: z.record(z.string(), z.unknown()),
  },
  /** Thumbnails of up to `count` frames spread over a file or folder (display values 0…255, ≤ `size` px). */
  'experiments.thumbnails': {
    request: z
      .object({
        path: z.string().trim().min(1).max(4096),
        ...inputReadOptionsShape,
        count: z.number().int().min(1).max(200).default(24),
        size: z.number().int().min(8).max(256).default(64),
      })
      .strict()
      .refine((r) => r.count * r.size * r.size <= MAX_THUMBNAIL_PIXELS, {
        message: `count × size² must be at most ${MAX_THUMBNAIL_PIXELS} pixels per reply (fewer or smaller thumbnails)`,
      }),
    response: z.object({
      frameCount: z.number().int(),
      thumbnails: z.array(z.object({ index: z.number().int(), label: z.string(), rows: z.number().int(), cols: z.number().int(), pixels: z.array(z.number().int()) })),
    }),
  },
  /**
   * One frame through a recipe before mapping: the steps (raw … model input) with the calibration, bad pixels and
   * scan centre resolved on the mean frame as the map job will (a calibration that fails comes back as text).
   */
  'experiments.preview': {
    request: z
      .object({
        path: z.string().trim().min(1).max(4096),
        ...inputReadOptionsShape,
        modelId: id,
        recipe: z.record(z.string(), z.unknown()).default({}),
        haloReferenceDatasetId: id.optional(),
        index: z.number().int().nonnegative(),
      })
      .strict(),
    response: z.object({
      index: z.number().int(),
      quality: z.string(),
      centre: z.object({ row: z.number(), col: z.number() }).nullable(),
      calibration: z.string(),
      invAPerPixel: z.number().nullable(),
      badPixels: z.number().int(),
      meanFrameCount: z.number().int(),
      denoiseIterations: z.number().int(),
      steps: z.array(displayStepSchema),
    }),
  },
  'maps.list': { request: empty, response: z.array(mapRecordSchema) },
  'maps.get': { request: z.object({ id }).strict(), response: mapRecordSchema },
  /** A map's arrays in scan order (d null where the frame was not mapped: flagged or, while it is made, not yet). */
  'maps.arrays': {
    request: z.object({ id }).strict(),
    response: z.object({
      shape: z.array(z.number().int()),
      d: z.array(z.number().nullable()),
      /** σ(d) of an ensemble model; null for a single model, unmapped frames and maps made before σ was kept. */
      sigma: z.array(z.number().nullable()),
      /** Squared feature distance D² of each frame to the training inputs; null where not recorded. */
      oodDistance: z.array(z.number().nullable()),
      /** The thresholds frames were flagged 'out-of-distribution' with (null when the model records none). */
      oodThresholds: z.object({ sigma: z.number().nullable(), distance: z.number().nullable() }),
      flags: z.array(z.number().int()),
      /** Null where a frame is not mapped yet. */
      vbf: z.array(z.number().nullable()),
      vadf: z.array(z.number().nullable()),
      /** A folder's frames: the subfolder (group, papers/000 Fig. 10) and file of each; null for a scan. */
      groups: z.array(z.string()).nullable(),
      files: z.array(z.string()).nullable(),
      /** Frames mapped so far: a map being made (or stopped) shows its finished frames, the rest null. */
      done: z.number().int(),
      partial: z.boolean(),
    }),
  },
  /** One frame of a map's input with its preprocessing steps (raw … model input), for the linked view. */
  'maps.frame': {
    request: z.object({ id, index: z.number().int().nonnegative() }).strict(),
    response: z.object({
      index: z.number().int(),
      quality: z.string(),
      centre: z.object({ row: z.number(), col: z.number() }).nullable(),
      steps: z.array(displayStepSchema),
    }),
  },
  /** One exportable file of a complete map (MAP_EXPORTS), base64; the report is written when first asked for. */
  'maps.file': {
    request: z.object({ id, name: z.enum(MAP_EXPORT_NAMES) }).strict(),
    response: z.object({ name: z.string(), mime: z.string(), base64: z.string() }),
  },
  'maps.run': { request: mapRequestSchema, response: z.object({ mapId: id, jobId: id }) },
  'maps.resume': { request: z.object({ mapId: id }).strict(), response: z.object({ mapId: id, jobId: id }) },
  'maps.delete': { request: z.object({ id }).strict(), response: z.object({ deleted: z.boolean() }) },
  'predictions.run': { request: predictionRequestSchema, response: z.object({ jobId: id }) },
  'predictions.list': { request: z.object({ modelId: id.optional() }).strict(), response: z.array(predictionSummarySchema) },
  /** A stored prediction: its record, the evaluation (labelled inputs) and the predicted d values (up to `limit`). */
  'predictions.get': {
    request: z.object({ id, limit: z.number().int().min(0).max(MAX_PREDICTION_VALUES, `at most ${MAX_PREDICTION_VALUES} values per reply`).default(100_000) }).strict(),
    response: z.object({
      prediction: predictionSummarySchema,
      evaluation: predictionEvaluationSchema.nullable(),
      values: z.object({ index: z.array(z.number().int()), predictedD: z.array(z.number()), truncated: z.boolean() }),
    }),
  },
  'diagnostics.selftest': {
    request: z
      .object({
        steps: z.number().int().min(1).max(10_000).default(20),
        stepMs: z.number().int().min(0).max(60_000).default(50),
        crash: z.boolean().default(false),
        ignoreCancel: z.boolean().default(false),
      })
      .strict(),
    response: z.object({ jobId: id }),
  },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type Request<C extends Channel> = z.input<Contract[C]['request']>;
export type ParsedRequest<C extends Channel> = z.output<Contract[C]['request']>;
export type Response<C extends Channel> = z.output<Contract[C]['response']>;
export const CHANNELS = Object.keys(contract) as Channel[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}

/** Events the core pushes to every connected UI. */
export interface Events {
  'job.updated': JobSummary;
  'structures.changed': { reason: 'imported' | 'deleted' };
  'labels.changed': { structureId: number };
  'datasets.changed': { datasetId: number };
  'project.changed': ProjectInfo | null;
  'models.changed': { modelId: number };
  'predictions.changed': { predictionId: number | null; modelId: number | null };
  'sweeps.changed': { sweepId: number };
  'maps.changed': { mapId: number };
  /** New rows of a running job's live table (e.g. a simulate job's thermo output). */
  'job.series': { jobId: number; key: string; columns: string[]; rows: number[][] };
}
export type EventName = keyof Events;

/** A failure the UI shows as it is: `code` says whose fault, `message` names the file, line or cause. */
export interface ApiErrorShape {
  code: 'invalid-request' | 'not-found' | 'no-project' | 'failed';
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Formats a schema failure as one readable sentence naming the fields. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}

/** Validates a request at a shell boundary; throws ApiError('invalid-request') with the fields named. */
export function parseRequest<C extends Channel>(channel: C, request: unknown): ParsedRequest<C> {
  const parsed = contract[channel].request.safeParse(request ?? {});
  if (!parsed.success) throw new ApiError('invalid-request', `${channel}: ${describeIssues(parsed.error)}`);
  return parsed.data as ParsedRequest<C>;
}

export type { FilePurpose } from './file-purposes';

/**
 * What the renderer sees as `window.api`. Both shells provide it: Electron's preload over IPC, the browser-shell
 * client over HTTP + WebSocket. `pickFile` is the one shell-specific call (native dialog vs. upload).
 */
export interface SsroApi {
  shell: 'electron' | 'browser';
  invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Lets the user choose a file; returns a path the core can read, or null when cancelled. */
  pickFile(purpose: FilePurpose): Promise<{ path: string; name: string } | null>;
  /**
   * Where a file or folder dropped on the window lies on disk (Electron: webUtils.getPathForFile), or null when the
   * shell cannot know (the browser shell: the dropped data are uploaded with `uploadDropped` instead).
   */
  pathOfDropped(file: File): string | null;
  /**
   * Uploads dropped files to the core, keeping their layout (`relative`: "folder/sub/file.png"); returns the path the
   * core reads: the file, or for a folder the folder. Only the browser shell needs it.
   */
  uploadDropped(files: { file: File; relative: string }[]): Promise<{ path: string; name: string }>;
}
