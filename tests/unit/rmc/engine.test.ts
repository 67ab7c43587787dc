/**
 * The RMC engine's numbers against independent routes: histograms against the LAMMPS-style g(r) code, the linear
 * maps against the Faber–Ziman structure-factor code, the terminated G(r) against a numerical sine transform of
 * F(q), incremental curves against full recomputation after thousands of moves and swaps, and a run with no data
 * against the hard-sphere fluid's known contact value.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Configuration, pairCount, pairIndex } from '../../../native-workers/lib/rmc/configuration';
import { fullHistograms, RmcEngine, type Constraint, type EngineOptions } from '../../../native-workers/lib/rmc/engine';
import { EamModel, readEamPotential } from '../../../native-workers/lib/rmc/eam';
import { fitMisfit, fitTarget, misfitDirect } from '../../../native-workers/lib/rmc/fit';
import { evaluateObservable, qSpaceObservable, rSpaceObservable, type HistogramGeometry } from '../../../native-workers/lib/rmc/observables';
import { Xoshiro128 } from '../../../native-workers/lib/rmc/random';
import { setupRmc } from '../../../native-workers/lib/rmc/setup';
import { rmcParamsSchema } from '../../../main/shared/rmc';
import { pairDistribution, partialStructureFactors, qGrid, totalStructureFactor, type ScatteringFactors } from '../../../native-workers/lib/rdf';
import { orthogonalCell, seededRandom } from '../rdf/lattices';

/** A Cu64Zr36-like random packing: atoms inserted at random, none closer than `dmin`. */
function randomPacking(n: number, box: number, dmin: number, seed: number): { positions: Float64Array; species: Int32Array } {
  const random = seededRandom(seed);
  const positions = new Float64Array(3 * n);
  const species = new Int32Array(n);
  let placed = 0;
  while (placed < n) {
    const x = random() * box;
    const y = random() * box;
    const z = random() * box;
    let ok = true;
    for (let j = 0; j < placed && ok; j++) {
      let dx = (positions[3 * j] as number) - x;
      let dy = (positions[3 * j + 1] as number) - y;
      let dz = (positions[3 * j + 2] as number) - z;
      dx -= box * Math.round(dx / box);
      dy -= box * Math.round(dy / box);
      dz -= box * Math.round(dz / box);
      if (dx * dx + dy * dy + dz * dz < dmin * dmin) ok = false;
    }
    if (!ok) continue;
    positions.set([x, y, z], 3 * placed);
    species[placed] = placed < Math.round(0.64 * n) ? 0 : 1;
    placed++;
  }
  return { positions, species };
}

/** Two made-up q-dependent form factors, so the X-ray weighting is exercised without a table. */
const factors: ScatteringFactors = {
  radiation: 'xray',
  source: 'test',
  unit: 'electrons',
  has: (el) => el === 'Cu' || el === 'Zr',
  at: (el, q) => (el === 'Cu' ? 29 : 40) * Math.exp(-0.01 * q * q) + (el === 'Cu' ? 0 : 1),
};

function geometryOf(config: Configuration, binWidthA: number): HistogramGeometry {
  return {
    binWidthA,
    binCount: Math.ceil(config.range / binWidthA - 1e-9),
    speciesCount: config.speciesCount,
    speciesCounts: config.speciesCounts(),
    volumeA3: config.volume(),
  };
}

function options(overrides: Partial<EngineOptions>, pairs: number): EngineOptions {
  return {
    seed: 7,
    binWidthA: 0.05,
    closestApproachA: new Float64Array(pairs).fill(1.8),
    stepA: 0.3,
    targetAcceptance: 0.3,
    adaptEvery: 500,
    swapFraction: 0,
    anneal: null,
    energy: null,
    ...overrides,
  };
}

describe('RMC histograms and linear maps', () => {
  const box = 18;
  const { positions, species } = randomPacking(400, box, 2.0, 11);
  const config = new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, 8);
  const binWidthA = 0.05;
  const geometry = geometryOf(config, binWidthA);
  const hist = fullHistograms(config, binWidthA, geometry.binCount);
  const pd = pairDistribution(positions, species, orthogonalCell(box, box, box), { rmaxA: 8, binWidthA, speciesCount: 2 });

  it('count every pair once, as the LAMMPS-style g(r) code counts ordered pairs', () => {
    for (let a = 0; a < 2; a++) {
      for (let b = a; b < 2; b++) {
        const ordered = pd.partials[a * 2 + b]?.counts as Float64Array;
        for (let k = 0; k < geometry.binCount; k++) {
          const h = hist[pairIndex(a, b, 2) * geometry.binCount + k] as number;
          expect(a === b ? 2 * h : h).toBe(ordered[k]);
        }
      }
    }
  });

  it('give the Faber–Ziman total S(q) and partials of the structure-factor code', () => {
    const q = qGrid(0.5, 15, 0.05);
    const weights = [0, 1].map((a) => Float64Array.from(q, (qq) => factors.at(a === 0 ? 'Cu' : 'Zr', qq)));
    const ps = partialStructureFactors(pd, q);
    const reference = totalStructureFactor(ps, ['Cu', 'Zr'], factors).s;
    for (const quantity of ['S(q)', 'F(q)', 'i(q)'] as const) {
      const y = evaluateObservable(qSpaceObservable(geometry, { quantity, q, weights }), hist);
      for (let k = 0; k < q.length; k++) {
        const s = reference[k] as number;
        const expected = quantity === 'S(q)' ? s : quantity === 'F(q)' ? (q[k] as number) * (s - 1) : s - 1;
        expect(Math.abs((y[k] as number) - expected)).toBeLessThan(1e-10 * Math.max(1, Math.abs(expected)));
      }
    }
    for (const [a, b] of [[0, 0], [0, 1], [1, 1]] as const) {
      const y = evaluateObservable(qSpaceObservable(geometry, { quantity: 'S(q)', q, pair: [a, b] }), hist);
      const ref = ps.partials[a * 2 + b] as Float64Array;
      for (let k = 0; k < q.length; k++) expect(Math.abs((y[k] as number) - (ref[k] as number))).toBeLessThan(1e-10);
    }
  });

  it('give the partial g_ab(r) of LAMMPS compute rdf at bin centres, and their weighted total', () => {
    const r = Float64Array.from({ length: 150 }, (_, k) => (k + 10.5) * binWidthA);
    for (const [a, b] of [[0, 0], [0, 1], [1, 1]] as const) {
      const y = evaluateObservable(rSpaceObservable(geometry, { quantity: 'g(r)', r, pair: [a, b] }), hist);
      const ref = pd.partials[a * 2 + b]?.g as Float64Array;
      for (let k = 0; k < r.length; k++) expect(Math.abs((y[k] as number) - (ref[k + 10] as number))).toBeLessThan(1e-10);
    }
    // Neutron-like constant weights: total = Σ_ab c_a c_b w_a w_b g_ab / ⟨w⟩² over ordered pairs.
    const w = Float64Array.from([7.7, 7.2]);
    const y = evaluateObservable(rSpaceObservable(geometry, { quantity: 'g(r)', r, weights: w }), hist);
    const c = [256 / 400, 144 / 400];
    const mean = (c[0] as number) * 7.7 + (c[1] as number) * 7.2;
    for (let k = 0; k < r.length; k++) {
      let expected = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) expected += ((c[a] as number) * (c[b] as number) * (w[a] as number) * (w[b] as number) * ((pd.partials[a * 2 + b]?.g as Float64Array)[k + 10] as number)) / (mean * mean);
      expect(Math.abs((y[k] as number) - expected)).toBeLessThan(1e-10);
    }
  });

  it('terminate G(r) at Qmax like a sine transform of the model F(q) up to Qmax', () => {
    const w = Float64Array.from([1, 1]);
    const qmax = 12;
    const r = Float64Array.from({ length: 80 }, (_, k) => 1.5 + k * 0.05);
    const terminated = evaluateObservable(rSpaceObservable(geometry, { quantity: 'G(r)', r, weights: w, qmaxInvA: qmax }), hist);
    // G(r) = (2/π) ∫₀^Qmax F(q) sin(qr) dq with F from the same histograms (q-independent weights), trapezoid rule.
    const dq = 0.002;
    const q = Float64Array.from({ length: Math.round(qmax / dq) + 1 }, (_, k) => k * dq);
    const weights = [w, w].map(() => new Float64Array(q.length).fill(1));
    // r-space partials are normalised by N_a (N_b − δ_ab) (g → 1 in a finite box), q-space ones by N_a N_b
    // (Faber–Ziman): like-pair counts are rescaled by N_a / (N_a − 1) for the q-space route.
    const rescaled = Float64Array.from(hist);
    for (const a of [0, 1]) {
      const na = geometry.speciesCounts[a] as number;
      for (let k = 0; k < geometry.binCount; k++) rescaled[pairIndex(a, a, 2) * geometry.binCount + k] = ((hist[pairIndex(a, a, 2) * geometry.binCount + k] as number) * na) / (na - 1);
    }
    const f = evaluateObservable(qSpaceObservable(geometry, { quantity: 'F(q)', q, weights }), rescaled);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < r.length; i++) {
      let sum = 0;
      for (let k = 0; k < q.length; k++) sum += (k === 0 || k === q.length - 1 ? 0.5 : 1) * (f[k] as number) * Math.sin((q[k] as number) * (r[i] as number));
      const reference = (2 / Math.PI) * sum * dq;
      worst = Math.max(worst, Math.abs(reference - (terminated[i] as number)));
      scale = Math.max(scale, Math.abs(reference));
    }
    expect(scale).toBeGreaterThan(1);
    expect(worst / scale).toBeLessThan(1e-3);
  });
});

describe('the closed-form scale and offset', () => {
  it('minimise χ² (no other s, b does better) and equal the term-by-term sum', () => {
    const random = seededRandom(3);
    const e = Float64Array.from({ length: 50 }, () => random());
    const y = Float64Array.from(e, (v) => 0.7 * v + 0.1 + 0.05 * random());
    const sigma = Float64Array.from(e, () => 0.01 + 0.02 * random());
    const target = fitTarget(e, sigma, 'scale+offset');
    const fit = fitMisfit(target, y, null);
    expect(Math.abs(fit.chi2 - misfitDirect(target, y, fit.scale, fit.offset))).toBeLessThan(1e-9 * fit.chi2);
    for (const [ds, db] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]] as const) {
      expect(misfitDirect(target, y, fit.scale + ds, fit.offset + db)).toBeGreaterThan(fit.chi2);
    }
    const fixed = fitMisfit(fitTarget(e, sigma, 'none'), y, null);
    expect(fixed.scale).toBe(1);
    expect(fixed.offset).toBe(0);
    expect(() => fitTarget(e, sigma.map((s, k) => (k === 3 ? 0 : s)), 'none')).toThrow(/uncertainty 3/);
  });
});

describe('the RMC engine', () => {
  it('keeps its incremental curves equal to a full recomputation after moves and swaps', () => {
    const box = 16;
    const { positions, species } = randomPacking(300, box, 2.0, 5);
    const config = new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, 7.5);
    const geometry = geometryOf(config, 0.05);
    const q = qGrid(0.8, 12, 0.1);
    const weights = [0, 1].map((a) => Float64Array.from(q, (qq) => factors.at(a === 0 ? 'Cu' : 'Zr', qq)));
    const sq = qSpaceObservable(geometry, { quantity: 'S(q)', q, weights });
    // A target from a different random packing, so moves are both accepted and refused.
    const other = randomPacking(300, box, 2.0, 9);
    const otherConfig = new Configuration(other.positions, other.species, 2, { lx: box, ly: box, lz: box }, 7.5);
    const targetS = evaluateObservable(sq, fullHistograms(otherConfig, 0.05, geometry.binCount));
    const r = Float64Array.from({ length: 100 }, (_, k) => 1.6 + 0.05 * k);
    const gr = rSpaceObservable(geometry, { quantity: 'G(r)', r, weights: Float64Array.from([29, 40]), qmaxInvA: 20, qdampInvA: 0.03 });
    const targetG = evaluateObservable(gr, fullHistograms(otherConfig, 0.05, geometry.binCount));
    const constraints: Constraint[] = [
      { name: 'S(q)', observable: sq, target: fitTarget(targetS, new Float64Array(q.length).fill(0.01), 'scale+offset'), weight: 1 },
      { name: 'G(r)', observable: gr, target: fitTarget(targetG, new Float64Array(r.length).fill(0.05), 'scale'), weight: 0.5 },
    ];
    const engine = new RmcEngine(config, constraints, options({ swapFraction: 0.2 }, pairCount(2)));
    const chi0 = engine.totalChi2();
    let accepted = 0;
    for (let t = 0; t < 4000; t++) if (engine.attempt()) accepted++;
    expect(accepted).toBeGreaterThan(100);
    expect(engine.counters.swapsAccepted).toBeGreaterThan(0);
    expect(engine.counters.tooClose).toBeGreaterThan(0);
    expect(engine.totalChi2()).toBeLessThan(chi0);
    const full = engine.recompute();
    expect(Array.from(engine.histograms)).toEqual(Array.from(full.histograms));
    engine.curves.forEach((curve, d) => {
      const reference = full.curves[d] as Float64Array;
      let scale = 0;
      for (let k = 0; k < curve.length; k++) scale = Math.max(scale, Math.abs(reference[k] as number));
      for (let k = 0; k < curve.length; k++) expect(Math.abs((curve[k] as number) - (reference[k] as number))).toBeLessThan(1e-10 * Math.max(1, scale));
    });
    // The kept fits are the fits of the kept curves.
    engine.currentFits().forEach((fit, d) => {
      const again = fitMisfit((constraints[d] as Constraint).target, full.curves[d] as Float64Array, null);
      expect(Math.abs(fit.chi2 - again.chi2)).toBeLessThan(1e-8 * Math.max(1, again.chi2));
    });
    // Swaps keep the composition; nobody is closer than the closest approach after the run.
    expect(Array.from(config.speciesCounts())).toEqual([192, 108]);
    const hist = engine.histograms;
    const bins = Math.floor(1.8 / 0.05);
    for (let p = 0; p < 3; p++) for (let k = 0; k < bins; k++) expect(hist[p * geometry.binCount + k]).toBe(0);
  });

  const cuZr = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
  it.skipIf(!fs.existsSync(cuZr))(`moves the EAM energy in step with its atoms (hybrid RMC)${fs.existsSync(cuZr) ? '' : ' (skipped: CuZr_mm.eam.fs of lammps-data not installed)'}`, () => {
    const box = 16;
    const { positions, species } = randomPacking(300, box, 2.0, 5);
    const config = new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, 7.5);
    const eam = new EamModel({ potential: readEamPotential(cuZr), speciesElements: ['Cu', 'Zr'], boxLengths: [box, box, box], positions, species });
    const start = eam.energy;
    // A low effective temperature: with no data the run is a Monte Carlo quench, the energy must fall.
    const engine = new RmcEngine(config, [], options({ swapFraction: 0.1, energy: { term: eam, mode: 'temperature', kTeV: 0.01 } }, 3));
    for (let t = 0; t < 3000; t++) engine.attempt();
    expect(eam.energy).toBeLessThan(start - 0.2 * 300);
    expect(Math.abs(eam.energy - eam.totalEnergy()) / 300).toBeLessThan(1e-10);
    expect(Array.from(eam.species)).toEqual(Array.from(config.species));
    for (let k = 0; k < positions.length; k++) expect(Math.abs((eam.positions[k] as number) - (config.positions[k] as number))).toBeLessThan(1e-9);
    // A ceiling: no accepted move takes the energy above it.
    const ceiling = eam.energy + 1;
    const capped = new RmcEngine(config, [], options({ seed: 8, energy: { term: eam, mode: 'ceiling', ceilingEv: ceiling } }, 3));
    let highest = -Infinity;
    for (let t = 0; t < 2000; t++) {
      capped.attempt();
      highest = Math.max(highest, eam.energy);
    }
    expect(highest).toBeLessThanOrEqual(ceiling);
    expect(capped.counters.accepted).toBeGreaterThan(100);
  });

  it('keeps coordination counts equal to a recount, and pulls atoms into their window', () => {
    const box = 16;
    const { positions, species } = randomPacking(300, box, 2.0, 5);
    const config = new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, 7.5);
    const windows = [
      { centre: 0, neighbour: 1, rcutA: 3.4, min: 4, max: 5, sigma: 0.5 },
      { centre: 1, neighbour: 1, rcutA: 3.6, min: 0, max: 1, sigma: 0.5 },
    ];
    const outside = (engine: RmcEngine): number => {
      let count = 0;
      for (const c of engine.coordination) {
        const w = c.window;
        for (let i = 0; i < config.n; i++) {
          if (config.species[i] !== w.centre) continue;
          const cn = c.counts[i] as number;
          if (cn < w.min || cn > w.max) count++;
        }
      }
      return count;
    };
    const engine = new RmcEngine(config, [], options({ swapFraction: 0.2, coordination: windows }, 3));
    const before = outside(engine);
    const chi0 = engine.totalChi2();
    for (let t = 0; t < 20000; t++) engine.attempt();
    const counts = engine.coordination.map((c) => Int32Array.from(c.counts));
    const chis = engine.coordination.map((c) => c.chi2());
    expect(outside(engine)).toBeLessThan(0.6 * before);
    expect(engine.totalChi2()).toBeLessThan(0.5 * chi0);
    engine.resynchronise();
    engine.coordination.forEach((c, w) => {
      expect(Array.from(c.counts)).toEqual(Array.from(counts[w] as Int32Array));
      expect(Math.abs(c.chi2() - (chis[w] as number))).toBeLessThan(1e-9 * Math.max(1, c.chi2()));
    });
    expect(engine.counters.swapsAccepted).toBeGreaterThan(0);
    expect(() => new RmcEngine(config, [], options({ coordination: [{ centre: 0, neighbour: 1, rcutA: 9, min: 1, max: 2, sigma: 1 }] }, 3))).toThrow(/at most r_max/);
  });

  it('resumes from its state with exactly the moves it would have made', () => {
    const box = 14;
    const make = (): Configuration => {
      const { positions, species } = randomPacking(150, box, 2.0, 21);
      return new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, 6.5);
    };
    const straight = new RmcEngine(make(), [], options({ swapFraction: 0.1 }, 3));
    for (let t = 0; t < 3000; t++) straight.attempt();
    const first = new RmcEngine(make(), [], options({ swapFraction: 0.1 }, 3));
    for (let t = 0; t < 1700; t++) first.attempt();
    const state = JSON.parse(JSON.stringify(first.state())) as ReturnType<RmcEngine['state']>;
    const resumed = new RmcEngine(make(), [], options({ swapFraction: 0.1 }, 3), state);
    for (let t = 1700; t < 3000; t++) resumed.attempt();
    expect(Array.from(resumed.config.positions)).toEqual(Array.from(straight.config.positions));
    expect(resumed.counters).toEqual(straight.counters);
  });

  it('with no data is hard-sphere Monte Carlo: the contact value of g(r) matches Carnahan–Starling', () => {
    // One species of spheres of diameter σ = 2.5 Å at packing fraction η = 0.35: g(σ⁺) = (1 − η/2)/(1 − η)³ = 2.980.
    const sigma = 2.5;
    const eta = 0.35;
    const n = 1000;
    const rho = (6 * eta) / (Math.PI * sigma ** 3);
    const box = Math.cbrt(n / rho);
    // Start from a simple cubic lattice (no overlaps at this density), then melt it by moves.
    const side = Math.ceil(Math.cbrt(n));
    const positions = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const a = i % side;
      const b = Math.floor(i / side) % side;
      const c = Math.floor(i / (side * side));
      positions.set([(a + 0.5) * (box / side), (b + 0.5) * (box / side), (c + 0.5) * (box / side)], 3 * i);
    }
    const config = new Configuration(positions, new Int32Array(n), 1, { lx: box, ly: box, lz: box }, 2 * sigma);
    const engine = new RmcEngine(config, [], options({ closestApproachA: Float64Array.of(sigma), stepA: 0.3, targetAcceptance: 0.4, binWidthA: 0.025 }, 1));
    for (let t = 0; t < 200 * n; t++) engine.attempt();
    // Average g(r) over the next sweeps, then extrapolate the first bins above contact linearly to r = σ.
    const bins = engine.binCount;
    const sum = new Float64Array(bins);
    const samples = 40;
    for (let s = 0; s < samples; s++) {
      for (let t = 0; t < 5 * n; t++) engine.attempt();
      for (let k = 0; k < bins; k++) sum[k] = (sum[k] as number) + (engine.histograms[k] as number);
    }
    const g = (k: number): number => {
      const lo = k * 0.025;
      const shell = ((4 * Math.PI) / 3) * ((lo + 0.025) ** 3 - lo ** 3);
      return (2 * (sum[k] as number)) / samples / (n * ((n - 1) / config.volume()) * shell);
    };
    const first = Math.round(sigma / 0.025);
    const xs = [0, 1, 2, 3, 4].map((d) => (first + d + 0.5) * 0.025);
    const ys = [0, 1, 2, 3, 4].map((d) => g(first + d));
    const mx = xs.reduce((a, b) => a + b) / 5;
    const my = ys.reduce((a, b) => a + b) / 5;
    const slope = xs.reduce((acc, x, k) => acc + (x - mx) * ((ys[k] as number) - my), 0) / xs.reduce((acc, x) => acc + (x - mx) ** 2, 0);
    const contact = my + slope * (sigma - mx);
    const carnahanStarling = (1 - eta / 2) / (1 - eta) ** 3;
    expect(Math.abs(contact - carnahanStarling) / carnahanStarling).toBeLessThan(0.04);
    expect(g(first - 1)).toBe(0);
  });

  it('sets up a random start from a composition written in any case', () => {
    const params = rmcParamsSchema.parse({ start: { kind: 'random', atoms: 200, densityPerA3: 0.06, composition: { cu: 64, ZR: 36 } }, moves: 10, energy: null, data: [], coordination: [{ centre: 'cu', neighbour: 'zr', rcutA: 3.5, min: 2, max: 8 }], closestApproachA: { 'cu-zr': 2.4 } });
    const setup = setupRmc({ params, factors: () => factors });
    expect(setup.elements).toEqual(['Cu', 'Zr']);
    expect(Array.from(setup.engine.config.speciesCounts())).toEqual([128, 72]);
    expect(setup.engine.coordination[0]?.window.centre).toBe(0);
  });

  it('draws the same numbers from the same generator state', () => {
    const a = new Xoshiro128(42);
    for (let i = 0; i < 10; i++) a.next();
    const b = new Xoshiro128(a.state());
    expect(Array.from({ length: 5 }, () => a.nextUint32())).toEqual(Array.from({ length: 5 }, () => b.nextUint32()));
    const mean = Array.from({ length: 20000 }, () => a.next()).reduce((x, y) => x + y) / 20000;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });
});
