/**
 * How an element looks in the viewer: its colour from NGL's own element scheme (Jmol CPK colours) and a display
 * radius. Display radii are metallic radii (12-coordinate) for metals and covalent radii otherwise, so the atoms of a
 * dense metallic glass nearly touch in spacefill; they are for drawing, never for physics.
 */
import { ColormakerRegistry } from 'ngl';

/** Å; metallic radii (CN 12, Teatum/Pauling) for metals, covalent radii (Cordero 2008) for non-metals. */
const DISPLAY_RADIUS_A: Readonly<Record<string, number>> = {
  H: 0.31, He: 0.28, Li: 1.56, Be: 1.12, B: 0.84, C: 0.76, N: 0.71, O: 0.66, F: 0.57, Ne: 0.58,
  Na: 1.91, Mg: 1.6, Al: 1.43, Si: 1.11, P: 1.07, S: 1.05, Cl: 1.02, Ar: 1.06,
  K: 2.35, Ca: 1.97, Sc: 1.64, Ti: 1.47, V: 1.35, Cr: 1.29, Mn: 1.37, Fe: 1.26, Co: 1.25, Ni: 1.25, Cu: 1.28,
  Zn: 1.37, Ga: 1.41, Ge: 1.2, As: 1.19, Se: 1.2, Br: 1.2, Kr: 1.16,
  Rb: 2.5, Sr: 2.15, Y: 1.8, Zr: 1.6, Nb: 1.47, Mo: 1.4, Tc: 1.36, Ru: 1.34, Rh: 1.34, Pd: 1.37, Ag: 1.44,
  Cd: 1.52, In: 1.67, Sn: 1.58, Sb: 1.39, Te: 1.38, I: 1.39, Xe: 1.4,
  Cs: 2.72, Ba: 2.24, La: 1.87, Ce: 1.82, Pr: 1.83, Nd: 1.82, Pm: 1.81, Sm: 1.8, Eu: 2.04, Gd: 1.8, Tb: 1.78,
  Dy: 1.77, Ho: 1.76, Er: 1.75, Tm: 1.74, Yb: 1.94, Lu: 1.73, Hf: 1.59, Ta: 1.47, W: 1.41, Re: 1.37, Os: 1.35,
  Ir: 1.36, Pt: 1.39, Au: 1.44, Hg: 1.51, Tl: 1.71, Pb: 1.75, Bi: 1.82, Th: 1.8, U: 1.56, Pu: 1.59,
};

/** For symbols the table lacks (or that are not elements, e.g. a LAMMPS type name "1"). */
const FALLBACK_RADIUS_A = 1.4;
const FALLBACK_COLOR = 0xff1493;

export function displayRadiusA(symbol: string): number {
  return DISPLAY_RADIUS_A[symbol] ?? FALLBACK_RADIUS_A;
}

let elementScheme: ReturnType<typeof ColormakerRegistry.getScheme> | null = null;

/** 0xRRGGBB of NGL's 'element' scheme (Jmol colours), the colour microscopists know from Jmol, OVITO and NGL. */
export function elementColorHex(symbol: string): number {
  elementScheme ??= ColormakerRegistry.getScheme({ scheme: 'element' });
  // The scheme reads only `atom.element` (upper case in NGL's table), so a stand-in object is enough.
  const color = elementScheme.atomColor?.({ element: symbol.toUpperCase() } as never);
  // NGL answers white for unknown elements; a loud pink says "not an element" instead of pretending to be H.
  return color === undefined || (color === 0xffffff && symbol.toUpperCase() !== 'H') ? FALLBACK_COLOR : color;
}

export function hexToCss(hex: number): string {
  return `#${hex.toString(16).padStart(6, '0')}`;
}

export interface ElementStyle {
  symbol: string;
  colorHex: number;
  radiusA: number;
}

export function elementStyles(elements: readonly string[]): ElementStyle[] {
  return elements.map((symbol) => ({ symbol, colorHex: elementColorHex(symbol), radiusA: displayRadiusA(symbol) }));
}
