/**
 * The exact plan of the parameters in the form (`simulations.plan`: atoms of the built start structure, stages, input
 * script), asked 400 ms after the last change because building a large start structure takes up to a second.
 */
import { useEffect, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import type { SimulationParams } from '../../../main/shared/simulation';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';

export type SimulationPlan = Response<'simulations.plan'>;

export interface PlanState {
  /** The plan of `key`, or of an earlier key while the current one is being planned. */
  plan: SimulationPlan | null;
  /** The parameters (as JSON) the plan and error belong to. */
  planKey: string | null;
  error: string | null;
  pending: boolean;
}

export const PLAN_DEBOUNCE_MS = 400;

export function useSimulationPlan(params: SimulationParams | null): PlanState {
  const api = useApi();
  const key = params ? JSON.stringify(params) : null;
  const [state, setState] = useState<PlanState>({ plan: null, planKey: null, error: null, pending: false });

  useEffect(() => {
    if (key === null) {
      setState((s) => ({ ...s, pending: false }));
      return;
    }
    let cancelled = false;
    setState((s) => (s.planKey === key ? s : { ...s, pending: true }));
    const timer = window.setTimeout(() => {
      api.invoke('simulations.plan', JSON.parse(key) as SimulationParams).then(
        (plan) => !cancelled && setState({ plan, planKey: key, error: null, pending: false }),
        // Expected while typing (e.g. a potential path that does not exist yet): shown beside the estimate, not reported.
        (error: unknown) => !cancelled && setState((s) => ({ plan: s.plan, planKey: key, error: errorMessage(error), pending: false })),
      );
    }, PLAN_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [api, key]);

  return state;
}
