/** The files of a map folder (mapping.ts writes them; map-report.ts, the core and the CLI read them). */
export const MAP_FILES = {
  plan: 'plan.json',
  work: 'work',
  done: 'done.npy',
  d: 'd.npy',
  sigma: 'sigma.npy',
  ood: 'ood.npy',
  flags: 'flags.npy',
  vbf: 'vbf.npy',
  vadf: 'vadf.npy',
  centres: 'centres.npy',
  dCsv: 'd.csv',
  dTiff: 'd.tif',
  frames: 'frames.csv',
  manifest: 'map.json',
  /** The bad pixels found on the mean frame (uint8, frame shape), for the linked view to redo a frame exactly. */
  badPixels: 'bad-pixels.npy',
} as const;
