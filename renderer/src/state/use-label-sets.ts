/**
 * The label sets of the selected structure, newest first, re-read on `labels.changed` and after the event channel
 * returns. Holds which one is selected: the newest on load, and a new one as soon as its job has written it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LabelSetSummary } from '../../../main/shared/domain';
import { connectionStatus } from '../api/transport-status';
import { errorMessage } from '../format';
import { useApi } from './api-context';
import { useStore } from './use-store';

export interface LabelSetsState {
  labelSets: LabelSetSummary[];
  selected: LabelSetSummary | null;
  select: (id: number) => void;
  loading: boolean;
  /** Why the list could not be read (shown next to the list, with a retry). */
  error: string | null;
  refresh: () => Promise<void>;
}

export function useLabelSets(structureId: number | null): LabelSetsState {
  const api = useApi();
  const generation = useStore(connectionStatus).generation;
  const [labelSets, setLabelSets] = useState<LabelSetSummary[]>([]);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  /** The largest label-set id seen for the current structure: a larger one is new and gets selected. */
  const newestSeen = useRef<number | null>(null);

  const refresh = useCallback(async () => {
    const mine = ++request.current;
    if (structureId === null) {
      setLabelSets([]);
      return;
    }
    setLoading(true);
    try {
      const list = await api.invoke('labels.list', { structureId });
      if (mine !== request.current) return;
      const sorted = [...list].sort((a, b) => b.id - a.id);
      setLabelSets(sorted);
      setError(null);
      const newest = sorted[0]?.id ?? null;
      setSelectedId((current) => {
        const stillThere = current !== null && sorted.some((s) => s.id === current);
        const isNew = newest !== null && newestSeen.current !== null && newest > newestSeen.current;
        return !stillThere || isNew ? newest : current;
      });
      newestSeen.current = Math.max(newestSeen.current ?? 0, newest ?? 0);
    } catch (e) {
      if (mine === request.current) setError(errorMessage(e));
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [api, structureId]);

  // A different structure: start from its newest label set.
  useEffect(() => {
    newestSeen.current = null;
    setSelectedId(null);
    setLabelSets([]);
    setError(null);
  }, [structureId]);

  useEffect(() => {
    void refresh();
  }, [refresh, generation]);

  useEffect(
    () =>
      api.on('labels.changed', (event) => {
        if (event.structureId === structureId) void refresh();
      }),
    [api, structureId, refresh],
  );

  // Right after a structure change the list still holds the previous structure's sets for one render.
  const mine = structureId === null ? [] : labelSets.filter((s) => s.structureId === structureId);
  const selected = mine.find((s) => s.id === selectedId) ?? null;
  return { labelSets: mine, selected, select: setSelectedId, loading, error, refresh };
}
