/** The files of a map folder (mapping.ts writes them; map-report.ts, the core and the CLI read them). */
export const MAP_FILES = {
  plan: 'plan.json',
  work: 'work',
  done: 'done.npy',
  d: 'd.npy',
  flags: 'flags.npy',
  vbf: 'vbf.npy',
  vadf: 'vadf.npy',
  centres: 'centres.npy',
  dCsv: 'd.csv',
  dTiff: 'd.tif',
  frames: 'frames.csv',
  manifest: 'map.json',
} as const;
