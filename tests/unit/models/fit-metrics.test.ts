/** MAE, RMSE and R² with the engine's definitions, on values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { fitMetrics } from '../../../native-workers/lib/models/fit-metrics';

describe('fitMetrics', () => {
  it('gives MAE, RMSE and R² of a known case', () => {
    // true 1, 2, 3, 4; errors +0.5, −0.5, 0, +1 → MAE 0.5, RMSE √(1.5/4), SS_tot 5 → R² 1 − 1.5/5 = 0.7.
    const m = fitMetrics([1, 2, 3, 4], [1.5, 1.5, 3, 5]);
    expect(m.count).toBe(4);
    expect(m.mae).toBeCloseTo(0.5, 15);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(m.r2).toBeCloseTo(0.7, 15);
  });

  it('is perfect for exact predictions, negative R² for worse than the mean', () => {
    expect(fitMetrics([0.2, 0.4, 0.9], [0.2, 0.4, 0.9])).toEqual({ count: 3, mae: 0, rmse: 0, r2: 1 });
    // Predicting the mean gives R² 0; predicting the reverse order is worse than that.
    expect(fitMetrics([1, 2, 3], [2, 2, 2]).r2).toBeCloseTo(0, 15);
    expect(fitMetrics([1, 2, 3], [3, 2, 1]).r2).toBeCloseTo(-3, 15);
  });

  it('selects a subset, and says null where a metric is undefined', () => {
    const m = fitMetrics([1, 2, 3, 4], [1, 2, 0, 0], (i) => i < 2);
    expect(m).toEqual({ count: 2, mae: 0, rmse: 0, r2: 1 });
    expect(fitMetrics([0.5, 0.5], [0.4, 0.6])).toEqual({ count: 2, mae: expect.closeTo(0.1, 12), rmse: expect.closeTo(0.1, 12), r2: null });
    expect(fitMetrics([], [])).toEqual({ count: 0, mae: null, rmse: null, r2: null });
    expect(() => fitMetrics([1], [1, 2])).toThrow(/1 true values but 2 predictions/);
  });
});
