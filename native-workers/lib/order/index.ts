/** Public API of the per-atom order labels: bond-orientational order (d_i, Q4, Q6, 1 − Q6) and CNA. */
export { bondOrientationalOrder, BOND_ORDER_NEIGHBORS, Q6_NORMALISABLE, type BondOrder, type BondOrderOptions } from './bond-order';
export { adaptiveCna, commonNeighborAnalysis, conventionalCna, ADAPTIVE_CUTOFF_FACTOR, CNA_BCC, CNA_FCC, CNA_HCP, CNA_ICO, CNA_OTHER } from './cna';
export { sumY4Y6, sphericalHarmonic, packedIndex, Y4_OFFSET, Y6_OFFSET, Y4Y6_LENGTH } from './spherical-harmonics';
