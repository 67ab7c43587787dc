/** Hands the one SsroApi to every view (a context, so views can be rendered against a fake in tests). */
import { createContext, useContext, type ReactNode } from 'react';
import type { SsroApi } from '../../../main/shared/ipc-contract';

const ApiContext = createContext<SsroApi | null>(null);

export function ApiProvider({ api, children }: { api: SsroApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): SsroApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi must be used inside <ApiProvider>');
  return api;
}
