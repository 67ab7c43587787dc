/**
 * Asks the core for the pattern of the probe the form describes, debounced so typing a centre does not start a
 * request per key, and dropping answers to requests that are no longer current. The last pattern stays on screen
 * while the next one is computed.
 */
import { useEffect, useRef, useState } from 'react';
import { contract, describeIssues, type Response } from '../../../main/shared/ipc-contract';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import type { PreviewRequest } from './probe-settings';

export type Preview = Response<'diffraction.preview'>;

export interface PatternPreviewState {
  data: Preview | null;
  /** The zone of the request behind `data` (its axes are named after it). */
  dataRequest: PreviewRequest | null;
  loading: boolean;
  error: string | null;
}

const DEBOUNCE_MS = 300;

export function usePatternPreview(request: PreviewRequest | null): PatternPreviewState {
  const api = useApi();
  const [state, setState] = useState<PatternPreviewState>({ data: null, dataRequest: null, loading: false, error: null });
  const generation = useRef(0);
  const key = request ? JSON.stringify(request) : null;

  useEffect(() => {
    const mine = ++generation.current;
    if (!key) {
      setState((s) => ({ ...s, loading: false }));
      return;
    }
    const parsed = JSON.parse(key) as PreviewRequest;
    // Check the form against the contract here: a half-typed value gets its message at once, without a request.
    const checked = contract['diffraction.preview'].request.safeParse(parsed);
    if (!checked.success) {
      setState((s) => ({ ...s, loading: false, error: describeIssues(checked.error) }));
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    const timer = window.setTimeout(() => {
      api.invoke('diffraction.preview', parsed).then(
        (data) => {
          if (mine === generation.current) setState({ data, dataRequest: parsed, loading: false, error: null });
        },
        (error: unknown) => {
          if (mine === generation.current) setState((s) => ({ ...s, loading: false, error: errorMessage(error) }));
        },
      );
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [api, key]);

  return state;
}
