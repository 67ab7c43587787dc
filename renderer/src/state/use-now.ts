/** The current time as React state, ticking while a job runs so durations count up live. */
import { useEffect, useState } from 'react';

/** The current time, ticking every `intervalMs` (frozen when null). */
export function useNow(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
