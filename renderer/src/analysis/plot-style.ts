/**
 * One look for every analysis plot, on screen and exported: fonts, text colour, sizes and the series colours.
 * Concrete values, not CSS variables, because an exported SVG or PNG has no stylesheet.
 */
import { schemeTableau10 } from 'd3-scale-chromatic';

export const PLOT_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif";
export const PLOT_FONT_SIZE_PX = 12;
export const PLOT_TEXT = '#1d2430';
export const PLOT_MUTED = '#5a6475';
export const PLOT_GRID = '#e3e6eb';

/** Observable Plot's `style` option: applied through the CSSOM (the CSP forbids style attributes and elements). */
export const PLOT_INLINE_STYLE = {
  fontFamily: PLOT_FONT,
  fontSize: `${PLOT_FONT_SIZE_PX}px`,
  color: PLOT_TEXT,
  background: 'white',
  overflow: 'visible',
};

/** Mean lines and the 5–95 % band of a profile. */
export const SERIES_BLUE = '#1f5fbf';
export const BAND_BLUE = '#8fb3e8';
export const TOTAL_COLOUR = '#1d2430';
export const THRESHOLD_COLOUR = '#c4262e';
/** Distinguishable colours for several series (motifs, partials). */
export const SERIES_COLOURS: readonly string[] = schemeTableau10;

/** Regions along a grain-boundary normal, as tints behind the profiles. */
export const REGION_STYLE: Readonly<Record<string, { fill: string; label: string }>> = {
  grain: { fill: '#d9eedb', label: 'grain' },
  actr: { fill: '#fbe3bd', label: 'ACTR' },
  interior: { fill: '#f6cdd6', label: 'complexion interior' },
};

export function regionStyle(kind: string): { fill: string; label: string } {
  return REGION_STYLE[kind] ?? { fill: '#e6e6e6', label: kind };
}

/** Default panel heights in CSS pixels. */
export const PANEL_HEIGHT = 240;
export const SHORT_PANEL_HEIGHT = 200;
