/** The periodic table as the app needs it: symbols, atomic numbers and standard atomic weights (IUPAC, abridged). */

/** [symbol, standard atomic weight in u] indexed by Z − 1. Weights of elements without stable isotopes are the
 *  mass number of the longest-lived isotope, as conventional tables give them. */
const TABLE: ReadonlyArray<readonly [string, number]> = [
  ['H', 1.008], ['He', 4.0026], ['Li', 6.94], ['Be', 9.0122], ['B', 10.81], ['C', 12.011], ['N', 14.007],
  ['O', 15.999], ['F', 18.998], ['Ne', 20.18], ['Na', 22.99], ['Mg', 24.305], ['Al', 26.982], ['Si', 28.085],
  ['P', 30.974], ['S', 32.06], ['Cl', 35.45], ['Ar', 39.948], ['K', 39.098], ['Ca', 40.078], ['Sc', 44.956],
  ['Ti', 47.867], ['V', 50.942], ['Cr', 51.996], ['Mn', 54.938], ['Fe', 55.845], ['Co', 58.933], ['Ni', 58.693],
  ['Cu', 63.546], ['Zn', 65.38], ['Ga', 69.723], ['Ge', 72.63], ['As', 74.922], ['Se', 78.971], ['Br', 79.904],
  ['Kr', 83.798], ['Rb', 85.468], ['Sr', 87.62], ['Y', 88.906], ['Zr', 91.224], ['Nb', 92.906], ['Mo', 95.95],
  ['Tc', 98], ['Ru', 101.07], ['Rh', 102.91], ['Pd', 106.42], ['Ag', 107.87], ['Cd', 112.41], ['In', 114.82],
  ['Sn', 118.71], ['Sb', 121.76], ['Te', 127.6], ['I', 126.9], ['Xe', 131.29], ['Cs', 132.91], ['Ba', 137.33],
  ['La', 138.91], ['Ce', 140.12], ['Pr', 140.91], ['Nd', 144.24], ['Pm', 145], ['Sm', 150.36], ['Eu', 151.96],
  ['Gd', 157.25], ['Tb', 158.93], ['Dy', 162.5], ['Ho', 164.93], ['Er', 167.26], ['Tm', 168.93], ['Yb', 173.05],
  ['Lu', 174.97], ['Hf', 178.49], ['Ta', 180.95], ['W', 183.84], ['Re', 186.21], ['Os', 190.23], ['Ir', 192.22],
  ['Pt', 195.08], ['Au', 196.97], ['Hg', 200.59], ['Tl', 204.38], ['Pb', 207.2], ['Bi', 208.98], ['Po', 209],
  ['At', 210], ['Rn', 222], ['Fr', 223], ['Ra', 226], ['Ac', 227], ['Th', 232.04], ['Pa', 231.04], ['U', 238.03],
  ['Np', 237], ['Pu', 244], ['Am', 243], ['Cm', 247], ['Bk', 247], ['Cf', 251], ['Es', 252], ['Fm', 257],
  ['Md', 258], ['No', 259], ['Lr', 266], ['Rf', 267], ['Db', 268], ['Sg', 269], ['Bh', 270], ['Hs', 269],
  ['Mt', 278], ['Ds', 281], ['Rg', 282], ['Cn', 285], ['Nh', 286], ['Fl', 289], ['Mc', 290], ['Lv', 293],
  ['Ts', 294], ['Og', 294],
];

const BY_SYMBOL = new Map<string, number>(TABLE.map(([symbol], i) => [symbol.toLowerCase(), i + 1]));

/** Canonical spelling of an element symbol ("cu", "CU" → "Cu"), or null when it is not an element. */
export function canonicalElement(name: string): string | null {
  const z = BY_SYMBOL.get(name.trim().toLowerCase());
  return z === undefined ? null : (TABLE[z - 1]?.[0] ?? null);
}

export function atomicNumber(symbol: string): number | null {
  return BY_SYMBOL.get(symbol.trim().toLowerCase()) ?? null;
}

export function atomicMass(symbol: string): number | null {
  const z = atomicNumber(symbol);
  return z === null ? null : (TABLE[z - 1]?.[1] ?? null);
}

/**
 * The element whose standard weight is nearest a LAMMPS `Masses` entry, when it is unambiguous: within `toleranceU`
 * and no other element within the same distance. Isotope-specific or coarse-grained masses return null.
 */
export function elementFromMass(massU: number, toleranceU = 0.1): string | null {
  // A mass of exactly 1 is LJ reduced units (the LAMMPS default), not hydrogen.
  if (!Number.isFinite(massU) || massU === 1) return null;
  let best: string | null = null;
  let bestDiff = Infinity;
  let ambiguous = false;
  for (const [symbol, weight] of TABLE) {
    const diff = Math.abs(weight - massU);
    if (diff < bestDiff - 1e-9) {
      ambiguous = bestDiff <= toleranceU && Math.abs(bestDiff - diff) < 1e-6;
      best = symbol;
      bestDiff = diff;
    } else if (Math.abs(diff - bestDiff) < 1e-6) {
      ambiguous = true;
    }
  }
  return bestDiff <= toleranceU && !ambiguous ? best : null;
}

/**
 * Parses an element mapping as users type it ("Cu,Zr", "Cu Zr", "1=Cu,2=Zr") into element symbols by LAMMPS type
 * (index 0 = type 1). Throws with the offending entry named.
 */
export function parseElementMapping(text: string): string[] {
  const parts = text.split(/[\s,;]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error('element mapping is empty; give element names in type order, e.g. "Cu,Zr"');
  const byType: string[] = [];
  parts.forEach((part, i) => {
    const m = /^(\d+)\s*[=:]\s*(\S+)$/.exec(part);
    const type = m ? Number(m[1]) : i + 1;
    const raw = m ? (m[2] ?? '') : part;
    const symbol = canonicalElement(raw);
    if (symbol === null) throw new Error(`"${raw}" in the element mapping is not an element symbol`);
    if (type < 1) throw new Error(`type ${type} in the element mapping must be 1 or more`);
    if (byType[type - 1] !== undefined) throw new Error(`type ${type} is given twice in the element mapping`);
    byType[type - 1] = symbol;
  });
  for (let i = 0; i < byType.length; i++) {
    if (byType[i] === undefined) throw new Error(`the element mapping names no element for type ${i + 1}`);
  }
  return byType;
}
