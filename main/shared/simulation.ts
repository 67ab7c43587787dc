/**
 * The LAMMPS protocols a `simulate` job runs (melt–quench glass, amorphous grain-boundary complexion — by hybrid
 * MD/MC or as a melted-and-quenched intergranular film —, amorphous–crystalline nanocomposite, thermalised oriented
 * crystal): their typed parameters with the papers' defaults, and their cost in atom-steps. Shared by the CLI, the
 * GUI forms and the worker that turns them into an input script.
 */
import { z } from 'zod';

/** Debian's `lammps-data` potential; the paper used Mendelev et al. 2019, which a user can point to instead. */
export const DEFAULT_POTENTIAL_PATH = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
/** Cu's lattice parameter for CuZr_mm.eam.fs at 0 K (the builders strain nothing when it matches the potential). */
export const DEFAULT_CU_LATTICE_A = 3.639;

export const SIMULATION_PROTOCOLS = ['glass', 'complexion', 'composite', 'crystal'] as const;
export type SimulationProtocol = (typeof SIMULATION_PROTOCOLS)[number];

/** Element symbols that may appear in a generated script: letters only, so nothing else can reach LAMMPS. */
const element = z.string().regex(/^[A-Z][a-z]?$/, 'an element symbol such as Cu or Zr');
const direction = z
  .tuple([z.number().int(), z.number().int(), z.number().int()])
  .refine((v) => v.some((c) => c !== 0), 'a direction cannot be [0,0,0]');
const orientation = z.object({ x: direction, y: direction, z: direction }).strict();
const kelvin = z.number().min(1).max(10_000);
const positiveSteps = z.number().int().min(0).max(1e9);

const common = {
  /** Name of the resulting structure in the project. */
  name: z.string().trim().min(1).max(200).optional(),
  /** EAM/FS or EAM/alloy file; copied into the job's folder, so its path never reaches the script. */
  potentialPath: z.string().trim().min(1).max(4096).default(DEFAULT_POTENTIAL_PATH),
  seed: z.number().int().min(1).max(2_147_483_646).default(12345),
  timestepFs: z.number().min(0.1).max(10).default(2),
  pressureBar: z.number().min(-1e5).max(1e6).default(0),
  thermoEvery: z.number().int().min(1).max(1_000_000).default(500),
  /** Conjugate-gradient energy minimisation of the final configuration (the papers' last step). */
  minimize: z.boolean().default(true),
  /**
   * MD steps between restart files (besides the one written at the end of every stage), so a killed run resumes
   * near where it stopped; absent = about every 5 minutes at the assumed throughput; 0 = only at stage ends.
   */
  checkpointEvery: z.number().int().min(0).max(1e9).optional(),
};

export const glassParamsSchema = z
  .object({
    protocol: z.literal('glass'),
    ...common,
    /** Atomic percent per element, e.g. { Cu: 64, Zr: 36 }; the first element is the FCC host of the start lattice. */
    composition: z.record(element, z.number().positive()).default({ Cu: 64, Zr: 36 }),
    /** Approximate atom count: the start lattice is the nearest cube of FCC cells (4 atoms each). */
    atoms: z.number().int().min(32).max(5_000_000).default(2048),
    latticeA: z.number().min(2).max(8).default(DEFAULT_CU_LATTICE_A),
    meltK: kelvin.default(2000),
    meltPs: z.number().min(0).max(1e6).default(100),
    finalK: kelvin.default(300),
    /** Quench rate in K/ps (1 K/ps = 10¹² K/s; the composite paper used 0.1 K/ps = 100 K/ns). */
    quenchKPerPs: z.number().positive().max(1e4).default(1),
    holdPs: z.number().min(0).max(1e6).default(50),
  })
  .strict();

export const COMPLEXION_DOPING_MODES = ['canonical', 'semi-grand', 'vc-sgc'] as const;

export const complexionParamsSchema = z
  .object({
    protocol: z.literal('complexion'),
    ...common,
    host: element.default('Cu'),
    dopant: element.default('Zr'),
    latticeA: z.number().min(2).max(8).default(DEFAULT_CU_LATTICE_A),
    /**
     * Grain orientations (X normal to the boundary, Z the shared tilt axis); default: the paper's [110] | [00-1]
     * grains. The paper's text gives [-1-10] as the common Z, which is not perpendicular to [110]; the shared
     * ⟨110⟩ axis perpendicular to both X directions is [-110] (see builders/bicrystal.ts).
     */
    grainA: orientation.default({ x: [1, 1, 0], y: [0, 0, -1], z: [-1, 1, 0] }),
    grainB: orientation.default({ x: [0, 0, -1], y: [-1, -1, 0], z: [-1, 1, 0] }),
    grainWidthA: z.number().min(5).max(5000).default(60),
    lengthYA: z.number().min(5).max(5000).default(20),
    lengthZA: z.number().min(5).max(5000).default(20),
    temperatureK: kelvin.default(1000),
    /** NPT at temperature before doping (paper: 100,000 steps). */
    equilibrateSteps: positiveSteps.default(100_000),
    /** Target dopant atom fraction (paper: 0.02). */
    dopantFraction: z.number().min(0).max(0.5).default(0.02),
    /**
     * canonical: the dopant is placed at random, then Cu↔Zr swaps keep the composition exactly (the limit of the
     * variance constraint going to infinity); semi-grand: fix atom/swap semi-grand with Δμ adjusted every
     * `muAdjustEvery` steps towards the target fraction; vc-sgc: fix sgcmc where the LAMMPS build has it.
     */
    doping: z.enum(COMPLEXION_DOPING_MODES).default('canonical'),
    /** Hybrid MD/MC steps (paper: 3,000,000). */
    mcSteps: positiveSteps.default(3_000_000),
    swapEvery: z.number().int().min(1).max(1_000_000).default(100),
    /** Swap attempts per MC call; each attempt costs about one force evaluation. */
    swapAttempts: z.number().int().min(1).max(100_000).default(20),
    muAdjustEvery: z.number().int().min(1).max(1_000_000).default(1000),
    /** Initial μ(dopant) − μ(host) in eV for semi-grand / VC-SGC; −3.3 eV keeps Zr dilute in CuZr_mm at ~1000 K. */
    deltaMuEv: z.number().min(-100).max(100).default(-3.3),
    /** Semi-grand controller: Δμ += gain × (target − fraction), at most ±maxMuStepEv per adjustment. */
    muGainEv: z.number().min(0).max(100).default(1),
    maxMuStepEv: z.number().min(0).max(10).default(0.02),
    /** VC-SGC variance constraint κ (fix sgcmc). */
    kappa: z.number().min(0).max(1e7).default(1000),
    /**
     * Thickness in Å of an amorphous film made at each of the two boundaries (0 = none: the dopant segregates by
     * MC alone). The slab of this thickness around each boundary gets `filmDopantFraction` of the dopant, is melted
     * and quenched while the grains are held, then everything anneals at `temperatureK` (see complexionScript).
     */
    filmThicknessA: z.number().min(0).max(1000).default(0),
    /** Dopant atom fraction inside the film slabs (the grains stay pure host). */
    filmDopantFraction: z.number().min(0).max(0.9).default(0.1),
    filmMeltK: kelvin.default(2000),
    filmMeltPs: z.number().min(0).max(1e6).default(20),
    /** Quench of the film from filmMeltK to temperatureK, in K/ps. */
    filmQuenchKPerPs: z.number().positive().max(1e4).default(10),
    /** NPT anneal of the released bicrystal at temperatureK before the (optional) MC stage. */
    filmAnnealPs: z.number().min(0).max(1e6).default(100),
  })
  .strict();

export const nanocrystalSchema = z
  .object({
    /** Centre as a fraction of the box along x, y, z. */
    centerFraction: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]),
    /** Radius in lattice parameters (paper: 4 or 3). */
    radiusLatticeParams: z.number().positive().max(100),
    /** Rotation of this nanocrystal's lattice; absent = aligned with the start crystal. */
    rotation: z.object({ axis: z.tuple([z.number(), z.number(), z.number()]), angleDeg: z.number().min(-360).max(360) }).strict().optional(),
  })
  .strict();

export const compositeParamsSchema = z
  .object({
    protocol: z.literal('composite'),
    ...common,
    host: element.default('Cu'),
    dopant: element.default('Zr'),
    latticeA: z.number().min(2).max(8).default(DEFAULT_CU_LATTICE_A),
    /** FCC cells per box edge of the start crystal. */
    cells: z.tuple([z.number().int().min(2).max(500), z.number().int().min(2).max(500), z.number().int().min(2).max(500)]).default([20, 20, 20]),
    nanocrystals: z
      .array(nanocrystalSchema)
      .min(1)
      .max(100)
      .default([
        { centerFraction: [0.25, 0.25, 0.25], radiusLatticeParams: 4 },
        { centerFraction: [0.75, 0.75, 0.75], radiusLatticeParams: 3 },
      ]),
    /** Fraction of the non-frozen atoms converted to the dopant (paper: 36 %). */
    dopantFraction: z.number().min(0).max(1).default(0.36),
    meltK: kelvin.default(2000),
    meltPs: z.number().min(0).max(1e6).default(100),
    releaseK: kelvin.default(700),
    quenchKPerPs: z.number().positive().max(1e4).default(0.1),
    /** Equilibration at releaseK after the nanocrystals are released (paper: 2 ns). */
    equilibratePs: z.number().min(0).max(1e6).default(2000),
    finalK: kelvin.default(300),
  })
  .strict();

export const CRYSTAL_ORIENTATION_MODES = ['miller', 'random'] as const;

export const crystalParamsSchema = z
  .object({
    protocol: z.literal('crystal'),
    ...common,
    /** A thermal snapshot keeps its phonon displacements: minimising would turn it back into a perfect lattice. */
    minimize: z.boolean().default(false),
    host: element.default('Cu'),
    latticeA: z.number().min(2).max(8).default(DEFAULT_CU_LATTICE_A),
    /**
     * miller: the lattice directions along x, y, z are `orientation`; random: a uniformly random rotation (from
     * `seed`), realised as the nearest orientation with Miller indices up to `maxIndex` whose periodic box fits
     * `maxAtoms` (see builders/commensurate-orientation.ts).
     */
    orientationMode: z.enum(CRYSTAL_ORIENTATION_MODES).default('miller'),
    orientation: orientation.default({ x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] }),
    maxIndex: z.number().int().min(1).max(8).default(4),
    maxAtoms: z.number().int().min(4).max(5_000_000).default(20_000),
    /** The box is the smallest whole number of periods at least this long along x, y, z. */
    minLengthsA: z.tuple([z.number().min(1).max(5000), z.number().min(1).max(5000), z.number().min(1).max(5000)]).default([20, 20, 20]),
    dopant: element.default('Zr'),
    /** Fraction of the atoms made `dopant` at random (seeded): a substitutional solid solution; 0 = pure host. */
    dopantFraction: z.number().min(0).max(0.5).default(0),
    temperatureK: kelvin.default(300),
    equilibratePs: z.number().min(0).max(1e6).default(20),
  })
  .strict();

const simulationParamsUnion = z.discriminatedUnion('protocol', [glassParamsSchema, complexionParamsSchema, compositeParamsSchema, crystalParamsSchema]);

/**
 * The film route of the complexion needs neither the MC route's 3,000,000 swap steps nor its 100,000-step
 * equilibration: when a request asks for a film and leaves those out, they default to 0 MC steps and 10,000 steps.
 */
function filmRouteDefaults(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  if (r.protocol !== 'complexion' || typeof r.filmThicknessA !== 'number' || !(r.filmThicknessA > 0)) return raw;
  return { ...r, mcSteps: r.mcSteps ?? 0, equilibrateSteps: r.equilibrateSteps ?? 10_000 };
}

export const simulationParamsSchema = z.preprocess(filmRouteDefaults, simulationParamsUnion);

export type GlassParams = z.output<typeof glassParamsSchema>;
export type ComplexionParams = z.output<typeof complexionParamsSchema>;
export type CompositeParams = z.output<typeof compositeParamsSchema>;
export type CrystalParams = z.output<typeof crystalParamsSchema>;
export type SimulationParams = z.output<typeof simulationParamsUnion>;
export type SimulationParamsInput = z.input<typeof simulationParamsUnion>;

/** One named part of a protocol (melt, quench …) and its MD steps; the progress bar and cost come from these. */
export interface SimulationStage {
  name: string;
  steps: number;
  /** Extra force evaluations (MC swap attempts) in this stage. */
  extraForceEvaluations: number;
}

export function stepsFor(ps: number, timestepFs: number): number {
  return Math.max(0, Math.round((ps * 1000) / timestepFs));
}

function quenchPs(fromK: number, toK: number, kPerPs: number): number {
  return Math.abs(fromK - toK) / kPerPs;
}

/** The stages of a protocol in order, with their MD steps. Minimisation is not counted (it is short and bounded). */
export function simulationStages(params: SimulationParams): SimulationStage[] {
  const dt = params.timestepFs;
  const stage = (name: string, ps: number): SimulationStage => ({ name, steps: stepsFor(ps, dt), extraForceEvaluations: 0 });
  switch (params.protocol) {
    case 'glass':
      return [
        stage(`melt at ${params.meltK} K`, params.meltPs),
        stage(`quench ${params.meltK} → ${params.finalK} K`, quenchPs(params.meltK, params.finalK, params.quenchKPerPs)),
        stage(`hold at ${params.finalK} K`, params.holdPs),
      ].filter((s) => s.steps > 0);
    case 'complexion': {
      const cycles = Math.ceil(params.mcSteps / params.muAdjustEvery);
      const mcSteps = cycles * params.muAdjustEvery;
      const T = params.temperatureK;
      const film: SimulationStage[] =
        params.filmThicknessA > 0
          ? [
              stage(`melt the films at ${params.filmMeltK} K (grains held)`, params.filmMeltPs),
              stage(`quench the films ${params.filmMeltK} → ${T} K`, quenchPs(params.filmMeltK, T, params.filmQuenchKPerPs)),
              stage(`release, anneal at ${T} K`, params.filmAnnealPs),
            ]
          : [];
      return [
        { name: `NPT at ${T} K`, steps: params.equilibrateSteps, extraForceEvaluations: 0 },
        ...film,
        {
          name: `${params.doping} doping with ${params.dopant}`,
          steps: mcSteps,
          extraForceEvaluations: Math.floor(mcSteps / params.swapEvery) * params.swapAttempts,
        },
      ].filter((s) => s.steps > 0);
    }
    case 'composite':
      return [
        stage(`melt at ${params.meltK} K (nanocrystals frozen)`, params.meltPs),
        stage(`quench ${params.meltK} → ${params.releaseK} K`, quenchPs(params.meltK, params.releaseK, params.quenchKPerPs)),
        stage(`release, equilibrate at ${params.releaseK} K`, params.equilibratePs),
        stage(`cool ${params.releaseK} → ${params.finalK} K`, quenchPs(params.releaseK, params.finalK, params.quenchKPerPs)),
      ].filter((s) => s.steps > 0);
    case 'crystal':
      return [stage(`NPT at ${params.temperatureK} K`, params.equilibratePs)].filter((s) => s.steps > 0);
  }
}

/** Approximate atoms before the run (exact counts come from the builders). */
export function estimatedAtoms(params: SimulationParams): number {
  switch (params.protocol) {
    case 'glass':
      return 4 * Math.max(1, Math.round(Math.cbrt(params.atoms / 4))) ** 3;
    case 'complexion':
      return Math.round((2 * params.grainWidthA * params.lengthYA * params.lengthZA * 4) / params.latticeA ** 3);
    case 'composite':
      return 4 * params.cells[0] * params.cells[1] * params.cells[2];
    case 'crystal':
      return Math.round((4 * params.minLengthsA[0] * params.minLengthsA[1] * params.minLengthsA[2]) / params.latticeA ** 3);
  }
}

/** The atom-steps per second the estimates assume (see simulationCost). */
export const ASSUMED_ATOM_STEPS_PER_SECOND = 2e5;

/**
 * MD steps between periodic restart files: as given, else about every 5 minutes of wall time at the assumed
 * throughput (a restart file costs about one MD step to write), in whole thermo intervals.
 */
export function checkpointInterval(params: SimulationParams, atoms: number): number {
  if (params.checkpointEvery !== undefined) return params.checkpointEvery;
  const steps = (300 * ASSUMED_ATOM_STEPS_PER_SECOND) / Math.max(1, atoms);
  return Math.max(1, Math.round(steps / params.thermoEvery)) * params.thermoEvery;
}

/**
 * The cost a form shows before a run: atom-steps (MD steps plus MC force evaluations, times atoms) and a time
 * estimate at a stated throughput. CuZr_mm.eam.fs has a 7.6 Å cut-off: Debian's lmp did ~2×10⁵ atom-steps/s per
 * core on this project's 2-core test machine, which is the default rate.
 */
export function simulationCost(params: SimulationParams, atomStepsPerSecond = 2e5): { atoms: number; steps: number; atomSteps: number; seconds: number } {
  const atoms = estimatedAtoms(params);
  const stages = simulationStages(params);
  const steps = stages.reduce((sum, s) => sum + s.steps, 0);
  const evaluations = steps + stages.reduce((sum, s) => sum + s.extraForceEvaluations, 0);
  const atomSteps = atoms * evaluations;
  return { atoms, steps, atomSteps, seconds: atomSteps / atomStepsPerSecond };
}

/** What a simulated structure records about how it was made (a type alias so it fits StructureProvenance's index signature). */
export type SimulationProvenance = {
  kind: 'simulation';
  protocol: SimulationProtocol;
  params: SimulationParams;
  lammpsVersion: string;
  lmpPath: string;
  potential: { file: string; sha256: string; elements: string[] };
  steps: number;
  wallSeconds: number;
  /** Files kept beside the structure: the input script, LAMMPS's log and the thermo table. */
  files: { script: string; log: string; thermo: string };
  /** e.g. final dopant fraction, grain strains from the builder. */
  notes: string[];
  /** MD steps between periodic restart files (0 = only at stage ends). */
  checkpointEvery?: number;
  /** Each time the run was resumed: the restart file's step, and that attempt's script and log (kept beside the first). */
  resumes?: Array<{ fromStep: number; script: string; log: string }>;
};

/** Column names of the thermo table a simulate job streams (and keeps as thermo.csv). */
export const THERMO_COLUMNS = ['step', 'temperatureK', 'potentialEnergyEv', 'volumeA3', 'pressureBar', 'dopantFraction'] as const;
export type ThermoColumn = (typeof THERMO_COLUMNS)[number];
