/**
 * The thermo table of one simulate job: read with `simulations.thermo` (a job may be running already, or long
 * finished), then extended by the job's `job.series` rows, re-rendering at most four times a second.
 */
import { useEffect, useState } from 'react';
import { connectionStatus } from '../api/transport-status';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { useStore } from '../state/use-store';

export interface ThermoTableState {
  /** The job the rows belong to. */
  jobId: number | null;
  columns: string[];
  rows: number[][];
  loading: boolean;
  error: string | null;
}

/** At most 4 Hz: a fast run streams rows far more often than a plot needs redrawing. */
const FLUSH_MS = 250;

const EMPTY: ThermoTableState = { jobId: null, columns: [], rows: [], loading: false, error: null };

/**
 * `finished` re-reads the kept table once the job ends (rows sent while the event channel was down are in it), as
 * does a reconnect of the event channel.
 */
export function useThermo(jobId: number | null, finished: boolean): ThermoTableState {
  const api = useApi();
  const generation = useStore(connectionStatus).generation;
  const [state, setState] = useState<ThermoTableState>(EMPTY);

  useEffect(() => {
    if (jobId === null) {
      setState(EMPTY);
      return;
    }
    let disposed = false;
    let columns: string[] = [];
    let rows: number[][] = [];
    let loaded = false;
    /** Rows that arrived before the table was read; those the table already has are dropped by step. */
    let early: number[][] = [];
    let timer: number | null = null;
    let lastFlush = 0;

    const flush = (): void => {
      timer = null;
      lastFlush = performance.now();
      if (!disposed) setState({ jobId, columns, rows, loading: false, error: null });
    };
    const scheduleFlush = (): void => {
      if (timer !== null) return;
      timer = window.setTimeout(flush, Math.max(0, lastFlush + FLUSH_MS - performance.now()));
    };
    // Steps only grow within a run (the worker keeps one row per step), so the step tells what is new.
    const append = (more: number[][]): void => {
      const lastStep = rows[rows.length - 1]?.[0] ?? -Infinity;
      const fresh = more.filter((r) => (r[0] ?? -Infinity) > lastStep);
      if (fresh.length > 0) rows = [...rows, ...fresh];
    };

    // Keep the rows on a re-read of the same job (no flicker); drop another job's at once.
    setState((s) => (s.jobId === jobId ? { ...s, loading: true, error: null } : { ...EMPTY, jobId, loading: true }));
    const unsubscribe = api.on('job.series', (event) => {
      if (event.jobId !== jobId || event.key !== 'thermo') return;
      if (columns.length === 0) columns = event.columns;
      if (!loaded) {
        early = [...early, ...event.rows];
        return;
      }
      append(event.rows);
      scheduleFlush();
    });
    api.invoke('simulations.thermo', { jobId }).then(
      (table) => {
        if (disposed) return;
        if (table.columns.length > 0) columns = table.columns;
        rows = table.rows;
        loaded = true;
        append(early);
        early = [];
        flush();
      },
      (error: unknown) => {
        if (disposed) return;
        loaded = true;
        rows = early;
        setState({ jobId, columns, rows, loading: false, error: errorMessage(error) });
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
