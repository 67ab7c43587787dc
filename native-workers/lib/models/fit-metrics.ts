/**
 * MAE, RMSE and R² of predicted against true d (papers/000 §3), with the same definitions as ssro_torch.train's
 * fit_metrics so numbers from Node and from the engine agree: RMSE = sqrt(Σe²/n), R² = 1 − Σe² / Σ(t − mean t)².
 */
import type { FitMetrics } from '../../../main/shared/models';

/** Metrics over the positions `keep` selects (all by default); R² is null when the true values are constant. */
export function fitMetrics(trueD: ArrayLike<number>, predictedD: ArrayLike<number>, keep?: (i: number) => boolean): FitMetrics {
  if (trueD.length !== predictedD.length) throw new Error(`${trueD.length} true values but ${predictedD.length} predictions`);
  let n = 0;
  let sumTrue = 0;
  for (let i = 0; i < trueD.length; i++) {
    if (keep && !keep(i)) continue;
    n++;
    sumTrue += trueD[i] as number;
  }
  if (n === 0) return { count: 0, mae: null, rmse: null, r2: null };
  const meanTrue = sumTrue / n;
  let absolute = 0;
  let squared = 0;
  let total = 0;
  for (let i = 0; i < trueD.length; i++) {
    if (keep && !keep(i)) continue;
    const t = trueD[i] as number;
    const e = (predictedD[i] as number) - t;
    absolute += Math.abs(e);
    squared += e * e;
    total += (t - meanTrue) * (t - meanTrue);
  }
  return { count: n, mae: absolute / n, rmse: Math.sqrt(squared / n), r2: total > 0 ? 1 - squared / total : null };
}
