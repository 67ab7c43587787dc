/**
 * Where an rmc job keeps its resumable state: `rmc-runs/job-<id>/checkpoint.json` in the project, written atomically
 * (temporary file, then rename), holding the engine state and a hash of the parameters it belongs to, so a resume
 * with other parameters is refused instead of silently mixing two runs.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { rmcParamsSchema, type RmcParams } from '../../../main/shared/rmc';
import type { EngineState } from './engine';

export const RMC_RUN_PARENT = 'rmc-runs';

/** What the core sends an rmc worker. */
export const rmcJobParamsSchema = z
  .object({
    rmc: rmcParamsSchema,
    /** The start structure's folder (start.kind 'structure'). */
    structureDir: z.string().optional(),
    /** Folder of the scattering-factor tables (resources/elements). */
    factorsDir: z.string(),
    /** The job whose run folder this job works in (itself unless resuming). */
    runJobId: z.number().int().positive().optional(),
    resume: z.boolean().default(false),
    /** The LAMMPS executable, for `relax`. */
    lmpPath: z.string().optional(),
  })
  .strict();
export type RmcJobParams = z.infer<typeof rmcJobParamsSchema>;
export type RmcJobParamsInput = z.input<typeof rmcJobParamsSchema>;

const counters = z.object({ attempted: z.number(), accepted: z.number(), swapsAttempted: z.number(), swapsAccepted: z.number(), tooClose: z.number() });
const checkpointSchema = z.object({
  paramsSha256: z.string(),
  savedAt: z.string(),
  state: z.object({
    positions: z.array(z.number()),
    species: z.array(z.number().int().min(0)),
    random: z.array(z.number()).length(4),
    stepA: z.number().positive(),
    window: z.tuple([z.number(), z.number()]),
    counters,
  }),
});

export function rmcRunDir(projectDir: string, runJobId: number): string {
  return path.join(projectDir, RMC_RUN_PARENT, `job-${runJobId}`);
}

/** The parameters that decide the sequence of moves (the name does not). */
export function paramsHash(params: RmcParams): string {
  const { name: _name, ...rest } = params;
  void _name;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

export function writeCheckpoint(runDir: string, params: RmcParams, state: EngineState): void {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, 'checkpoint.json');
  const body = JSON.stringify({ paramsSha256: paramsHash(params), savedAt: new Date().toISOString(), state });
  fs.writeFileSync(`${file}.tmp`, body);
  fs.renameSync(`${file}.tmp`, file);
}

export function readCheckpoint(runDir: string, params: RmcParams): EngineState | null {
  const file = path.join(runDir, 'checkpoint.json');
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: the checkpoint cannot be read (${(error as Error).message}); start a new run`);
  }
  const parsed = checkpointSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not an RMC checkpoint this version can read; start a new run`);
  if (parsed.data.paramsSha256 !== paramsHash(params)) throw new Error(`${file}: the checkpoint belongs to other parameters; resume with the run's own parameters`);
  return parsed.data.state;
}
