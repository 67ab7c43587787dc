/** The one SsroApi the UI talks to: Electron's preload injects `window.api`; otherwise the browser-shell client. */
import type { SsroApi } from '../../../main/shared/ipc-contract';
import { createBrowserClient } from './browser-client';

export const api: SsroApi = window.api ?? createBrowserClient();
