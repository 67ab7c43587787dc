/**
 * The start structure of each protocol, built with the geometry builders: an FCC host crystal substituted to the
 * glass composition; the paper's bicrystal (dopant placed at random for canonical doping, or only inside the film
 * slabs for the film route, whose grains are LAMMPS type 3); a host crystal with frozen nanocrystals (type 3, the
 * host element under another type) and the rest substituted to 36 % Zr; an oriented, optionally doped crystal.
 */
import type { Vec3 } from '../../../main/shared/domain';
import type { CompositeParams, ComplexionParams, CrystalParams, GlassParams, SimulationParams } from '../../../main/shared/simulation';
import {
  bicrystal,
  embedNanocrystals,
  latticeCell,
  nearestCommensurateOrientation,
  orientedCrystal,
  randomRotation,
  resolveOrientation,
  substituteRandomly,
  CUBE_ORIENTATION,
} from '../builders';
import type { ParsedStructure } from '../structure-io/types';
import { FROZEN_TYPE } from './protocol-scripts';

export interface ProtocolInput {
  structure: ParsedStructure;
  /** Element of each LAMMPS type written to input.data (may repeat an element, e.g. the frozen type). */
  typeElements: string[];
  notes: string[];
}

/** Makes `element` type `index + 1` even when no atom has it yet (semi-grand doping starts from pure host). */
function withTypes(structure: ParsedStructure, elements: string[]): ParsedStructure {
  const remap = structure.typeElements.map((e) => {
    const t = elements.indexOf(e);
    if (t < 0) throw new Error(`internal: element ${e} missing from the type list ${elements.join(',')}`);
    return t + 1;
  });
  const types = new Int32Array(structure.types.length);
  for (let i = 0; i < types.length; i++) types[i] = remap[(structure.types[i] as number) - 1] as number;
  return { ...structure, types, typeElements: elements };
}

export function glassInput(params: GlassParams): ProtocolInput {
  const entries = Object.entries(params.composition);
  const total = entries.reduce((sum, [, p]) => sum + p, 0);
  const [host] = entries[0] ?? ['Cu', 1];
  const cells = Math.max(1, Math.round(Math.cbrt(params.atoms / 4)));
  let structure = orientedCrystal({ lattice: 'fcc', latticeA: params.latticeA, repeats: [cells, cells, cells], element: host, orient: CUBE_ORIENTATION }).structure;
  const n = structure.ids.length;
  const notes = [`start: ${cells}×${cells}×${cells} FCC ${host} cells (${n} atoms), a = ${params.latticeA} Å`];
  let seed = params.seed;
  for (const [element, percent] of entries.slice(1)) {
    const wanted = Math.round((percent / total) * n);
    const hostType = structure.typeElements.indexOf(host) + 1;
    const eligible = new Uint8Array(n);
    let hostCount = 0;
    for (let i = 0; i < n; i++) {
      if (structure.types[i] !== hostType) continue;
      eligible[i] = 1;
      hostCount++;
    }
    const sub = substituteRandomly(structure, { element, fraction: wanted / hostCount, seed: seed++, eligible });
    structure = sub.structure;
    notes.push(`${sub.substitutedCount} atoms made ${element} (${((100 * sub.substitutedCount) / n).toFixed(2)} at.%)`);
  }
  const elements = entries.map(([e]) => e);
  return { structure: withTypes(structure, elements), typeElements: elements, notes };
}

export function complexionInput(params: ComplexionParams): ProtocolInput {
  const built = bicrystal({
    latticeA: params.latticeA,
    element: params.host,
    grainA: params.grainA,
    grainB: params.grainB,
    widthA_A: params.grainWidthA,
    widthB_A: params.grainWidthA,
    minLengthYA: params.lengthYA,
    minLengthZA: params.lengthZA,
  });
  const notes = [...built.structure.notes];
  let structure = built.structure;
  if (params.filmThicknessA > 0) return filmInput(params, built, notes);
  if (params.doping === 'canonical' && params.dopantFraction > 0) {
    const sub = substituteRandomly(structure, { element: params.dopant, fraction: params.dopantFraction, seed: params.seed });
    structure = sub.structure;
    notes.push(`${sub.substitutedCount} of ${structure.ids.length} atoms made ${params.dopant} at random; swaps then move them (composition fixed)`);
  }
  const elements = [params.host, params.dopant];
  return { structure: withTypes(structure, elements), typeElements: elements, notes };
}

/** Half-thickness slabs about the two interface planes of a periodic bicrystal: which atoms are film, which grain. */
export function filmSlabMask(positions: Float64Array, lengthXA: number, interfacesXA: readonly number[], thicknessA: number): Uint8Array {
  const n = positions.length / 3;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i] as number;
    for (const plane of interfacesXA) {
      const d = x - plane;
      if (Math.abs(d - lengthXA * Math.round(d / lengthXA)) <= thicknessA / 2) mask[i] = 1;
    }
  }
  return mask;
}

/** The film route's start: dopant only in the slabs; grain atoms are the host under FROZEN_TYPE (held while the films melt). */
function filmInput(params: ComplexionParams, built: ReturnType<typeof bicrystal>, notes: string[]): ProtocolInput {
  const lx = built.structure.cell.a[0];
  if (params.filmThicknessA * 2 >= lx) {
    throw new Error(`filmThicknessA (${params.filmThicknessA} Å) leaves no grain: the two films take ${2 * params.filmThicknessA} Å of the ${lx.toFixed(1)} Å box along x; widen the grains (grainWidthA)`);
  }
  const slab = filmSlabMask(built.structure.positions, lx, built.interfacesXA, params.filmThicknessA);
  const sub = substituteRandomly(built.structure, { element: params.dopant, fraction: params.filmDopantFraction, seed: params.seed, eligible: slab });
  const elements = [params.host, params.dopant, params.host];
  const structure = withTypes(sub.structure, [params.host, params.dopant]);
  const types = new Int32Array(structure.types);
  let grain = 0;
  for (let i = 0; i < types.length; i++) {
    if (slab[i] === 1) continue;
    types[i] = FROZEN_TYPE;
    grain++;
  }
  notes.push(
    `films: ${sub.eligibleCount} atoms within ${params.filmThicknessA / 2} Å of the two boundaries, ${sub.substitutedCount} of them made ${params.dopant} ` +
      `(${((100 * sub.substitutedCount) / Math.max(1, sub.eligibleCount)).toFixed(2)} at.%); ${grain} grain atoms held while the films melt`,
  );
  return { structure: { ...structure, types, typeElements: elements }, typeElements: elements, notes };
}

export function crystalInput(params: CrystalParams): ProtocolInput {
  const cell = latticeCell('fcc', params.latticeA);
  const notes: string[] = [];
  let orient = params.orientation;
  let repeats: [number, number, number];
  if (params.orientationMode === 'random') {
    const chosen = nearestCommensurateOrientation(cell, randomRotation(params.seed), { maxIndex: params.maxIndex, minLengthsA: params.minLengthsA, maxAtoms: params.maxAtoms });
    orient = chosen.orientation;
    repeats = chosen.repeats;
    notes.push(
      `random orientation (seed ${params.seed}) realised as x=[${orient.x.join(',')}] y=[${orient.y.join(',')}] z=[${orient.z.join(',')}], ` +
        `${chosen.errorDeg.toFixed(2)}° from the drawn rotation (Miller indices ≤ ${params.maxIndex}, ≤ ${params.maxAtoms} atoms)`,
    );
  } else {
    const { periodsA } = resolveOrientation(cell, orient);
    repeats = periodsA.map((p, i) => Math.max(1, Math.ceil((params.minLengthsA[i] as number) / p - 1e-9))) as [number, number, number];
  }
  const built = orientedCrystal({ lattice: 'fcc', latticeA: params.latticeA, repeats, element: params.host, orient });
  let structure = built.structure;
  notes.push(...structure.notes);
  if (params.dopantFraction > 0) {
    const sub = substituteRandomly(structure, { element: params.dopant, fraction: params.dopantFraction, seed: params.seed });
    structure = sub.structure;
    notes.push(`${sub.substitutedCount} of ${structure.ids.length} atoms made ${params.dopant} at random: a substitutional solid solution`);
  }
  const elements = [params.host, params.dopant];
  return { structure: withTypes(structure, elements), typeElements: elements, notes };
}

export function compositeInput(params: CompositeParams): ProtocolInput {
  const crystal = orientedCrystal({ lattice: 'fcc', latticeA: params.latticeA, repeats: params.cells, element: params.host, orient: CUBE_ORIENTATION });
  const lengths: Vec3 = [params.cells[0] * params.latticeA, params.cells[1] * params.latticeA, params.cells[2] * params.latticeA];
  const embedded = embedNanocrystals(crystal.structure, {
    latticeA: params.latticeA,
    element: params.host,
    orient: CUBE_ORIENTATION,
    spheres: params.nanocrystals.map((s) => ({
      centerA: [s.centerFraction[0] * lengths[0], s.centerFraction[1] * lengths[1], s.centerFraction[2] * lengths[2]] as Vec3,
      radiusLatticeParams: s.radiusLatticeParams,
      ...(s.rotation ? { rotation: { axis: s.rotation.axis as Vec3, angleDeg: s.rotation.angleDeg } } : {}),
    })),
  });
  const n = embedded.structure.ids.length;
  const eligible = new Uint8Array(n);
  for (let i = 0; i < n; i++) eligible[i] = (embedded.sphereIndex[i] as number) < 0 ? 1 : 0;
  const sub = substituteRandomly(embedded.structure, { element: params.dopant, fraction: params.dopantFraction, seed: params.seed, eligible });
  const elements = [params.host, params.dopant, params.host];
  const structure = withTypes(sub.structure, [params.host, params.dopant]);
  const types = new Int32Array(structure.types);
  let frozen = 0;
  for (let i = 0; i < n; i++) {
    if ((embedded.sphereIndex[i] as number) >= 0) {
      types[i] = FROZEN_TYPE;
      frozen++;
    }
  }
  const notes = [
    ...embedded.structure.notes,
    `${frozen} nanocrystal atoms frozen during melt and quench; ${sub.substitutedCount} of ${sub.eligibleCount} other atoms made ${params.dopant}`,
  ];
  return { structure: { ...structure, types, typeElements: elements }, typeElements: elements, notes };
}

export function buildProtocolInput(params: SimulationParams): ProtocolInput {
  switch (params.protocol) {
    case 'glass':
      return glassInput(params);
    case 'complexion':
      return complexionInput(params);
    case 'composite':
      return compositeInput(params);
    case 'crystal':
      return crystalInput(params);
  }
}
