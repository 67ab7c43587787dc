/**
 * What a finished (or checkpointed) RMC model shows: each measured curve beside the model's (scale and offset
 * applied) with χ² and R², and the model's partial g_ab(r) from its histograms, normalised as LAMMPS does.
 */
import { pairCount, pairSpecies } from './configuration';
import type { RmcEngine } from './engine';
import { rSquared } from './fit';
import type { MeasuredCurve } from './measured-data';
import type { RmcFitSummary } from '../../../main/shared/rmc';

export interface RmcCurveReport extends RmcFitSummary {
  x: number[];
  measured: number[];
  sigma: number[];
  /** s · y_model + b. */
  model: number[];
}

export interface RmcPartialReport {
  pair: [string, string];
  r: number[];
  g: number[];
}

export interface RmcCoordinationReport {
  centre: string;
  neighbour: string;
  rcutA: number;
  min: number;
  max: number;
  chi2: number;
  /** Fraction of the centres whose count lies outside the window. */
  outside: number;
  meanCount: number;
}

export interface RmcSummary {
  fits: RmcCurveReport[];
  coordination: RmcCoordinationReport[];
  partials: RmcPartialReport[];
  moves: number;
  accepted: number;
  swapsAccepted: number;
  energyEvPerAtom: number | null;
}

export function summariseRmc(engine: RmcEngine, curves: MeasuredCurve[], elements: string[], energyEv: number | null): RmcSummary {
  const fits = engine.currentFits();
  const reports: RmcCurveReport[] = engine.constraints.map((c, d) => {
    const fit = fits[d] as { chi2: number; scale: number; offset: number };
    const curve = curves[d] as MeasuredCurve;
    const y = engine.curves[d] as Float64Array;
    return {
      name: c.name,
      quantity: curve.declaration.quantity,
      points: y.length,
      chi2: fit.chi2,
      scale: fit.scale,
      offset: fit.offset,
      rSquared: rSquared(curve.y, y, fit.scale, fit.offset),
      x: Array.from(curve.x),
      measured: Array.from(curve.y),
      sigma: Array.from(curve.sigma),
      model: Array.from(y, (v) => fit.scale * v + fit.offset),
    };
  });
  const config = engine.config;
  const s = config.speciesCount;
  const counts = config.speciesCounts();
  const binWidth = engine.options.binWidthA;
  const bins = engine.binCount;
  const partials: RmcPartialReport[] = [];
  for (let p = 0; p < pairCount(s); p++) {
    const [a, b] = pairSpecies(p, s);
    const na = counts[a] as number;
    const neighbours = a === b ? na - 1 : (counts[b] as number);
    if (na === 0 || neighbours <= 0) continue;
    const r: number[] = [];
    const g: number[] = [];
    for (let k = 0; k < bins; k++) {
      const lo = k * binWidth;
      const shell = ((4 * Math.PI) / 3) * ((lo + binWidth) ** 3 - lo ** 3);
      const ordered = (a === b ? 2 : 1) * (engine.histograms[p * bins + k] as number);
      r.push((k + 0.5) * binWidth);
      g.push(ordered / ((na * neighbours * shell) / config.volume()));
    }
    partials.push({ pair: [elements[a] as string, elements[b] as string], r, g });
  }
  const coordination = engine.coordination.map((c) => {
    const w = c.window;
    let centres = 0;
    let outside = 0;
    let sum = 0;
    for (let i = 0; i < config.n; i++) {
      if (config.species[i] !== w.centre) continue;
      const cn = c.counts[i] as number;
      centres++;
      sum += cn;
      if (cn < w.min || cn > w.max) outside++;
    }
    return { centre: elements[w.centre] as string, neighbour: elements[w.neighbour] as string, rcutA: w.rcutA, min: w.min, max: w.max, chi2: c.chi2(), outside: centres > 0 ? outside / centres : 0, meanCount: centres > 0 ? sum / centres : 0 };
  });
  return {
    fits: reports,
    coordination,
    partials,
    moves: engine.counters.attempted,
    accepted: engine.counters.accepted,
    swapsAccepted: engine.counters.swapsAccepted,
    energyEvPerAtom: energyEv === null ? null : energyEv / config.n,
  };
}
