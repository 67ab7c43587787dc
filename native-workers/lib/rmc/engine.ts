/**
 * The reverse Monte Carlo engine: random single-atom moves (and optional swaps of two atoms of different species)
 * accepted by the Metropolis rule on the total misfit
 *
 *   X = Σ_d weight_d · χ²_d / a(t)²  (+ 2 E / k_B T for hybrid RMC)
 *
 * where χ²_d is each measured curve's misfit with its scale and offset refitted, and a(t) ≥ 1 is the annealing
 * factor on every σ (the σ "quench" of Liu, Zhang, Ding and Ma: σ reduced geometrically during the run). A move is
 * refused outright when it brings two atoms closer than their pair's closest approach. Each move changes only the
 * histogram entries of the moved atom's neighbours; the model curves change by the matching rows of their linear maps
 * (observables.ts), so a move costs O(neighbours · points), never a full recomputation.
 */
import { Configuration, pairCount, pairIndex } from './configuration';
import { CoordinationConstraint, type CoordinationWindow } from './coordination';
import { addRow, evaluateObservable, type LinearObservable } from './observables';
import { fitMisfit, type FitResult, type FitTarget } from './fit';
import { Xoshiro128 } from './random';

/** The energy of the configuration with local updates (hybrid RMC); EamModel in eam.ts is one. */
export interface EnergyTerm {
  /** Current total energy, eV. */
  readonly energy: number;
  /** Energy change if atom i moved to (x, y, z), changing nothing yet (+Infinity for an impossible move). */
  deltaMove(i: number, x: number, y: number, z: number): number;
  /** Energy change if atoms i and j exchanged species. */
  deltaSwap(i: number, j: number): number;
  /** Applies the last priced move or swap; returns the new energy. */
  accept(): number;
  /** Forgets the last priced move or swap. */
  reject(): void;
}

export interface EnergyCoupling {
  term: EnergyTerm;
  /** 'temperature': Boltzmann factor at T; 'ceiling': moves that take E above the ceiling are refused. */
  mode: 'temperature' | 'ceiling';
  /** k_B T in eV (temperature mode). */
  kTeV?: number;
  /** Total energy ceiling in eV (ceiling mode). */
  ceilingEv?: number;
}

export interface Constraint {
  name: string;
  observable: LinearObservable;
  target: FitTarget;
  /** Relative weight of this curve in the total misfit. */
  weight: number;
}

/** Largest single-atom displacement per axis the step adaptation goes to, Å. */
export const MAX_STEP_A = 1;

export interface EngineOptions {
  seed: number | number[];
  binWidthA: number;
  /** Closest approach per unordered species pair (pairIndex order), Å. */
  closestApproachA: Float64Array;
  /** Initial largest displacement per axis, Å. */
  stepA: number;
  /** The step is adapted every `adaptEvery` moves towards this acceptance of single-atom moves (0 < · < 1). */
  targetAcceptance: number;
  adaptEvery: number;
  /** Fraction of attempts that are species swaps (0 without). */
  swapFraction: number;
  /** σ annealing: factor `from` at move 0, falling geometrically to 1 at `moves`, 1 afterwards. */
  anneal: { from: number; moves: number } | null;
  energy: EnergyCoupling | null;
  /** Coordination windows, soft constraints annealed like the curves (coordination.ts). */
  coordination?: CoordinationWindow[];
}

export interface EngineCounters {
  attempted: number;
  accepted: number;
  swapsAttempted: number;
  swapsAccepted: number;
  /** Moves refused because two atoms came closer than their closest approach. */
  tooClose: number;
}

export interface EngineState {
  positions: number[];
  species: number[];
  random: number[];
  stepA: number;
  /** Moves and acceptances since the step was last adapted. */
  window: [number, number];
  counters: EngineCounters;
}

export class RmcEngine {
  readonly config: Configuration;
  readonly constraints: Constraint[];
  readonly options: EngineOptions;
  readonly binCount: number;
  /** Unordered pair counts, index pair · binCount + bin. */
  readonly histograms: Float64Array;
  /** Current model curve of each constraint (before scale and offset). */
  readonly curves: Float64Array[];
  private fits: FitResult[];
  private readonly trialCurves: Float64Array[];
  private readonly trialFits: FitResult[];
  private readonly random: Xoshiro128;
  private readonly invBin: number;
  private readonly pairOf: Int32Array;
  private readonly closest2: Float64Array;
  // Sparse histogram change of one trial: keys touched, their deltas, a mark per key.
  private readonly delta: Float64Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly marked: Uint8Array;
  private stepA: number;
  private windowMoves = 0;
  private windowAccepted = 0;
  readonly counters: EngineCounters = { attempted: 0, accepted: 0, swapsAttempted: 0, swapsAccepted: 0, tooClose: 0 };
  private speciesCounts: Int32Array;
  readonly coordination: CoordinationConstraint[];

  constructor(config: Configuration, constraints: Constraint[], options: EngineOptions, state?: EngineState) {
    this.config = config;
    this.constraints = constraints;
    this.options = options;
    const s = config.speciesCount;
    this.binCount = Math.ceil(config.range / options.binWidthA - 1e-9);
    if (!(options.binWidthA > 0)) throw new Error(`the histogram bin width must be positive (got ${options.binWidthA} Å)`);
    for (const c of constraints) {
      if (c.observable.binCount !== this.binCount) throw new Error(`constraint ${c.name} was built for ${c.observable.binCount} bins, the engine has ${this.binCount}`);
    }
    if (options.closestApproachA.length !== pairCount(s)) throw new Error(`need a closest approach for each of the ${pairCount(s)} species pairs`);
    this.invBin = 1 / options.binWidthA;
    this.pairOf = new Int32Array(s * s);
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) this.pairOf[a * s + b] = pairIndex(a, b, s);
    this.closest2 = Float64Array.from(options.closestApproachA, (d) => d * d);
    const keys = pairCount(s) * this.binCount;
    this.delta = new Float64Array(keys);
    this.marked = new Uint8Array(keys);
    this.touched = new Int32Array(keys);
    this.random = new Xoshiro128(state ? state.random : options.seed);
    this.stepA = state ? state.stepA : options.stepA;
    if (state) {
      if (state.positions.length !== 3 * config.n || state.species.length !== config.n) throw new Error('the checkpoint holds a different number of atoms');
      for (let i = 0; i < config.n; i++) {
        config.moveAtom(i, state.positions[3 * i] as number, state.positions[3 * i + 1] as number, state.positions[3 * i + 2] as number);
        config.setSpecies(i, state.species[i] as number);
      }
      Object.assign(this.counters, state.counters);
      [this.windowMoves, this.windowAccepted] = state.window;
    }
    this.speciesCounts = config.speciesCounts();
    this.coordination = (options.coordination ?? []).map((w) => new CoordinationConstraint(config, w));
    this.histograms = fullHistograms(config, options.binWidthA, this.binCount);
    this.curves = constraints.map((c) => evaluateObservable(c.observable, this.histograms));
    this.fits = constraints.map((c, d) => fitMisfit(c.target, this.curves[d] as Float64Array, null));
    this.trialCurves = constraints.map((c) => new Float64Array(c.observable.x.length));
    this.trialFits = constraints.map(() => ({ chi2: 0, scale: 1, offset: 0 }));
  }

  /** The σ annealing factor a(t) at the current move count. */
  annealFactor(): number {
    const a = this.options.anneal;
    if (!a || a.from <= 1 || this.counters.attempted >= a.moves) return 1;
    return Math.pow(a.from, 1 - this.counters.attempted / a.moves);
  }

  /** Current misfit of each constraint (χ² with refitted scale and offset, at σ, not annealed). */
  currentFits(): FitResult[] {
    return this.fits.map((f) => ({ ...f }));
  }

  /** Σ weight · χ² at σ (the annealing factor not applied), coordination windows included. */
  totalChi2(): number {
    let total = 0;
    for (const c of this.coordination) total += c.chi2();
    this.constraints.forEach((c, d) => (total += c.weight * (this.fits[d] as FitResult).chi2));
    return total;
  }

  currentStepA(): number {
    return this.stepA;
  }

  /** One attempted move (or swap). Returns whether it was accepted. */
  attempt(): boolean {
    const swap = this.options.swapFraction > 0 && this.random.next() < this.options.swapFraction;
    const accepted = swap ? this.attemptSwap() : this.attemptMove();
    this.counters.attempted++;
    if (!swap) {
      this.windowMoves++;
      if (accepted) this.windowAccepted++;
      if (this.windowMoves >= this.options.adaptEvery) this.adaptStep();
    }
    if (accepted) this.counters.accepted++;
    return accepted;
  }

  private adaptStep(): void {
    const rate = this.windowAccepted / this.windowMoves;
    const factor = rate > this.options.targetAcceptance ? 1.1 : 1 / 1.1;
    // Capped at MAX_STEP_A: a longer jump is no more useful to the fit, and its old and new neighbour shells no
    // longer share histogram bins, so it costs twice the curve updates of a short one.
    this.stepA = Math.min(MAX_STEP_A, this.config.range / 2, Math.max(1e-4, this.stepA * factor));
    this.windowMoves = 0;
    this.windowAccepted = 0;
  }

  private addDelta(key: number, d: number): void {
    if (this.marked[key] === 0) {
      this.marked[key] = 1;
      this.touched[this.touchedCount++] = key;
    }
    this.delta[key] = (this.delta[key] as number) + d;
  }

  private clearDelta(): void {
    for (let t = 0; t < this.touchedCount; t++) {
      const key = this.touched[t] as number;
      this.delta[key] = 0;
      this.marked[key] = 0;
    }
    this.touchedCount = 0;
  }

  private attemptMove(): boolean {
    const config = this.config;
    const n = config.n;
    const i = this.random.below(n);
    const pos = config.positions;
    const ox = pos[3 * i] as number;
    const oy = pos[3 * i + 1] as number;
    const oz = pos[3 * i + 2] as number;
    const step = this.stepA;
    const nx = wrapInto(ox + step * (2 * this.random.next() - 1), config.box.lx);
    const ny = wrapInto(oy + step * (2 * this.random.next() - 1), config.box.ly);
    const nz = wrapInto(oz + step * (2 * this.random.next() - 1), config.box.lz);
    const s = config.speciesCount;
    const species = config.species;
    const ti = (species[i] as number) * s;
    const pairOf = this.pairOf;
    const closest2 = this.closest2;
    const invBin = this.invBin;
    const binCount = this.binCount;
    // Overlap below the closest approach, Σ (d_min − r) over the atom's pairs, at the new and the old position: a
    // move may not increase it. Atoms that start too close (a random start) can so only move apart; atoms that are
    // not too close never become so.
    let overlapNew = 0;
    const coordination = this.coordination;
    const si = species[i] as number;
    const coordinated = coordination.length > 0;
    config.forEachNeighbour(nx, ny, nz, i, (j, rsq) => {
      const p = pairOf[ti + (species[j] as number)] as number;
      if (coordinated) for (const c of coordination) c.visit(i, si, j, species[j] as number, rsq, 1);
      if (rsq < (closest2[p] as number)) overlapNew += Math.sqrt(closest2[p] as number) - Math.sqrt(rsq);
      const bin = Math.floor(Math.sqrt(rsq) * invBin);
      if (bin < binCount) this.addDelta(p * binCount + bin, 1);
    });
    let overlapOld = 0;
    config.forEachNeighbour(ox, oy, oz, i, (j, rsq) => {
      const p = pairOf[ti + (species[j] as number)] as number;
      if (coordinated) for (const c of coordination) c.visit(i, si, j, species[j] as number, rsq, -1);
      if (rsq < (closest2[p] as number)) overlapOld += Math.sqrt(closest2[p] as number) - Math.sqrt(rsq);
      const bin = Math.floor(Math.sqrt(rsq) * invBin);
      if (bin < binCount) this.addDelta(p * binCount + bin, -1);
    });
    if (overlapNew > 0 && overlapNew >= overlapOld) {
      this.clearDelta();
      for (const c of coordination) c.clear();
      this.counters.tooClose++;
      return false;
    }
    const same = (k: number): number => species[k] as number;
    let dC = 0;
    for (const c of coordination) dC += c.trial(same, same);
    const energy = this.options.energy;
    const dE = energy ? energy.term.deltaMove(i, nx, ny, nz) : 0;
    if (!this.decide(dE, energy, dC)) {
      this.clearDelta();
      for (const c of coordination) c.clear();
      if (energy) energy.term.reject();
      return false;
    }
    this.commit();
    for (const c of coordination) c.accept();
    config.moveAtom(i, nx, ny, nz);
    if (energy) energy.term.accept();
    return true;
  }

  private attemptSwap(): boolean {
    const config = this.config;
    const n = config.n;
    this.counters.swapsAttempted++;
    const i = this.random.below(n);
    const ti = config.species[i] as number;
    if ((this.speciesCounts[ti] as number) === n) return false;
    // Rejection sampling for a partner of another species: few tries at any composition worth swapping.
    let j = -1;
    for (let tries = 0; tries < 1000; tries++) {
      const c = this.random.below(n);
      if ((config.species[c] as number) !== ti) {
        j = c;
        break;
      }
    }
    if (j < 0) return false;
    const tj = config.species[j] as number;
    if (!this.swapDelta(i, ti, tj, j) || !this.swapDelta(j, tj, ti, i)) {
      this.clearDelta();
      this.counters.tooClose++;
      return false;
    }
    let dC = 0;
    if (this.coordination.length > 0) {
      const before = (k: number): number => config.species[k] as number;
      const after = (k: number): number => (k === i ? tj : k === j ? ti : (config.species[k] as number));
      for (const c of this.coordination) {
        c.visitSwap(config, i, j);
        dC += c.trial(before, after);
      }
    }
    const energy = this.options.energy;
    const dE = energy ? energy.term.deltaSwap(i, j) : 0;
    if (!this.decide(dE, energy, dC)) {
      this.clearDelta();
      for (const c of this.coordination) c.clear();
      if (energy) energy.term.reject();
      return false;
    }
    this.commit();
    for (const c of this.coordination) c.accept();
    config.setSpecies(i, tj);
    config.setSpecies(j, ti);
    if (energy) energy.term.accept();
    this.counters.swapsAccepted++;
    return true;
  }

  /** Histogram change of atom `i` turning from species `from` to `to` (its pair with `partner` keeps its type). */
  private swapDelta(i: number, from: number, to: number, partner: number): boolean {
    const config = this.config;
    const pos = config.positions;
    const s = config.speciesCount;
    const species = config.species;
    let ok = true;
    config.forEachNeighbour(pos[3 * i] as number, pos[3 * i + 1] as number, pos[3 * i + 2] as number, i, (j, rsq) => {
      if (!ok || j === partner) return;
      const tj = species[j] as number;
      const before = this.pairOf[from * s + tj] as number;
      const after = this.pairOf[to * s + tj] as number;
      if (before === after) return;
      if (rsq < (this.closest2[after] as number)) {
        ok = false;
        return;
      }
      const bin = Math.floor(Math.sqrt(rsq) * this.invBin);
      if (bin < this.binCount) {
        this.addDelta(before * this.binCount + bin, -1);
        this.addDelta(after * this.binCount + bin, 1);
      }
    });
    return ok;
  }

  /** Metropolis on the annealed misfit change plus the energy term; fills the trial curves and fits. */
  private decide(dE: number, energy: EnergyCoupling | null, dCoordination: number): boolean {
    const a = this.annealFactor();
    const invA2 = 1 / (a * a);
    let dX = dCoordination * invA2;
    for (let d = 0; d < this.constraints.length; d++) {
      const c = this.constraints[d] as Constraint;
      const trial = this.trialCurves[d] as Float64Array;
      trial.fill(0);
      const nx = trial.length;
      for (let t = 0; t < this.touchedCount; t++) {
        const key = this.touched[t] as number;
        const dh = this.delta[key] as number;
        if (dh !== 0) addRow(c.observable, key, dh, trial, nx);
      }
      const fit = fitMisfit(c.target, this.curves[d] as Float64Array, trial);
      this.trialFits[d] = fit;
      dX += c.weight * (fit.chi2 - (this.fits[d] as FitResult).chi2) * invA2;
    }
    if (energy) {
      if (energy.mode === 'ceiling') {
        if (dE > 0 && energy.term.energy + dE > (energy.ceilingEv ?? Infinity)) return false;
      } else {
        dX += (2 * dE) / (energy.kTeV ?? Infinity);
      }
    }
    if (dX <= 0) return true;
    return this.random.next() < Math.exp(-dX / 2);
  }

  private commit(): void {
    for (let t = 0; t < this.touchedCount; t++) {
      const key = this.touched[t] as number;
      this.histograms[key] = (this.histograms[key] as number) + (this.delta[key] as number);
    }
    for (let d = 0; d < this.constraints.length; d++) {
      const curve = this.curves[d] as Float64Array;
      const trial = this.trialCurves[d] as Float64Array;
      for (let k = 0; k < curve.length; k++) curve[k] = (curve[k] as number) + (trial[k] as number);
      this.fits[d] = this.trialFits[d] as FitResult;
    }
    this.clearDelta();
  }

  /** Recomputes histograms and curves from the positions (drift control; tests compare against it). */
  recompute(): { histograms: Float64Array; curves: Float64Array[] } {
    const histograms = fullHistograms(this.config, this.options.binWidthA, this.binCount);
    return { histograms, curves: this.constraints.map((c) => evaluateObservable(c.observable, histograms)) };
  }

  /** Replaces the running curves by a full recomputation (removes accumulated rounding). */
  resynchronise(): void {
    const { histograms, curves } = this.recompute();
    this.histograms.set(histograms);
    curves.forEach((c, d) => (this.curves[d] as Float64Array).set(c));
    this.fits = this.constraints.map((c, d) => fitMisfit(c.target, this.curves[d] as Float64Array, null));
    for (const c of this.coordination) c.recount(this.config);
  }

  state(): EngineState {
    return {
      positions: Array.from(this.config.positions),
      species: Array.from(this.config.species),
      random: this.random.state(),
      stepA: this.stepA,
      window: [this.windowMoves, this.windowAccepted],
      counters: { ...this.counters },
    };
  }
}

function wrapInto(v: number, l: number): number {
  if (v >= l) return v - l;
  if (v < 0) return v + l;
  return v;
}

/** Unordered pair counts per species pair and bin, from scratch (each pair once, nearest image). */
export function fullHistograms(config: Configuration, binWidthA: number, binCount: number): Float64Array {
  const s = config.speciesCount;
  const hist = new Float64Array(pairCount(s) * binCount);
  const pos = config.positions;
  const invBin = 1 / binWidthA;
  for (let i = 0; i < config.n; i++) {
    const ti = config.species[i] as number;
    config.forEachNeighbour(pos[3 * i] as number, pos[3 * i + 1] as number, pos[3 * i + 2] as number, i, (j, rsq) => {
      if (j < i) return;
      const bin = Math.floor(Math.sqrt(rsq) * invBin);
      if (bin >= binCount) return;
      const key = pairIndex(ti, config.species[j] as number, s) * binCount + bin;
      hist[key] = (hist[key] as number) + 1;
    });
  }
  return hist;
}
