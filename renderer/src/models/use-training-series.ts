/**
 * The per-epoch ('training') and per-batch ('batches') tables of one train job: read with `training.series` (the job
 * may be running, or long finished), then extended by its `job.series` rows, re-rendering at most four times a second.
 */
import { useEffect, useState } from 'react';
import { BATCH_SERIES_COLUMNS, TRAINING_SERIES_COLUMNS } from '../../../main/shared/models';
import { connectionStatus } from '../api/transport-status';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { useStore } from '../state/use-store';

/** A row of a table; null where a value is undefined (e.g. R² of constant labels). */
export type SeriesRow = (number | null)[];

export interface SeriesTable {
  columns: string[];
  rows: SeriesRow[];
}

export interface TrainingSeriesState {
  jobId: number | null;
  training: SeriesTable;
  batches: SeriesTable;
  loading: boolean;
  error: string | null;
}

/** At most 4 Hz: the plot needs no more, and a redraw of three panels is not free. */
const FLUSH_MS = 250;

const emptyTable = (columns: readonly string[]): SeriesTable => ({ columns: [...columns], rows: [] });
const EMPTY: TrainingSeriesState = { jobId: null, training: emptyTable(TRAINING_SERIES_COLUMNS), batches: emptyTable(BATCH_SERIES_COLUMNS), loading: false, error: null };

/** Rows order by their first columns (epoch; epoch then batch): only rows after the last one kept are new. */
function after(a: SeriesRow, b: SeriesRow | undefined, keyColumns: number): boolean {
  if (!b) return true;
  for (let k = 0; k < keyColumns; k++) {
    const x = a[k] ?? -Infinity;
    const y = b[k] ?? -Infinity;
    if (x !== y) return x > y;
  }
  return false;
}

function appendRows(rows: SeriesRow[], more: SeriesRow[], keyColumns: number): SeriesRow[] {
  let out = rows;
  for (const row of more) {
    if (!after(row, out[out.length - 1], keyColumns)) continue;
    if (out === rows) out = [...rows];
    out.push(row);
  }
  return out;
}

/** `finished` re-reads the kept tables once the job ends (rows sent while the event channel was down are in them). */
export function useTrainingSeries(jobId: number | null, finished: boolean): TrainingSeriesState {
  const api = useApi();
  const generation = useStore(connectionStatus).generation;
  const [state, setState] = useState<TrainingSeriesState>(EMPTY);

  useEffect(() => {
    if (jobId === null) {
      setState(EMPTY);
      return;
    }
    let disposed = false;
    let training = emptyTable(TRAINING_SERIES_COLUMNS);
    let batches = emptyTable(BATCH_SERIES_COLUMNS);
    let loaded = false;
    /** Rows that arrived before the tables were read; those already in them are dropped by their keys. */
    let early: { key: string; rows: SeriesRow[] }[] = [];
    let timer: number | null = null;
    let lastFlush = 0;

    const flush = (): void => {
      timer = null;
      lastFlush = performance.now();
      if (!disposed) setState({ jobId, training, batches, loading: false, error: null });
    };
    const scheduleFlush = (): void => {
      if (timer !== null) return;
      timer = window.setTimeout(flush, Math.max(0, lastFlush + FLUSH_MS - performance.now()));
    };
    const take = (key: string, rows: SeriesRow[]): void => {
      if (key === 'training') training = { ...training, rows: appendRows(training.rows, rows, 1) };
      else if (key === 'batches') batches = { ...batches, rows: appendRows(batches.rows, rows, 2) };
    };

    // Keep the rows on a re-read of the same job (no flicker); drop another job's at once.
    setState((s) => (s.jobId === jobId ? { ...s, loading: true, error: null } : { ...EMPTY, jobId, loading: true }));
    const unsubscribe = api.on('job.series', (event) => {
      if (event.jobId !== jobId || (event.key !== 'training' && event.key !== 'batches')) return;
      if (!loaded) {
        early = [...early, { key: event.key, rows: event.rows }];
        return;
      }
      take(event.key, event.rows);
      scheduleFlush();
    });
    api.invoke('training.series', { jobId }).then(
      (tables) => {
        if (disposed) return;
        training = { columns: tables.training.columns, rows: tables.training.rows };
        batches = { columns: tables.batches.columns, rows: tables.batches.rows };
        loaded = true;
        for (const e of early) take(e.key, e.rows);
        early = [];
        flush();
      },
      (error: unknown) => {
        if (disposed) return;
        loaded = true;
        for (const e of early) take(e.key, e.rows);
        early = [];
        setState({ jobId, training, batches, loading: false, error: errorMessage(error) });
      },
    );
    return () => {
      disposed = true;
      unsubscribe();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [api, jobId, finished, generation]);

  return state;
}

/** The column of a table as numbers by row (NaN where missing). */
export function column(table: SeriesTable, name: string): (row: SeriesRow) => number {
  const at = table.columns.indexOf(name);
  return (row) => {
    const v = at >= 0 ? row[at] : null;
    return typeof v === 'number' ? v : Number.NaN;
  };
}
