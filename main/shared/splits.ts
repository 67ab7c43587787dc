/**
 * How a dataset is split into training and validation probes, shared by the core, the CLI, the workers and the
 * renderer. Neighbouring probes of a scan share most of their atoms, so a random split over probes puts nearly the same
 * atoms on both sides and its validation error is optimistic; the default keeps them apart:
 *   'blocked'   per structure one contiguous validation slab along an axis; a probe trains only when no atom it can
 *               see can also be seen by a validation probe, the others are excluded;
 *   'structure' leave-structure-out: the named structures validate, the others train;
 *   'random'    the seeded random 80/20 split over probes (overlapping probes — optimistic).
 * A split file is int8 per pattern: 0 train, 1 validation, −1 excluded.
 */
import { z } from 'zod';

export const SPLIT_KINDS = ['blocked', 'structure', 'random'] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

export const SPLIT_AXES = ['x', 'y', 'z'] as const;
export type SplitAxis = (typeof SPLIT_AXES)[number];

/** 'auto': the axis perpendicular to every zone of the dataset and to its region axis. */
export const SPLIT_AXIS_CHOICES = ['auto', ...SPLIT_AXES] as const;
export type SplitAxisChoice = (typeof SPLIT_AXIS_CHOICES)[number];

export const DEFAULT_VALIDATION_FRACTION = 0.2;

/** What a user may say about the split (training requests and sweeps carry these fields). */
export const splitFields = {
  split: z.enum(SPLIT_KINDS),
  splitAxis: z.enum(SPLIT_AXIS_CHOICES),
  /** Extra distance (Å) between training and validation probes on top of their extents (blocked only). */
  splitGuardA: z.number().min(0).max(10_000),
  /** Fraction of each structure's length along the axis in the validation slab (blocked), or of the probes (random). */
  validationFraction: z.number().gt(0).lt(1),
  /** Project structure ids whose probes validate ('structure' only). */
  holdoutStructures: z.array(z.number().int().positive()).max(1000),
} as const;

export interface SplitRequest {
  split: SplitKind;
  splitAxis: SplitAxisChoice;
  splitGuardA: number;
  validationFraction: number;
  holdoutStructures: number[];
}

export const DEFAULT_SPLIT_REQUEST: SplitRequest = {
  split: 'blocked',
  splitAxis: 'auto',
  splitGuardA: 0,
  validationFraction: DEFAULT_VALIDATION_FRACTION,
  holdoutStructures: [],
};

/** Train / validation / excluded probe counts. */
export interface SplitCounts {
  train: number;
  validation: number;
  excluded: number;
}

const countsSchema = z.object({ train: z.number().int().nonnegative(), validation: z.number().int().nonnegative(), excluded: z.number().int().nonnegative() });

/** One structure of a split record. */
export interface SplitStructureInfo {
  /** Index into the dataset's structure list (meta.npy's 'structure' column). */
  index: number;
  /** Project structure id and name. */
  id: number;
  name: string;
  counts: SplitCounts;
  /** Region kind (grain, actr, interior) → counts, when the dataset has regions. */
  regions: Record<string, SplitCounts>;
  /** Blocked: the structure's length along the axis (Å), whether it wraps, and the validation slab [startA, endA) (may wrap). */
  lengthA?: number;
  periodic?: boolean;
  slab?: { startA: number; endA: number };
  /** Blocked: the smallest and largest probe half-extent along the axis (Å). */
  extentA?: { min: number; max: number };
}

export const splitStructureInfoSchema = z.object({
  index: z.number().int().nonnegative(),
  id: z.number().int(),
  name: z.string(),
  counts: countsSchema,
  regions: z.record(z.string(), countsSchema),
  lengthA: z.number().optional(),
  periodic: z.boolean().optional(),
  slab: z.object({ startA: z.number(), endA: z.number() }).optional(),
  extentA: z.object({ min: z.number(), max: z.number() }).optional(),
}) satisfies z.ZodType<SplitStructureInfo>;

/**
 * The record of a split (what the engine keeps in metrics.json and the ONNX metadata, an export in export.json and a
 * sweep in its folder): kind, axis, guard, fraction, seed, per-structure slabs and counts per structure and region.
 */
export interface SplitInfo {
  kind: SplitKind;
  /** Human-readable, e.g. "blocked along y, guard 0 Å". */
  label: string;
  seed: number;
  validationFraction: number;
  axis: SplitAxis | null;
  /** True when the axis was chosen automatically. */
  axisAuto: boolean;
  guardA: number | null;
  holdoutStructures: number[];
  counts: SplitCounts;
  regions: Record<string, SplitCounts>;
  structures: SplitStructureInfo[];
  /** Only the patterns of this probe shape (a sweep cell), as an index into the dataset's probe list. */
  probe?: number;
}

export const splitInfoSchema = z.object({
  kind: z.enum(SPLIT_KINDS),
  label: z.string(),
  seed: z.number().int(),
  validationFraction: z.number(),
  axis: z.enum(SPLIT_AXES).nullable(),
  axisAuto: z.boolean(),
  guardA: z.number().nullable(),
  holdoutStructures: z.array(z.number().int()),
  counts: countsSchema,
  regions: z.record(z.string(), countsSchema),
  structures: z.array(splitStructureInfoSchema),
  probe: z.number().int().optional(),
}) satisfies z.ZodType<SplitInfo>;

export const RANDOM_SPLIT_LABEL = 'random (overlapping probes — optimistic)';

/** The kind as a user reads it: random always says that its validation is optimistic. */
export function splitKindLabel(kind: SplitKind): string {
  if (kind === 'random') return RANDOM_SPLIT_LABEL;
  if (kind === 'structure') return 'leave-structure-out';
  return 'blocked slabs';
}

/** "blocked along y, guard 0 Å" / "leave-structure-out (Cu64Zr36 held out)" / the random label. */
export function splitTitle(info: Pick<SplitInfo, 'kind' | 'axis' | 'guardA' | 'holdoutStructures' | 'structures'>): string {
  if (info.kind === 'random') return RANDOM_SPLIT_LABEL;
  if (info.kind === 'structure') {
    const names = info.holdoutStructures.map((id) => info.structures.find((s) => s.id === id)?.name ?? `structure ${id}`);
    return `leave-structure-out (${names.join(', ')} held out)`;
  }
  return `blocked along ${info.axis ?? '?'}, guard ${info.guardA ?? 0} Å`;
}

const grouped = (n: number): string => n.toLocaleString('en-US');

/** "blocked along y, guard 0 Å: 2,140 train / 512 validation / 380 excluded". */
export function splitSummaryLine(info: Pick<SplitInfo, 'kind' | 'axis' | 'guardA' | 'holdoutStructures' | 'structures' | 'counts'>): string {
  const c = info.counts;
  return `${splitTitle(info)}: ${grouped(c.train)} train / ${grouped(c.validation)} validation / ${grouped(c.excluded)} excluded`;
}

/** The split record a model or sweep carries, or null when it has none (made before splits were recorded: random). */
export function parseSplitInfo(value: unknown): SplitInfo | null {
  const parsed = splitInfoSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
