/**
 * Builds an RMC run from its parameters: the start configuration (a random packing, or a project structure in an
 * orthorhombic periodic box), the linear maps of every measured curve with its radiation's scattering weights, the
 * closest approaches, and the EAM energy of hybrid RMC. Everything a user can get wrong is refused here with the
 * file or the parameter named, before a move is made.
 */
import type { Cell } from '../../../main/shared/domain';
import { canonicalElement } from '../../../main/shared/elements';
import { closestApproachOf, type RmcParams } from '../../../main/shared/rmc';
import { Configuration, pairCount, pairIndex } from './configuration';
import { EamModel, readEamPotential } from './eam';
import { RmcEngine, type Constraint, type EngineState } from './engine';
import { fitTarget } from './fit';
import { readMeasuredCurve, type MeasuredCurve } from './measured-data';
import { qSpaceObservable, rSpaceObservable, type HistogramGeometry, type LinearObservable } from './observables';
import { Xoshiro128 } from './random';
import type { ScatteringFactors } from '../rdf/scattering-factors';

/** Default fitting range: long enough for the first few shells of a metallic glass, short enough to stay fast. */
export const DEFAULT_RMAX_A = 12;

export interface StartStructure {
  positions: Float64Array;
  /** 1-based LAMMPS types. */
  types: Int32Array;
  typeElements: string[];
  cell: Cell;
}

export interface RmcSetup {
  engine: RmcEngine;
  /** Element of each species index. */
  elements: string[];
  curves: MeasuredCurve[];
  eam: EamModel | null;
  notes: string[];
}

export interface SetupInput {
  params: RmcParams;
  /** The start structure when params.start.kind is 'structure'. */
  structure?: StartStructure;
  /** Scattering factors per radiation (X-ray, neutron and electron tables). */
  factors: (radiation: 'xray' | 'neutron' | 'electron') => ScatteringFactors;
  /** A checkpoint to continue from. */
  state?: EngineState;
}

/** Species counts for `atoms` at a composition: largest remainders, so they add up exactly. */
export function speciesCountsFor(composition: Record<string, number>, atoms: number): number[] {
  const amounts = Object.values(composition);
  const total = amounts.reduce((a, b) => a + b, 0);
  const exact = amounts.map((a) => (a / total) * atoms);
  const counts = exact.map((x) => Math.floor(x));
  let missing = atoms - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r);
  for (let k = 0; missing > 0; k++, missing--) counts[(order[k % order.length] as { i: number }).i]! += 1;
  return counts;
}

function randomStart(params: RmcParams & { start: { kind: 'random' } }, closest: (a: number, b: number) => number): {
  positions: Float64Array;
  species: Int32Array;
  elements: string[];
  box: number;
  notes: string[];
} {
  const { atoms, densityPerA3, composition } = params.start;
  const elements = Object.keys(composition).map(canonical);
  const counts = speciesCountsFor(composition, atoms);
  const box = Math.cbrt(atoms / densityPerA3);
  const species = new Int32Array(atoms);
  let at = 0;
  counts.forEach((c, s) => {
    for (let k = 0; k < c; k++) species[at++] = s;
  });
  // Shuffle the species so the insertion order does not sort them in space.
  const random = new Xoshiro128((params.seed ^ 0x5bd1e995) >>> 0);
  for (let i = atoms - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = species[i] as number;
    species[i] = species[j] as number;
    species[j] = t;
  }
  // Random sequential insertion at 80 % of the closest approach (a few tries per atom); what does not fit goes
  // anywhere, and the first moves push it apart (a move may never bring atoms closer than the closest approach).
  const positions = new Float64Array(3 * atoms);
  let forced = 0;
  const cellSize = 3;
  const cells = Math.max(1, Math.floor(box / cellSize));
  const grid = new Map<number, number[]>();
  const cellOf = (x: number): number => Math.min(cells - 1, Math.floor((x / box) * cells));
  for (let i = 0; i < atoms; i++) {
    const si = species[i] as number;
    let ok = false;
    let x = 0;
    let y = 0;
    let z = 0;
    for (let tries = 0; tries < 50 && !ok; tries++) {
      x = random.next() * box;
      y = random.next() * box;
      z = random.next() * box;
      ok = true;
      const cx = cellOf(x);
      const cy = cellOf(y);
      const cz = cellOf(z);
      for (let dx = -1; dx <= 1 && ok; dx++) {
        for (let dy = -1; dy <= 1 && ok; dy++) {
          for (let dz = -1; dz <= 1 && ok; dz++) {
            const key = (((cx + dx + cells) % cells) * cells + ((cy + dy + cells) % cells)) * cells + ((cz + dz + cells) % cells);
            for (const j of grid.get(key) ?? []) {
              let ex = (positions[3 * j] as number) - x;
              let ey = (positions[3 * j + 1] as number) - y;
              let ez = (positions[3 * j + 2] as number) - z;
              ex -= box * Math.round(ex / box);
              ey -= box * Math.round(ey / box);
              ez -= box * Math.round(ez / box);
              const d = 0.8 * closest(si, species[j] as number);
              if (ex * ex + ey * ey + ez * ez < d * d) {
                ok = false;
                break;
              }
            }
          }
        }
      }
    }
    if (!ok) forced++;
    positions.set([x, y, z], 3 * i);
    const key = (cellOf(x) * cells + cellOf(y)) * cells + cellOf(z);
    const list = grid.get(key);
    if (list) list.push(i);
    else grid.set(key, [i]);
  }
  const notes = [`random start: ${atoms} atoms in a cubic box of ${box.toFixed(3)} Å (ρ = ${densityPerA3} Å⁻³), ${elements.map((e, s) => `${counts[s]} ${e}`).join(', ')}`];
  if (forced > 0) notes.push(`${forced} atoms of the random start are closer than 80 % of their closest approach; moves separate them`);
  return { positions, species, elements, box, notes };
}

function structureStart(structure: StartStructure): { positions: Float64Array; species: Int32Array; elements: string[]; lengths: [number, number, number] } {
  const { cell } = structure;
  const off = [cell.a[1], cell.a[2], cell.b[0], cell.b[2], cell.c[0], cell.c[1]];
  if (off.some((v) => Math.abs(v) > 1e-9) || !cell.pbc.every((p) => p)) {
    throw new Error('RMC needs an orthorhombic box periodic in x, y and z; this structure is triclinic or not periodic in every direction');
  }
  const elements: string[] = [];
  const speciesOfType = structure.typeElements.map((el) => {
    let s = elements.indexOf(el);
    if (s < 0) {
      elements.push(el);
      s = elements.length - 1;
    }
    return s;
  });
  const species = Int32Array.from(structure.types, (t) => speciesOfType[t - 1] as number);
  const positions = Float64Array.from(structure.positions);
  for (let i = 0; i < species.length; i++) {
    positions[3 * i] = (positions[3 * i] as number) - cell.origin[0];
    positions[3 * i + 1] = (positions[3 * i + 1] as number) - cell.origin[1];
    positions[3 * i + 2] = (positions[3 * i + 2] as number) - cell.origin[2];
  }
  return { positions, species, elements, lengths: [cell.a[0], cell.b[1], cell.c[2]] };
}

export function setupRmc(input: SetupInput): RmcSetup {
  const { params } = input;
  const notes: string[] = [];
  let positions: Float64Array;
  let species: Int32Array;
  let elements: string[];
  let lengths: [number, number, number];
  if (params.start.kind === 'random') {
    const names = Object.keys(params.start.composition).map(canonical);
    const start = randomStart(params as RmcParams & { start: { kind: 'random' } }, (a, b) => closestApproachOf(params, names[a] as string, names[b] as string));
    ({ positions, species, elements } = start);
    lengths = [start.box, start.box, start.box];
    notes.push(...start.notes);
  } else {
    if (!input.structure) throw new Error('the start structure was not given to the RMC setup');
    ({ positions, species, elements, lengths } = structureStart(input.structure));
    notes.push(`start: structure ${params.start.structureId}, ${species.length} atoms, box ${lengths.map((l) => l.toFixed(3)).join(' × ')} Å`);
  }
  const s = elements.length;
  const shortest = Math.min(...lengths);
  const rmax = params.rmaxA ?? Math.min(DEFAULT_RMAX_A, shortest / 2);
  if (rmax > shortest / 2 + 1e-9) throw new Error(`r_max ${rmax} Å exceeds half the shortest box edge (${(shortest / 2).toFixed(3)} Å); use more atoms or a smaller r_max`);
  const binCount = Math.ceil(rmax / params.binWidthA - 1e-9);
  const binWidthA = rmax / binCount;
  const config = new Configuration(positions, species, s, { lx: lengths[0], ly: lengths[1], lz: lengths[2] }, rmax);
  const closest = new Float64Array(pairCount(s));
  for (let a = 0; a < s; a++) for (let b = a; b < s; b++) closest[pairIndex(a, b, s)] = closestApproachOf(params, elements[a] as string, elements[b] as string);
  const geometry: HistogramGeometry = { binWidthA, binCount, speciesCount: s, speciesCounts: config.speciesCounts(), volumeA3: config.volume() };

  const curves: MeasuredCurve[] = [];
  const constraints: Constraint[] = [];
  for (const item of params.data) {
    const curve = readMeasuredCurve(item.file, item.declaration);
    const d = curve.declaration;
    const label = `${d.name ?? item.file} (${d.quantity})`;
    const pair = 'pair' in d ? speciesPair(d.pair, elements, item.file) : undefined;
    let observable: LinearObservable;
    let x = curve.x;
    let y = curve.y;
    let sigma = curve.sigma;
    if (d.quantity === 'S(q)' || d.quantity === 'F(q)' || d.quantity === 'i(q)' || d.quantity === 'partial-S(q)') {
      const quantity = d.quantity === 'partial-S(q)' ? 'S(q)' : d.quantity;
      const weights = pair ? undefined : elements.map((el) => Float64Array.from(x, (q) => scatteringWeight(input, d.radiation, el, q, item.file)));
      observable = qSpaceObservable(geometry, { quantity, q: x, ...(weights ? { weights } : {}), ...(pair ? { pair } : {}) });
    } else {
      // r-space curves are compared inside r_max only: beyond it the model has no pairs.
      const keep: number[] = [];
      x.forEach((r, k) => {
        if (r <= rmax) keep.push(k);
      });
      if (keep.length < 5) throw new Error(`${item.file}: only ${keep.length} points lie within r_max = ${rmax.toFixed(2)} Å; use a larger box or r_max`);
      if (keep.length < x.length) notes.push(`${label}: ${x.length - keep.length} points beyond r_max = ${rmax.toFixed(2)} Å are not fitted`);
      x = Float64Array.from(keep, (k) => x[k] as number);
      y = Float64Array.from(keep, (k) => curve.y[k] as number);
      sigma = Float64Array.from(keep, (k) => curve.sigma[k] as number);
      const quantity = d.quantity === 'partial-g(r)' ? 'g(r)' : d.quantity;
      // A total r-space curve weights its partials by the q → 0 scattering factors (X-ray: ≈ Z), the usual
      // approximation for a PDF whose weights really vary with q.
      const weights = pair ? undefined : Float64Array.from(elements, (el) => scatteringWeight(input, d.radiation, el, 0, item.file));
      const qmax = 'qmaxInvA' in d ? d.qmaxInvA : undefined;
      const qdamp = 'qdampInvA' in d ? d.qdampInvA : undefined;
      observable = rSpaceObservable(geometry, {
        quantity,
        r: x,
        ...(weights ? { weights } : {}),
        ...(pair ? { pair } : {}),
        ...(quantity === 'G(r)' && qmax !== undefined ? { qmaxInvA: qmax } : {}),
        ...(quantity === 'G(r)' && qdamp !== undefined ? { qdampInvA: qdamp } : {}),
      });
    }
    curves.push({ ...curve, x, y, sigma });
    constraints.push({ name: label, observable, target: fitTarget(y, sigma, item.fit ?? params.fit, params.misfit), weight: d.weight });
    notes.push(...curve.notes.map((n) => `${label}: ${n}`));
  }

  // A resumed run continues from the checkpoint's atoms (the energy model is built on them below).
  const state = input.state;
  if (state) {
    if (state.positions.length !== 3 * config.n || state.species.length !== config.n) throw new Error(`the checkpoint holds ${state.species.length} atoms, the run ${config.n}`);
    for (let i = 0; i < config.n; i++) {
      config.moveAtom(i, state.positions[3 * i] as number, state.positions[3 * i + 1] as number, state.positions[3 * i + 2] as number);
      config.setSpecies(i, state.species[i] as number);
    }
  }
  let eam: EamModel | null = null;
  if (params.energy) {
    const potential = readEamPotential(params.energy.potentialPath);
    eam = new EamModel({ potential, speciesElements: elements, boxLengths: lengths, positions: config.positions, species: config.species });
  }
  const engine = new RmcEngine(
    config,
    constraints,
    {
      seed: params.seed,
      binWidthA,
      closestApproachA: closest,
      stepA: params.stepA,
      targetAcceptance: params.targetAcceptance,
      adaptEvery: 1000,
      swapFraction: elements.length > 1 ? params.swapFraction : 0,
      anneal: params.anneal,
      coordination: params.coordination.map((w) => {
        const centre = elements.indexOf(canonical(w.centre));
        const neighbour = elements.indexOf(canonical(w.neighbour));
        if (centre < 0 || neighbour < 0) throw new Error(`the coordination window ${w.centre}-${w.neighbour} names an element the model does not have (it has ${elements.join(', ')})`);
        if (w.rcutA > rmax) throw new Error(`the coordination radius ${w.rcutA} Å of ${w.centre}-${w.neighbour} exceeds r_max ${rmax.toFixed(2)} Å`);
        return { centre, neighbour, rcutA: w.rcutA, min: w.min, max: w.max, sigma: w.sigma };
      }),
      energy: eam
        ? params.energy?.mode === 'temperature'
          ? { term: eam, mode: 'temperature', kTeV: 8.617333262e-5 * params.energy.temperatureK }
          : { term: eam, mode: 'ceiling', ceilingEv: (params.energy?.mode === 'ceiling' ? params.energy.ceilingEvPerAtom : 0) * config.n }
        : null,
    },
    input.state,
  );
  return { engine, elements, curves, eam, notes };
}

function canonical(element: string): string {
  return canonicalElement(element) ?? element;
}

function speciesPair(pair: readonly [string, string], elements: string[], file: string): [number, number] {
  const a = elements.indexOf(pair[0]);
  const b = elements.indexOf(pair[1]);
  if (a < 0 || b < 0) throw new Error(`${file}: the partial ${pair[0]}-${pair[1]} names an element the model does not have (it has ${elements.join(', ')})`);
  return [a, b];
}

function scatteringWeight(input: SetupInput, radiation: 'xray' | 'neutron' | 'electron' | undefined, element: string, q: number, file: string): number {
  if (radiation === undefined) throw new Error(`${file}: a total curve needs its radiation (xray, neutron or electron)`);
  const factors = input.factors(radiation);
  if (!factors.has(element)) throw new Error(`${file}: no ${radiation} scattering factor for ${element}`);
  return factors.at(element, q);
}
