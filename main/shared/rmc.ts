/**
 * The `rmc` job's parameters: which measured curves to fit (declared as in rmc-data.ts), where the model starts (a
 * random packing at a composition and density, or a project structure), the move rules (r_max, bins, closest
 * approach, step, swaps), the σ annealing, and the optional energy term of hybrid RMC. One schema for the CLI, the
 * GUI and the worker, so all three refuse the same things with the same words.
 */
import { z } from 'zod';
import { canonicalElement } from './elements';
import { measuredDataDeclarationSchema } from './rmc-data';

export const FIT_MODES = ['scale+offset', 'scale', 'none'] as const;
export type FitMode = (typeof FIT_MODES)[number];
export const MISFIT_FORMS = ['absolute', 'relative'] as const;
export type MisfitForm = (typeof MISFIT_FORMS)[number];

/** Atoms an RMC model may hold: the papers' models have 10⁴; 10⁶ keeps one typo from filling memory. */
export const MAX_RMC_ATOMS = 1_000_000;
/** Attempted moves of one run (10¹¹ is days of CPU at 10⁶ moves/s). */
export const MAX_RMC_MOVES = 1e11;

const element = z.string().transform((value, ctx) => {
  const canonical = canonicalElement(value);
  if (canonical === null) {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not an element symbol` });
    return z.NEVER;
  }
  return canonical;
});

export const rmcStartSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('random'),
      atoms: z.number().int().min(2).max(MAX_RMC_ATOMS),
      /** Number density, atoms/Å³ (a Cu64Zr36 glass: ≈ 0.0585). */
      densityPerA3: z.number().positive().max(0.5),
      /** Element → amount (normalised), e.g. {Cu: 64, Zr: 36}. */
      composition: z.record(z.string(), z.number().positive()).refine((c) => Object.keys(c).length > 0, 'give at least one element'),
    })
    .strict(),
  z.object({ kind: z.literal('structure'), structureId: z.number().int().positive() }).strict(),
]);
export type RmcStart = z.infer<typeof rmcStartSchema>;

export const rmcEnergySchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('temperature'),
      potentialPath: z.string().min(1),
      /** Effective temperature of the Boltzmann factor exp(−ΔE / k_B T) next to exp(−Δχ²/2). */
      temperatureK: z.number().positive().max(1e6),
    })
    .strict(),
  z
    .object({
      mode: z.literal('ceiling'),
      potentialPath: z.string().min(1),
      /** Moves that take the energy above this many eV/atom are refused. */
      ceilingEvPerAtom: z.number(),
    })
    .strict(),
]);
export type RmcEnergy = z.infer<typeof rmcEnergySchema>;

/** Atoms of `centre` should have min … max neighbours of `neighbour` within rcutA (a soft constraint, σ per count). */
export const coordinationWindowSchema = z
  .object({
    centre: z.string(),
    neighbour: z.string(),
    rcutA: z.number().positive().max(20),
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(0).max(100),
    sigma: z.number().positive().max(100).default(0.5),
  })
  .strict()
  .refine((w) => w.min <= w.max, 'a coordination window needs min ≤ max');
export type CoordinationWindowParams = z.infer<typeof coordinationWindowSchema>;

export const rmcParamsSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    data: z
      .array(
        z
          .object({
            file: z.string().min(1),
            declaration: measuredDataDeclarationSchema,
            /** This curve's scale/offset refit; default the run's `fit` (e.g. 'none' for a g(r) whose normalisation is known). */
            fit: z.enum(FIT_MODES).optional(),
          })
          .strict(),
      )
      .max(32)
      .default([]),
    start: rmcStartSchema,
    /** Fitting range; default min(12 Å, half the shortest box edge). */
    rmaxA: z.number().positive().max(100).optional(),
    binWidthA: z.number().min(0.005).max(0.5).default(0.02),
    /** Closest approach per element pair, e.g. {"Cu-Zr": 2.3}; pairs not named take `defaultClosestApproachA`. */
    closestApproachA: z.record(z.string(), z.number().min(0).max(10)).default({}),
    defaultClosestApproachA: z.number().min(0).max(10).default(2),
    moves: z.number().int().positive().max(MAX_RMC_MOVES),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    stepA: z.number().positive().max(5).default(0.2),
    targetAcceptance: z.number().gt(0).lt(1).default(0.3),
    swapFraction: z.number().min(0).max(1).default(0),
    /** σ multiplied by `from` at the start, falling geometrically to 1 after `moves` (the paper: 100 → 1). */
    anneal: z.object({ from: z.number().min(1).max(1e6), moves: z.number().int().positive().max(MAX_RMC_MOVES) }).strict().nullable().default(null),
    fit: z.enum(FIT_MODES).default('scale+offset'),
    misfit: z.enum(MISFIT_FORMS).default('absolute'),
    energy: rmcEnergySchema.nullable().default(null),
    coordination: z.array(coordinationWindowSchema).max(16).default([]),
    /** After the run, relax the model in LAMMPS (conjugate gradient, fixed box) with this potential and report both energies. */
    relax: z.object({ potentialPath: z.string().min(1) }).strict().nullable().default(null),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.start.kind === 'random') {
      for (const el of Object.keys(p.start.composition)) {
        if (canonicalElement(el) === null) ctx.addIssue({ code: 'custom', path: ['start', 'composition'], message: `'${el}' is not an element symbol` });
      }
    }
    for (const key of Object.keys(p.closestApproachA)) {
      const parts = key.split('-');
      if (parts.length !== 2 || parts.some((e) => element.safeParse(e).success === false)) {
        ctx.addIssue({ code: 'custom', path: ['closestApproachA', key], message: `'${key}': name an element pair like Cu-Zr` });
      }
    }
    p.coordination.forEach((w, k) => {
      for (const el of [w.centre, w.neighbour]) if (canonicalElement(el) === null) ctx.addIssue({ code: 'custom', path: ['coordination', k], message: `'${el}' is not an element symbol` });
      if (p.rmaxA !== undefined && w.rcutA > p.rmaxA) ctx.addIssue({ code: 'custom', path: ['coordination', k, 'rcutA'], message: `the coordination radius ${w.rcutA} Å exceeds r_max ${p.rmaxA} Å` });
    });
    if (p.data.length === 0 && p.energy === null && p.coordination.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'give at least one measured curve, an energy term or a coordination window; with none the run is only hard-sphere Monte Carlo' });
    }
  });
export type RmcParams = z.infer<typeof rmcParamsSchema>;
export type RmcParamsInput = z.input<typeof rmcParamsSchema>;

/** The closest approach of an element pair ("Cu-Zr" and "Zr-Cu" are the same pair). */
export function closestApproachOf(params: Pick<RmcParams, 'closestApproachA' | 'defaultClosestApproachA'>, a: string, b: string): number {
  for (const [key, value] of Object.entries(params.closestApproachA)) {
    const [x, y] = key.split('-').map((e) => canonicalElement(e));
    if ((x === a && y === b) || (x === b && y === a)) return value;
  }
  return params.defaultClosestApproachA;
}

/** One row of the live table an rmc job sends: moves so far, the total χ², acceptance, step and energy per atom. */
export const RMC_SERIES_COLUMNS = ['moves', 'chi2', 'acceptance', 'stepA', 'energyEvPerAtom', 'annealFactor'] as const;

/** How a model curve compares with its measured one after a run (the report's fit panels). */
export interface RmcFitSummary {
  name: string;
  quantity: string;
  points: number;
  chi2: number;
  scale: number;
  offset: number;
  rSquared: number;
}
