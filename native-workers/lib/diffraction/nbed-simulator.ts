/**
 * Simulated NBED for one structure: probe selection and the kinematic engine behind one object, so that a dataset
 * job asks for "the pattern at this centre" and gets the pattern with the atoms that made it (for the d̄ label).
 */
import type { PatternGridParams, ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import type { ScatteringFactors } from '../rdf/scattering-factors';
import { KinematicInputError, KinematicPatternEngine } from './kinematic-pattern';
import { patternGrid, type PatternGrid } from './pattern-grid';
import { ProbeSelector, type ProbeAtoms, type ProbeStructure } from './probes';

export interface NbedStructure extends ProbeStructure {
  /** Species index per atom into `elements` (e.g. speciesOf(parsed) from labels/compute-labels). */
  species: ArrayLike<number>;
  elements: readonly string[];
}

export interface NbedOptions {
  shape: ProbeShape;
  zone: ZoneAxis;
  grid: PatternGridParams;
  /** The Peng 1996 electron table: readScatteringFactors('electron', resources/elements/electron-scattering-factors-peng1996.json). */
  factors: ScatteringFactors;
  /** Ewald-sphere curvature for this accelerating voltage (kV); omitted = the paper's flat plane. */
  beamEnergyKeV?: number;
}

export interface ProbePattern extends ProbeAtoms {
  /** Raw I(K), side × side, row = j + n (row 0 = most negative v), column = i + n. */
  pattern: Float64Array;
}

export class NbedSimulator {
  readonly grid: PatternGrid;
  readonly selector: ProbeSelector;
  readonly engine: KinematicPatternEngine;
  private speciesScratch = new Uint8Array(64);

  /** Validates everything (grid, shape, probe vs cell, elements, species) before any pattern is computed. */
  constructor(
    readonly structure: NbedStructure,
    options: NbedOptions,
  ) {
    this.grid = patternGrid(options.grid, options.zone);
    this.engine = new KinematicPatternEngine(this.grid, options.factors, structure.elements, {
      ...(options.beamEnergyKeV !== undefined ? { beamEnergyKeV: options.beamEnergyKeV } : {}),
    });
    const atoms = structure.positions.length / 3;
    if (structure.species.length !== atoms) throw new KinematicInputError(`${structure.species.length} species entries for ${atoms} atoms`);
    this.selector = new ProbeSelector(structure, options.shape, options.zone);
  }

  get side(): number {
    return this.grid.side;
  }

  /** The atoms of the probe at `center` (Å). */
  probe(center: Vec3): ProbeAtoms {
    return this.selector.select(center);
  }

  /** The raw pattern of atoms already selected (into `out` when given, length side²). */
  patternOf(probe: ProbeAtoms, out?: Float64Array): Float64Array {
    const count = probe.indices.length;
    if (this.speciesScratch.length < count) this.speciesScratch = new Uint8Array(count * 2);
    const species = this.speciesScratch.subarray(0, count);
    for (let m = 0; m < count; m++) species[m] = this.structure.species[probe.indices[m] as number] as number;
    return this.engine.pattern(probe.relative, species, out);
  }

  /** Selects the probe at `center` and computes its raw pattern. */
  patternAt(center: Vec3, out?: Float64Array): ProbePattern {
    const probe = this.probe(center);
    return { ...probe, pattern: this.patternOf(probe, out) };
  }
}
