/**
 * The dataset builder's form as typed, and the `datasets.build` recipe it stands for: cylinder radii × heights typed
 * as comma lists give every combination (the paper's Fig. 7 sweep), plus an optional ellipsoid and cluster probe.
 */
import type { Vec3 } from '../../../main/shared/domain';
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A, type ProbeShape, type ZoneAxis } from '../../../main/shared/diffraction';
import type { Request } from '../../../main/shared/ipc-contract';
import { parseNumberList, parseVec3 } from './probe-settings';

export type BuildRecipe = Request<'datasets.build'>;

export interface RecipeForm {
  name: string;
  /** structureId → chosen labelSetId (absent = not a source). */
  sources: Record<number, number>;
  scanKind: 'grid' | 'line';
  stepA: string;
  lineStart: string;
  lineDirection: string;
  lineLengthA: string;
  zones: { x: boolean; y: boolean; z: boolean };
  zoneDirections: string;
  cylinders: boolean;
  radiiA: string;
  heightsA: string;
  ellipsoid: boolean;
  semiAxesA: string;
  cluster: boolean;
  kmaxInvA: string;
  deltaKInvA: string;
  beamEnergyKeV: string;
  regionAxis: '' | 'x' | 'y' | 'z';
  splitSeed: string;
}

export function defaultRecipeForm(): RecipeForm {
  return {
    name: 'nbed-dataset',
    sources: {},
    scanKind: 'grid',
    stepA: '2.5',
    lineStart: '0, 0, 0',
    lineDirection: '1, 0, 0',
    lineLengthA: '50',
    zones: { x: false, y: false, z: true },
    zoneDirections: '',
    cylinders: true,
    radiiA: '5',
    heightsA: '20',
    ellipsoid: false,
    semiAxesA: '5, 5, 10',
    cluster: false,
    kmaxInvA: String(DEFAULT_KMAX_INV_A),
    deltaKInvA: String(DEFAULT_DELTA_K_INV_A),
    beamEnergyKeV: '',
    regionAxis: '',
    splitSeed: '42',
  };
}

function positive(text: string, name: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

function positiveList(text: string, name: string): number[] {
  const v = parseNumberList(text);
  if (!v || v.length === 0 || v.some((x) => x <= 0)) throw new Error(`${name} must be positive numbers separated by commas`);
  return v;
}

/** The recipe, or the first reason the form is not one. */
export function buildRecipe(form: RecipeForm): { recipe: BuildRecipe; error: null } | { recipe: null; error: string } {
  try {
    const sources = Object.entries(form.sources).map(([s, l]) => ({ structureId: Number(s), labelSetId: l }));
    if (sources.length === 0) throw new Error('choose at least one labelled structure');
    if (form.name.trim() === '') throw new Error('the dataset needs a name');
    const step = positive(form.stepA, 'the scan step');
    let scan: BuildRecipe['scan'];
    if (form.scanKind === 'grid') scan = { kind: 'grid', stepA: step };
    else {
      const start = parseVec3(form.lineStart);
      const direction = parseVec3(form.lineDirection);
      if (!start) throw new Error('the line start must be x, y, z in Å');
      if (!direction || Math.hypot(...direction) === 0) throw new Error('the line direction must be three numbers, not all zero');
      scan = { kind: 'line', start, direction, lengthA: positive(form.lineLengthA, 'the line length'), stepA: step };
    }
    const zones: ZoneAxis[] = (['x', 'y', 'z'] as const).filter((a) => form.zones[a]);
    for (const part of form.zoneDirections.split(/;|\|/).map((p) => p.trim()).filter((p) => p.length > 0)) {
      const d: Vec3 | null = parseVec3(part);
      if (!d || Math.hypot(...d) === 0) throw new Error(`"${part}" is not a zone direction (three numbers; separate several with ;)`);
      zones.push(d);
    }
    if (zones.length === 0) throw new Error('choose at least one zone axis');
    const probes: ProbeShape[] = [];
    if (form.cylinders) {
      const radii = positiveList(form.radiiA, 'the radii');
      const heights = positiveList(form.heightsA, 'the heights');
      for (const radiusA of radii) for (const heightA of heights) probes.push({ kind: 'cylinder', radiusA, heightA });
    }
    if (form.ellipsoid) {
      const s = parseVec3(form.semiAxesA);
      if (!s || s.some((v) => v <= 0)) throw new Error('the ellipsoid needs three positive semi-axes');
      probes.push({ kind: 'ellipsoid', semiAxesA: s });
    }
    if (form.cluster) probes.push({ kind: 'cluster' });
    if (probes.length === 0) throw new Error('choose at least one probe');
    const seed = Number(form.splitSeed);
    if (!Number.isInteger(seed)) throw new Error('the split seed must be an integer');
    const recipe: BuildRecipe = {
      name: form.name.trim(),
      sources,
      scan,
      zones,
      probes,
      kmaxInvA: positive(form.kmaxInvA, 'kmax'),
      deltaKInvA: positive(form.deltaKInvA, 'Δk'),
      beamEnergyKeV: form.beamEnergyKeV.trim() === '' ? null : positive(form.beamEnergyKeV, 'the beam energy'),
      regionAxis: form.regionAxis === '' ? null : form.regionAxis,
      splitSeed: seed,
    };
    return { recipe, error: null };
  } catch (error) {
    return { recipe: null, error: error instanceof Error ? error.message : String(error) };
  }
}
