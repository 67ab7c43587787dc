/**
 * The start structure of each protocol, built with the geometry builders: an FCC host crystal substituted to the
 * glass composition; the paper's bicrystal (dopant placed at random for canonical doping); a host crystal with
 * frozen nanocrystals (LAMMPS type 3, the host element under another type) and the rest substituted to 36 % Zr.
 */
import type { Vec3 } from '../../../main/shared/domain';
import type { CompositeParams, ComplexionParams, GlassParams, SimulationParams } from '../../../main/shared/simulation';
import { bicrystal, embedNanocrystals, orientedCrystal, substituteRandomly, CUBE_ORIENTATION } from '../builders';
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
  if (params.doping === 'canonical' && params.dopantFraction > 0) {
    const sub = substituteRandomly(structure, { element: params.dopant, fraction: params.dopantFraction, seed: params.seed });
    structure = sub.structure;
    notes.push(`${sub.substitutedCount} of ${structure.ids.length} atoms made ${params.dopant} at random; swaps then move them (composition fixed)`);
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
  }
}
