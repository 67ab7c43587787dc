/**
 * Which parameters each protocol's form shows, in what order, with labels and units: the papers' most important
 * ones in the open, the rest (numerics, potential, lattice, orientations, the μ controller) under "Advanced".
 */
import { COMPLEXION_DOPING_MODES, CRYSTAL_ORIENTATION_MODES, type SimulationProtocol } from '../../../main/shared/simulation';

export type FieldKind = 'number' | 'integer' | 'text' | 'element' | 'composition' | 'direction' | 'cells' | 'lengths' | 'boolean' | 'choice';

export interface FieldSpec {
  /** The parameter's path in the schema, dotted for nested ones ('grainA.x'). */
  key: string;
  label: string;
  /** Shown after the label in brackets, e.g. "K/ps". */
  unit?: string;
  kind: FieldKind;
  /** A short line under the field (or its tooltip when the form is compact). */
  help?: string;
  advanced?: boolean;
  /** Empty text leaves the parameter out, so the schema's default (or nothing) applies. */
  optional?: boolean;
  /** Takes a whole row of the two-column grid. */
  wide?: boolean;
  /** Options of a 'choice' field. */
  options?: readonly { value: string; label: string }[];
  placeholder?: string;
}

const name: FieldSpec = { key: 'name', label: 'Structure name', kind: 'text', optional: true, wide: true, placeholder: 'default: protocol and atom count' };

const numerics: FieldSpec[] = [
  { key: 'seed', label: 'Random seed', kind: 'integer', advanced: true, help: 'Velocities, substitution and MC moves' },
  { key: 'timestepFs', label: 'Timestep', unit: 'fs', kind: 'number', advanced: true },
  { key: 'pressureBar', label: 'Pressure', unit: 'bar', kind: 'number', advanced: true, help: 'NPT target pressure' },
  { key: 'thermoEvery', label: 'Thermo every', unit: 'steps', kind: 'integer', advanced: true, help: 'Interval of the live thermo rows' },
  { key: 'latticeA', label: 'Host lattice parameter', unit: 'Å', kind: 'number', advanced: true, help: 'FCC start lattice; 3.639 Å is Cu in CuZr_mm' },
  { key: 'minimize', label: 'Minimise the final energy (CG)', kind: 'boolean', advanced: true },
  { key: 'potentialPath', label: 'Potential file (EAM/FS or EAM/alloy)', kind: 'text', advanced: true, wide: true, help: 'On the machine running the core; copied into the job' },
];

const hostDopant: FieldSpec[] = [
  { key: 'host', label: 'Host element', kind: 'element' },
  { key: 'dopant', label: 'Dopant element', kind: 'element' },
];

const glass: FieldSpec[] = [
  { key: 'composition', label: 'Composition', unit: 'at.%', kind: 'composition', help: 'e.g. Cu64Zr36; the first element is the FCC start lattice' },
  { key: 'atoms', label: 'Atoms', kind: 'integer', help: 'Rounded to a cube of FCC cells (4n³)' },
  { key: 'meltK', label: 'Melt temperature', unit: 'K', kind: 'number' },
  { key: 'meltPs', label: 'Melt time', unit: 'ps', kind: 'number' },
  { key: 'quenchKPerPs', label: 'Quench rate', unit: 'K/ps', kind: 'number', help: '1 K/ps = 10¹² K/s' },
  { key: 'finalK', label: 'Final temperature', unit: 'K', kind: 'number' },
  { key: 'holdPs', label: 'Hold time', unit: 'ps', kind: 'number', help: 'At the final temperature' },
  name,
  ...numerics,
];

const DOPING_LABELS: Record<(typeof COMPLEXION_DOPING_MODES)[number], string> = {
  canonical: 'canonical',
  'semi-grand': 'semi-grand (Δμ)',
  'vc-sgc': 'VC-SGC',
};

const direction = (key: string, label: string): FieldSpec => ({ key, label, kind: 'direction', advanced: true, placeholder: 'h k l' });

const complexion: FieldSpec[] = [
  ...hostDopant,
  { key: 'grainWidthA', label: 'Grain width', unit: 'Å', kind: 'number', help: 'Along x, per grain' },
  { key: 'temperatureK', label: 'Temperature', unit: 'K', kind: 'number' },
  { key: 'lengthYA', label: 'Length y', unit: 'Å', kind: 'number' },
  { key: 'lengthZA', label: 'Length z', unit: 'Å', kind: 'number' },
  { key: 'dopantFraction', label: 'Dopant fraction', kind: 'number', help: 'Atom fraction (paper: 0.02)' },
  {
    key: 'doping',
    label: 'Doping',
    kind: 'choice',
    help: 'canonical: fixed composition; semi-grand: Δμ steered to the target; VC-SGC: fix sgcmc',
    options: COMPLEXION_DOPING_MODES.map((m) => ({ value: m, label: DOPING_LABELS[m] })),
  },
  { key: 'equilibrateSteps', label: 'NPT equilibration', unit: 'steps', kind: 'integer' },
  { key: 'mcSteps', label: 'Hybrid MD/MC', unit: 'steps', kind: 'integer' },
  { key: 'swapEvery', label: 'Swap every', unit: 'steps', kind: 'integer' },
  { key: 'swapAttempts', label: 'Swap attempts', unit: 'per call', kind: 'integer' },
  { key: 'filmThicknessA', label: 'Film thickness', unit: 'Å', kind: 'number', help: '0: MC only; else a doped slab at each boundary is melted and quenched' },
  { key: 'filmDopantFraction', label: 'Film dopant fraction', kind: 'number', help: 'Inside the film slabs' },
  name,
  ...numerics,
  { key: 'filmMeltK', label: 'Film melt temperature', unit: 'K', kind: 'number', advanced: true },
  { key: 'filmMeltPs', label: 'Film melt time', unit: 'ps', kind: 'number', advanced: true },
  { key: 'filmQuenchKPerPs', label: 'Film quench rate', unit: 'K/ps', kind: 'number', advanced: true },
  { key: 'filmAnnealPs', label: 'Anneal after release', unit: 'ps', kind: 'number', advanced: true },
  direction('grainA.x', 'Grain A x'),
  direction('grainB.x', 'Grain B x'),
  direction('grainA.y', 'Grain A y'),
  direction('grainB.y', 'Grain B y'),
  direction('grainA.z', 'Grain A z'),
  direction('grainB.z', 'Grain B z'),
  { key: 'muAdjustEvery', label: 'Adjust Δμ every', unit: 'steps', kind: 'integer', advanced: true },
  { key: 'deltaMuEv', label: 'Initial Δμ', unit: 'eV', kind: 'number', advanced: true, help: 'μ(dopant) − μ(host)' },
  { key: 'muGainEv', label: 'Δμ gain', unit: 'eV', kind: 'number', advanced: true },
  { key: 'maxMuStepEv', label: 'Max Δμ step', unit: 'eV', kind: 'number', advanced: true },
  { key: 'kappa', label: 'VC-SGC κ', kind: 'number', advanced: true, help: 'Variance constraint (fix sgcmc)' },
];

const composite: FieldSpec[] = [
  ...hostDopant,
  { key: 'cells', label: 'FCC cells', unit: 'nx, ny, nz', kind: 'cells' },
  { key: 'dopantFraction', label: 'Dopant fraction', kind: 'number', help: 'Of the melted atoms (paper: 0.36)' },
  { key: 'meltK', label: 'Melt temperature', unit: 'K', kind: 'number' },
  { key: 'meltPs', label: 'Melt time', unit: 'ps', kind: 'number' },
  { key: 'releaseK', label: 'Release temperature', unit: 'K', kind: 'number', help: 'Nanocrystals released here' },
  { key: 'equilibratePs', label: 'Equilibrate', unit: 'ps', kind: 'number', help: 'At the release temperature' },
  { key: 'quenchKPerPs', label: 'Quench rate', unit: 'K/ps', kind: 'number', help: '0.1 K/ps = 100 K/ns' },
  { key: 'finalK', label: 'Final temperature', unit: 'K', kind: 'number' },
  name,
  ...numerics,
];

const crystal: FieldSpec[] = [
  ...hostDopant,
  { key: 'dopantFraction', label: 'Dopant fraction', kind: 'number', help: 'Random substitution (0: pure host)' },
  { key: 'temperatureK', label: 'Temperature', unit: 'K', kind: 'number' },
  { key: 'equilibratePs', label: 'NPT time', unit: 'ps', kind: 'number' },
  { key: 'minLengthsA', label: 'Minimum box lengths', unit: 'Å', kind: 'lengths', help: 'Whole lattice periods at least this long' },
  {
    key: 'orientationMode',
    label: 'Orientation',
    kind: 'choice',
    help: 'random: a random rotation from the seed, made periodic with Miller indices up to the maximum',
    options: CRYSTAL_ORIENTATION_MODES.map((m) => ({ value: m, label: m === 'miller' ? 'Miller directions' : 'random' })),
  },
  direction('orientation.x', 'Crystal x'),
  direction('orientation.y', 'Crystal y'),
  direction('orientation.z', 'Crystal z'),
  { key: 'maxIndex', label: 'Max Miller index', kind: 'integer', advanced: true, help: 'Random orientation' },
  { key: 'maxAtoms', label: 'Max atoms', kind: 'integer', advanced: true, help: 'Random orientation: box budget' },
  name,
  ...numerics,
];

export const PROTOCOL_FIELDS: Record<SimulationProtocol, readonly FieldSpec[]> = { glass, complexion, composite, crystal };

export const PROTOCOL_LABELS: Record<SimulationProtocol, { label: string; title: string }> = {
  glass: { label: 'Glass', title: 'Melt–quench metallic glass: NPT melt, quench, hold, minimise' },
  complexion: { label: 'Complexion', title: 'Amorphous grain-boundary complexion: bicrystal, NPT, dopant by hybrid MD/MC' },
  composite: { label: 'Composite', title: 'Amorphous–crystalline nanocomposite: frozen nanocrystals in a doped melt, quench, release, cool' },
  crystal: { label: 'Crystal', title: 'Thermalised FCC crystal in a chosen or random orientation, optionally a random solid solution' },
};
