/** Public API of the periodic neighbour search: k nearest neighbours and all neighbours within a cutoff. */
export { NeighborInputError, COINCIDENT_DISTANCE_A, type AtomsInput } from './atoms-input';
export { CellGrid, CandidateBuffer } from './cell-grid';
export { nearestNeighbors, NearestNeighborQuery, gridForNearest, type NearestNeighbors } from './nearest-neighbors';
export { neighborsWithinCutoff, CutoffNeighborQuery, gridForCutoff, type CutoffNeighbors } from './cutoff-neighbors';
