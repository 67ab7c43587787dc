/**
 * The per-atom order labels of one structure, computed in one pass over the numerics: d_i, Q4, Q6, 1 − Q6
 * (12 nearest neighbours), CNA, the Voronoi index with the edge threshold, and the partial g(r) kept beside them.
 */
import type { LabelParams } from '../../../main/shared/labels';
import { bondOrientationalOrder } from '../order/bond-order';
import { adaptiveCna, conventionalCna } from '../order/cna';
import { voronoiAnalysis } from '../voronoi/voronoi-analysis';
import { VoronoiCancelled } from '../voronoi/types';
import { pairDistribution, type PairDistribution } from '../rdf/pair-distribution';
import type { ParsedStructure } from '../structure-io/types';

export interface ComputedLabels {
  d: Float64Array;
  q4: Float64Array;
  q6: Float64Array;
  oneMinusQ6: Float64Array;
  /** Index into CNA_TYPES. */
  cna: Uint8Array;
  /** ⟨n3,n4,n5,n6⟩ per atom (length 4N). */
  voronoiIndex: Int32Array;
  /** Index into VORONOI_CLASSES, or 255 for a flagged cell. */
  voronoiClass: Uint8Array;
  voronoiVolumeA3: Float64Array;
  voronoiFlagged: Uint8Array;
  /** One line per flagged Voronoi cell: atom id and reason. */
  problems: string[];
  rdf: PairDistribution;
  /** Distinct elements; rdf species index s is elements[s]. */
  elements: string[];
  seconds: Record<string, number>;
}

export interface LabelHooks {
  progress?(fraction: number, message: string): void;
  /** Asked between stages and every few thousand atoms inside each (a few times a second at most). */
  isCancelled?(): boolean;
}

export class LabelsCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'LabelsCancelled';
  }
}

/** Species index per atom into the distinct elements of the structure (two types of one element share one). */
export function speciesOf(structure: ParsedStructure): { elements: string[]; species: Uint8Array } {
  const elements = [...new Set(structure.typeElements)];
  const ofType = structure.typeElements.map((e) => elements.indexOf(e));
  const species = new Uint8Array(structure.ids.length);
  for (let i = 0; i < species.length; i++) species[i] = ofType[(structure.types[i] ?? 1) - 1] ?? 0;
  return { elements, species };
}

/** g(r) range kept with the labels: 10 Å covers the first three shells of a metallic glass. */
export const LABEL_RDF_RMAX_A = 10;
export const LABEL_RDF_BINS = 200;

export function computeLabels(structure: ParsedStructure, params: LabelParams, hooks: LabelHooks = {}): ComputedLabels {
  const input = { positions: structure.positions, cell: structure.cell, ids: structure.ids };
  const seconds: Record<string, number> = {};
  const check = (): void => {
    if (hooks.isCancelled?.()) throw new LabelsCancelled();
  };
  const timed = <T>(name: string, work: () => T): T => {
    const t0 = performance.now();
    const out = work();
    seconds[name] = (performance.now() - t0) / 1000;
    check();
    return out;
  };

  hooks.progress?.(0.02, 'bond-orientational order (d, Q4, Q6)');
  check();
  const order = timed('bondOrder', () => bondOrientationalOrder(input, { checkpoint: check }));
  hooks.progress?.(0.2, params.cna.mode === 'adaptive' ? 'adaptive CNA' : `CNA (cutoff ${params.cna.cutoffA} Å)`);
  const cna = timed('cna', () =>
    params.cna.mode === 'adaptive' ? adaptiveCna(input, { checkpoint: check }) : conventionalCna(input, params.cna.cutoffA, { checkpoint: check }),
  );
  hooks.progress?.(0.3, 'Voronoi tessellation');
  let voronoi;
  try {
    voronoi = timed('voronoi', () =>
      voronoiAnalysis(input, {
        edgeThresholdA: params.edgeThresholdA,
        onProgress: (done, total) => hooks.progress?.(0.3 + (0.6 * done) / total, 'Voronoi tessellation'),
        isCancelled: () => hooks.isCancelled?.() ?? false,
      }),
    );
  } catch (error) {
    if (error instanceof VoronoiCancelled) throw new LabelsCancelled();
    throw error;
  }
  hooks.progress?.(0.9, 'pair distribution g(r)');
  const { elements, species } = speciesOf(structure);
  const rdf = timed('rdf', () =>
    pairDistribution(structure.positions, species, structure.cell, { rmaxA: LABEL_RDF_RMAX_A, binCount: LABEL_RDF_BINS, checkpoint: check }),
  );
  return {
    d: order.d,
    q4: order.q4,
    q6: order.q6,
    oneMinusQ6: order.oneMinusQ6,
    cna,
    voronoiIndex: voronoi.index,
    voronoiClass: voronoi.classCode,
    voronoiVolumeA3: voronoi.volumeA3,
    voronoiFlagged: voronoi.flagged,
    problems: voronoi.problems.map((p) => `atom ${p.id}: ${p.reason}`),
    rdf,
    elements,
    seconds,
  };
}
