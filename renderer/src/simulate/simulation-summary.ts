/**
 * Simulation parameters and provenance read back from a job or a structure, and said in a few words for the jobs
 * panel and the structure details (no plotting here, so those panels load without Observable Plot).
 */
import type { JobSummary, StructureProvenance } from '../../../main/shared/domain';
import { simulationParamsSchema, type SimulationParams, type SimulationProvenance } from '../../../main/shared/simulation';
import { formatCount } from '../format';

/** The parameters inside a simulate job's params (`{ simulation, lmpPath }`), or null when they do not parse. */
export function simulationOf(jobParams: unknown): SimulationParams | null {
  if (typeof jobParams !== 'object' || jobParams === null) return null;
  const parsed = simulationParamsSchema.safeParse((jobParams as { simulation?: unknown }).simulation);
  return parsed.success ? parsed.data : null;
}

export function jobSimulationParams(job: JobSummary | null): SimulationParams | null {
  return job && job.kind === 'simulate' ? simulationOf(job.params) : null;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))} %`;
}

/** {Cu: 64, Zr: 36} → "Cu64Zr36" */
export function compositionText(composition: Record<string, number>): string {
  return Object.entries(composition)
    .map(([element, amount]) => `${element}${amount}`)
    .join('');
}

function crystalOrientationText(params: Extract<SimulationParams, { protocol: 'crystal' }>): string {
  if (params.orientationMode === 'random') return `random orientation (seed ${params.seed})`;
  const { x, y, z } = params.orientation;
  return `x [${x.join(' ')}] y [${y.join(' ')}] z [${z.join(' ')}]`;
}

/** One line: "glass Cu64Zr36 · 2,048 atoms · 1 K/ps". */
export function describeSimulation(params: SimulationParams): string {
  switch (params.protocol) {
    case 'glass':
      return `glass ${compositionText(params.composition)} · ≈ ${formatCount(params.atoms)} atoms · ${params.quenchKPerPs} K/ps`;
    case 'complexion':
      return `complexion ${params.host} + ${percent(params.dopantFraction)} ${params.dopant} · ${params.temperatureK} K · ${params.doping}`;
    case 'composite':
      return `composite ${params.host} + ${percent(params.dopantFraction)} ${params.dopant} · ${params.cells.join('×')} cells · ${params.nanocrystals.length} nanocrystal${params.nanocrystals.length === 1 ? '' : 's'}`;
    case 'crystal':
      return `crystal ${params.host}${params.dopantFraction > 0 ? ` + ${percent(params.dopantFraction)} ${params.dopant}` : ''} · ${params.temperatureK} K · ${crystalOrientationText(params)}`;
  }
}

/** The parameters a reader of a structure's details wants first, as label → value. */
export function keyParameters(params: SimulationParams): [string, string][] {
  const common: [string, string][] = [
    ['Timestep', `${params.timestepFs} fs`],
    ['Pressure', `${params.pressureBar} bar`],
    ['Seed', String(params.seed)],
    ['Minimised', params.minimize ? 'yes (CG, box relax)' : 'no'],
  ];
  switch (params.protocol) {
    case 'glass':
      return [
        ['Composition', compositionText(params.composition)],
        ['Melt', `${params.meltK} K for ${params.meltPs} ps`],
        ['Quench', `${params.meltK} → ${params.finalK} K at ${params.quenchKPerPs} K/ps`],
        ['Hold', `${params.finalK} K for ${params.holdPs} ps`],
        ...common,
      ];
    case 'complexion':
      return [
        ['Host + dopant', `${params.host} + ${params.dopant} (${percent(params.dopantFraction)} target)`],
        ['Bicrystal', `grains ${params.grainWidthA} Å wide, ${params.lengthYA} × ${params.lengthZA} Å`],
        ['Grain A', `x [${params.grainA.x.join(' ')}] y [${params.grainA.y.join(' ')}] z [${params.grainA.z.join(' ')}]`],
        ['Grain B', `x [${params.grainB.x.join(' ')}] y [${params.grainB.y.join(' ')}] z [${params.grainB.z.join(' ')}]`],
        ['Temperature', `${params.temperatureK} K`],
        ['NPT', `${formatCount(params.equilibrateSteps)} steps`],
        ...(params.filmThicknessA > 0
          ? ([['Films', `${params.filmThicknessA} Å, ${percent(params.filmDopantFraction)} ${params.dopant}, melted at ${params.filmMeltK} K, quenched at ${params.filmQuenchKPerPs} K/ps, annealed ${params.filmAnnealPs} ps`]] as [string, string][])
          : []),
        ['Doping', `${params.doping}, ${formatCount(params.mcSteps)} MD/MC steps, ${params.swapAttempts} swaps every ${params.swapEvery} steps`],
        ...common,
      ];
    case 'composite':
      return [
        ['Host + dopant', `${params.host} + ${params.dopant} (${percent(params.dopantFraction)} of the melt)`],
        ['Start crystal', `${params.cells.join(' × ')} FCC cells, a = ${params.latticeA} Å`],
        ['Nanocrystals', params.nanocrystals.map((n) => `r ${n.radiusLatticeParams} a₀ at (${n.centerFraction.join(', ')})`).join('; ')],
        ['Melt', `${params.meltK} K for ${params.meltPs} ps`],
        ['Quench', `${params.meltK} → ${params.releaseK} K at ${params.quenchKPerPs} K/ps`],
        ['Release', `${params.releaseK} K for ${params.equilibratePs} ps`],
        ['Cool', `→ ${params.finalK} K`],
        ...common,
      ];
    case 'crystal':
      return [
        ['Host + dopant', params.dopantFraction > 0 ? `${params.host} + ${params.dopant} (${percent(params.dopantFraction)}, random)` : params.host],
        ['Orientation', crystalOrientationText(params)],
        ['Minimum box', `${params.minLengthsA.join(' × ')} Å, a = ${params.latticeA} Å`],
        ['NPT', `${params.temperatureK} K for ${params.equilibratePs} ps`],
        ...common,
      ];
  }
}

/** A structure's provenance when a simulate job made it (fields checked, since the database keeps any JSON). */
export interface SimulationRecord {
  params: SimulationParams | null;
  protocol: string;
  lammpsVersion: string | null;
  lmpPath: string | null;
  potential: { file: string; sha256: string | null; elements: string[] } | null;
  steps: number | null;
  wallSeconds: number | null;
  files: Record<string, string>;
  notes: string[];
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function readSimulationProvenance(provenance: StructureProvenance | null): SimulationRecord | null {
  if (!provenance || provenance.kind !== 'simulation') return null;
  const p = provenance as Partial<Record<keyof SimulationProvenance, unknown>>;
  const parsed = simulationParamsSchema.safeParse(p.params);
  const potential = typeof p.potential === 'object' && p.potential !== null ? (p.potential as Record<string, unknown>) : null;
  const files = typeof p.files === 'object' && p.files !== null ? (p.files as Record<string, unknown>) : {};
  return {
    params: parsed.success ? parsed.data : null,
    protocol: text(p.protocol) ?? (parsed.success ? parsed.data.protocol : 'unknown'),
    lammpsVersion: text(p.lammpsVersion),
    lmpPath: text(p.lmpPath),
    potential:
      potential && text(potential.file)
        ? {
            file: text(potential.file) ?? '',
            sha256: text(potential.sha256),
            elements: Array.isArray(potential.elements) ? potential.elements.filter((e): e is string => typeof e === 'string') : [],
          }
        : null,
    steps: count(p.steps),
    wallSeconds: count(p.wallSeconds),
    files: Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => typeof e[1] === 'string')),
    notes: Array.isArray(p.notes) ? p.notes.filter((n): n is string => typeof n === 'string') : [],
  };
}
