/**
 * Coordination windows: a soft constraint that atoms of a centre species have between `min` and `max` neighbours of
 * a neighbour species within r_cut — the coordination constraints RMC codes offer to keep a fit chemically sensible
 * (e.g. no Cu with fewer than 8 neighbours in a metallic glass). Its misfit is χ²_cn = Σ_i v_i² / σ², v_i the count by
 * which atom i lies outside the window (0 inside), and enters the acceptance like a measured curve. Counts are kept
 * per atom and updated from the same neighbour visits a move already makes, so the constraint adds O(neighbours).
 */
import type { Configuration } from './configuration';

export interface CoordinationWindow {
  /** Species index of the centres whose neighbours are counted. */
  centre: number;
  /** Species index of the neighbours counted. */
  neighbour: number;
  /** Counting radius, Å (≤ the engine's r_max). */
  rcutA: number;
  min: number;
  max: number;
  /** Width of one count outside the window, in χ² units. */
  sigma: number;
}

function violation(cn: number, w: CoordinationWindow): number {
  return cn < w.min ? w.min - cn : cn > w.max ? cn - w.max : 0;
}

export class CoordinationConstraint {
  readonly window: CoordinationWindow;
  private readonly rcut2: number;
  private readonly invSigma2: number;
  /** Neighbour count of every atom (meaningful for centres only). */
  readonly counts: Int32Array;
  private chi2Value: number;
  // Trial: count change per atom, the atoms touched, and the centre's own new count.
  private readonly delta: Int32Array;
  private readonly marked: Uint8Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private trialChi2 = 0;

  constructor(config: Configuration, window: CoordinationWindow) {
    if (!(window.rcutA > 0) || window.rcutA > config.range) throw new Error(`a coordination radius must be positive and at most r_max (${config.range} Å); got ${window.rcutA} Å`);
    if (!(window.sigma > 0)) throw new Error('a coordination window needs a positive σ');
    if (window.min > window.max) throw new Error(`a coordination window needs min ≤ max (got ${window.min} … ${window.max})`);
    this.window = window;
    this.rcut2 = window.rcutA * window.rcutA;
    this.invSigma2 = 1 / (window.sigma * window.sigma);
    this.counts = new Int32Array(config.n);
    this.delta = new Int32Array(config.n);
    this.marked = new Uint8Array(config.n);
    this.touched = new Int32Array(config.n);
    this.chi2Value = 0;
    this.recount(config);
  }

  /** Counts and χ² from scratch. */
  recount(config: Configuration): void {
    const w = this.window;
    const pos = config.positions;
    this.counts.fill(0);
    let chi2 = 0;
    for (let i = 0; i < config.n; i++) {
      if (config.species[i] !== w.centre) continue;
      let cn = 0;
      config.forEachNeighbour(pos[3 * i] as number, pos[3 * i + 1] as number, pos[3 * i + 2] as number, i, (j, rsq) => {
        if (rsq < this.rcut2 && config.species[j] === w.neighbour) cn++;
      });
      this.counts[i] = cn;
      const v = violation(cn, w);
      chi2 += v * v * this.invSigma2;
    }
    this.chi2Value = chi2;
  }

  chi2(): number {
    return this.chi2Value;
  }

  private add(atom: number, d: number): void {
    if (this.marked[atom] === 0) {
      this.marked[atom] = 1;
      this.touched[this.touchedCount++] = atom;
    }
    this.delta[atom] = (this.delta[atom] as number) + d;
  }

  /** A neighbour j of moving atom i (species ti) at the trial position (sign +1) or the old one (−1). */
  visit(i: number, ti: number, j: number, tj: number, rsq: number, sign: 1 | -1): void {
    if (rsq >= this.rcut2) return;
    const w = this.window;
    if (ti === w.centre && tj === w.neighbour) this.add(i, sign);
    if (tj === w.centre && ti === w.neighbour) this.add(j, sign);
  }

  /**
   * The species swap of i and j (positions fixed): every count it changes, recorded as a trial. Counts of i and j as
   * centres are recounted with both new species; other centres near i or j change by one per neighbour changing.
   */
  visitSwap(config: Configuration, i: number, j: number): void {
    const w = this.window;
    const si = config.species[i] as number;
    const sj = config.species[j] as number;
    const pos = config.positions;
    const newSpecies = (k: number): number => (k === i ? sj : k === j ? si : (config.species[k] as number));
    for (const [x, from, to] of [[i, si, sj], [j, sj, si]] as const) {
      let cn = 0;
      config.forEachNeighbour(pos[3 * x] as number, pos[3 * x + 1] as number, pos[3 * x + 2] as number, x, (y, rsq) => {
        if (rsq >= this.rcut2) return;
        if (newSpecies(y) === w.neighbour) cn++;
        if (y !== i && y !== j && config.species[y] === w.centre) this.add(y, (to === w.neighbour ? 1 : 0) - (from === w.neighbour ? 1 : 0));
      });
      // x's own count after the swap (as a centre, or 0 when it no longer is one; the χ² below only counts centres).
      this.add(x, (to === w.centre ? cn : 0) - (this.counts[x] as number));
    }
  }

  /**
   * χ² change of the recorded trial. `speciesAfter` gives each touched atom's species after the trial (a swap
   * changes who is a centre).
   */
  trial(speciesBefore: (k: number) => number, speciesAfter: (k: number) => number): number {
    const w = this.window;
    let d = 0;
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touched[t] as number;
      const before = this.counts[k] as number;
      const after = before + (this.delta[k] as number);
      const vb = speciesBefore(k) === w.centre ? violation(before, w) : 0;
      const va = speciesAfter(k) === w.centre ? violation(after, w) : 0;
      d += (va * va - vb * vb) * this.invSigma2;
    }
    this.trialChi2 = this.chi2Value + d;
    return d;
  }

  accept(): void {
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touched[t] as number;
      this.counts[k] = (this.counts[k] as number) + (this.delta[k] as number);
    }
    this.chi2Value = this.trialChi2 > 0 ? this.trialChi2 : 0;
    this.clear();
  }

  clear(): void {
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touched[t] as number;
      this.delta[k] = 0;
      this.marked[k] = 0;
    }
    this.touchedCount = 0;
  }
}
