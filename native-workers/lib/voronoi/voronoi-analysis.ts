/**
 * Per-atom Voronoi analysis: every atom's cell, its volume, face count and Voronoi index ⟨n3,n4,n5,n6⟩ with the
 * paper's edge-length threshold, and the motif class (papers/000 §3, DESIGN.md "Voronoi index").
 */
import { VORONOI_CLASSES, voronoiClass, type VoronoiClass } from '../../../main/shared/labels';
import { CellBuilder } from './cell-builder';
import { GrowableFloat64, GrowableInt32 } from './growable-array';
import {
  VORONOI_CLASS_FLAGGED,
  VoronoiCancelled,
  VoronoiInputError,
  type VoronoiFaces,
  type VoronoiInput,
  type VoronoiOptions,
  type VoronoiProblem,
  type VoronoiResult,
} from './types';
import { prepareBox } from './voronoi-box';

const CLASS_CODE = Object.fromEntries(VORONOI_CLASSES.map((name, code) => [name, code])) as Record<VoronoiClass, number>;
/** Faces per order 0 … 6, and all higher orders in the last slot. */
const ORDER_SLOTS = 8;

export function voronoiAnalysis(input: VoronoiInput, options: VoronoiOptions): VoronoiResult {
  const thresholdA = options.edgeThresholdA;
  if (!Number.isFinite(thresholdA) || thresholdA < 0) {
    throw new VoronoiInputError(`the edge threshold must be a finite length ≥ 0 Å, not ${thresholdA}`);
  }
  const box = prepareBox(input);
  const n = box.count;
  const checkEvery = Math.max(1, Math.floor(options.checkEvery ?? 4096));
  const result: VoronoiResult = {
    count: n,
    edgeThresholdA: thresholdA,
    index: new Int32Array(4 * n),
    higherOrderFaces: new Int32Array(n),
    lowOrderFaces: new Int32Array(n),
    volumeA3: new Float64Array(n),
    faceCount: new Int32Array(n),
    vertexCount: new Int32Array(n),
    classCode: new Uint8Array(n),
    flagged: new Uint8Array(n),
    problems: [],
    relaxedCells: 0,
  };
  if (n === 0) {
    if (options.collectFaces) result.faces = emptyFaces();
    return result;
  }

  const builder = new CellBuilder(box);
  const cell = builder.cell;
  const counts = new Int32Array(ORDER_SLOTS);
  const collector = options.collectFaces ? new FaceCollector(n) : null;
  const onFace = collector ? collector.onFace : null;
  const onEdge = collector ? collector.onEdge : null;

  // Neighbouring atoms one after another keep the cell list's memory hot (a 1M-atom box no longer fits in cache);
  // face lists are compressed rows in input order, so with them the atoms go in input order.
  const order = collector ? null : builder.spatialOrder();
  for (let k = 0; k < n; k++) {
    const i = order ? (order[k] as number) : k;
    if (k % checkEvery === 0) {
      if (options.isCancelled?.()) throw new VoronoiCancelled();
      if (k > 0) options.onProgress?.(k, n);
    }
    const failure = builder.build(i);
    if (failure !== null) {
      flag(result, box.ids, i, failure);
      collector?.endAtom(i);
      continue;
    }
    const volume = cell.measure(thresholdA, onFace, onEdge, counts);
    if (!(volume > 0) || !Number.isFinite(volume)) {
      flag(result, box.ids, i, `the cell has volume ${volume} (degenerate geometry)`);
      collector?.dropAtom(i);
      continue;
    }
    const n3 = counts[3] as number;
    const n4 = counts[4] as number;
    const n5 = counts[5] as number;
    const n6 = counts[6] as number;
    result.index[4 * i] = n3;
    result.index[4 * i + 1] = n4;
    result.index[4 * i + 2] = n5;
    result.index[4 * i + 3] = n6;
    result.higherOrderFaces[i] = counts[7] as number;
    result.lowOrderFaces[i] = (counts[0] as number) + (counts[1] as number) + (counts[2] as number);
    result.volumeA3[i] = volume;
    result.faceCount[i] = cell.faceCount;
    result.vertexCount[i] = cell.vertexCount;
    result.classCode[i] = CLASS_CODE[voronoiClass(n3, n4, n5, n6)];
    collector?.endAtom(i);
  }
  result.relaxedCells = builder.relaxedCells;
  options.onProgress?.(n, n);
  if (collector) result.faces = collector.finish();
  return result;
}

function flag(result: VoronoiResult, ids: Int32Array | null, i: number, reason: string): void {
  result.flagged[i] = 1;
  result.classCode[i] = VORONOI_CLASS_FLAGGED;
  const problem: VoronoiProblem = { index: i, id: ids ? (ids[i] as number) : i + 1, reason };
  result.problems.push(problem);
}

function emptyFaces(): VoronoiFaces {
  return {
    atomFaceOffsets: new Int32Array(1),
    neighbour: new Int32Array(0),
    areaA2: new Float64Array(0),
    order: new Int32Array(0),
    edgeOffsets: new Int32Array(1),
    edgeLengthA: new Float64Array(0),
  };
}

/** Accumulates face lists with no per-face objects; the callbacks are made once, not per atom. */
class FaceCollector {
  private readonly atomFaceOffsets: Int32Array;
  private readonly neighbour = new GrowableInt32();
  private readonly area = new GrowableFloat64();
  private readonly order = new GrowableInt32();
  private readonly edgeOffsets = new GrowableInt32();
  private readonly edgeLength = new GrowableFloat64();

  constructor(n: number) {
    this.atomFaceOffsets = new Int32Array(n + 1);
    this.edgeOffsets.push(0);
  }

  readonly onEdge = (lengthA: number): void => {
    this.edgeLength.push(lengthA);
  };

  readonly onFace = (label: number, areaA2: number, order: number): void => {
    this.neighbour.push(label);
    this.area.push(areaA2);
    this.order.push(order);
    this.edgeOffsets.push(this.edgeLength.length);
  };

  endAtom(i: number): void {
    this.atomFaceOffsets[i + 1] = this.neighbour.length;
  }

  /** Forgets the faces measured for atom i (flagged after measuring). */
  dropAtom(i: number): void {
    const faceStart = this.atomFaceOffsets[i] as number;
    this.neighbour.length = faceStart;
    this.area.length = faceStart;
    this.order.length = faceStart;
    this.edgeOffsets.length = faceStart + 1;
    this.edgeLength.length = this.edgeOffsets.get(faceStart);
    this.endAtom(i);
  }

  finish(): VoronoiFaces {
    return {
      atomFaceOffsets: this.atomFaceOffsets,
      neighbour: this.neighbour.toArray(),
      areaA2: this.area.toArray(),
      order: this.order.toArray(),
      edgeOffsets: this.edgeOffsets.toArray(),
      edgeLengthA: this.edgeLength.toArray(),
    };
  }
}
