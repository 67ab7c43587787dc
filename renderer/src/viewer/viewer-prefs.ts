/** Viewer preferences that outlive a structure and a session: background and cell outline (kept in localStorage). */
import { useCallback, useState } from 'react';

export type ViewerBackground = 'dark' | 'light';

export interface ViewerPrefs {
  background: ViewerBackground;
  showCell: boolean;
}

const KEY = 'ssro.viewer-prefs';
const DEFAULTS: ViewerPrefs = { background: 'dark', showCell: true };

function read(): ViewerPrefs {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return DEFAULTS;
    const parsed = JSON.parse(raw) as Partial<ViewerPrefs>;
    return {
      background: parsed.background === 'light' ? 'light' : 'dark',
      showCell: typeof parsed.showCell === 'boolean' ? parsed.showCell : DEFAULTS.showCell,
    };
  } catch {
    return DEFAULTS;
  }
}

export function useViewerPrefs(): [ViewerPrefs, (next: ViewerPrefs) => void] {
  const [prefs, setPrefsState] = useState<ViewerPrefs>(read);
  const setPrefs = useCallback((next: ViewerPrefs) => {
    setPrefsState(next);
    try {
      window.localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // Storage full or disabled: the preference then lasts for this session only.
    }
  }, []);
  return [prefs, setPrefs];
}
