/**
 * The run folder of a resumable simulate job: `<project>/simulations/job-<id>/`, named after the job that started
 * the run (a resumed job works in its predecessor's folder). It lives outside the job's scratch folder, which is
 * removed whenever a job ends, so a cancelled, failed or killed run keeps input.data, its scripts and logs, the
 * thermo table and its restart files `ckpt.<step>.restart`; the finalizer removes it once the structure is imported.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { SimulationProvenance } from '../../../main/shared/simulation';
import { CHECKPOINT_FILE, DELTA_MU_FILE } from './protocol-scripts';

/**
 * What the core sends: the protocol's parameters, the LAMMPS executable from the settings, and for a resumed run
 * the id of the job that started it (its folder) with `resume: true`.
 */
export const simulateJobParamsSchema = z
  .object({
    simulation: z.unknown(),
    lmpPath: z.string().min(1),
    runJobId: z.number().int().positive().optional(),
    resume: z.boolean().optional(),
  })
  .strict();
export type SimulateJobParams = z.infer<typeof simulateJobParamsSchema>;

/** What the job returns to its finalizer. */
export interface SimulateJobResult {
  stagedDir: string;
  provenance: SimulationProvenance;
  name: string;
  /** The run folder, removed once the structure is in the project. */
  runDir: string;
}

export const RUN_FOLDER_PARENT = 'simulations';

export function simulationRunDir(projectDir: string, runJobId: number): string {
  return path.join(projectDir, RUN_FOLDER_PARENT, `job-${runJobId}`);
}

export interface Checkpoint {
  step: number;
  file: string;
}

/** Restart files in `dir`, newest (highest step) first. */
export function listCheckpoints(dir: string): Checkpoint[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: Checkpoint[] = [];
  for (const file of entries) {
    const m = CHECKPOINT_FILE.exec(file);
    if (m) found.push({ step: Number(m[1]), file });
  }
  return found.sort((a, b) => b.step - a.step);
}

/**
 * Removes all but the newest `keep` restart files. Two are kept: LAMMPS may be writing the newest when the run is
 * killed, and then the one before it is the good one.
 */
export function pruneCheckpoints(dir: string, keep = 2): void {
  for (const old of listCheckpoints(dir).slice(keep)) fs.rmSync(path.join(dir, old.file), { force: true });
}

/** Whether LAMMPS itself can read `file` (a restart file cut short by a kill fails with "Unexpected end of file"). */
export function restartReadable(lmpPath: string, dir: string, file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(lmpPath, ['-log', 'none', '-screen', 'none', '-nocite'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
    child.stdin.end(`read_restart ${file}\n`);
  });
}

/** The newest restart file LAMMPS can read, trying older ones when the newest is damaged; null when none is. */
export async function newestGoodCheckpoint(lmpPath: string, dir: string): Promise<Checkpoint | null> {
  for (const candidate of listCheckpoints(dir)) {
    if (await restartReadable(lmpPath, dir, candidate.file)) return candidate;
  }
  return null;
}

/** The semi-grand controller's last Δμ written at or before `step` (dmu.txt lines "step Δμ"), if any. */
export function deltaMuAt(dir: string, step: number): number | undefined {
  const file = path.join(dir, DELTA_MU_FILE);
  if (!fs.existsSync(file)) return undefined;
  let value: number | undefined;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [s, v] = line.trim().split(/\s+/).map(Number);
    if (s !== undefined && v !== undefined && Number.isFinite(s) && Number.isFinite(v) && s <= step) value = v;
  }
  return value;
}

/** Each resumed attempt of a run: the step it resumed from and its script and log (kept as resumes.json). */
export interface ResumeRecord {
  fromStep: number;
  script: string;
  log: string;
}

export const RESUMES_FILE = 'resumes.json';

export function readResumes(dir: string): ResumeRecord[] {
  const file = path.join(dir, RESUMES_FILE);
  if (!fs.existsSync(file)) return [];
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} is not a list of resumes`);
  return parsed.filter(
    (r): r is ResumeRecord =>
      typeof r === 'object' && r !== null && typeof (r as ResumeRecord).fromStep === 'number' && typeof (r as ResumeRecord).script === 'string' && typeof (r as ResumeRecord).log === 'string',
  );
}
