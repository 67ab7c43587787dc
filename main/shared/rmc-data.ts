/**
 * Measured total-scattering data for reverse Monte Carlo (RMC): the declaration of what a user's data file holds —
 * which function, in which unit, from which radiation, with which uncertainty and weight — as a zod schema with its
 * inferred types, the constant lists a CLI or form offers as choices, and the CLI shorthand `FILE:quantity[,key=value…]`.
 * Shared by the CLI, the GUI, the project database and the worker that reads the file (native-workers/lib/rmc/).
 *
 * Conventions (Keen, J. Appl. Cryst. 34 (2001) 172, whose notation the names follow; ρ = number density in Å⁻³):
 *   S(q)  Faber–Ziman total structure factor, → 1 at high q
 *   i(q)  = S(q) − 1, → 0 at high q
 *   F(q)  = q [S(q) − 1], the reduced structure factor (PDFgetX3's F(Q); Juhás et al., J. Appl. Cryst. 46 (2013) 560);
 *         it carries the unit of q
 *   g(r)  total pair distribution, → 1 at large r, 0 inside the closest approach
 *   G(r)  = 4πρ r [g(r) − 1] = (2/π) ∫ F(q) sin(qr) dq, the PDF of PDFgetX3/PDFgui (Keen's D(r) divided by
 *         (Σ c b)²); unit length⁻²
 *   partial-S(q), partial-g(r): the Faber–Ziman partial S_ab(q) and g_ab(r) of the element pair `pair`
 * Keen (2001) also tabulates the other names in use (his F(Q) is the i(Q) here and his G(r) is g(r) − 1, both times
 * (Σ c b)²): a file is declared by the definition above, whatever its own header calls it.
 */
import { z } from 'zod';
import { canonicalElement } from './elements';

export const Q_QUANTITIES = ['S(q)', 'F(q)', 'i(q)', 'partial-S(q)'] as const;
export const R_QUANTITIES = ['G(r)', 'g(r)', 'partial-g(r)'] as const;
/** Every quantity a measured curve can be declared as, in the order a chooser lists them. */
export const QUANTITIES = ['S(q)', 'F(q)', 'i(q)', 'G(r)', 'g(r)', 'partial-g(r)', 'partial-S(q)'] as const;
export const TOTAL_QUANTITIES = ['S(q)', 'F(q)', 'i(q)', 'G(r)', 'g(r)'] as const;
export const PARTIAL_QUANTITIES = ['partial-g(r)', 'partial-S(q)'] as const;

export type MeasuredQuantity = (typeof QUANTITIES)[number];
export type QSpaceQuantity = (typeof Q_QUANTITIES)[number];
export type RSpaceQuantity = (typeof R_QUANTITIES)[number];
export type TotalQuantity = (typeof TOTAL_QUANTITIES)[number];
export type PartialQuantity = (typeof PARTIAL_QUANTITIES)[number];

/** One line per quantity, for choosers and help text. */
export const QUANTITY_DESCRIPTIONS: Readonly<Record<MeasuredQuantity, string>> = {
  'S(q)': 'total structure factor S(q) (Faber–Ziman), → 1 at high q',
  'F(q)': 'reduced structure factor F(q) = q[S(q) − 1], in the unit of q',
  'i(q)': 'i(q) = S(q) − 1, → 0 at high q',
  'G(r)': 'pair distribution function G(r) = 4πρr[g(r) − 1] (PDFgetX3/PDFgui convention), in length⁻²',
  'g(r)': 'total pair distribution g(r), → 1 at large r',
  'partial-g(r)': 'partial pair distribution g_ab(r) of one element pair, → 1 at large r',
  'partial-S(q)': 'partial structure factor S_ab(q) (Faber–Ziman) of one element pair, → 1 at high q',
};

/** Units of the x column: q in Å⁻¹ or nm⁻¹, r in Å or nm (written ASCII-only so a shell can type them). */
export const Q_UNITS = ['1/A', '1/nm'] as const;
export const R_UNITS = ['A', 'nm'] as const;
export const X_UNITS = [...Q_UNITS, ...R_UNITS] as const;
export type QUnit = (typeof Q_UNITS)[number];
export type RUnit = (typeof R_UNITS)[number];
export type XUnit = (typeof X_UNITS)[number];

/** Same spelling as the scattering-factor tables (native-workers/lib/rdf/scattering-factors.ts). */
export const RADIATIONS = ['xray', 'neutron', 'electron'] as const;
export type MeasuredRadiation = (typeof RADIATIONS)[number];

/** Data points one curve may hold: measured curves have 10²–10⁴; 10⁶ keeps a mistaken file from filling memory. */
export const MAX_MEASURED_POINTS = 1_000_000;
/**
 * Largest q (Å⁻¹) accepted: spallation-neutron instruments reach ~50 Å⁻¹, X-ray and electron total scattering stay
 * below ~40 Å⁻¹. A larger q almost always means a column in nm⁻¹ declared as Å⁻¹.
 */
export const MAX_Q_INV_A = 50;
/** Fewest points a curve (after its xRange) must keep to be worth fitting. */
export const MIN_FIT_POINTS = 5;

export function quantityFamily(quantity: MeasuredQuantity): 'q' | 'r' {
  return (Q_QUANTITIES as readonly string[]).includes(quantity) ? 'q' : 'r';
}

export function isPartialQuantity(quantity: MeasuredQuantity): quantity is PartialQuantity {
  return (PARTIAL_QUANTITIES as readonly string[]).includes(quantity);
}

export function isQuantity(text: string): text is MeasuredQuantity {
  return (QUANTITIES as readonly string[]).includes(text);
}

/** The unit a declaration gets when it names none: Å⁻¹ or Å, the units of the app's own S(q) and g(r). */
export function defaultXUnit(quantity: MeasuredQuantity): XUnit {
  return quantityFamily(quantity) === 'q' ? '1/A' : 'A';
}

/** Factor turning an x value in `unit` into Å⁻¹ (q) or Å (r): 1 nm⁻¹ = 0.1 Å⁻¹, 1 nm = 10 Å. */
export function xUnitToAngstrom(unit: XUnit): number {
  switch (unit) {
    case '1/A':
    case 'A':
      return 1;
    case '1/nm':
      return 0.1;
    case 'nm':
      return 10;
  }
}

/**
 * Factor turning a y value of `quantity` measured with x in `unit` into the Å-based unit: F(q) = q[S − 1] carries the
 * unit of q (factor as x), G(r) = 4πρr[g − 1] carries length⁻² (ρ r), so nm⁻² → Å⁻² is 1/100; S, i and g are
 * dimensionless. A file is taken to use one unit system for all its columns.
 */
export function yUnitToAngstrom(quantity: MeasuredQuantity, unit: XUnit): number {
  const sx = xUnitToAngstrom(unit);
  if (quantity === 'F(q)') return sx;
  if (quantity === 'G(r)') return 1 / (sx * sx);
  return 1;
}

// ---------------------------------------------------------------------------------------------------------------
// The declaration
// ---------------------------------------------------------------------------------------------------------------

const elementSymbol = z
  .string()
  .refine((s) => canonicalElement(s) === s, 'an element symbol such as Cu or Zr (capitalised as in the periodic table)');
const pair = z.tuple([elementSymbol, elementSymbol], { error: 'pair: the two elements of the partial, e.g. ["Cu", "Zr"]' });
const qUnit = z.enum(Q_UNITS, { error: 'a q unit: 1/A or 1/nm (A and nm are units of r)' });
const rUnit = z.enum(R_UNITS, { error: 'an r unit: A or nm (1/A and 1/nm are units of q)' });
const radiation = z.enum(RADIATIONS, {
  error: "radiation: 'xray', 'neutron' or 'electron' (a total curve weights its partials by the radiation's scattering factors)",
});

const common = {
  /** Shown in the GUI and reports; default: the file name. */
  name: z.string().trim().min(1).max(200).optional(),
  /**
   * Constant 1σ uncertainty of y, in the file's unit of y, used when the file has no σ column (a σ column wins).
   * Without either the reader uses 1 % of the curve's y range (see native-workers/lib/rmc/measured-data.ts).
   */
  sigma: z.number().positive().optional(),
  /** Relative weight of this curve in the RMC cost when several are fitted together. */
  weight: z.number().positive().max(1e6).default(1),
  /** Fit only xRange[0] ≤ x ≤ xRange[1], in the declared xUnit; the other points are read but not fitted. */
  xRange: z
    .tuple([z.number().min(0), z.number().min(0)], { error: 'xRange: [min, max] in the declared unit' })
    .refine(([lo, hi]) => hi > lo, 'xRange: max must be greater than min')
    .optional(),
};

/**
 * Termination and instrument parameters of a curve obtained by Fourier transform of S(q): Qmax, the upper limit of
 * the transform (it sets the ripples and resolution of G(r)), and Qdamp, the instrument's Gaussian damping of the PDF
 * peaks (PDFgui/PDFfit2 convention: G is multiplied by exp(−(Qdamp r)²/2)). Both in Å⁻¹ whatever the xUnit; absent =
 * taken from the file's header when it has them (PDFgetX3, PDFgui), else unknown.
 */
const realSpace = {
  qmaxInvA: z.number().positive().max(MAX_Q_INV_A).optional(),
  qdampInvA: z.number().min(0).max(1).optional(),
};

const totalQSchema = z
  .object({
    quantity: z.enum(['S(q)', 'F(q)', 'i(q)']),
    xUnit: qUnit.default('1/A'),
    radiation,
    ...common,
  })
  .strict();

const totalRSchema = z
  .object({
    quantity: z.enum(['G(r)', 'g(r)']),
    xUnit: rUnit.default('A'),
    radiation,
    ...realSpace,
    ...common,
  })
  .strict();

const partialQSchema = z
  .object({
    quantity: z.literal('partial-S(q)'),
    pair,
    xUnit: qUnit.default('1/A'),
    /** Not needed (a partial does not depend on the radiation); kept when given, as a record of the measurement. */
    radiation: radiation.optional(),
    ...common,
  })
  .strict();

const partialRSchema = z
  .object({
    quantity: z.literal('partial-g(r)'),
    pair,
    xUnit: rUnit.default('A'),
    radiation: radiation.optional(),
    ...realSpace,
    ...common,
  })
  .strict();

/** What a measured curve is: checked when a job, the CLI or the GUI takes one, and stored with it in the project. */
export const measuredDataDeclarationSchema = z.discriminatedUnion('quantity', [totalQSchema, totalRSchema, partialQSchema, partialRSchema]);

/** A checked declaration (defaults applied). */
export type MeasuredDataDeclaration = z.infer<typeof measuredDataDeclarationSchema>;
/** What a caller may write (xUnit and weight may be left out). */
export type MeasuredDataDeclarationInput = z.input<typeof measuredDataDeclarationSchema>;

/** The issues of a failed check as one line: `path: message; path: message`. */
export function declarationIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      return where === '' ? issue.message : `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** `value` checked as a declaration; throws an Error listing every problem, prefixed by `context` when given. */
export function parseMeasuredDataDeclaration(value: unknown, context?: string): MeasuredDataDeclaration {
  const result = measuredDataDeclarationSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = declarationIssues(result.error);
  throw new Error(context === undefined ? `invalid data declaration: ${problems}` : `${context}: invalid data declaration: ${problems}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The CLI shorthand FILE:quantity[,key=value…]
// ---------------------------------------------------------------------------------------------------------------

/** Keys of the shorthand, with what each sets (for `--help`). */
export const DATA_SPEC_KEYS: Readonly<Record<string, string>> = {
  radiation: 'xray | neutron | electron (required for total quantities)',
  unit: 'unit of the x column: 1/A or 1/nm for q, A or nm for r (default 1/A or A)',
  sigma: 'constant 1σ uncertainty of y when the file has no third column',
  weight: 'relative weight of the curve in the fit (default 1)',
  qmax: 'G(r)/g(r): Qmax of the Fourier transform, Å⁻¹',
  qdamp: 'G(r)/g(r): instrumental Qdamp, Å⁻¹',
  range: 'fit only min..max of x, in the declared unit (also xmin=, xmax=)',
  xmin: 'lower end of the fitted x range',
  xmax: 'upper end of the fitted x range',
  pair: 'the element pair of a partial, e.g. Cu-Zr',
  name: 'display name (no commas)',
};

export interface DataSpec {
  file: string;
  declaration: MeasuredDataDeclaration;
}

const SPEC_FORM = 'FILE:QUANTITY[,key=value…], e.g. sq.dat:S(q),radiation=xray,unit=1/nm,sigma=0.01';
const KEY_ALIASES: Readonly<Record<string, string>> = { xunit: 'unit', qmaxinva: 'qmax', qdampinva: 'qdamp', xrange: 'range' };

/** The canonical quantity for what a user typed: exact names, or with an upper-case Q (S(Q), F(Q), i(Q)). */
function quantityFromText(text: string): MeasuredQuantity | null {
  const t = text.trim();
  if (isQuantity(t)) return t;
  const lowered = t.replace(/\(Q\)$/, '(q)');
  return isQuantity(lowered) ? lowered : null;
}

/** '1/A', '1/Å', 'A^-1', 'Å⁻¹', 'invA' … → canonical unit, or null. */
export function unitFromText(text: string): XUnit | null {
  const t = text.trim().replace(/Å/g, 'A').replace(/⁻¹/g, '^-1').replace(/\s+/g, '').toLowerCase();
  if (['1/a', 'a^-1', 'a-1', 'inva', '1/angstrom', 'angstrom^-1'].includes(t)) return '1/A';
  if (['1/nm', 'nm^-1', 'nm-1', 'invnm'].includes(t)) return '1/nm';
  if (['a', 'angstrom', 'angstroms', 'ang'].includes(t)) return 'A';
  if (['nm', 'nanometre', 'nanometer', 'nanometres', 'nanometers'].includes(t)) return 'nm';
  return null;
}

/** 'xray', 'x-ray', 'X-rays', 'neutrons', 'electron' … → canonical radiation, or null. */
export function radiationFromText(text: string): MeasuredRadiation | null {
  const t = text.trim().toLowerCase().replace(/[-\s_]/g, '').replace(/s$/, '');
  if (t === 'xray' || t === 'x') return 'xray';
  if (t === 'neutron' || t === 'n') return 'neutron';
  if (t === 'electron' || t === 'e') return 'electron';
  return null;
}

/** A decimal number as written in a spec (no hex, no empty string, finite). */
function specNumber(spec: string, key: string, value: string): number {
  const t = value.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(n)) throw specError(spec, `${key}=${value} is not a number`);
  return n;
}

function specError(spec: string, problem: string): Error {
  return new Error(`data spec '${spec}': ${problem}`);
}

/**
 * Split `FILE:QUANTITY,…` at the colon that starts a quantity, so that file names with colons (C:\data\sq.dat,
 * run:3.dat) survive: the first colon whose following text, up to the first comma, names a quantity.
 */
function splitFileAndRest(spec: string): { file: string; quantity: MeasuredQuantity; rest: string } {
  let lastColon = -1;
  for (let i = spec.indexOf(':'); i !== -1; i = spec.indexOf(':', i + 1)) {
    lastColon = i;
    const after = spec.slice(i + 1);
    const comma = after.indexOf(',');
    const head = comma === -1 ? after : after.slice(0, comma);
    const quantity = quantityFromText(head);
    if (quantity !== null) return { file: spec.slice(0, i), quantity, rest: comma === -1 ? '' : after.slice(comma + 1) };
  }
  if (lastColon === -1) throw specError(spec, `no ':QUANTITY' after the file name; expected ${SPEC_FORM}`);
  const after = spec.slice(lastColon + 1);
  const head = (after.includes(',') ? after.slice(0, after.indexOf(',')) : after).trim();
  if (/^I\(q\)$/i.test(head) && head.startsWith('I')) {
    throw specError(spec, `'${head}' is an intensity; the reduced i(q) = S(q) − 1 is written with a lower-case i`);
  }
  throw specError(spec, `unknown quantity '${head}' (known: ${QUANTITIES.join(', ')})`);
}

/**
 * The CLI shorthand `FILE:QUANTITY[,key=value…]` as a file and a checked declaration, e.g.
 * `sq.dat:S(q),radiation=xray,unit=1/nm,sigma=0.01` or `gCuZr.dat:partial-g(r),pair=Cu-Zr,range=2..12`. Keys are
 * listed in DATA_SPEC_KEYS; values may not contain commas. Throws an Error naming the spec and what is wrong.
 */
export function parseDataSpec(text: string): DataSpec {
  const spec = text.trim();
  if (spec === '') throw new Error(`empty data spec; expected ${SPEC_FORM}`);
  const { file, quantity, rest } = splitFileAndRest(spec);
  if (file.trim() === '') throw specError(spec, `no file name before ':${quantity}'`);

  const values = new Map<string, string>();
  if (rest.trim() !== '' || spec.endsWith(',')) {
    for (const item of rest.split(',')) {
      const eq = item.indexOf('=');
      if (eq === -1) throw specError(spec, `'${item.trim()}' is not key=value (known keys: ${Object.keys(DATA_SPEC_KEYS).join(', ')})`);
      const rawKey = item.slice(0, eq).trim().toLowerCase();
      const key = KEY_ALIASES[rawKey] ?? rawKey;
      const value = item.slice(eq + 1).trim();
      if (!(key in DATA_SPEC_KEYS)) throw specError(spec, `unknown key '${item.slice(0, eq).trim()}' (known keys: ${Object.keys(DATA_SPEC_KEYS).join(', ')})`);
      if (value === '') throw specError(spec, `${key}= has no value`);
      if (values.has(key)) throw specError(spec, `${key} is given twice`);
      values.set(key, value);
    }
  }

  const family = quantityFamily(quantity);
  const declaration: Record<string, unknown> = { quantity };
  for (const [key, value] of values) {
    switch (key) {
      case 'radiation': {
        const r = radiationFromText(value);
        if (r === null) throw specError(spec, `radiation=${value} is not one of ${RADIATIONS.join(', ')}`);
        declaration.radiation = r;
        break;
      }
      case 'unit': {
        const unit = unitFromText(value);
        if (unit === null) throw specError(spec, `unknown unit '${value}' (q: ${Q_UNITS.join(', ')}; r: ${R_UNITS.join(', ')})`);
        const unitFamily = (Q_UNITS as readonly string[]).includes(unit) ? 'q' : 'r';
        if (unitFamily !== family) {
          const allowed = family === 'q' ? Q_UNITS.join(' or ') : R_UNITS.join(' or ');
          throw specError(spec, `unit=${value} is a unit of ${unitFamily}, but ${quantity} is a function of ${family}: use ${allowed}`);
        }
        declaration.xUnit = unit;
        break;
      }
      case 'sigma':
      case 'weight':
        declaration[key] = specNumber(spec, key, value);
        break;
      case 'qmax':
      case 'qdamp':
        if (family !== 'r') throw specError(spec, `${key} is a parameter of G(r) and g(r) curves, not of ${quantity}`);
        declaration[key === 'qmax' ? 'qmaxInvA' : 'qdampInvA'] = specNumber(spec, key, value);
        break;
      case 'range': {
        const m = /^(.+?)\.\.(.+)$/.exec(value);
        if (m === null || m[1] === undefined || m[2] === undefined) throw specError(spec, `range=${value} is not min..max, e.g. range=1.5..20`);
        if (values.has('xmin') || values.has('xmax')) throw specError(spec, 'give either range= or xmin=/xmax=, not both');
        declaration.xRange = [specNumber(spec, 'range', m[1]), specNumber(spec, 'range', m[2])];
        break;
      }
      case 'xmin':
      case 'xmax':
        break; // below, once both are known
      case 'pair': {
        if (!isPartialQuantity(quantity)) throw specError(spec, `pair= is only for ${PARTIAL_QUANTITIES.join(' and ')}, not ${quantity}`);
        const parts = value.split(/[-/]/);
        const elements = parts.map((p) => canonicalElement(p));
        if (parts.length !== 2 || elements[0] == null || elements[1] == null) {
          throw specError(spec, `pair=${value} is not two element symbols such as Cu-Zr`);
        }
        declaration.pair = [elements[0], elements[1]];
        break;
      }
      case 'name':
        declaration.name = value;
        break;
    }
  }
  if (values.has('xmin') !== values.has('xmax')) throw specError(spec, 'xmin= and xmax= go together (or use range=min..max)');
  const xmin = values.get('xmin');
  const xmax = values.get('xmax');
  if (xmin !== undefined && xmax !== undefined) declaration.xRange = [specNumber(spec, 'xmin', xmin), specNumber(spec, 'xmax', xmax)];
  if (isPartialQuantity(quantity) && !values.has('pair')) throw specError(spec, `${quantity} needs pair=A-B, e.g. pair=Cu-Zr`);
  if (!isPartialQuantity(quantity) && !values.has('radiation')) {
    throw specError(spec, `${quantity} is a total curve: give radiation=xray, neutron or electron (it sets the weights of the partials)`);
  }

  const result = measuredDataDeclarationSchema.safeParse(declaration);
  if (!result.success) throw specError(spec, declarationIssues(result.error));
  return { file: file.trim(), declaration: result.data };
}

/** The shorthand of a file and declaration (the inverse of parseDataSpec); throws when the name holds a comma. */
export function formatDataSpec(file: string, declaration: MeasuredDataDeclaration): string {
  const parts = [`${file}:${declaration.quantity}`];
  if ('pair' in declaration) parts.push(`pair=${declaration.pair[0]}-${declaration.pair[1]}`);
  if (declaration.radiation !== undefined) parts.push(`radiation=${declaration.radiation}`);
  parts.push(`unit=${declaration.xUnit}`);
  if (declaration.sigma !== undefined) parts.push(`sigma=${declaration.sigma}`);
  if (declaration.weight !== 1) parts.push(`weight=${declaration.weight}`);
  if ('qmaxInvA' in declaration && declaration.qmaxInvA !== undefined) parts.push(`qmax=${declaration.qmaxInvA}`);
  if ('qdampInvA' in declaration && declaration.qdampInvA !== undefined) parts.push(`qdamp=${declaration.qdampInvA}`);
  if (declaration.xRange !== undefined) parts.push(`range=${declaration.xRange[0]}..${declaration.xRange[1]}`);
  if (declaration.name !== undefined) {
    if (declaration.name.includes(',')) throw new Error(`the name '${declaration.name}' has a comma, which the shorthand cannot hold`);
    parts.push(`name=${declaration.name}`);
  }
  return parts.join(',');
}
