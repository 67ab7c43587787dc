/**
 * What a model page reads from the core: the model with its metadata, history, validation pairs and predictions
 * (`models.get`, again when the model or its predictions change), and one stored prediction's evaluation.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';

export type ModelDetails = Response<'models.get'>;
export type PredictionDetails = Response<'predictions.get'>;

export interface Loaded<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
  retry: () => void;
}

/** `version` changes when the model's record does (state, update time): the details are read again then. */
export function useModelDetails(modelId: number, version: string): Loaded<ModelDetails> {
  const api = useApi();
  const [data, setData] = useState<ModelDetails | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const request = useRef(0);

  const load = useCallback(async () => {
    const mine = ++request.current;
    setLoading(true);
    try {
      const details = await api.invoke('models.get', { id: modelId });
      if (mine !== request.current) return;
      setData(details);
      setError(null);
    } catch (e) {
      if (mine === request.current) setError(errorMessage(e));
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [api, modelId]);

  useEffect(() => {
    void load();
  }, [load, version, attempt]);
  useEffect(
    () =>
      api.on('predictions.changed', (event) => {
        if (event.modelId === modelId) void load();
      }),
    [api, load, modelId],
  );

  return { data, loading, error, retry: () => setAttempt((a) => a + 1) };
}

/** One prediction with its evaluation; the predicted values themselves are not fetched (limit 0): no view lists them. */
export function usePrediction(predictionId: number | null): Loaded<PredictionDetails> {
  const api = useApi();
  const [data, setData] = useState<PredictionDetails | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (predictionId === null) {
      setData(null);
      setError(null);
      setLoading(false);
      return;
    }
    let disposed = false;
    setLoading(true);
    setData((d) => (d?.prediction.id === predictionId ? d : null));
    api.invoke('predictions.get', { id: predictionId, limit: 0 }).then(
      (details) => {
        if (disposed) return;
        setData(details);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (disposed) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
    return () => {
      disposed = true;
    };
  }, [api, predictionId, attempt]);

  return { data, loading, error, retry: () => setAttempt((a) => a + 1) };
}
