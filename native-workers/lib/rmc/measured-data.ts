/**
 * Measured total-scattering curves for reverse Monte Carlo: reading the files users bring from their beamline or
 * reduction software into x (Å⁻¹ or Å), y (the declared quantity) and σ per point, with a record of where they came
 * from and of everything done to them; and the conversions between the q-space forms S(q), F(q), i(q) and the
 * r-space forms G(r), g(r), because the engine fits the declared form but reports both.
 *
 * Formats (detected from the content, never from the extension alone):
 *  - plain ASCII: 2 columns (x y) or 3 (x y σ) separated by whitespace, commas or semicolons (semicolon files may use
 *    decimal commas, 0,5;1,02); comment lines start with #, !, % or ;; text lines before the first number (column
 *    titles) are skipped; Fortran D exponents (1.0D+00) are read.
 *  - PDFgetX3 / PDFgetN3 outputs .sq .fq .iq .gr (Juhás et al., J. Appl. Cryst. 46 (2013) 560) and PDFgetX2/PDFgui
 *    .gr files: a header of `key = value` lines (the processing configuration) ending at a line `#### start data`
 *    (any number of #), then comment lines such as `#S 1` and the column labels `#L r($\AA$) G($\AA^{-2}$)`, then the
 *    data. The header's qmax (Fourier-transform cut-off; qmaxinst when qmax is absent) and qdamp/qsig fill a G(r) or
 *    g(r) declaration that leaves them out; its mode (xray/neutron) or stype (X/N) must agree with the declared
 *    radiation. Four data columns there are PDFgui's r G dr dG (σ = dG; an all-zero dG column, PDFgui's "unknown",
 *    counts as no σ column).
 *  - RMCProfile / RMC++ data files: a first line holding the number of points and a title line (in either order)
 *    before the two-column data; accepted when the count equals the number of data lines.
 *
 * σ per point: the file's σ column when it has one, else the declaration's constant `sigma`, else 1 % of the range of
 * y over the fitted points (max − min): a deliberately modest default that lets a curve be fitted at all, which the
 * notes flag so that a user can replace it with the real uncertainty.
 *
 * Units: x is returned in Å⁻¹ (q) or Å (r); F(q) = q[S − 1] carries the unit of q and G(r) = 4πρr[g − 1] the unit
 * length⁻², so both y and σ are converted with x (a file is taken to use one unit system throughout).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printable } from '../../../main/shared/printable';
import {
  MAX_MEASURED_POINTS,
  MAX_Q_INV_A,
  MIN_FIT_POINTS,
  type MeasuredDataDeclaration,
  type MeasuredDataDeclarationInput,
  type MeasuredQuantity,
  type MeasuredRadiation,
  declarationIssues,
  measuredDataDeclarationSchema,
  quantityFamily,
  xUnitToAngstrom,
  yUnitToAngstrom,
} from '../../../main/shared/rmc-data';

/** Largest file read (a measured curve of 10⁶ points is ~40 MB of text). */
export const MAX_MEASURED_FILE_BYTES = 64 * 1024 * 1024;
/** The default σ as a fraction of the y range of the fitted points, when neither the file nor the declaration has one. */
export const DEFAULT_SIGMA_FRACTION = 0.01;

/** A problem with a measured-data file: the message names the file and, where known, the line. */
export class MeasuredDataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    // Problems quote file content: control characters are shown escaped, never sent to a terminal raw.
    const shown = printable(problem, 2000);
    super(line === null ? `${file}: ${shown}` : `${file}, line ${line}: ${shown}`);
    this.name = 'MeasuredDataError';
  }
}

export type MeasuredFormat = 'plain' | 'pdfgetx' | 'rmcprofile';

export interface MeasuredCurveSource {
  /** The path or name the curve was read from, as given. */
  file: string;
  /** SHA-256 of the file's bytes (of the UTF-8 text for parseMeasuredCurve), hex. */
  sha256: string;
  /** Lines in the file. */
  lines: number;
  /** 1-based columns read as x, y and (when from the file) σ, e.g. [1, 2] or [1, 2, 3]; PDFgui's r G dr dG gives [1, 2, 4]. */
  columnsUsed: number[];
  format: MeasuredFormat;
  /** Where σ came from. */
  sigmaFrom: 'file' | 'declaration' | 'default';
  /** 1-based file line of each returned point (for messages that point back into the file). */
  lineNumbers: Int32Array;
}

export interface MeasuredCurve {
  /** q in Å⁻¹ or r in Å, strictly increasing, only the points inside the declaration's xRange. */
  x: Float64Array;
  /** The declared quantity, in Å-based units (F(q) in Å⁻¹, G(r) in Å⁻²). */
  y: Float64Array;
  /** 1σ uncertainty of y per point, > 0, in the unit of y. */
  sigma: Float64Array;
  /** The declaration as checked, with qmaxInvA/qdampInvA filled from the file's header where it had them. */
  declaration: MeasuredDataDeclaration;
  source: MeasuredCurveSource;
  /** What was done to the data, in order (units converted, lines skipped, points dropped, header values used, warnings). */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------------

/**
 * Read the measured curve in `filePath` as `declaration` says it is. Throws MeasuredDataError naming the file and the
 * line for anything that cannot be read as declared.
 */
export function readMeasuredCurve(filePath: string, declaration: MeasuredDataDeclarationInput): MeasuredCurve {
  let bytes: Buffer;
  try {
    const size = fs.statSync(filePath).size;
    if (size > MAX_MEASURED_FILE_BYTES) {
      throw new MeasuredDataError(filePath, null, `the file has ${size} bytes, more than the ${MAX_MEASURED_FILE_BYTES} a measured curve may have; is it the right file?`);
    }
    bytes = fs.readFileSync(filePath);
  } catch (err) {
    if (err instanceof MeasuredDataError) throw err;
    throw new MeasuredDataError(filePath, null, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return parseCurveText(decodeText(bytes, filePath), filePath, declaration, sha256);
}

/**
 * The same as readMeasuredCurve for text already in memory (`fileName` names it in messages and in `source`); no I/O.
 * `source.sha256` is the hash of the text's UTF-8 bytes.
 */
export function parseMeasuredCurve(text: string, fileName: string, declaration: MeasuredDataDeclarationInput): MeasuredCurve {
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return parseCurveText(text, fileName, declaration, sha256);
}

/** Text of a data file: UTF-8 (with or without BOM) or UTF-16 with BOM; compressed and binary files are refused. */
function decodeText(bytes: Buffer, file: string): string {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new MeasuredDataError(file, null, 'the file is gzip-compressed; decompress it first (gunzip)');
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // A non-fatal decoder: a Latin-1 Å in a comment must not stop the read; a damaged number still fails as text.
  return new TextDecoder('utf-8').decode(bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// Lines and fields
// ---------------------------------------------------------------------------------------------------------------

const COMMENT = /^[#!%;]/;
const START_DATA = /^#+\s*start\s+data\b/i;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const DECIMAL_COMMA = /^[+-]?\d+,\d+([eE][+-]?\d+)?$/;
const LONE_INTEGER = /^\d+$/;

type Token = { kind: 'number'; value: number } | { kind: 'not-finite'; text: string } | { kind: 'text'; text: string };

interface ContentLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line as written (trimmed), for messages. */
  raw: string;
  fields: string[];
  tokens: Token[];
  /** True when some field is not a number (a title, column names, a stray word). */
  isText: boolean;
}

interface ReadFlags {
  decimalComma: boolean;
  fortranExponent: boolean;
}

/** Fields of a data line: `;`-separated (fields may use decimal commas), else `,`-separated, else whitespace. */
function splitFields(text: string, flags: ReadFlags): string[] {
  let fields: string[];
  if (text.includes(';')) {
    fields = text.split(';').map((f) => {
      const t = f.trim();
      if (DECIMAL_COMMA.test(t)) {
        flags.decimalComma = true;
        return t.replace(',', '.');
      }
      return t;
    });
  } else if (text.includes(',')) {
    fields = text.split(',').map((f) => f.trim());
  } else {
    fields = text.split(/\s+/);
  }
  // A trailing separator ("1.0,2.0,") adds no column.
  if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return fields;
}

function parseToken(field: string, flags: ReadFlags): Token {
  if (NUMBER.test(field)) {
    const fortran = /[dD]/.test(field);
    if (fortran) flags.fortranExponent = true;
    const value = Number(fortran ? field.replace(/[dD]/, 'e') : field);
    // 1e999 parses to Infinity: as unusable as a written "inf".
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'not-finite', text: field };
  }
  // NaN/Inf as numpy and C write them, and Fortran's overflow field of asterisks.
  if (NOT_FINITE.test(field) || /^\*+$/.test(field)) return { kind: 'not-finite', text: field };
  return { kind: 'text', text: field };
}

interface HeaderValue {
  value: string;
  line: number;
}

/** `key = value` lines of a PDFgetX3/PDFgui header (comment marks before the key allowed); the last one of a key wins. */
function parseHeader(lines: string[], endIndex: number): Map<string, HeaderValue> {
  const header = new Map<string, HeaderValue>();
  for (let i = 0; i < endIndex; i++) {
    const m = /^\s*[#!%;]*\s*([A-Za-z_][\w.]*)\s*=\s*(.*?)\s*$/.exec(lines[i] ?? '');
    if (m?.[1] !== undefined && m[2] !== undefined) header.set(m[1].toLowerCase(), { value: m[2], line: i + 1 });
  }
  return header;
}

/** The leading number of a header value ("24.0", "0   correction not applied"), or null. */
function headerNumber(v: HeaderValue | undefined): number | null {
  if (v === undefined) return null;
  const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v.value);
  if (m === null) return null;
  const n = Number(m[0]);
  return Number.isFinite(n) ? n : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Column labels (#L lines of PDFgetX3, PDFgui and SPEC-style files)
// ---------------------------------------------------------------------------------------------------------------

interface Labels {
  line: number;
  tokens: string[];
}

type LabelFunction = 'S' | 'F' | 'I' | 'i' | 'G' | 'g';

/** The function a y label names (S(Q), F, G($\AA^{-2}$), g(r), I(Q) …), or null when the label says nothing clear. */
function labelFunction(label: string): LabelFunction | null {
  const m = /^([SFIiGg])(?:\(|_|\$|$)/.exec(label);
  const letter = m?.[1];
  return letter === 'S' || letter === 'F' || letter === 'I' || letter === 'i' || letter === 'G' || letter === 'g' ? letter : null;
}

/** Family and unit an x label names: Q($\AA^{-1}$) → q, Å; r(nm) → r, nm; null parts when it does not say. */
function labelAxis(label: string): { family: 'q' | 'r' | null; unit: 'A' | 'nm' | null } {
  const first = label.charAt(0);
  const family = first === 'q' || first === 'Q' ? 'q' : first === 'r' || first === 'R' ? 'r' : null;
  const rest = label.slice(1);
  const unit = /nm/i.test(rest) ? 'nm' : /\\AA|Å|\(A\)|1\/A\b|A\^|A-1|\bang/i.test(rest) ? 'A' : null;
  return { family, unit };
}

const EXPECTED_LABEL: Readonly<Record<MeasuredQuantity, LabelFunction>> = {
  'S(q)': 'S',
  'partial-S(q)': 'S',
  'F(q)': 'F',
  'i(q)': 'i',
  'G(r)': 'G',
  'g(r)': 'g',
  'partial-g(r)': 'g',
};

const LABEL_MEANING: Readonly<Record<LabelFunction, string>> = {
  S: 'S(q)',
  F: 'F(q)',
  I: 'an intensity I(q)',
  i: 'i(q)',
  G: 'G(r)',
  g: 'g(r)',
};

/** PDFgetX3's output extensions and the function each holds (.iq is the intensity I(Q), not i(q) = S(q) − 1). */
const PDFGETX_EXTENSIONS: Readonly<Record<string, LabelFunction>> = { '.sq': 'S', '.fq': 'F', '.iq': 'I', '.gr': 'G' };

// ---------------------------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------------------------

function unitText(unit: string): string {
  switch (unit) {
    case '1/A':
      return 'Å⁻¹';
    case '1/nm':
      return 'nm⁻¹';
    case 'A':
      return 'Å';
    default:
      return unit;
  }
}

function lineList(lines: number[]): string {
  if (lines.length === 0) return '';
  const shown = lines.slice(0, 6).join(', ');
  return lines.length > 6 ? `${shown} …` : shown;
}

/** The number in column `c` (0-based) of a data line; NaN, Inf, overflow fields and words are errors naming the line. */
function numberAt(row: ContentLine, c: number, file: string): number {
  const token = row.tokens[c];
  if (token?.kind === 'number') return token.value;
  const what = c === 0 ? 'x' : c === 1 ? 'y' : 'σ';
  throw new MeasuredDataError(
    file,
    row.line,
    `${what} (column ${c + 1}) is '${printable(token?.text ?? '', 30)}', not a finite number (NaN, Inf and overflow fields are not data)`,
  );
}

function parseCurveText(rawText: string, file: string, declarationInput: MeasuredDataDeclarationInput, sha256: string): MeasuredCurve {
  const checked = measuredDataDeclarationSchema.safeParse(declarationInput);
  if (!checked.success) throw new MeasuredDataError(file, null, `invalid data declaration: ${declarationIssues(checked.error)}`);
  const declaration: MeasuredDataDeclaration = { ...checked.data };
  const quantity = declaration.quantity;
  const family = quantityFamily(quantity);
  const notes: string[] = [];
  const flags: ReadFlags = { decimalComma: false, fortranExponent: false };

  if (rawText.includes('\u0000')) throw new MeasuredDataError(file, null, 'the file holds NUL bytes: it is binary, not a text data file');
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const lineCount = text === '' ? 0 : lines.length;

  // --- PDFgetX3 / PDFgui: header up to "#### start data" -------------------------------------------------------
  const startIndex = lines.findIndex((l) => START_DATA.test(l.trim()));
  let format: MeasuredFormat = startIndex === -1 ? 'plain' : 'pdfgetx';
  const header = startIndex === -1 ? new Map<string, HeaderValue>() : parseHeader(lines, startIndex);
  if (startIndex !== -1) notes.push(`PDFgetX3/PDFgui layout: ${startIndex} header lines before '${printable(lines[startIndex]?.trim() ?? '', 40)}' (line ${startIndex + 1}) read as configuration`);

  // --- content lines ---------------------------------------------------------------------------------------------
  const content: ContentLine[] = [];
  let labels: Labels | null = null;
  let commentLines = 0;
  let numericSeen = false;
  for (let i = startIndex + 1; i < lines.length; i++) {
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '') continue;
    if (COMMENT.test(trimmed)) {
      commentLines++;
      // Column labels count only before the data (a later #L would describe a second block, which we do not read).
      if (/^#L\s/.test(trimmed) && !numericSeen) labels = { line: i + 1, tokens: trimmed.slice(2).trim().split(/\s+/) };
      continue;
    }
    // A trailing comment after the numbers ("1.0 2.0 # peak") is dropped.
    const body = trimmed.replace(/\s+[#!].*$/, '');
    const fields = splitFields(body, flags);
    const tokens = fields.map((f) => parseToken(f, flags));
    const isText = tokens.some((t) => t.kind === 'text');
    numericSeen ||= !isText;
    content.push({ line: i + 1, raw: trimmed, fields, tokens, isText });
    if (content.length > MAX_MEASURED_POINTS + 8) {
      throw new MeasuredDataError(file, i + 1, `more than ${MAX_MEASURED_POINTS} data lines; a measured curve has at most that many points`);
    }
  }
  if (commentLines > 0) notes.push(`${commentLines} comment line${commentLines === 1 ? '' : 's'} skipped`);

  const firstNumeric = content.findIndex((c) => !c.isText);
  if (firstNumeric === -1) {
    const firstText = content[0];
    const shown = firstText === undefined ? '' : ` (the first non-comment line, ${firstText.line}, is '${printable(firstText.raw, 60)}')`;
    throw new MeasuredDataError(file, null, `no numeric data in its ${lineCount} lines${shown}; expected lines of x y [σ]`);
  }

  // --- RMCProfile / RMC++: a point count and a title line --------------------------------------------------------
  let dataStart = firstNumeric;
  const candidate = content[firstNumeric];
  if (format !== 'pdfgetx' && candidate !== undefined && candidate.fields.length === 1 && LONE_INTEGER.test(candidate.fields[0] ?? '')) {
    const count = Number(candidate.fields[0]);
    const titleAfter = firstNumeric === 0 && content[1]?.isText === true;
    const rowsFrom = firstNumeric + (titleAfter ? 2 : 1);
    const rows = content.length - rowsFrom;
    const nextRow = content[rowsFrom];
    if (count === rows && rows > 0) {
      format = 'rmcprofile';
      dataStart = rowsFrom;
      const title = titleAfter ? content[1] : firstNumeric > 0 ? content[firstNumeric - 1] : undefined;
      notes.push(
        `RMCProfile/RMC++ layout: point count ${count} (line ${candidate.line})` +
          (title !== undefined ? ` and title '${printable(title.raw, 60)}' (line ${title.line}) skipped` : ' skipped'),
      );
    } else if (nextRow !== undefined && nextRow.fields.length >= 2) {
      throw new MeasuredDataError(
        file,
        candidate.line,
        `the single integer ${count} reads as an RMCProfile point count, but ${rows} data lines follow` +
          (titleAfter ? ` the title on line ${content[1]?.line}` : '') +
          '; correct the count or remove the line',
      );
    }
  }
  if (format === 'rmcprofile') {
    // Title-then-count files: the line before the count is the title (already noted); anything before it is header.
    if (firstNumeric > 1) notes.push(`${firstNumeric - 1} further text line${firstNumeric === 2 ? '' : 's'} before the title skipped`);
  } else if (firstNumeric > 0) {
    const plural = firstNumeric === 1 ? '' : 's';
    notes.push(`${firstNumeric} text line${plural} before the data skipped as a header (line${plural} ${lineList(content.slice(0, firstNumeric).map((c) => c.line))})`);
  }
  const rows = content.slice(dataStart);

  // --- what the labels, the extension and the header say ----------------------------------------------------------
  if (labels !== null) checkLabels(labels, declaration, file, notes);
  else if (format === 'pdfgetx') checkExtension(file, declaration, notes);
  if (format === 'pdfgetx') applyHeader(header, declaration, file, notes);

  // --- columns ---------------------------------------------------------------------------------------------------
  for (const row of rows) {
    if (row.isText) {
      throw new MeasuredDataError(file, row.line, `'${printable(row.raw, 80)}' is not numeric data (the data begin on line ${rows[0]?.line}); comment it out with #`);
    }
  }
  const first = rows[0];
  if (first === undefined) throw new MeasuredDataError(file, null, 'no data lines after the header');
  const columns = first.fields.length;
  for (const row of rows) {
    if (row.fields.length !== columns) {
      throw new MeasuredDataError(
        file,
        row.line,
        `${row.fields.length} column${row.fields.length === 1 ? '' : 's'}, but the first data line (${first.line}) has ${columns}; every data line must have the same columns`,
      );
    }
  }
  if (columns < 2) throw new MeasuredDataError(file, first.line, `only ${columns} column; expected 2 (x y) or 3 (x y σ)`);
  let sigmaColumn: number | null = columns >= 3 ? 2 : null;
  if (columns === 4 && (format === 'pdfgetx' || labels?.tokens.length === 4)) {
    sigmaColumn = 3;
    notes.push('4 columns read as PDFgui/PDFgetX2 r G dr dG: σ from column 4, column 3 (the x uncertainty) unused');
  } else if (columns > 3) {
    throw new MeasuredDataError(file, first.line, `${columns} columns; expected 2 (x y) or 3 (x y σ) — cut the file to those columns`);
  }

  // --- values ----------------------------------------------------------------------------------------------------
  const n = rows.length;
  const xFile = new Float64Array(n);
  const yFile = new Float64Array(n);
  const sFile = new Float64Array(n);
  const lineNumbers = new Int32Array(n);
  rows.forEach((row, k) => {
    lineNumbers[k] = row.line;
    xFile[k] = numberAt(row, 0, file);
    yFile[k] = numberAt(row, 1, file);
    if (sigmaColumn !== null) sFile[k] = numberAt(row, sigmaColumn, file);
  });
  if (flags.decimalComma) notes.push('decimal commas read as decimal points');
  if (flags.fortranExponent) notes.push('Fortran D exponents read (1.0D+00 = 1.0)');

  for (let k = 0; k < n; k++) {
    const xk = xFile[k] as number;
    if (xk < 0) throw new MeasuredDataError(file, lineNumbers[k] as number, `${family} = ${xk} is negative; ${family} is a magnitude (≥ 0)`);
    if (k > 0 && !(xk > (xFile[k - 1] as number))) {
      throw new MeasuredDataError(
        file,
        lineNumbers[k] as number,
        `x = ${xk} does not increase from ${xFile[k - 1]} on line ${lineNumbers[k - 1]}; x must increase strictly (duplicate or unsorted points?)`,
      );
    }
  }

  // σ column: positive everywhere, except PDFgui's all-zero column meaning "not known".
  let sigmaFrom: MeasuredCurveSource['sigmaFrom'] = 'default';
  let columnsUsed = sigmaColumn === null ? [1, 2] : [1, 2, sigmaColumn + 1];
  if (sigmaColumn !== null) {
    if (sigmaColumn === 3 && sFile.every((s) => s === 0)) {
      notes.push('the dG column is all zero (PDFgui writes that when σ is unknown): no σ from the file');
      columnsUsed = [1, 2];
    } else {
      for (let k = 0; k < n; k++) {
        const s = sFile[k] as number;
        if (!(s > 0)) throw new MeasuredDataError(file, lineNumbers[k] as number, `σ = ${s} (column ${sigmaColumn + 1}); uncertainties must be positive`);
      }
      sigmaFrom = 'file';
    }
  }

  // --- units -----------------------------------------------------------------------------------------------------
  const sx = xUnitToAngstrom(declaration.xUnit);
  const sy = yUnitToAngstrom(quantity, declaration.xUnit);
  if (sx !== 1) {
    const target = family === 'q' ? 'Å⁻¹' : 'Å';
    const yPart = sy !== 1 ? `; ${quantity} values and σ ×${sy} (${quantity === 'F(q)' ? 'F = q[S − 1] carries the unit of q' : 'G = 4πρr[g − 1] carries length⁻²'})` : '';
    notes.push(`x converted from ${unitText(declaration.xUnit)} to ${target} (×${sx})${yPart}`);
  }
  const xAll = xFile.map((v) => v * sx);
  const yAll = yFile.map((v) => v * sy);
  const sAll = sFile.map((v) => v * sy);

  if (family === 'q') {
    const k = xAll.findIndex((q) => q > MAX_Q_INV_A);
    if (k !== -1) {
      const hint =
        declaration.xUnit === '1/A'
          ? `; the column is probably in nm⁻¹ (${xFile[k]} nm⁻¹ = ${(xAll[k] as number) / 10} Å⁻¹): declare unit 1/nm`
          : '';
      throw new MeasuredDataError(file, lineNumbers[k] as number, `q = ${xAll[k]} Å⁻¹ is beyond any total-scattering measurement (≤ ${MAX_Q_INV_A} Å⁻¹)${hint}`);
    }
    const qLast = xAll[n - 1] as number;
    if (declaration.xUnit === '1/nm' && qLast < 2) {
      notes.push(`warning: declared in nm⁻¹, the data end at q = ${qLast} Å⁻¹, before the first peak of most glasses (~2.5–3 Å⁻¹); is the column in Å⁻¹?`);
    }
  }

  // --- xRange ----------------------------------------------------------------------------------------------------
  let lo = 0;
  let hi = n;
  if (declaration.xRange !== undefined) {
    const [a, b] = declaration.xRange;
    const aA = a * sx;
    const bA = b * sx;
    while (lo < n && (xAll[lo] as number) < aA) lo++;
    while (hi > lo && (xAll[hi - 1] as number) > bA) hi--;
    const kept = hi - lo;
    if (kept < MIN_FIT_POINTS) {
      const where = kept === 0 ? 'none' : `${kept} (line${kept === 1 ? '' : 's'} ${lineList(Array.from(lineNumbers.subarray(lo, hi)))})`;
      throw new MeasuredDataError(
        file,
        kept > 0 ? (lineNumbers[lo] as number) : null,
        `xRange [${a}, ${b}] ${unitText(declaration.xUnit)} keeps ${where} of the ${n} points (x from ${xFile[0]} to ${xFile[n - 1]}, lines ${lineNumbers[0]}–${lineNumbers[n - 1]}); at least ${MIN_FIT_POINTS} are needed`,
      );
    }
    if (lo > 0 || hi < n) notes.push(`points outside xRange [${a}, ${b}] ${unitText(declaration.xUnit)} dropped: ${lo} below, ${n - hi} above; ${kept} kept`);
  } else if (n < MIN_FIT_POINTS) {
    throw new MeasuredDataError(file, lineNumbers[n - 1] as number, `only ${n} data points (lines ${lineList(Array.from(lineNumbers))}); at least ${MIN_FIT_POINTS} are needed`);
  }
  const x = xAll.slice(lo, hi);
  const y = yAll.slice(lo, hi);
  let sigma = sAll.slice(lo, hi);

  // --- σ when the file has none ------------------------------------------------------------------------------------
  if (sigmaFrom !== 'file') {
    if (declaration.sigma !== undefined) {
      sigmaFrom = 'declaration';
      sigma = new Float64Array(x.length).fill(declaration.sigma * sy);
      notes.push(`σ = ${declaration.sigma} (declared) for every point` + (sy !== 1 ? ` (${declaration.sigma * sy} after the unit conversion)` : ''));
    } else {
      let yMin = Infinity;
      let yMax = -Infinity;
      for (const v of y) {
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
      const range = yMax - yMin;
      // A flat curve has no range; 1 % of its level (or 0.01) still gives a positive σ.
      const value = range > 0 ? DEFAULT_SIGMA_FRACTION * range : DEFAULT_SIGMA_FRACTION * (Math.abs(yMax) > 0 ? Math.abs(yMax) : 1);
      sigma = new Float64Array(x.length).fill(value);
      notes.push(`no σ in the file or the declaration: σ = ${value.toPrecision(3)} for every point (${DEFAULT_SIGMA_FRACTION * 100} % of the y range); set sigma to the real uncertainty`);
    }
  } else if (declaration.sigma !== undefined) {
    notes.push(`the declared σ = ${declaration.sigma} is not used: the file has a σ column`);
  }

  conventionWarnings(quantity, x, y, notes);

  return {
    x,
    y,
    sigma,
    declaration,
    source: { file, sha256, lines: lineCount, columnsUsed, format, sigmaFrom, lineNumbers: lineNumbers.slice(lo, hi) },
    notes,
  };
}

/** The #L column labels against the declaration: family, unit and function must agree (I vs i only warns). */
function checkLabels(labels: Labels, declaration: MeasuredDataDeclaration, file: string, notes: string[]): void {
  const [xLabel, yLabel] = labels.tokens;
  const family = quantityFamily(declaration.quantity);
  if (xLabel !== undefined) {
    const axis = labelAxis(xLabel);
    if (axis.family !== null && axis.family !== family) {
      throw new MeasuredDataError(file, labels.line, `the column labels say x is ${axis.family} ('${printable(xLabel, 40)}'), but ${declaration.quantity} is a function of ${family}`);
    }
    const declaredUnit = declaration.xUnit === '1/nm' || declaration.xUnit === 'nm' ? 'nm' : 'A';
    if (axis.unit !== null && axis.unit !== declaredUnit) {
      const proposal = family === 'q' ? (axis.unit === 'nm' ? '1/nm' : '1/A') : axis.unit;
      throw new MeasuredDataError(file, labels.line, `the column label '${printable(xLabel, 40)}' gives x in ${axis.unit === 'nm' ? 'nm' : 'Å'} units, but the declaration says ${declaration.xUnit}: declare unit ${proposal}`);
    }
  }
  if (yLabel !== undefined) {
    const said = labelFunction(yLabel);
    const expected = EXPECTED_LABEL[declaration.quantity];
    if (said === 'I' && expected === 'i') {
      notes.push(
        `warning: the column label '${printable(yLabel, 40)}' (line ${labels.line}) names an intensity I(q); PDFgetX3 writes the background-subtracted intensity under that name, not i(q) = S(q) − 1 — check the curve tends to 0 at high q`,
      );
    } else if (said !== null && said !== expected) {
      throw new MeasuredDataError(file, labels.line, `the column labels say y is ${LABEL_MEANING[said]} ('${printable(yLabel, 40)}'), but the file was declared as ${declaration.quantity}`);
    }
  }
}

/** A PDFgetX3 file without labels: its extension (.sq .fq .iq .gr) against the declaration. */
function checkExtension(file: string, declaration: MeasuredDataDeclaration, notes: string[]): void {
  const said = PDFGETX_EXTENSIONS[path.extname(file).toLowerCase()];
  if (said === undefined) return;
  const expected = EXPECTED_LABEL[declaration.quantity];
  if (said === 'I' && expected === 'i') {
    notes.push("warning: PDFgetX3's .iq files hold the background-subtracted intensity I(Q), not i(q) = S(q) − 1 — check the curve tends to 0 at high q");
  } else if (said !== expected) {
    throw new MeasuredDataError(file, null, `PDFgetX3 writes ${LABEL_MEANING[said]} to ${path.extname(file)} files, but the file was declared as ${declaration.quantity}`);
  }
}

/** Qmax, Qdamp and radiation from a PDFgetX3/PDFgui header into the declaration (declared values win). */
function applyHeader(header: Map<string, HeaderValue>, declaration: MeasuredDataDeclaration, file: string, notes: string[]): void {
  const mode = header.get('mode');
  const stype = header.get('stype');
  let said: MeasuredRadiation | null = null;
  let saidLine = 0;
  if (mode !== undefined) {
    const m = mode.value.toLowerCase();
    said = m.startsWith('xray') || m.startsWith('x-ray') ? 'xray' : m.startsWith('neutron') ? 'neutron' : m.startsWith('electron') ? 'electron' : null;
    saidLine = mode.line;
  } else if (stype !== undefined) {
    const s = stype.value.trim().charAt(0).toUpperCase();
    said = s === 'X' ? 'xray' : s === 'N' ? 'neutron' : null;
    saidLine = stype.line;
  }
  if (said !== null) {
    if (declaration.radiation === undefined) notes.push(`the header (line ${saidLine}) says the data are ${said} data`);
    else if (declaration.radiation !== said) {
      throw new MeasuredDataError(file, saidLine, `the header says the data are ${said} data, but the declaration says ${declaration.radiation}; the radiation sets the weights of the partials`);
    }
  }

  if (declaration.quantity !== 'G(r)' && declaration.quantity !== 'g(r)' && declaration.quantity !== 'partial-g(r)') return;
  const qmax = headerNumber(header.get('qmax'));
  const qmaxinst = headerNumber(header.get('qmaxinst'));
  const headerQmax = qmax !== null && qmax > 0 ? { value: qmax, key: 'qmax' } : qmaxinst !== null && qmaxinst > 0 ? { value: qmaxinst, key: 'qmaxinst' } : null;
  if (headerQmax !== null) {
    const line = header.get(headerQmax.key)?.line;
    if (declaration.qmaxInvA === undefined) {
      if (headerQmax.value <= MAX_Q_INV_A) {
        declaration.qmaxInvA = headerQmax.value;
        notes.push(`qmaxInvA = ${headerQmax.value} Å⁻¹ from the header's ${headerQmax.key} (line ${line})`);
      } else {
        notes.push(`the header's ${headerQmax.key} = ${headerQmax.value} (line ${line}) is beyond ${MAX_Q_INV_A} Å⁻¹ and was not used`);
      }
    } else if (Math.abs(declaration.qmaxInvA - headerQmax.value) > 1e-9 * headerQmax.value) {
      notes.push(`the declared qmaxInvA = ${declaration.qmaxInvA} Å⁻¹ is kept; the header's ${headerQmax.key} (line ${line}) says ${headerQmax.value}`);
    }
  } else if (qmax === 0) {
    notes.push(`the header's qmax = 0 (line ${header.get('qmax')?.line}) means no termination correction; Qmax unknown`);
  }
  const qdampKey = header.has('qdamp') ? 'qdamp' : header.has('qsig') ? 'qsig' : null;
  const qdamp = qdampKey === null ? null : headerNumber(header.get(qdampKey));
  if (qdampKey !== null && qdamp !== null) {
    const line = header.get(qdampKey)?.line;
    if (declaration.qdampInvA === undefined) {
      if (qdamp >= 0 && qdamp <= 1) {
        declaration.qdampInvA = qdamp;
        notes.push(`qdampInvA = ${qdamp} Å⁻¹ from the header's ${qdampKey} (line ${line})`);
      } else {
        notes.push(`the header's ${qdampKey} = ${qdamp} (line ${line}) is outside 0–1 Å⁻¹ and was not used`);
      }
    } else if (Math.abs(declaration.qdampInvA - qdamp) > 1e-12) {
      notes.push(`the declared qdampInvA = ${declaration.qdampInvA} Å⁻¹ is kept; the header's ${qdampKey} (line ${line}) says ${qdamp}`);
    }
  }
}

/**
 * Warnings (never errors) when the curve does not behave as its declared quantity should at high q or large r:
 * S and g tend to 1, i and F/q and G tend to 0 (Keen 2001). The mean over the last quarter of the points is compared
 * with a generous tolerance, enough to catch S(q) declared as i(q), G(r) as g(r), or an unnormalised intensity.
 */
function conventionWarnings(quantity: MeasuredQuantity, x: Float64Array, y: Float64Array, notes: string[]): void {
  const n = x.length;
  const from = Math.max(0, Math.min(n - MIN_FIT_POINTS, Math.floor(0.75 * n)));
  let sum = 0;
  let count = 0;
  for (let k = from; k < n; k++) {
    const xk = x[k] as number;
    const yk = y[k] as number;
    if (quantity === 'F(q)') {
      if (xk > 0) {
        sum += yk / xk;
        count++;
      }
    } else {
      sum += yk;
      count++;
    }
  }
  if (count === 0) return;
  const mean = sum / count;
  const where = `the mean over x ≥ ${(x[from] as number).toPrecision(3)} is ${mean.toPrecision(3)}`;
  switch (quantity) {
    case 'S(q)':
    case 'partial-S(q)':
      if (Math.abs(mean - 1) > 0.3) {
        notes.push(`warning: ${quantity} should tend to 1 at high q, but ${where}` + (Math.abs(mean) < 0.3 ? '; is this i(q) = S(q) − 1 or F(q)?' : '; is it normalised (Faber–Ziman)?'));
      }
      break;
    case 'i(q)':
      if (Math.abs(mean) > 0.3) notes.push(`warning: i(q) = S(q) − 1 should tend to 0 at high q, but ${where}` + (Math.abs(mean - 1) < 0.3 ? '; is this S(q)?' : ''));
      break;
    case 'F(q)':
      if (Math.abs(mean) > 0.3) notes.push(`warning: F(q)/q = S(q) − 1 should tend to 0 at high q, but ${where.replace('the mean', 'the mean of F/q')}; is this S(q) or an intensity?`);
      break;
    case 'g(r)':
    case 'partial-g(r)':
      if (Math.abs(mean - 1) > 0.3) notes.push(`warning: ${quantity} should tend to 1 at large r, but ${where}` + (Math.abs(mean) < 0.3 ? '; is this G(r) = 4πρr[g(r) − 1]?' : ''));
      break;
    case 'G(r)':
      if (Math.abs(mean - 1) < 0.25) notes.push(`warning: G(r) = 4πρr[g(r) − 1] oscillates about 0 at large r, but ${where}; is this g(r)?`);
      break;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions between the forms of one curve
// ---------------------------------------------------------------------------------------------------------------

/** A curve in one declared form; `sigma` is optional so that model curves (no uncertainty) convert too. */
export interface CurveData {
  quantity: MeasuredQuantity;
  /** q in Å⁻¹ or r in Å. */
  x: Float64Array;
  y: Float64Array;
  sigma?: Float64Array;
}

export interface ConvertedCurve {
  quantity: MeasuredQuantity;
  x: Float64Array;
  y: Float64Array;
  sigma?: Float64Array;
  /** Points dropped (q = 0 or r = 0, where the conversion divides by zero) and what was done. */
  notes: string[];
}

type CurveInput = CurveData | MeasuredCurve;

function asCurveData(curve: CurveInput): CurveData {
  if ('declaration' in curve) return { quantity: curve.declaration.quantity, x: curve.x, y: curve.y, sigma: curve.sigma };
  return curve;
}

function checkLengths(c: CurveData): void {
  if (c.y.length !== c.x.length || (c.sigma !== undefined && c.sigma.length !== c.x.length)) {
    throw new Error(`the ${c.quantity} curve has ${c.x.length} x, ${c.y.length} y and ${c.sigma?.length ?? 0} σ values; they must match`);
  }
}

/**
 * Number densities of condensed matter lie within ~0.01–0.2 atoms/Å³ (metallic glasses ~0.06); a value above 0.5
 * was given in another unit (atoms/nm³ is 1000× larger, g/cm³ is not a number density).
 */
function checkDensity(densityPerA3: number): void {
  if (!(densityPerA3 > 0) || !Number.isFinite(densityPerA3)) throw new Error(`the number density must be positive and finite (got ${densityPerA3} Å⁻³)`);
  if (densityPerA3 > 0.5) {
    throw new Error(`a number density of ${densityPerA3} atoms/Å³ is beyond any solid (0.01–0.2); atoms/nm³ are 1000× Å⁻³, and g/cm³ is a mass density`);
  }
}

/** Keep the points where `keep` holds; notes how many were dropped. */
function filterPoints(c: CurveData, keep: (x: number) => boolean, why: string, notes: string[]): CurveData {
  let count = 0;
  for (const v of c.x) if (keep(v)) count++;
  if (count === c.x.length) return c;
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const sigma = c.sigma === undefined ? undefined : new Float64Array(count);
  let j = 0;
  for (let k = 0; k < c.x.length; k++) {
    if (!keep(c.x[k] as number)) continue;
    x[j] = c.x[k] as number;
    y[j] = c.y[k] as number;
    if (sigma !== undefined) sigma[j] = (c.sigma as Float64Array)[k] as number;
    j++;
  }
  notes.push(`${c.x.length - count} point${c.x.length - count === 1 ? '' : 's'} at ${why} dropped`);
  return { quantity: c.quantity, x, y, sigma };
}

export type TotalQForm = 'S(q)' | 'F(q)' | 'i(q)';
export type TotalRForm = 'G(r)' | 'g(r)';

/**
 * One total q-space curve in another form, through S(q) (Keen 2001):
 *   S = 1 + i = 1 + F/q,   i = S − 1,   F = q (S − 1),
 * with σ propagated alike (σ_S = σ_i = σ_F / q). Points at q = 0 are dropped when dividing by q.
 */
export function convertQCurve(curve: CurveInput, to: TotalQForm): ConvertedCurve {
  const c = asCurveData(curve);
  checkLengths(c);
  if (c.quantity !== 'S(q)' && c.quantity !== 'F(q)' && c.quantity !== 'i(q)') {
    throw new Error(`convertQCurve converts total S(q), F(q) and i(q); ${c.quantity} ${c.quantity === 'partial-S(q)' ? 'is a partial (use toStructureFactor, which keeps it as it is)' : 'is a function of r'}`);
  }
  const notes: string[] = [];
  if (c.quantity === to) return { quantity: to, x: c.x.slice(), y: c.y.slice(), sigma: c.sigma?.slice(), notes };
  const from = c.quantity;
  // Dividing by q (from F) is undefined at q = 0; multiplying by q (to F) gives F ≡ 0 there with σ = 0, which no fit
  // can weigh: either way the q = 0 point goes.
  const src =
    from === 'F(q)'
      ? filterPoints(c, (q) => q > 0, 'q = 0 (S = 1 + F/q is undefined there)', notes)
      : to === 'F(q)' && c.sigma !== undefined
        ? filterPoints(c, (q) => q > 0, 'q = 0 (F ≡ 0 there, with no uncertainty)', notes)
        : c;
  const n = src.x.length;
  const y = new Float64Array(n);
  const sigma = src.sigma === undefined ? undefined : new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const q = src.x[k] as number;
    const v = src.y[k] as number;
    // S and σ_S first, then the target form.
    const S = from === 'S(q)' ? v : from === 'i(q)' ? 1 + v : 1 + v / q;
    y[k] = to === 'S(q)' ? S : to === 'i(q)' ? S - 1 : q * (S - 1);
    if (sigma !== undefined) {
      const s = src.sigma?.[k] as number;
      const sS = from === 'F(q)' ? s / q : s;
      sigma[k] = to === 'F(q)' ? q * sS : sS;
    }
  }
  const formula = to === 'S(q)' ? (from === 'F(q)' ? '1 + F(q)/q' : '1 + i(q)') : to === 'i(q)' ? 'S(q) − 1' : 'q[S(q) − 1]';
  notes.push(`${from} → ${to} = ${formula}`);
  return { quantity: to, x: src.x.slice(), y, sigma, notes };
}

/**
 * One total r-space curve in the other form, given the number density ρ (atoms/Å³) (Keen 2001):
 *   G(r) = 4πρ r [g(r) − 1],   g(r) = 1 + G(r) / (4πρ r),
 * σ scaled by the same factor 4πρr. The conversion is pointwise: the termination ripples (Qmax) and the Qdamp
 * envelope of a measured G(r) stay in the converted g(r). Points at r = 0 are dropped (g is undefined there from G,
 * and G ≡ 0 there with no uncertainty).
 */
export function convertRCurve(curve: CurveInput, to: TotalRForm, densityPerA3: number): ConvertedCurve {
  const c = asCurveData(curve);
  checkLengths(c);
  checkDensity(densityPerA3);
  if (c.quantity !== 'G(r)' && c.quantity !== 'g(r)') {
    throw new Error(`convertRCurve converts total G(r) and g(r); ${c.quantity} ${c.quantity === 'partial-g(r)' ? 'is a partial (use toPairDistribution, which keeps it as it is)' : 'is a function of q'}`);
  }
  const notes: string[] = [];
  if (c.quantity === to) return { quantity: to, x: c.x.slice(), y: c.y.slice(), sigma: c.sigma?.slice(), notes };
  const src = filterPoints(c, (r) => r > 0, 'r = 0', notes);
  const n = src.x.length;
  const y = new Float64Array(n);
  const sigma = src.sigma === undefined ? undefined : new Float64Array(n);
  const fourPiRho = 4 * Math.PI * densityPerA3;
  for (let k = 0; k < n; k++) {
    const factor = fourPiRho * (src.x[k] as number);
    const v = src.y[k] as number;
    y[k] = to === 'G(r)' ? factor * (v - 1) : 1 + v / factor;
    if (sigma !== undefined) {
      const s = src.sigma?.[k] as number;
      sigma[k] = to === 'G(r)' ? factor * s : s / factor;
    }
  }
  notes.push(to === 'G(r)' ? `g(r) → G(r) = 4πρr[g(r) − 1] with ρ = ${densityPerA3} Å⁻³` : `G(r) → g(r) = 1 + G(r)/(4πρr) with ρ = ${densityPerA3} Å⁻³`);
  return { quantity: to, x: src.x.slice(), y, sigma, notes };
}

/** The curve as S(q): S(q) = 1 + F(q)/q or 1 + i(q); S(q) and partial-S(q) are returned as they are. */
export function toStructureFactor(curve: CurveInput): ConvertedCurve {
  const c = asCurveData(curve);
  if (c.quantity === 'partial-S(q)') {
    checkLengths(c);
    return { quantity: c.quantity, x: c.x.slice(), y: c.y.slice(), sigma: c.sigma?.slice(), notes: [] };
  }
  return convertQCurve(c, 'S(q)');
}

/** The curve as g(r) = 1 + G(r)/(4πρr); g(r) and partial-g(r) are returned as they are. */
export function toPairDistribution(curve: CurveInput, densityPerA3: number): ConvertedCurve {
  const c = asCurveData(curve);
  if (c.quantity === 'partial-g(r)') {
    checkLengths(c);
    checkDensity(densityPerA3);
    return { quantity: c.quantity, x: c.x.slice(), y: c.y.slice(), sigma: c.sigma?.slice(), notes: [] };
  }
  return convertRCurve(c, 'g(r)', densityPerA3);
}

/** The curve as G(r) = 4πρr[g(r) − 1] (total curves only). */
export function toReducedPdf(curve: CurveInput, densityPerA3: number): ConvertedCurve {
  return convertRCurve(curve, 'G(r)', densityPerA3);
}
