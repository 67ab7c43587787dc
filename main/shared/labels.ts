/** Per-atom order labels: the class codes and parameters every process agrees on (papers/000 §2–3, DESIGN.md). */

/** Adaptive/conventional CNA structure types; the stored uint8 code is the index. */
export const CNA_TYPES = ['other', 'fcc', 'hcp', 'bcc', 'ico'] as const;
export type CnaType = (typeof CNA_TYPES)[number];

/**
 * Voronoi motif classes (papers/000 §3): FCC = ⟨0,12,0,0⟩; ordered = n4 ≥ 8, n5 ≤ 4, n6 = 0;
 * disordered = n4 ≤ 2, n5 ≥ 10, n6 = 0; intermediate = every other. The stored uint8 code is the index.
 */
export const VORONOI_CLASSES = ['fcc', 'ordered', 'intermediate', 'disordered'] as const;
export type VoronoiClass = (typeof VORONOI_CLASSES)[number];

export function voronoiClass(n3: number, n4: number, n5: number, n6: number): VoronoiClass {
  if (n3 === 0 && n4 === 12 && n5 === 0 && n6 === 0) return 'fcc';
  if (n4 >= 8 && n5 <= 4 && n6 === 0) return 'ordered';
  if (n4 <= 2 && n5 >= 10 && n6 === 0) return 'disordered';
  return 'intermediate';
}

export type CnaMode = { mode: 'adaptive' } | { mode: 'cutoff'; cutoffA: number };

export interface LabelParams {
  /** Voronoi face edges shorter than this do not count toward a face's order (paper: 0.6 Å; 0 = exact). */
  edgeThresholdA: number;
  cna: CnaMode;
}

export const DEFAULT_LABEL_PARAMS: LabelParams = { edgeThresholdA: 0.6, cna: { mode: 'adaptive' } };

/** Per-atom properties a label set stores, each as one .npy file named after the key. */
export const LABEL_PROPERTIES = ['d', 'one_minus_q6', 'q4', 'q6', 'cna', 'vor_class', 'vor_volume'] as const;
export type LabelProperty = (typeof LABEL_PROPERTIES)[number];
