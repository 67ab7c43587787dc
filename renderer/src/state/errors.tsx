/** Errors the user must see: any view reports what failed and why; the app shows them until dismissed. */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { errorMessage } from '../format';

export interface ReportedError {
  id: number;
  /** What the user was doing, e.g. "Loading the jobs list". */
  context: string;
  message: string;
  at: Date;
}

interface ErrorsValue {
  errors: ReportedError[];
  report: (context: string, error: unknown) => void;
  dismiss: (id: number) => void;
}

const ErrorsContext = createContext<ErrorsValue | null>(null);
let nextId = 1;

export function ErrorsProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<ReportedError[]>([]);
  const report = useCallback((context: string, error: unknown) => {
    console.error(context, error);
    const message = errorMessage(error);
    setErrors((list) => {
      // The same failure repeating (e.g. a poll) stays one entry.
      const rest = list.filter((e) => !(e.context === context && e.message === message));
      return [...rest, { id: nextId++, context, message, at: new Date() }].slice(-5);
    });
  }, []);
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);
  const value = useMemo(() => ({ errors, report, dismiss }), [errors, report, dismiss]);
  return <ErrorsContext.Provider value={value}>{children}</ErrorsContext.Provider>;
}

export function useErrors(): ErrorsValue {
  const value = useContext(ErrorsContext);
  if (!value) throw new Error('useErrors must be used inside <ErrorsProvider>');
  return value;
}

export function useReportError(): ErrorsValue['report'] {
  return useErrors().report;
}
