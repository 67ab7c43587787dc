/**
 * What the UI shows about the link to the core besides call results: whether the event channel is up (browser
 * shell WebSocket; always 'connected' in Electron) and the progress of a file upload.
 */
import { createStore } from '../state/store';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Bumped every time the event channel comes back after a drop, so views can re-read what they may have missed. */
  generation: number;
  detail: string | null;
}

export const connectionStatus = createStore<ConnectionStatus>({ state: 'connected', generation: 0, detail: null });

export interface UploadProgress {
  name: string;
  loadedBytes: number;
  totalBytes: number;
}

/** The upload in flight, or null. */
export const uploadProgress = createStore<UploadProgress | null>(null);
