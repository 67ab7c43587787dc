/** Simulated NBED datasets: scan positions, probe labels, the resumable pattern store and the public-layout export. */
export * from './scan-positions';
export * from './probe-labels';
export * from './npy-records';
export * from './pattern-store';
export * from './random-split';
export * from './dataset-export';
export { canonicalJson, fsyncDirectory, writeFileAtomic } from './atomic-files';
