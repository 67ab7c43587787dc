/**
 * How each per-atom label property is named, shown and coloured in the UI: symbols and units, continuous vs. class
 * codes, and the fixed class colours (CNA after OVITO's convention, Voronoi classes from ordered to disordered).
 */
import type { LabelProperty } from '../../../main/shared/labels';

export type PropertyKind = 'continuous' | 'categorical';

export interface PropertyInfo {
  property: LabelProperty;
  /** Short symbol for selects, axes and the readout. */
  symbol: string;
  /** What it is, for tooltips and colour-bar titles. */
  description: string;
  kind: PropertyKind;
  /** Unit suffix for continuous values ('' when dimensionless). */
  unit: string;
  /** The colour-bar range a scientist expects first; null = the data range. */
  defaultRange: [number, number] | null;
}

export const PROPERTY_INFO: Readonly<Record<LabelProperty, PropertyInfo>> = {
  d: {
    property: 'd',
    symbol: 'd',
    description: 'disorder parameter d (0 crystal … ≈ 1 liquid)',
    kind: 'continuous',
    unit: '',
    defaultRange: [0, 1],
  },
  one_minus_q6: {
    property: 'one_minus_q6',
    symbol: '1−Q6',
    description: '1 − Q6 (ideal FCC ≈ 0.425)',
    kind: 'continuous',
    unit: '',
    defaultRange: null,
  },
  q4: { property: 'q4', symbol: 'q4', description: 'bond-orientational order q4', kind: 'continuous', unit: '', defaultRange: null },
  q6: { property: 'q6', symbol: 'q6', description: 'bond-orientational order q6', kind: 'continuous', unit: '', defaultRange: null },
  cna: { property: 'cna', symbol: 'CNA', description: 'common-neighbour analysis type', kind: 'categorical', unit: '', defaultRange: null },
  vor_class: {
    property: 'vor_class',
    symbol: 'Voronoi class',
    description: 'Voronoi motif class (FCC ⟨0,12,0,0⟩, ordered, intermediate, disordered)',
    kind: 'categorical',
    unit: '',
    defaultRange: null,
  },
  vor_volume: {
    property: 'vor_volume',
    symbol: 'V_Voronoi',
    description: 'Voronoi cell volume',
    kind: 'continuous',
    unit: 'Å³',
    defaultRange: null,
  },
};

/** The order the colour-by menu lists them in: the paper's quantities first. */
export const COLOUR_PROPERTIES: readonly LabelProperty[] = ['d', 'one_minus_q6', 'cna', 'vor_class', 'q4', 'q6', 'vor_volume'];

/** The stored code of an atom whose Voronoi cell could not be built cleanly. */
export const FLAGGED_CODE = 255;

/** OVITO's structure-type colours, so a CNA picture reads the same as one made in OVITO. */
const CNA_COLOURS: Readonly<Record<string, string>> = {
  fcc: '#66ff66',
  hcp: '#ff6666',
  bcc: '#6666ff',
  ico: '#f3cc33',
  other: '#d9d9d9',
};

/** Ordered → disordered runs green → blue → amber → magenta; flagged cells are grey. */
const VORONOI_COLOURS: Readonly<Record<string, string>> = {
  fcc: '#66ff66',
  ordered: '#3f7fdc',
  intermediate: '#f0a830',
  disordered: '#d6336c',
};

export const FLAGGED_COLOUR = '#7a7a7a';
/** Atoms without a finite value (e.g. a flagged Voronoi volume). */
export const MISSING_COLOUR = '#7a7a7a';
const FALLBACK_COLOURS = ['#8dd3c7', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69'];

export function categoryColour(property: LabelProperty, name: string, index: number): string {
  const table = property === 'cna' ? CNA_COLOURS : property === 'vor_class' ? VORONOI_COLOURS : {};
  return table[name] ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length] ?? '#999999';
}

/** Display name of a class code: 'fcc' → 'FCC', 'ico' → 'ICO', 'intermediate' → 'intermediate'. */
export function categoryLabel(name: string): string {
  return ['fcc', 'hcp', 'bcc', 'ico'].includes(name) ? name.toUpperCase() : name;
}

/** ⟨0,10,2,0⟩ */
export function formatVoronoiIndex(index: readonly number[]): string {
  return `⟨${index.join(',')}⟩`;
}

/** A label value for the readout and tables: 3 decimals, 4 significant digits for volumes. */
export function formatLabelValue(property: LabelProperty, value: number, categories: readonly string[]): string {
  const info = PROPERTY_INFO[property];
  if (info.kind === 'categorical') {
    if (value === FLAGGED_CODE) return 'flagged';
    return categoryLabel(categories[value] ?? `#${value}`);
  }
  if (!Number.isFinite(value)) return '—';
  const text = property === 'vor_volume' ? value.toFixed(2) : value.toFixed(3);
  return info.unit ? `${text} ${info.unit}` : text;
}
