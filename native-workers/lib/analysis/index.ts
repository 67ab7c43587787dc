/** Profiles, motif densities, distributions, thresholds and regions along a grain boundary: the public face of this folder. */
export * from './distributions';
export * from './motif-density';
export * from './percentile';
export * from './profile-axis';
export * from './regions';
export * from './separating-threshold';
export * from './sliding-profile';
