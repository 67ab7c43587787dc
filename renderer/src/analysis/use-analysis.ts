/**
 * Calls an analysis channel and keeps the answer: label sets never change once written, so one answer per request
 * serves every later view of it (switching tabs or axes back does not ask the core again). Failures are not kept.
 */
import { useEffect, useState } from 'react';
import type { Request, Response } from '../../../main/shared/ipc-contract';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';

export type AnalysisChannel =
  | 'analysis.profile'
  | 'analysis.motifs'
  | 'analysis.distributions'
  | 'analysis.threshold'
  | 'analysis.regions'
  | 'analysis.rdf'
  | 'analysis.sq';

export type Query<T> =
  | { status: 'loading'; data: null; error: null; retry: () => void }
  | { status: 'ready'; data: T; error: null; retry: () => void }
  | { status: 'error'; data: null; error: string; retry: () => void };

const MAX_ENTRIES = 200;
const answers = new Map<string, Promise<unknown>>();

function ask<C extends AnalysisChannel>(key: string, run: () => Promise<Response<C>>): Promise<Response<C>> {
  let pending = answers.get(key) as Promise<Response<C>> | undefined;
  if (!pending) {
    pending = run();
    answers.set(key, pending);
    pending.catch(() => {
      if (answers.get(key) === pending) answers.delete(key);
    });
    if (answers.size > MAX_ENTRIES) {
      const oldest = answers.keys().next().value;
      if (oldest !== undefined) answers.delete(oldest);
    }
  }
  return pending;
}

/** `request` null = nothing to ask yet (the query stays loading). */
export function useAnalysis<C extends AnalysisChannel>(channel: C, request: Request<C> | null): Query<Response<C>> {
  const api = useApi();
  const key = request === null ? null : `${channel} ${JSON.stringify(request)}`;
  const [state, setState] = useState<{ key: string; data?: Response<C>; error?: string } | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (key === null || request === null) return;
    let cancelled = false;
    ask<C>(key, () => api.invoke(channel, request)).then(
      (data) => {
        if (!cancelled) setState({ key, data });
      },
      (error: unknown) => {
        if (!cancelled) setState({ key, error: errorMessage(error) });
      },
    );
    return () => {
      cancelled = true;
    };
    // `request` is represented by `key` (a new object with the same content must not ask again).
  }, [api, channel, key, attempt]);

  const retry = () => {
    if (key) answers.delete(key);
    setState(null);
    setAttempt((n) => n + 1);
  };
  if (state === null || state.key !== key) return { status: 'loading', data: null, error: null, retry };
  if (state.error !== undefined) return { status: 'error', data: null, error: state.error, retry };
  return { status: 'ready', data: state.data as Response<C>, error: null, retry };
}
