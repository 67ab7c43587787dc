/**
 * The viewer's label colouring: which property colours the atoms, its values (fetched once per label set and
 * property), the colour range, and the per-atom RGB array that AtomScene uploads. Also the few label arrays the
 * hover readout shows.
 */
import { useEffect, useMemo, useState } from 'react';
import type { PerAtomValues } from '../../../main/shared/binary-codecs';
import type { LabelSetSummary } from '../../../main/shared/domain';
import type { LabelProperty } from '../../../main/shared/labels';
import { errorMessage } from '../format';
import {
  categoricalColours,
  categoryEntries,
  continuousColours,
  finiteRange,
  type CategoryEntry,
  type ColormapName,
} from '../labels/atom-colours';
import { PROPERTY_INFO, type PropertyInfo } from '../labels/label-properties';
import { loadLabelValues } from '../labels/label-values-cache';
import { useApi } from '../state/api-context';
import type { ColourBy } from './display-toolbar';

type Fetched = { key: string; status: 'loading' } | { key: string; status: 'ready'; data: PerAtomValues } | { key: string; status: 'error'; message: string };

export interface LabelColouring {
  /** What the user chose (kept while a structure has no label set, so it comes back with the labels). */
  colourBy: ColourBy;
  setColourBy: (value: ColourBy) => void;
  /** What is shown: 'element' while there is no label set. */
  effective: ColourBy;
  info: PropertyInfo | null;
  colormap: ColormapName;
  setColormap: (value: ColormapName) => void;
  status: 'element' | 'loading' | 'ready' | 'error';
  error: string | null;
  retry: () => void;
  data: PerAtomValues | null;
  range: [number, number];
  dataRange: [number, number] | null;
  setRange: (range: [number, number]) => void;
  resetRange: () => void;
  entries: CategoryEntry[] | null;
  /** RGB per atom, or null for element colours (or while the values load). */
  colours: Float32Array | null;
}

export function useLabelColouring(labelSet: LabelSetSummary | null): LabelColouring {
  const api = useApi();
  const [colourBy, setColourBy] = useState<ColourBy>('element');
  const [colormap, setColormap] = useState<ColormapName>('viridis');
  /** Ranges the user typed, per property (they carry over to another label set, for comparisons). */
  const [ranges, setRanges] = useState<Partial<Record<LabelProperty, [number, number]>>>({});
  const [fetched, setFetched] = useState<Fetched | null>(null);
  const [attempt, setAttempt] = useState(0);
  const labelSetId = labelSet?.id ?? null;
  const effective: ColourBy = labelSetId === null ? 'element' : colourBy;
  const key = `${labelSetId}:${effective}`;

  useEffect(() => {
    if (effective === 'element' || labelSetId === null) return;
    let cancelled = false;
    const mine = `${labelSetId}:${effective}`;
    setFetched({ key: mine, status: 'loading' });
    loadLabelValues(api, labelSetId, effective).then(
      (data) => {
        if (!cancelled) setFetched({ key: mine, status: 'ready', data });
      },
      (error: unknown) => {
        if (!cancelled) setFetched({ key: mine, status: 'error', message: errorMessage(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, labelSetId, effective, attempt]);

  const current = fetched?.key === key ? fetched : null;
  const data = current?.status === 'ready' ? current.data : null;
  const info = effective === 'element' ? null : PROPERTY_INFO[effective];
  const dataRange = useMemo(() => (data && info?.kind === 'continuous' ? finiteRange(data.values) : null), [data, info]);
  const userRange = effective === 'element' ? undefined : ranges[effective];
  const [rangeLow, rangeHigh] = userRange ?? info?.defaultRange ?? dataRange ?? [0, 1];
  const range = useMemo<[number, number]>(() => [rangeLow, rangeHigh], [rangeLow, rangeHigh]);
  const entries = useMemo(
    () => (data && info?.kind === 'categorical' ? categoryEntries(info.property, data) : null),
    [data, info],
  );
  const colours = useMemo(() => {
    if (!data || !info) return null;
    if (info.kind === 'categorical') return entries ? categoricalColours(data.values, entries) : null;
    return continuousColours(data.values, rangeLow, rangeHigh, colormap);
  }, [data, info, entries, rangeLow, rangeHigh, colormap]);

  return {
    colourBy,
    setColourBy,
    effective,
    info,
    colormap,
    setColormap,
    status: effective === 'element' ? 'element' : current?.status === 'ready' ? 'ready' : current?.status === 'error' ? 'error' : 'loading',
    error: current?.status === 'error' ? current.message : null,
    retry: () => setAttempt((n) => n + 1),
    data,
    range,
    dataRange,
    setRange: (r) => {
      if (effective !== 'element') setRanges((all) => ({ ...all, [effective]: r }));
    },
    resetRange: () => {
      if (effective === 'element') return;
      setRanges((all) => {
        const next = { ...all };
        delete next[effective];
        return next;
      });
    },
    entries,
    colours,
  };
}

/** The label arrays the hover readout shows for any structure with labels. */
const READOUT_PROPERTIES: readonly LabelProperty[] = ['d', 'one_minus_q6', 'cna', 'vor_class'];

export interface ReadoutValues {
  values: Partial<Record<LabelProperty, PerAtomValues>>;
  error: string | null;
}

export function useReadoutValues(labelSet: LabelSetSummary | null): ReadoutValues {
  const api = useApi();
  const [state, setState] = useState<{ id: number; values: Partial<Record<LabelProperty, PerAtomValues>>; error: string | null } | null>(null);
  const labelSetId = labelSet?.id ?? null;
  useEffect(() => {
    if (labelSetId === null) return;
    let cancelled = false;
    Promise.all(READOUT_PROPERTIES.map((p) => loadLabelValues(api, labelSetId, p))).then(
      (arrays) => {
        if (cancelled) return;
        const values: Partial<Record<LabelProperty, PerAtomValues>> = {};
        READOUT_PROPERTIES.forEach((p, i) => (values[p] = arrays[i]));
        setState({ id: labelSetId, values, error: null });
      },
      (error: unknown) => {
        if (!cancelled) setState({ id: labelSetId, values: {}, error: errorMessage(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, labelSetId]);
  if (labelSetId === null || state?.id !== labelSetId) return { values: {}, error: null };
  return { values: state.values, error: state.error };
}
