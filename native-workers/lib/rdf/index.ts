/** Pair distribution g(r), coordination shells and structure factors S(q): the public face of this folder. */
export * from './debye-sum';
export * from './first-shell';
export * from './pair-distribution';
export * from './pair-search';
export * from './scattering-factors';
export * from './structure-factor';
