/**
 * How a label set lives in a project: one .npy per per-atom property (in the structure's atom order, i.e. sorted
 * by id), `rdf.json` with the partial g(r), and `labels.json` with parameters and summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LabelSummary } from '../../../main/shared/domain';
import { CNA_TYPES, VORONOI_CLASSES, type LabelParams, type LabelProperty } from '../../../main/shared/labels';
import { readNpy, writeNpy } from '../npy';
import type { ComputedLabels } from './compute-labels';

export interface StoredRdf {
  rA: number[];
  elements: string[];
  total: { g: number[]; coord: number[]; centreCount: number; normFactor: number };
  /** Ordered pairs "Cu-Zr" (centre Cu, neighbour Zr), with the normalisation S(q) needs. */
  partials: { pair: string; a: number; b: number; g: number[]; coord: number[]; centreCount: number; normFactor: number }[];
  speciesCounts: number[];
  volumeA3: number;
}

function countCodes(codes: Uint8Array, names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let flagged = 0;
  for (const c of codes) {
    const name = names[c];
    if (name === undefined) flagged++;
    else counts[name] = (counts[name] ?? 0) + 1;
  }
  if (flagged > 0) counts.flagged = flagged;
  return counts;
}

export function summarise(labels: ComputedLabels): LabelSummary {
  const n = labels.d.length;
  let sum = 0;
  let sumSq = 0;
  let q6Sum = 0;
  for (let i = 0; i < n; i++) {
    const d = labels.d[i] as number;
    sum += d;
    sumSq += d * d;
    q6Sum += labels.oneMinusQ6[i] as number;
  }
  const mean = sum / n;
  const motifs = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (labels.voronoiFlagged[i]) continue;
    const key = Array.from(labels.voronoiIndex.subarray(4 * i, 4 * i + 4)).join(',');
    motifs.set(key, (motifs.get(key) ?? 0) + 1);
  }
  const topMotifs = [...motifs.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 12)
    .map(([key, count]) => ({ index: key.split(',').map(Number) as [number, number, number, number], count }));
  let flagged = 0;
  for (const f of labels.voronoiFlagged) flagged += f;
  return {
    atomCount: n,
    dMean: mean,
    dStd: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
    oneMinusQ6Mean: q6Sum / n,
    cnaCounts: countCodes(labels.cna, CNA_TYPES),
    voronoiClassCounts: countCodes(labels.voronoiClass, VORONOI_CLASSES),
    topMotifs,
    flaggedAtoms: flagged,
    seconds: labels.seconds,
  };
}

export function storedRdf(labels: ComputedLabels): StoredRdf {
  const rdf = labels.rdf;
  const s = rdf.speciesCounts.length;
  return {
    rA: Array.from(rdf.rA),
    elements: labels.elements,
    total: {
      g: Array.from(rdf.total.g),
      coord: Array.from(rdf.total.coord),
      centreCount: rdf.total.centreCount,
      normFactor: rdf.total.normFactor,
    },
    partials: rdf.partials
      .filter((p) => p.a < s && p.b < s)
      .map((p) => ({
        pair: `${labels.elements[p.a]}-${labels.elements[p.b]}`,
        a: p.a,
        b: p.b,
        g: Array.from(p.g),
        coord: Array.from(p.coord),
        centreCount: p.centreCount,
        normFactor: p.normFactor,
      })),
    speciesCounts: Array.from(rdf.speciesCounts),
    volumeA3: rdf.volumeA3,
  };
}

/**
 * Writes a complete label folder (the caller stages it and renames it into the project). The folder's parent must
 * exist: a job's scratch folder that vanished (the project was recovered) must not be recreated by a late write.
 */
export function writeLabelFolder(dir: string, labels: ComputedLabels, params: LabelParams): LabelSummary {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot write the labels into ${dir}: ${(error as Error).message}`);
    }
  }
  const n = labels.d.length;
  writeNpy(path.join(dir, 'd.npy'), labels.d);
  writeNpy(path.join(dir, 'one_minus_q6.npy'), labels.oneMinusQ6);
  writeNpy(path.join(dir, 'q4.npy'), labels.q4);
  writeNpy(path.join(dir, 'q6.npy'), labels.q6);
  writeNpy(path.join(dir, 'cna.npy'), labels.cna);
  writeNpy(path.join(dir, 'vor_index.npy'), labels.voronoiIndex, [n, 4]);
  writeNpy(path.join(dir, 'vor_class.npy'), labels.voronoiClass);
  writeNpy(path.join(dir, 'vor_volume.npy'), labels.voronoiVolumeA3);
  writeNpy(path.join(dir, 'vor_flagged.npy'), labels.voronoiFlagged);
  fs.writeFileSync(path.join(dir, 'rdf.json'), JSON.stringify(storedRdf(labels)));
  const summary = summarise(labels);
  fs.writeFileSync(
    path.join(dir, 'labels.json'),
    JSON.stringify({ params, summary, problems: labels.problems.slice(0, 1000), cnaTypes: CNA_TYPES, voronoiClasses: VORONOI_CLASSES }, null, 2),
  );
  return summary;
}

const FILES: Record<LabelProperty, string> = {
  d: 'd.npy',
  one_minus_q6: 'one_minus_q6.npy',
  q4: 'q4.npy',
  q6: 'q6.npy',
  cna: 'cna.npy',
  vor_class: 'vor_class.npy',
  vor_volume: 'vor_volume.npy',
};

/** One per-atom property as float32 for display, with class names for categorical ones. */
export function readLabelProperty(dir: string, property: LabelProperty): { values: Float32Array; categories: string[] } {
  const data = readNpy(path.join(dir, FILES[property])).data;
  if (data instanceof BigInt64Array) throw new Error(`${property}: unexpected int64 data`);
  const categories = property === 'cna' ? [...CNA_TYPES] : property === 'vor_class' ? [...VORONOI_CLASSES] : [];
  return { values: Float32Array.from(data), categories };
}

export interface StoredLabels {
  d: Float64Array;
  oneMinusQ6: Float64Array;
  cna: Uint8Array;
  voronoiIndex: Int32Array;
  voronoiClass: Uint8Array;
  voronoiFlagged: Uint8Array;
}

export function readLabelArrays(dir: string): StoredLabels {
  const get = (file: string): unknown => readNpy(path.join(dir, file)).data;
  const d = get('d.npy');
  const oneMinusQ6 = get('one_minus_q6.npy');
  const cna = get('cna.npy');
  const voronoiIndex = get('vor_index.npy');
  const voronoiClass = get('vor_class.npy');
  const voronoiFlagged = get('vor_flagged.npy');
  if (
    !(d instanceof Float64Array) ||
    !(oneMinusQ6 instanceof Float64Array) ||
    !(cna instanceof Uint8Array) ||
    !(voronoiIndex instanceof Int32Array) ||
    !(voronoiClass instanceof Uint8Array) ||
    !(voronoiFlagged instanceof Uint8Array)
  ) {
    throw new Error(`${dir}: label arrays have unexpected dtypes`);
  }
  return { d, oneMinusQ6, cna, voronoiIndex, voronoiClass, voronoiFlagged };
}

export function readStoredRdf(dir: string): StoredRdf {
  return JSON.parse(fs.readFileSync(path.join(dir, 'rdf.json'), 'utf8')) as StoredRdf;
}
