/**
 * The paper's analyses on a stored label set, computed on request in the app process (each is O(N log N) or less
 * on arrays already on disk): profiles (Fig. 2), motif densities (Fig. 3), distributions (Fig. 4), the
 * ordered/disordered threshold, regions, g(r) and S(q).
 */
import * as path from 'node:path';
import type { ParsedRequest, Response } from '../../shared/ipc-contract';
import { ApiError } from '../../shared/ipc-contract';
import { CNA_TYPES, VORONOI_CLASSES, type LabelProperty } from '../../shared/labels';
import { boxStatsByClass } from '../../../native-workers/lib/analysis/distributions';
import { motifDensityProfiles } from '../../../native-workers/lib/analysis/motif-density';
import { detectRegions, type RegionDetection } from '../../../native-workers/lib/analysis/regions';
import { orderedDisorderedThreshold } from '../../../native-workers/lib/analysis/separating-threshold';
import { slidingProfile } from '../../../native-workers/lib/analysis/sliding-profile';
import { readLabelArrays, readLabelProperty, readStoredRdf } from '../../../native-workers/lib/labels/label-store';
import { speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { firstShell } from '../../../native-workers/lib/rdf/first-shell';
import { readScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { partialStructureFactors, qGrid, totalStructureFactor } from '../../../native-workers/lib/rdf/structure-factor';
import { readStructureFolder } from '../../../native-workers/lib/structure-store';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { resourcesDir } from '../paths';
import type { Project } from '../project/project';

/** JSON has no NaN: empty windows become null. */
function series(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

interface Loaded {
  structure: ParsedStructure;
  dir: string;
}

function load(project: Project, labelSetId: number): Loaded {
  const set = project.labels.find(labelSetId);
  if (set === null) throw new ApiError('not-found', `label set ${labelSetId} does not exist in this project`);
  return { structure: readStructureFolder(project.structures.folder(set.structureId)), dir: project.labels.folder(labelSetId) };
}

function centreSpecies(structure: ParsedStructure, element: string | undefined): number {
  const { elements, species } = speciesOf(structure);
  if (element === undefined) {
    // The majority species, as the paper's Cu in Cu–Zr.
    const counts = new Array<number>(elements.length).fill(0);
    for (const s of species) counts[s] = (counts[s] ?? 0) + 1;
    return counts.indexOf(Math.max(...counts));
  }
  const index = elements.indexOf(element);
  if (index < 0) throw new ApiError('invalid-request', `${element} is not in this structure (it has ${elements.join(', ')})`);
  return index;
}

export function profile(project: Project, req: ParsedRequest<'analysis.profile'>): Response<'analysis.profile'> {
  const { structure, dir } = load(project, req.labelSetId);
  const { values } = readLabelProperty(dir, req.property as LabelProperty);
  const p = slidingProfile(structure.positions, structure.cell, values, { axis: req.axis, windowA: req.windowA, stepA: req.stepA });
  return {
    property: req.property,
    axis: req.axis,
    windowA: p.windowA,
    positionA: Array.from(p.gridA),
    mean: series(p.mean),
    p5: series(p.p5),
    p95: series(p.p95),
    count: Array.from(p.count),
  };
}

export function motifs(project: Project, req: ParsedRequest<'analysis.motifs'>): Response<'analysis.motifs'> {
  const { structure, dir } = load(project, req.labelSetId);
  const labels = readLabelArrays(dir);
  const centre = centreSpecies(structure, req.centerElement);
  const { species } = speciesOf(structure);
  const result = motifDensityProfiles(structure.positions, structure.cell, labels.voronoiIndex, species, {
    axis: req.axis,
    centreSpecies: centre,
    topK: req.top,
    windowA: req.windowA,
    stepA: req.stepA,
  });
  return {
    axis: req.axis,
    centerElement: req.centerElement,
    positionA: Array.from(result.gridA),
    centreCount: Array.from(result.centreCountInWindow),
    coveredFraction: result.coveredFraction,
    motifs: result.motifs.map((m) => ({
      index: [m.index[0], m.index[1], m.index[2], m.index[3]] as [number, number, number, number],
      count: m.count,
      fractionOfCentres: m.fractionOfCentres,
      densityPerA3: series(m.densityPerA3),
      fractionInWindow: series(m.fractionOfCentresInWindow),
    })),
  };
}

function regionsOf(structure: ParsedStructure, dir: string, axis: 'x' | 'y' | 'z', element?: string): RegionDetection {
  const labels = readLabelArrays(dir);
  const { elements, species } = speciesOf(structure);
  const centre = centreSpecies(structure, element);
  return detectRegions(structure.positions, structure.cell, labels.cna, labels.voronoiIndex, species, {
    axis,
    centreSpecies: centre,
    ...(elements[centre] !== undefined ? { centreName: elements[centre] } : {}),
  });
}

export function distributions(project: Project, req: ParsedRequest<'analysis.distributions'>): Response<'analysis.distributions'> {
  const { structure, dir } = load(project, req.labelSetId);
  const { values } = readLabelProperty(dir, req.property as LabelProperty);
  let codes: ArrayLike<number>;
  let names: readonly string[];
  if (req.groupBy === 'region') {
    codes = regionsOf(structure, dir, req.axis).regionCode;
    names = ['grain', 'ACTR', 'complexion interior'];
  } else {
    const labels = readLabelArrays(dir);
    codes = req.groupBy === 'cna' ? labels.cna : labels.voronoiClass;
    names = req.groupBy === 'cna' ? CNA_TYPES : VORONOI_CLASSES;
  }
  const stats = boxStatsByClass(values, codes, { labels: names });
  return {
    property: req.property,
    groupBy: req.groupBy,
    groups: stats.map((b) => ({
      group: b.label,
      n: b.n,
      mean: finiteOrNull(b.mean),
      q1: finiteOrNull(b.q1),
      median: finiteOrNull(b.median),
      q3: finiteOrNull(b.q3),
      whiskerLow: finiteOrNull(b.whiskerLow),
      whiskerHigh: finiteOrNull(b.whiskerHigh),
      outliers: Array.from(b.outliers),
      outlierCount: b.outlierCount,
    })),
  };
}

export function threshold(project: Project, req: ParsedRequest<'analysis.threshold'>): Response<'analysis.threshold'> {
  const { dir } = load(project, req.labelSetId);
  const labels = readLabelArrays(dir);
  let ordered = 0;
  let disordered = 0;
  for (const code of labels.voronoiClass) {
    if (code === VORONOI_CLASSES.indexOf('ordered')) ordered++;
    else if (code === VORONOI_CLASSES.indexOf('disordered')) disordered++;
  }
  if (ordered === 0 || disordered === 0) {
    const missing = ordered === 0 ? 'Voronoi-ordered' : 'Voronoi-disordered';
    return { found: false, reason: `no atoms are ${missing}, so there is nothing to separate`, orderedCount: ordered, disorderedCount: disordered };
  }
  const t = orderedDisorderedThreshold(labels.d, labels.voronoiClass);
  return {
    found: true,
    threshold: t.threshold,
    balancedAccuracy: t.balancedAccuracy,
    accuracy: t.accuracy,
    orderedCount: t.lowCount,
    disorderedCount: t.highCount,
  };
}

export function regions(project: Project, req: ParsedRequest<'analysis.regions'>): Response<'analysis.regions'> {
  const { structure, dir } = load(project, req.labelSetId);
  const detection = regionsOf(structure, dir, req.axis, req.centerElement);
  const d = readLabelArrays(dir).d;
  const sums = detection.intervals.map(() => ({ atoms: 0, sum: 0 }));
  for (let i = 0; i < d.length; i++) {
    const acc = sums[detection.intervalIndex[i] as number];
    if (acc) {
      acc.atoms++;
      acc.sum += d[i] as number;
    }
  }
  return {
    axis: req.axis,
    intervals: detection.intervals.map((r) => ({
      label: r.label,
      kind: r.kind,
      startA: r.startA,
      endA: r.endA,
      lengthA: r.lengthA,
      wraps: r.wraps,
    })),
    notes: detection.notes,
    regionMeans: detection.intervals.map((r, k) => ({
      label: r.label,
      kind: r.kind,
      atoms: sums[k]?.atoms ?? 0,
      dMean: sums[k] && sums[k].atoms > 0 ? sums[k].sum / sums[k].atoms : null,
    })),
  };
}

export function rdf(project: Project, req: ParsedRequest<'analysis.rdf'>): Response<'analysis.rdf'> {
  const { dir } = load(project, req.labelSetId);
  const stored = readStoredRdf(dir);
  const rA = Float64Array.from(stored.rA);
  const shell = firstShell(rA, { g: Float64Array.from(stored.total.g), coord: Float64Array.from(stored.total.coord) });
  return {
    rA: stored.rA,
    total: stored.total,
    partials: stored.partials.map((p) => ({ pair: p.pair, g: p.g, coord: p.coord })),
    firstShell: shell.found ? { peakA: shell.peakA, minimumA: shell.minimumA, coordination: shell.coordination } : null,
  };
}

export function structureFactor(project: Project, req: ParsedRequest<'analysis.sq'>): Response<'analysis.sq'> {
  const { dir } = load(project, req.labelSetId);
  const stored = readStoredRdf(dir);
  const table =
    req.radiation === 'electron'
      ? path.join(resourcesDir, 'elements', 'electron-scattering-factors-peng1996.json')
      : path.join(resourcesDir, 'elements', 'xray-form-factors.json');
  const factors = readScatteringFactors(req.radiation, table);
  const q = qGrid(req.dqInvA, req.qmaxInvA, req.dqInvA);
  const partials = partialStructureFactors(storedAsDistribution(stored), q);
  const total = totalStructureFactor(partials, stored.elements, factors);
  const s = stored.elements.length;
  const pairs: { pair: string; s: (number | null)[] }[] = [];
  for (let a = 0; a < s; a++) {
    for (let b = a; b < s; b++) {
      const values = partials.partials[a * s + b];
      if (values) pairs.push({ pair: `${stored.elements[a]}-${stored.elements[b]}`, s: series(values) });
    }
  }
  return { radiation: req.radiation, source: total.source, qInvA: Array.from(q), total: series(total.s), partials: pairs };
}

/** The stored curves in the shape partialStructureFactors reads. */
function storedAsDistribution(stored: ReturnType<typeof readStoredRdf>): Parameters<typeof partialStructureFactors>[0] {
  const s = stored.elements.length;
  const rA = Float64Array.from(stored.rA);
  const binWidthA = rA.length > 1 ? (rA[1] as number) - (rA[0] as number) : 0;
  const atomCount = stored.speciesCounts.reduce((x, y) => x + y, 0);
  const curve = (c: { g: number[]; coord: number[]; centreCount: number; normFactor: number }) => ({
    counts: new Float64Array(c.g.length),
    g: Float64Array.from(c.g),
    coord: Float64Array.from(c.coord),
    centreCount: c.centreCount,
    normFactor: c.normFactor,
  });
  const partials = [];
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const p = stored.partials.find((x) => x.a === a && x.b === b);
      if (!p) throw new Error(`the stored g(r) lacks the ${stored.elements[a]}-${stored.elements[b]} partial`);
      partials.push({ ...curve(p), a, b });
    }
  }
  return {
    rmaxA: binWidthA * rA.length,
    binWidthA,
    binCount: rA.length,
    rA,
    volumeA3: stored.volumeA3,
    atomCount,
    speciesCounts: Int32Array.from(stored.speciesCounts),
    centreCounts: Int32Array.from(stored.speciesCounts),
    total: curve(stored.total),
    partials,
    partialWeights: new Float64Array(s * s),
  };
}
