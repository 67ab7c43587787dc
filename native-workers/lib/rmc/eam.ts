/**
 * The embedded-atom energy of a periodic configuration, evaluated in-process for hybrid reverse Monte Carlo: the same
 * setfl potential file LAMMPS reads (`pair_style eam/fs` or `eam/alloy`), interpolated exactly as LAMMPS interpolates
 * it (`eam-spline.ts`), and an energy model that prices a trial move of one atom, or a species swap of two, from the
 * atoms within the cut-off only — O(neighbours) per attempt instead of O(N).
 *
 * E = Σ_i F_{s_i}(ρ_i) + ½ Σ_{i≠j} φ_{s_i s_j}(r_ij),  ρ_i = Σ_{j≠i} ρ_{s_i←s_j}(r_ij)
 *
 * Finnis–Sinclair form (density functions depending on both species): M. W. Finnis & J. E. Sinclair, Phil. Mag. A 50
 * (1984) 45; embedded-atom method: M. S. Daw & M. I. Baskes, Phys. Rev. B 29 (1984) 6443; setfl file layout and the
 * tabulated r·φ(r): the LAMMPS `pair_style eam` documentation; the Cu–Zr potential this is tested with: M. I. Mendelev,
 * M. J. Kramer, R. T. Ott, D. J. Sordelet, D. Yagodin & P. Popel, Phil. Mag. 89 (2009) 967.
 *
 * Units: eV and Å throughout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SPLINE_STRIDE, splineCoefficients } from './eam-spline';

export type EamStyle = 'eam/fs' | 'eam/alloy';

/** A setfl file as tabulated: F(ρ) at ρ = k·drho and the radial functions at r = k·dr, k = 0, 1, …. */
export interface EamPotential {
  file: string;
  style: EamStyle;
  /** The three free-text lines at the top of the file. */
  comments: readonly string[];
  elements: readonly string[];
  atomicNumbers: readonly number[];
  /** g/mol. */
  masses: readonly number[];
  nrho: number;
  drho: number;
  nr: number;
  /** Å. */
  dr: number;
  /** The file's cut-off, which LAMMPS uses as the interaction range whatever the tables' extent (Å). */
  cutoff: number;
  /** embedding[a]: F_a(ρ) in eV. */
  embedding: readonly Float64Array[];
  /**
   * density[host][source]: the electron density an atom of element `source` puts at distance r on an atom of element
   * `host`. eam/alloy files carry one function per source element (the same for every host).
   */
  density: readonly (readonly Float64Array[])[];
  /** rPhi[a][b] (same array as rPhi[b][a]): r·φ_ab(r) in eV·Å, as tabulated — the pair energy is this over r. */
  rPhi: readonly (readonly Float64Array[])[];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading setfl files
// ---------------------------------------------------------------------------------------------------------------

/** The pair style a potential file is meant for, from its name, as `lammps/potential-file.ts` decides it. */
export function eamStyleFromName(file: string): EamStyle | null {
  const name = path.basename(file).toLowerCase();
  if (name.endsWith('.fs')) return 'eam/fs';
  if (name.endsWith('.alloy') || name.endsWith('.setfl')) return 'eam/alloy';
  return null;
}

/** Reads a setfl potential; the style comes from the file name unless given. Errors name the file and the line. */
export function readEamPotential(file: string, style?: EamStyle): EamPotential {
  const chosen = style ?? eamStyleFromName(file);
  if (chosen === null) {
    throw new Error(`${file}: cannot tell the EAM variant from the name; name it *.eam.fs (Finnis–Sinclair) or *.eam.alloy (setfl), or give the style`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (error) {
    throw new Error(`${file}: cannot read the potential file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseEamPotential(text, file, chosen);
}

const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The setfl records after the three free-text lines, one line at a time: blank lines and `#` comments are skipped and
 * every table starts on a new line, which is how LAMMPS reads these files.
 */
class SetflReader {
  private next = 3;
  private lastContentLine = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly file: string,
  ) {
    for (let k = 0; k < lines.length; k++) if ((lines[k] as string).trim() !== '') this.lastContentLine = k + 1;
  }

  fail(line: number, message: string): never {
    throw new Error(`${this.file}, line ${line}: ${message}`);
  }

  /** The next line with content as words, or null at the end of the file. */
  record(): { words: string[]; line: number } | null {
    while (this.next < this.lines.length) {
      const line = this.next + 1;
      const raw = this.lines[this.next] as string;
      this.next++;
      const hash = raw.indexOf('#');
      const words = (hash >= 0 ? raw.slice(0, hash) : raw).trim().split(/\s+/).filter((w) => w !== '');
      if (words.length > 0) return { words, line };
    }
    return null;
  }

  requireRecord(what: string): { words: string[]; line: number } {
    const got = this.record();
    if (got === null) this.fail(Math.max(this.lastContentLine, 1), `the file ends before ${what}`);
    return got;
  }

  real(word: string, line: number, what: string): number {
    const value = REAL.test(word) ? Number(word) : Number.NaN;
    if (!Number.isFinite(value)) this.fail(line, `"${word}" in ${what} is not a finite number`);
    return value;
  }

  integer(word: string, line: number, what: string): number {
    const value = INTEGER.test(word) ? Number(word) : Number.NaN;
    if (!Number.isSafeInteger(value)) this.fail(line, `"${word}" (${what}) is not an integer`);
    return value;
  }

  /** `count` numbers spread over whole lines. */
  table(count: number, what: string): Float64Array {
    const out = new Float64Array(count);
    let filled = 0;
    while (filled < count) {
      const rec = this.record();
      if (rec === null) this.fail(Math.max(this.lastContentLine, 1), `the file ends inside ${what} after ${filled} of ${count} values`);
      if (rec.words.length > count - filled) {
        this.fail(rec.line, `${what} needs ${count - filled} more value(s) but the line has ${rec.words.length}; the counts in the header (line 5) do not match the tables`);
      }
      for (const word of rec.words) out[filled++] = this.real(word, rec.line, what);
    }
    return out;
  }
}

/** Parses the text of a setfl file (`file` only names it in messages). */
export function parseEamPotential(text: string, file: string, style: EamStyle): EamPotential {
  const lines = text.split(/\r\n|\n|\r/);
  const reader = new SetflReader(lines, file);
  if (lines.length < 4) reader.fail(Math.max(lines.length, 1), 'the file ends before its element line (line 4: "N element1 … elementN")');
  const comments = lines.slice(0, 3);

  const elementRec = reader.requireRecord('its element line ("N element1 … elementN")');
  const elementCount = reader.integer(elementRec.words[0] as string, elementRec.line, 'the number of elements');
  const elements = elementRec.words.slice(1);
  if (elementCount < 1 || elements.length !== elementCount) {
    reader.fail(elementRec.line, `expected "N element1 … elementN" with N element names, found "${elementRec.words.join(' ')}"`);
  }
  const duplicate = elements.find((e, k) => elements.indexOf(e) !== k);
  if (duplicate !== undefined) reader.fail(elementRec.line, `element ${duplicate} is listed twice`);

  const gridRec = reader.requireRecord('its grid line ("Nrho drho Nr dr cutoff")');
  if (gridRec.words.length < 5) reader.fail(gridRec.line, `expected "Nrho drho Nr dr cutoff", found "${gridRec.words.join(' ')}"`);
  const [w0, w1, w2, w3, w4] = gridRec.words as [string, string, string, string, string];
  const nrho = reader.integer(w0, gridRec.line, 'Nrho');
  const drho = reader.real(w1, gridRec.line, 'drho');
  const nr = reader.integer(w2, gridRec.line, 'Nr');
  const dr = reader.real(w3, gridRec.line, 'dr');
  const cutoff = reader.real(w4, gridRec.line, 'the cut-off');
  // Five samples is the least the spline's five-point slopes need.
  if (nrho < 5 || nr < 5) reader.fail(gridRec.line, `Nrho and Nr must be at least 5 (got ${nrho} and ${nr})`);
  if (!(drho > 0) || !(dr > 0) || !(cutoff > 0)) reader.fail(gridRec.line, `drho, dr and the cut-off must be positive (got ${drho}, ${dr}, ${cutoff})`);

  const atomicNumbers: number[] = [];
  const masses: number[] = [];
  const embedding: Float64Array[] = [];
  // block[a][k]: the k-th density table in element a's block, kept until the host/source roles are assigned below.
  const blocks: Float64Array[][] = [];
  for (const element of elements) {
    const rec = reader.requireRecord(`the header line of element ${element} ("Z mass …")`);
    if (rec.words.length < 2) reader.fail(rec.line, `expected "Z mass …" for element ${element}, found "${rec.words.join(' ')}"`);
    atomicNumbers.push(reader.integer(rec.words[0] as string, rec.line, `the atomic number of ${element}`));
    masses.push(reader.real(rec.words[1] as string, rec.line, `the mass of ${element}`));
    embedding.push(reader.table(nrho, `F(ρ) of ${element}`));
    if (style === 'eam/fs') {
      // Element a's block lists one table per element b: the density an a atom puts on a b host. This is the
      // assignment LAMMPS's pair_style eam/fs makes (it is the transpose of a host-first reading).
      blocks.push(elements.map((host) => reader.table(nr, `ρ(r) of ${element} atoms at ${host} hosts`)));
    } else {
      blocks.push([reader.table(nr, `ρ(r) of ${element}`)]);
    }
  }
  const density = elements.map((_, host) => elements.map((__, source) => {
    const block = blocks[source] as Float64Array[];
    return (style === 'eam/fs' ? block[host] : block[0]) as Float64Array;
  }));

  const rPhi: Float64Array[][] = elements.map(() => []);
  for (let a = 0; a < elements.length; a++) {
    for (let b = 0; b <= a; b++) {
      const table = reader.table(nr, `r·φ(r) of ${elements[a]}–${elements[b]}`);
      (rPhi[a] as Float64Array[])[b] = table;
      (rPhi[b] as Float64Array[])[a] = table;
    }
  }
  const extra = reader.record();
  if (extra !== null) {
    reader.fail(extra.line, `unexpected data after the last r·φ(r) table; the counts in the header (line 4 or 5) do not match the tables`);
  }
  return { file, style, comments, elements, atomicNumbers, masses, nrho, drho, nr, dr, cutoff, embedding, density, rPhi };
}

// ---------------------------------------------------------------------------------------------------------------
// The energy model
// ---------------------------------------------------------------------------------------------------------------

export interface EamModelOptions {
  potential: EamPotential;
  /** The element of each species index: speciesElements[s] for atoms with species s. */
  speciesElements: readonly string[];
  /** Edge lengths (Å) of the orthorhombic box, periodic along all three axes. */
  boxLengths: readonly [number, number, number];
  /** Lower corner of the box (Å); 0, 0, 0 unless given. */
  boxOrigin?: readonly [number, number, number];
  /** x, y, z per atom (Å); copied, and taken into the box by whole box lengths where outside. */
  positions: Float64Array;
  /** Species index per atom; copied. */
  species: Uint8Array | Int32Array;
}

/** Pair table: per interval, r·φ then ρ at the first species' host then ρ at the second's, 4 cubic coefficients each. */
const PAIR_STRIDE = 12;
/** Which proposal `accept()` would apply. */
const NONE = 0;
const MOVE = 1;
const SWAP = 2;
const NOTHING_TO_DO = 3;

/**
 * Checks that a potential (parsed, or assembled in code) has every table the model will index, at its grid's length,
 * so that a malformed one fails here with its name rather than as NaN energies.
 */
function checkTables(potential: EamPotential): void {
  const { file, elements, nrho, nr } = potential;
  const bad = (what: string): never => {
    throw new Error(`potential ${file}: ${what}`);
  };
  if (!(Number.isInteger(nrho) && nrho >= 5 && Number.isInteger(nr) && nr >= 5)) bad(`Nrho and Nr must be integers ≥ 5 (got ${nrho}, ${nr})`);
  if (!(potential.drho > 0 && potential.dr > 0 && potential.cutoff > 0)) bad('drho, dr and the cut-off must be positive');
  elements.forEach((a, ia) => {
    if (potential.embedding[ia]?.length !== nrho) bad(`F(ρ) of ${a} must have ${nrho} values`);
    elements.forEach((b, ib) => {
      if (potential.density[ia]?.[ib]?.length !== nr) bad(`the density of ${b} atoms at ${a} hosts must have ${nr} values`);
      if (potential.rPhi[ia]?.[ib]?.length !== nr) bad(`r·φ(r) of ${a}–${b} must have ${nr} values`);
    });
  });
}

/** Maps an element symbol list of a model onto a potential's elements, refusing missing ones by name. */
function elementIndices(potential: EamPotential, speciesElements: readonly string[]): number[] {
  return speciesElements.map((element) => {
    const index = potential.elements.indexOf(element);
    if (index < 0) throw new Error(`potential ${potential.file} has no element '${element}' (it has ${potential.elements.join(', ')})`);
    return index;
  });
}

/**
 * Energy and local energy changes of a periodic configuration under an EAM potential. Trial moves are priced by
 * `deltaMove`/`deltaSwap` without changing anything; `accept()` then applies the last one priced, from the partial
 * results kept by the pricing, and `reject()` (or simply pricing another one) drops it.
 *
 * Atoms are binned in cells at least one cut-off wide; the box must be at least two cut-offs long along every axis
 * so that an atom meets at most one image of any other atom and none of itself (the minimum-image convention).
 */
export class EamModel {
  readonly atomCount: number;
  readonly speciesCount: number;
  /** Interaction range (Å): the potential file's cut-off. */
  readonly cutoff: number;
  readonly boxLengths: readonly [number, number, number];
  readonly boxOrigin: readonly [number, number, number];
  readonly potentialFile: string;

  // Configuration. Positions stay inside the box; atoms already inside keep their coordinates bit for bit.
  private readonly pos: Float64Array;
  private readonly spec: Int32Array;
  /** ρ_i and F_{s_i}(ρ_i), kept current by the accepted proposals. */
  private readonly rho: Float64Array;
  private readonly embed: Float64Array;
  /** The running energy as a compensated (Neumaier) sum, so that millions of accepted changes add no rounding drift. */
  private runningEnergy = 0;
  private runningCompensation = 0;

  // Potential tables.
  private readonly pairTable: Float64Array;
  private readonly pairBlock: number;
  private readonly embedTable: Float64Array;
  private readonly embedBlock: number;
  private readonly invDr: number;
  private readonly lastRInterval: number;
  private readonly cutSq: number;
  private readonly invDrho: number;
  private readonly lastRhoInterval: number;
  private readonly rhoMax: number;

  // Box.
  private readonly lx: number;
  private readonly ly: number;
  private readonly lz: number;
  private readonly ox: number;
  private readonly oy: number;
  private readonly oz: number;

  // Cell list: atoms of cell c at cellAtoms[c·capacity …], their count in cellCount[c]; each atom's cell and slot.
  // cellXyz repeats the coordinates in the same slot order, so that a neighbour scan reads memory in sequence.
  private readonly bins: readonly [number, number, number];
  private readonly cellCount: Int32Array;
  private cellAtoms: Int32Array;
  private cellXyz: Float64Array;
  private cellCapacity: number;
  private readonly cellOf: Int32Array;
  private readonly slotOf: Int32Array;
  /** Distinct cells within one bin of each cell (fewer than 27 when an axis has only two bins). */
  private readonly stencil: Int32Array;
  private readonly stencilCount: Int32Array;

  // Scratch, sized once and grown only when a neighbourhood is larger than any before.
  private nbAtom: Int32Array;
  private nbR: Float64Array;
  private touched: Int32Array;
  private touchedCount = 0;
  private readonly mark: Int32Array;
  private markGeneration = 0;
  private readonly newRho: Float64Array;
  private readonly newEmbed: Float64Array;
  private readonly freshRho: Float64Array;
  /** Fractional position within the radial interval last found by `locateR`. */
  private frac = 0;

  // The pending proposal.
  private pendingKind = NONE;
  private pendingI = -1;
  private pendingJ = -1;
  private pendingX = 0;
  private pendingY = 0;
  private pendingZ = 0;
  private pendingCell = 0;
  private pendingRhoI = 0;
  private pendingEmbedI = 0;
  private pendingRhoJ = 0;
  private pendingEmbedJ = 0;
  private pendingDelta = 0;

  constructor(options: EamModelOptions) {
    const { potential, speciesElements, positions, species } = options;
    checkTables(potential);
    const elementOf = elementIndices(potential, speciesElements);
    const S = elementOf.length;
    if (S < 1) throw new Error('the model needs at least one species');
    const n = species.length;
    if (positions.length !== 3 * n) throw new Error(`positions hold ${positions.length} numbers but ${n} atoms need ${3 * n}`);
    for (let i = 0; i < n; i++) {
      const s = species[i] as number;
      if (!(s >= 0 && s < S)) throw new Error(`atom ${i} has species ${s}, but only species 0 … ${S - 1} have elements (${speciesElements.join(', ')})`);
    }
    for (let k = 0; k < 3 * n; k++) {
      if (!Number.isFinite(positions[k] as number)) throw new Error(`atom ${Math.floor(k / 3)} has a non-finite coordinate`);
    }
    const [lx, ly, lz] = options.boxLengths;
    const origin = options.boxOrigin ?? [0, 0, 0];
    if (![lx, ly, lz, ...origin].every(Number.isFinite) || !(lx > 0 && ly > 0 && lz > 0)) {
      throw new Error(`the box lengths must be positive numbers of Å (got ${lx}, ${ly}, ${lz})`);
    }
    const rc = potential.cutoff;
    if (Math.min(lx, ly, lz) < 2 * rc) {
      throw new Error(
        `the box (${lx} × ${ly} × ${lz} Å) must be at least twice the cut-off of ${potential.file} (2 × ${rc} = ${2 * rc} Å) along every axis, so that each pair is counted once; replicate the configuration`,
      );
    }

    this.atomCount = n;
    this.speciesCount = S;
    this.cutoff = rc;
    this.boxLengths = [lx, ly, lz];
    this.boxOrigin = [origin[0], origin[1], origin[2]];
    this.potentialFile = potential.file;
    this.lx = lx;
    this.ly = ly;
    this.lz = lz;
    this.ox = origin[0];
    this.oy = origin[1];
    this.oz = origin[2];

    // Tables. LAMMPS uses the file's own grids for setfl files, and the cut-off from the header.
    const { nr, nrho } = potential;
    this.invDr = 1.0 / potential.dr;
    this.lastRInterval = nr - 1;
    this.cutSq = rc * rc;
    this.invDrho = 1.0 / potential.drho;
    this.lastRhoInterval = nrho - 1;
    this.rhoMax = (nrho - 1) * potential.drho;

    const intervals = nr - 1;
    this.pairBlock = PAIR_STRIDE * intervals;
    this.pairTable = new Float64Array(S * S * this.pairBlock);
    const splineCache = new Map<Float64Array, Float64Array>();
    const splined = (samples: Float64Array, step: number): Float64Array => {
      let coefficients = splineCache.get(samples);
      if (coefficients === undefined) {
        coefficients = splineCoefficients(samples, step);
        splineCache.set(samples, coefficients);
      }
      return coefficients;
    };
    for (let a = 0; a < S; a++) {
      for (let b = 0; b < S; b++) {
        const ea = elementOf[a] as number;
        const eb = elementOf[b] as number;
        // Checked by checkTables: every table exists with the grid's length.
        const parts = [
          splined(potential.rPhi[ea]?.[eb] as Float64Array, potential.dr),
          splined(potential.density[ea]?.[eb] as Float64Array, potential.dr),
          splined(potential.density[eb]?.[ea] as Float64Array, potential.dr),
        ];
        const base = (a * S + b) * this.pairBlock;
        for (let m = 0; m < intervals; m++) {
          for (let part = 0; part < 3; part++) {
            const from = (parts[part] as Float64Array).subarray(m * SPLINE_STRIDE + 3, m * SPLINE_STRIDE + 7);
            this.pairTable.set(from, base + m * PAIR_STRIDE + 4 * part);
          }
        }
      }
    }
    this.embedBlock = SPLINE_STRIDE * nrho;
    this.embedTable = new Float64Array(S * this.embedBlock);
    for (let s = 0; s < S; s++) {
      this.embedTable.set(splined(potential.embedding[elementOf[s] as number] as Float64Array, potential.drho), s * this.embedBlock);
    }

    // Configuration.
    this.pos = new Float64Array(positions);
    this.spec = Int32Array.from(species);
    for (let i = 0; i < n; i++) {
      this.pos[3 * i] = wrapInto(this.pos[3 * i] as number, this.ox, lx);
      this.pos[3 * i + 1] = wrapInto(this.pos[3 * i + 1] as number, this.oy, ly);
      this.pos[3 * i + 2] = wrapInto(this.pos[3 * i + 2] as number, this.oz, lz);
    }

    // Cell list with bins at least one cut-off wide.
    const bx = Math.floor(lx / rc);
    const by = Math.floor(ly / rc);
    const bz = Math.floor(lz / rc);
    this.bins = [bx, by, bz];
    const cells = bx * by * bz;
    this.cellCount = new Int32Array(cells);
    this.cellOf = new Int32Array(n);
    this.slotOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.cellIndex(this.pos[3 * i] as number, this.pos[3 * i + 1] as number, this.pos[3 * i + 2] as number);
      this.cellOf[i] = c;
      this.cellCount[c] = (this.cellCount[c] as number) + 1;
    }
    let fullest = 0;
    for (let c = 0; c < cells; c++) fullest = Math.max(fullest, this.cellCount[c] as number);
    this.cellCapacity = Math.max(8, 2 * fullest);
    this.cellAtoms = new Int32Array(cells * this.cellCapacity);
    this.cellXyz = new Float64Array(3 * cells * this.cellCapacity);
    this.cellCount.fill(0);
    for (let i = 0; i < n; i++) this.insertIntoCell(i, this.cellOf[i] as number);

    this.stencil = new Int32Array(cells * 27);
    this.stencilCount = new Int32Array(cells);
    const around = (c: number, count: number): number[] => [...new Set([(c + count - 1) % count, c, (c + 1) % count])];
    for (let ix = 0; ix < bx; ix++) {
      for (let iy = 0; iy < by; iy++) {
        for (let iz = 0; iz < bz; iz++) {
          const c = (ix * by + iy) * bz + iz;
          let k = 0;
          for (const jx of around(ix, bx)) for (const jy of around(iy, by)) for (const jz of around(iz, bz)) this.stencil[c * 27 + k++] = (jx * by + jy) * bz + jz;
          this.stencilCount[c] = k;
        }
      }
    }

    const scratch = Math.max(64, 27 * this.cellCapacity);
    this.nbAtom = new Int32Array(scratch);
    this.nbR = new Float64Array(scratch);
    this.touched = new Int32Array(2 * scratch);
    this.mark = new Int32Array(n);
    this.rho = new Float64Array(n);
    this.embed = new Float64Array(n);
    this.newRho = new Float64Array(n);
    this.newEmbed = new Float64Array(n);
    this.freshRho = new Float64Array(n);

    this.refresh();
  }

  // -------------------------------------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------------------------------------

  /** The energy kept up to date by accepted proposals (eV). */
  get energy(): number {
    return this.runningEnergy + this.runningCompensation;
  }

  /** Positions in the box (Å), x y z per atom. The model's own array: read it, never write it. */
  get positions(): Float64Array {
    return this.pos;
  }

  /** Species per atom. The model's own array: read it, never write it. */
  get species(): Int32Array {
    return this.spec;
  }

  /** Electron density ρ_i at every atom. The model's own array: read it, never write it. */
  get densities(): Float64Array {
    return this.rho;
  }

  /** Bins per axis of the cell list. */
  get binCounts(): readonly [number, number, number] {
    return this.bins;
  }

  /** Total energy recomputed from scratch (eV); changes nothing, and keeps a pending proposal. */
  totalEnergy(): number {
    return this.computeFresh(null);
  }

  /**
   * Per-atom energies recomputed from scratch, F_i(ρ_i) + ½ Σ_j φ(r_ij), as LAMMPS's `compute pe/atom` reports them
   * for this potential (eV). Written into `out` when given.
   */
  atomEnergies(out?: Float64Array): Float64Array {
    const result = out ?? new Float64Array(this.atomCount);
    if (result.length !== this.atomCount) throw new Error(`atomEnergies needs an array of ${this.atomCount} numbers (got ${result.length})`);
    this.computeFresh(result);
    return result;
  }

  /**
   * Recomputes every ρ_i, F_i and the energy from scratch, replacing the running values (drift control), and drops any
   * pending proposal. Returns the running energy's drift: previous running energy minus the recomputed one (eV).
   */
  refresh(): number {
    const fresh = this.computeFresh(null);
    const drift = this.energy - fresh;
    this.rho.set(this.freshRho);
    for (let i = 0; i < this.atomCount; i++) this.embed[i] = this.embedding(this.spec[i] as number, this.rho[i] as number);
    this.runningEnergy = fresh;
    this.runningCompensation = 0;
    this.pendingKind = NONE;
    return drift;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Trial moves
  // -------------------------------------------------------------------------------------------------------------

  /**
   * The exact energy change (eV) if atom `i` moved to (x, y, z) (Å; taken into the box periodically), from its old
   * and new neighbours only: their pair terms with i, their embedding energies with i's contribution to their density
   * replaced, and i's own embedding energy. Changes nothing; `accept()` applies it. +Infinity when the new position
   * coincides with another atom.
   */
  deltaMove(i: number, x: number, y: number, z: number): number {
    this.checkAtom(i);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) throw new RangeError(`deltaMove: the new position of atom ${i} is not finite`);
    const nx = wrapInto(x, this.ox, this.lx);
    const ny = wrapInto(y, this.oy, this.ly);
    const nz = wrapInto(z, this.oz, this.lz);
    const newCell = this.cellIndex(nx, ny, nz);
    const si = this.spec[i] as number;
    const S = this.speciesCount;
    const T = this.pairTable;
    const rho = this.rho;
    const newRho = this.newRho;
    const mark = this.mark;
    const generation = this.nextGeneration();
    this.touchedCount = 0;
    let pairChange = 0;

    // Old neighbours: remove i's pair terms and its share of their density.
    let count = this.gather(this.pos[3 * i] as number, this.pos[3 * i + 1] as number, this.pos[3 * i + 2] as number, this.cellOf[i] as number, i);
    for (let q = 0; q < count; q++) {
      const k = this.nbAtom[q] as number;
      const r = this.nbR[q] as number;
      const o = (si * S + (this.spec[k] as number)) * this.pairBlock + this.locateR(r);
      const p = this.frac;
      pairChange -= ((((T[o] as number) * p + (T[o + 1] as number)) * p + (T[o + 2] as number)) * p + (T[o + 3] as number)) * (1.0 / r);
      const share = (((T[o + 8] as number) * p + (T[o + 9] as number)) * p + (T[o + 10] as number)) * p + (T[o + 11] as number);
      mark[k] = generation;
      newRho[k] = (rho[k] as number) - share;
      this.touch(k);
    }

    // New neighbours: add i's pair terms and density share there, and build ρ_i anew.
    count = this.gather(nx, ny, nz, newCell, i);
    let rhoI = 0;
    for (let q = 0; q < count; q++) {
      const k = this.nbAtom[q] as number;
      const r = this.nbR[q] as number;
      if (r === 0) return this.impossible();
      const o = (si * S + (this.spec[k] as number)) * this.pairBlock + this.locateR(r);
      const p = this.frac;
      pairChange += ((((T[o] as number) * p + (T[o + 1] as number)) * p + (T[o + 2] as number)) * p + (T[o + 3] as number)) * (1.0 / r);
      rhoI += (((T[o + 4] as number) * p + (T[o + 5] as number)) * p + (T[o + 6] as number)) * p + (T[o + 7] as number);
      const share = (((T[o + 8] as number) * p + (T[o + 9] as number)) * p + (T[o + 10] as number)) * p + (T[o + 11] as number);
      if (mark[k] !== generation) {
        mark[k] = generation;
        newRho[k] = rho[k] as number;
        this.touch(k);
      }
      newRho[k] = (newRho[k] as number) + share;
    }

    let delta = pairChange + this.embeddingChanges();
    const embedI = this.embedding(si, rhoI);
    delta += embedI - (this.embed[i] as number);

    this.pendingKind = MOVE;
    this.pendingI = i;
    this.pendingX = nx;
    this.pendingY = ny;
    this.pendingZ = nz;
    this.pendingCell = newCell;
    this.pendingRhoI = rhoI;
    this.pendingEmbedI = embedI;
    this.pendingDelta = delta;
    return delta;
  }

  /**
   * The exact energy change (eV) if atoms `i` and `j` exchanged species. 0 (and nothing to apply) when they have the
   * same species. Changes nothing; `accept()` applies it.
   */
  deltaSwap(i: number, j: number): number {
    this.checkAtom(i);
    this.checkAtom(j);
    const si = this.spec[i] as number;
    const sj = this.spec[j] as number;
    if (i === j || si === sj) {
      this.pendingKind = NOTHING_TO_DO;
      this.pendingDelta = 0;
      return 0;
    }
    this.nextGeneration();
    this.touchedCount = 0;
    // Atom i takes species sj and atom j species si; the i–j pair term is symmetric and does not change.
    let delta = this.swapSide(i, si, sj, j);
    const rhoI = this.swapRho;
    delta += this.swapSide(j, sj, si, i);
    const rhoJ = this.swapRho;
    delta += this.embeddingChanges();
    const embedI = this.embedding(sj, rhoI);
    const embedJ = this.embedding(si, rhoJ);
    delta += embedI - (this.embed[i] as number) + embedJ - (this.embed[j] as number);

    this.pendingKind = SWAP;
    this.pendingI = i;
    this.pendingJ = j;
    this.pendingRhoI = rhoI;
    this.pendingEmbedI = embedI;
    this.pendingRhoJ = rhoJ;
    this.pendingEmbedJ = embedJ;
    this.pendingDelta = delta;
    return delta;
  }

  /** Applies the proposal priced last (move or swap) and returns the new running energy (eV). */
  accept(): number {
    const kind = this.pendingKind;
    if (kind === NONE) throw new Error('accept(): no proposal is pending (price one with deltaMove or deltaSwap first; each can be accepted once)');
    if (kind !== NOTHING_TO_DO && !Number.isFinite(this.pendingDelta)) {
      throw new Error('accept(): the pending proposal puts two atoms on the same spot (its energy change is infinite)');
    }
    this.pendingKind = NONE;
    if (kind === NOTHING_TO_DO) return this.energy;
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touched[t] as number;
      this.rho[k] = this.newRho[k] as number;
      this.embed[k] = this.newEmbed[k] as number;
    }
    const i = this.pendingI;
    this.rho[i] = this.pendingRhoI;
    this.embed[i] = this.pendingEmbedI;
    if (kind === MOVE) {
      this.pos[3 * i] = this.pendingX;
      this.pos[3 * i + 1] = this.pendingY;
      this.pos[3 * i + 2] = this.pendingZ;
      if (this.pendingCell !== this.cellOf[i]) {
        this.removeFromCell(i);
        this.insertIntoCell(i, this.pendingCell);
      } else {
        const at = 3 * ((this.cellOf[i] as number) * this.cellCapacity + (this.slotOf[i] as number));
        this.cellXyz[at] = this.pendingX;
        this.cellXyz[at + 1] = this.pendingY;
        this.cellXyz[at + 2] = this.pendingZ;
      }
    } else {
      const j = this.pendingJ;
      this.rho[j] = this.pendingRhoJ;
      this.embed[j] = this.pendingEmbedJ;
      const si = this.spec[i] as number;
      this.spec[i] = this.spec[j] as number;
      this.spec[j] = si;
    }
    const sum = this.runningEnergy + this.pendingDelta;
    this.runningCompensation +=
      Math.abs(this.runningEnergy) >= Math.abs(this.pendingDelta) ? this.runningEnergy - sum + this.pendingDelta : this.pendingDelta - sum + this.runningEnergy;
    this.runningEnergy = sum;
    return this.energy;
  }

  /** Drops the pending proposal (pricing another one drops it too). */
  reject(): void {
    this.pendingKind = NONE;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------------------------------

  private checkAtom(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.atomCount) throw new RangeError(`atom index ${i} is outside 0 … ${this.atomCount - 1}`);
  }

  private impossible(): number {
    this.pendingKind = MOVE;
    this.pendingDelta = Number.POSITIVE_INFINITY;
    return Number.POSITIVE_INFINITY;
  }

  private nextGeneration(): number {
    this.markGeneration++;
    if (this.markGeneration === 0x7fffffff) {
      this.mark.fill(0);
      this.markGeneration = 1;
    }
    return this.markGeneration;
  }

  private touch(k: number): void {
    if (this.touchedCount === this.touched.length) {
      const grown = new Int32Array(2 * this.touched.length);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.touchedCount++] = k;
  }

  /** Σ over touched atoms of F(ρ_new) − F(ρ_old), keeping each F(ρ_new) for `accept()`. */
  private embeddingChanges(): number {
    let sum = 0;
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touched[t] as number;
      const e = this.embedding(this.spec[k] as number, this.newRho[k] as number);
      this.newEmbed[k] = e;
      sum += e - (this.embed[k] as number);
    }
    return sum;
  }

  /** ρ of the swapped atom after the swap, left by `swapSide`. */
  private swapRho = 0;

  /**
   * One atom's side of a swap: atom `a` changes from species `from` to `to` while its partner `b` changes the other
   * way. Returns the change of a's pair terms with everyone but b, accumulates the neighbours' density changes, and
   * leaves a's new density in `swapRho` (its share from b computed with b's new species).
   */
  private swapSide(a: number, from: number, to: number, b: number): number {
    const S = this.speciesCount;
    const T = this.pairTable;
    const mark = this.mark;
    const generation = this.markGeneration;
    const newRho = this.newRho;
    const count = this.gather(this.pos[3 * a] as number, this.pos[3 * a + 1] as number, this.pos[3 * a + 2] as number, this.cellOf[a] as number, a);
    let pairChange = 0;
    let rhoA = 0;
    for (let q = 0; q < count; q++) {
      const k = this.nbAtom[q] as number;
      const r = this.nbR[q] as number;
      const offset = this.locateR(r);
      const p = this.frac;
      if (k === b) {
        // After the swap b has species `from`: a (now `to`) receives ρ_{to←from}.
        const o = (to * S + from) * this.pairBlock + offset;
        rhoA += (((T[o + 4] as number) * p + (T[o + 5] as number)) * p + (T[o + 6] as number)) * p + (T[o + 7] as number);
        continue;
      }
      const sk = this.spec[k] as number;
      const oNew = (to * S + sk) * this.pairBlock + offset;
      const oOld = (from * S + sk) * this.pairBlock + offset;
      const recip = 1.0 / r;
      pairChange +=
        ((((T[oNew] as number) * p + (T[oNew + 1] as number)) * p + (T[oNew + 2] as number)) * p + (T[oNew + 3] as number)) * recip -
        ((((T[oOld] as number) * p + (T[oOld + 1] as number)) * p + (T[oOld + 2] as number)) * p + (T[oOld + 3] as number)) * recip;
      rhoA += (((T[oNew + 4] as number) * p + (T[oNew + 5] as number)) * p + (T[oNew + 6] as number)) * p + (T[oNew + 7] as number);
      const gain = (((T[oNew + 8] as number) * p + (T[oNew + 9] as number)) * p + (T[oNew + 10] as number)) * p + (T[oNew + 11] as number);
      const loss = (((T[oOld + 8] as number) * p + (T[oOld + 9] as number)) * p + (T[oOld + 10] as number)) * p + (T[oOld + 11] as number);
      if (mark[k] !== generation) {
        mark[k] = generation;
        newRho[k] = this.rho[k] as number;
        this.touch(k);
      }
      newRho[k] = (newRho[k] as number) - loss + gain;
    }
    this.swapRho = rhoA;
    return pairChange;
  }

  /**
   * Finds the radial interval of distance r (0 < r < cut-off) as LAMMPS does — 1-based interval m = ⌊r/dr⌋ + 1,
   * capped at the last one, with the fractional offset capped at 1 so that r beyond the table reads its last value —
   * and returns its offset within a pair block; the fractional offset is left in `frac`.
   */
  private locateR(r: number): number {
    let p = r * this.invDr + 1.0;
    let m = Math.floor(p);
    if (m > this.lastRInterval) m = this.lastRInterval;
    p -= m;
    this.frac = p > 1.0 ? 1.0 : p;
    return (m - 1) * PAIR_STRIDE;
  }

  /**
   * F_s(ρ) as LAMMPS evaluates it: the interval is clamped to the table, and beyond the last tabulated density the
   * end value is continued along the end slope (LAMMPS adds F′·(ρ − ρ_max) so that close approaches conserve energy).
   */
  private embedding(s: number, rho: number): number {
    const F = this.embedTable;
    let p = rho * this.invDrho + 1.0;
    let m = Math.floor(p);
    if (m < 1) m = 1;
    else if (m > this.lastRhoInterval) m = this.lastRhoInterval;
    p -= m;
    if (p > 1.0) p = 1.0;
    const o = s * this.embedBlock + (m - 1) * SPLINE_STRIDE;
    let e = (((F[o + 3] as number) * p + (F[o + 4] as number)) * p + (F[o + 5] as number)) * p + (F[o + 6] as number);
    if (rho > this.rhoMax) e += (((F[o] as number) * p + (F[o + 1] as number)) * p + (F[o + 2] as number)) * (rho - this.rhoMax);
    return e;
  }

  private cellIndex(x: number, y: number, z: number): number {
    const [bx, by, bz] = this.bins;
    const cx = Math.min(bx - 1, Math.floor(((x - this.ox) / this.lx) * bx));
    const cy = Math.min(by - 1, Math.floor(((y - this.oy) / this.ly) * by));
    const cz = Math.min(bz - 1, Math.floor(((z - this.oz) / this.lz) * bz));
    return (Math.max(0, cx) * by + Math.max(0, cy)) * bz + Math.max(0, cz);
  }

  private insertIntoCell(i: number, c: number): void {
    const count = this.cellCount[c] as number;
    if (count === this.cellCapacity) this.growCells();
    this.cellAtoms[c * this.cellCapacity + count] = i;
    const at = 3 * (c * this.cellCapacity + count);
    this.cellXyz[at] = this.pos[3 * i] as number;
    this.cellXyz[at + 1] = this.pos[3 * i + 1] as number;
    this.cellXyz[at + 2] = this.pos[3 * i + 2] as number;
    this.slotOf[i] = count;
    this.cellOf[i] = c;
    this.cellCount[c] = count + 1;
  }

  private removeFromCell(i: number): void {
    const c = this.cellOf[i] as number;
    const last = (this.cellCount[c] as number) - 1;
    const slot = this.slotOf[i] as number;
    const moved = this.cellAtoms[c * this.cellCapacity + last] as number;
    this.cellAtoms[c * this.cellCapacity + slot] = moved;
    const from = 3 * (c * this.cellCapacity + last);
    this.cellXyz.copyWithin(3 * (c * this.cellCapacity + slot), from, from + 3);
    this.slotOf[moved] = slot;
    this.cellCount[c] = last;
  }

  private growCells(): void {
    const old = this.cellCapacity;
    const capacity = 2 * old;
    const cells = this.cellCount.length;
    const grown = new Int32Array(cells * capacity);
    const grownXyz = new Float64Array(3 * cells * capacity);
    for (let c = 0; c < cells; c++) {
      const count = this.cellCount[c] as number;
      grown.set(this.cellAtoms.subarray(c * old, c * old + count), c * capacity);
      grownXyz.set(this.cellXyz.subarray(3 * c * old, 3 * (c * old + count)), 3 * c * capacity);
    }
    this.cellAtoms = grown;
    this.cellXyz = grownXyz;
    this.cellCapacity = capacity;
  }

  /**
   * Collects into nbAtom/nbR every atom other than `skip` closer than the cut-off to (x, y, z) (minimum image),
   * scanning the cells around `cell`. Returns how many.
   */
  private gather(x: number, y: number, z: number, cell: number, skip: number): number {
    const xyz = this.cellXyz;
    const lx = this.lx;
    const ly = this.ly;
    const lz = this.lz;
    const hx = 0.5 * lx;
    const hy = 0.5 * ly;
    const hz = 0.5 * lz;
    const cutSq = this.cutSq;
    const capacity = this.cellCapacity;
    let count = 0;
    const stencilBase = cell * 27;
    const cells = this.stencilCount[cell] as number;
    for (let s = 0; s < cells; s++) {
      const c = this.stencil[stencilBase + s] as number;
      const start = c * capacity;
      const end = start + (this.cellCount[c] as number);
      for (let slot = start; slot < end; slot++) {
        let dx = (xyz[3 * slot] as number) - x;
        if (dx > hx) dx -= lx;
        else if (dx < -hx) dx += lx;
        let dy = (xyz[3 * slot + 1] as number) - y;
        if (dy > hy) dy -= ly;
        else if (dy < -hy) dy += ly;
        let dz = (xyz[3 * slot + 2] as number) - z;
        if (dz > hz) dz -= lz;
        else if (dz < -hz) dz += lz;
        const rsq = dx * dx + dy * dy + dz * dz;
        if (rsq < cutSq) {
          const k = this.cellAtoms[slot] as number;
          if (k === skip) continue;
          if (count === this.nbAtom.length) this.growNeighbourScratch();
          this.nbAtom[count] = k;
          this.nbR[count] = Math.sqrt(rsq);
          count++;
        }
      }
    }
    return count;
  }

  private growNeighbourScratch(): void {
    const atoms = new Int32Array(2 * this.nbAtom.length);
    atoms.set(this.nbAtom);
    const r = new Float64Array(2 * this.nbR.length);
    r.set(this.nbR);
    this.nbAtom = atoms;
    this.nbR = r;
  }

  /**
   * Densities into `freshRho` and the total energy, from scratch, each pair once. With `perAtom`, also the per-atom
   * energies F_i + ½ Σ_j φ_ij.
   */
  private computeFresh(perAtom: Float64Array | null): number {
    const n = this.atomCount;
    const S = this.speciesCount;
    const T = this.pairTable;
    const rho = this.freshRho;
    rho.fill(0);
    if (perAtom !== null) perAtom.fill(0);
    // Compensated (Neumaier) total of per-atom partial sums: the result stays exact to a few ulps however many atoms.
    let total = 0;
    let compensation = 0;
    const add = (term: number): void => {
      const sum = total + term;
      compensation += Math.abs(total) >= Math.abs(term) ? total - sum + term : term - sum + total;
      total = sum;
    };
    for (let i = 0; i < n; i++) {
      const si = this.spec[i] as number;
      let pairsOfI = 0;
      const count = this.gather(this.pos[3 * i] as number, this.pos[3 * i + 1] as number, this.pos[3 * i + 2] as number, this.cellOf[i] as number, i);
      for (let q = 0; q < count; q++) {
        const k = this.nbAtom[q] as number;
        if (k < i) continue;
        const r = this.nbR[q] as number;
        const o = (si * S + (this.spec[k] as number)) * this.pairBlock + this.locateR(r);
        const p = this.frac;
        const phi = ((((T[o] as number) * p + (T[o + 1] as number)) * p + (T[o + 2] as number)) * p + (T[o + 3] as number)) * (1.0 / r);
        pairsOfI += phi;
        rho[i] = (rho[i] as number) + ((((T[o + 4] as number) * p + (T[o + 5] as number)) * p + (T[o + 6] as number)) * p + (T[o + 7] as number));
        rho[k] = (rho[k] as number) + ((((T[o + 8] as number) * p + (T[o + 9] as number)) * p + (T[o + 10] as number)) * p + (T[o + 11] as number));
        if (perAtom !== null) {
          perAtom[i] = (perAtom[i] as number) + 0.5 * phi;
          perAtom[k] = (perAtom[k] as number) + 0.5 * phi;
        }
      }
      add(pairsOfI);
    }
    for (let i = 0; i < n; i++) {
      const e = this.embedding(this.spec[i] as number, rho[i] as number);
      add(e);
      if (perAtom !== null) perAtom[i] = (perAtom[i] as number) + e;
    }
    return total + compensation;
  }
}

/** x taken into [origin, origin + length) by whole lengths; a coordinate already inside is returned unchanged. */
function wrapInto(x: number, origin: number, length: number): number {
  const offset = x - origin;
  if (offset >= 0 && offset < length) return x;
  let wrapped = offset - length * Math.floor(offset / length);
  if (wrapped >= length || wrapped < 0) wrapped = 0;
  return origin + wrapped;
}
