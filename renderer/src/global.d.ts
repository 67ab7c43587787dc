/** The contract object the Electron preload injects; absent in a plain browser, where api/index.ts builds one. */
import type { SsroApi } from '../../main/shared/ipc-contract';

declare global {
  interface Window {
    api?: SsroApi;
  }
}
