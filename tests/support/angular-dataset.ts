/**
 * A pattern-store folder (no project) of raw patterns whose d is encoded only in angular order, for the
 * rotation-invariant model's training test.
 */
import { patternSide } from '../../main/shared/diffraction';
import { openPatternStore } from '../../native-workers/lib/datasets/pattern-store';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';

/** The paper's kmax with the coarser Δk: 67 × 67, a grid build_model knows from the side alone. */
export const ANGULAR_GRID = { kmaxInvA: 1.0, deltaKInvA: 0.03 };
export const ANGULAR_SIDE = patternSide(ANGULAR_GRID);

/**
 * Raw patterns whose d sets only the depth 1 − d of a 6-fold modulation (random orientation φ) of two rings. The
 * raw ring means do not depend on d (cos averages to 0 over a ring); after the log transform they do a little
 * (the mean of log(1 + a cos 6θ) falls with a), so each ring's height also varies at random by up to e^±1.1, more
 * than that shift: the radial profile alone says little about d and the model has to read the angular structure.
 * Random global scale, a falling background, the direct beam and exponential noise as the other synthetic sets.
 */
export function writeAngularStore(dir: string, count: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const labels = new Float64Array(count);
  const n = (ANGULAR_SIDE - 1) / 2;
  const store = openPatternStore(dir, {
    sampleCount: count,
    side: ANGULAR_SIDE,
    grid: ANGULAR_GRID,
    patternKind: 'raw-intensity',
    structures: [{ id: 1, name: 'synthetic 6-fold rings' }],
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
  });
  try {
    for (let s = 0; s < count; s++) {
      const d = random();
      const phi = (random() * Math.PI) / 3;
      const scale = 0.5 + 1.5 * random();
      const inner = 4000 * Math.exp(2.2 * (random() - 0.5));
      const outer = 1500 * Math.exp(2.2 * (random() - 0.5));
      labels[s] = d;
      const pattern = new Float32Array(ANGULAR_SIDE * ANGULAR_SIDE);
      for (let row = 0; row < ANGULAR_SIDE; row++) {
        for (let col = 0; col < ANGULAR_SIDE; col++) {
          const kx = (col - n) * ANGULAR_GRID.deltaKInvA;
          const ky = (row - n) * ANGULAR_GRID.deltaKInvA;
          const k = Math.hypot(kx, ky);
          const rings = inner * Math.exp(-((k - 0.45) ** 2) / (2 * 0.05 ** 2)) + outer * Math.exp(-((k - 0.8) ** 2) / (2 * 0.05 ** 2));
          const modulation = 1 + (1 - d) * Math.cos(6 * (Math.atan2(ky, kx) - phi));
          const beam = k < 0.03 ? 1e5 : 0;
          pattern[row * ANGULAR_SIDE + col] = scale * (rings * modulation + 300 * Math.exp(-k / 0.25) + beam) - 20 * Math.log(1 - random());
        }
      }
      store.write(s, { pattern, labels: { meanD: d, atomCount: 40, region: 0, regionFractions: [1, 0, 0] }, centreA: [s, 0, 0], structure: 0 });
    }
  } finally {
    store.close();
  }
  return labels;
}
