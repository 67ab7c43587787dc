/**
 * Measured scattering data for RMC: the declaration schema and CLI shorthand (main/shared/rmc-data.ts), the reader of
 * plain, PDFgetX3/PDFgui and RMCProfile files with unit conversion and header values, every refused input (the
 * message names the file and, where the problem is in the file, the line), and the S/F/i and G/g conversions.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  MAX_Q_INV_A,
  QUANTITIES,
  Q_QUANTITIES,
  R_QUANTITIES,
  formatDataSpec,
  measuredDataDeclarationSchema,
  parseDataSpec,
  parseMeasuredDataDeclaration,
  type MeasuredDataDeclarationInput,
} from '../../../main/shared/rmc-data';
import {
  MeasuredDataError,
  convertQCurve,
  convertRCurve,
  parseMeasuredCurve,
  readMeasuredCurve,
  toPairDistribution,
  toReducedPdf,
  toStructureFactor,
} from '../../../native-workers/lib/rmc/measured-data';
import { tempDir } from '../../support/temp';

// ----- synthetic curves with the right asymptotes ---------------------------------------------------------------

/** A glass-like S(q): first peak near 2.8 Å⁻¹, damped oscillation about 1. */
function sOf(q: number): number {
  return 1 + (1.6 * Math.sin(2.6 * (q - 2.2)) * Math.exp(-0.12 * q)) / Math.max(q, 0.5) - 0.9 * Math.exp(-q * q);
}

/** A g(r): 0 inside 2.2 Å, a first peak near 2.7 Å, → 1. */
function gOf(r: number): number {
  if (r < 2.2) return 0;
  return 1 + (2.2 * Math.exp(-(r - 2.7) * 3) * Math.cos(2.3 * (r - 2.7))) / r;
}

const RHO = 0.06;

function grid(from: number, step: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => from + k * step);
}

function table(rows: number[][], separator = ' '): string {
  return rows.map((r) => r.map((v) => v.toPrecision(8)).join(separator)).join('\n') + '\n';
}

const Q = grid(0.5, 0.05, 300); // 0.5 … 15.45 Å⁻¹
const R = grid(0.01, 0.01, 2000); // 0.01 … 20 Å

const XRAY_S: MeasuredDataDeclarationInput = { quantity: 'S(q)', radiation: 'xray' };

function errorOf(fn: () => unknown): MeasuredDataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeasuredDataError) return err;
    throw err;
  }
  throw new Error('expected a MeasuredDataError');
}

/** The message names the file and the line. */
function expectFileLine(err: MeasuredDataError, file: string, line: number, ...fragments: string[]): void {
  expect(err.file).toBe(file);
  expect(err.line).toBe(line);
  expect(err.message).toContain(file);
  expect(err.message).toContain(`line ${line}`);
  for (const f of fragments) expect(err.message).toContain(f);
}

// ----- declarations -----------------------------------------------------------------------------------------------

describe('measured-data declaration schema', () => {
  it('lists the quantities by family', () => {
    expect(QUANTITIES).toHaveLength(7);
    expect([...Q_QUANTITIES, ...R_QUANTITIES].sort()).toEqual([...QUANTITIES].sort());
  });

  it('applies defaults: unit by family, weight 1', () => {
    const q = parseMeasuredDataDeclaration({ quantity: 'F(q)', radiation: 'neutron' });
    expect(q).toMatchObject({ quantity: 'F(q)', xUnit: '1/A', weight: 1 });
    const r = parseMeasuredDataDeclaration({ quantity: 'G(r)', radiation: 'xray', qmaxInvA: 24, qdampInvA: 0.04 });
    expect(r).toMatchObject({ xUnit: 'A', qmaxInvA: 24, qdampInvA: 0.04 });
  });

  it('refuses a unit of the other family', () => {
    expect(() => parseMeasuredDataDeclaration({ quantity: 'S(q)', radiation: 'xray', xUnit: 'nm' })).toThrow(/xUnit: a q unit: 1\/A or 1\/nm/);
    expect(() => parseMeasuredDataDeclaration({ quantity: 'g(r)', radiation: 'xray', xUnit: '1/A' })).toThrow(/xUnit: an r unit: A or nm/);
  });

  it('needs radiation for total curves only, and a pair for partials', () => {
    expect(() => parseMeasuredDataDeclaration({ quantity: 'S(q)' })).toThrow(/radiation/);
    expect(parseMeasuredDataDeclaration({ quantity: 'partial-g(r)', pair: ['Cu', 'Zr'] }).radiation).toBeUndefined();
    expect(() => parseMeasuredDataDeclaration({ quantity: 'partial-S(q)' })).toThrow(/pair/);
    expect(() => parseMeasuredDataDeclaration({ quantity: 'partial-S(q)', pair: ['Cu', 'Xx'] })).toThrow(/element symbol/);
  });

  it('refuses real-space parameters on q curves, non-positive σ and an empty xRange', () => {
    expect(measuredDataDeclarationSchema.safeParse({ ...XRAY_S, qmaxInvA: 20 }).success).toBe(false);
    expect(measuredDataDeclarationSchema.safeParse({ ...XRAY_S, sigma: 0 }).success).toBe(false);
    expect(() => parseMeasuredDataDeclaration({ ...XRAY_S, xRange: [5, 2] })).toThrow(/max must be greater than min/);
  });
});

describe('parseDataSpec', () => {
  it('reads the example of the shorthand', () => {
    expect(parseDataSpec('sq.dat:S(q),radiation=xray,unit=1/nm,sigma=0.01')).toEqual({
      file: 'sq.dat',
      declaration: { quantity: 'S(q)', radiation: 'xray', xUnit: '1/nm', sigma: 0.01, weight: 1 },
    });
  });

  it('reads partials, ranges, real-space parameters and aliases', () => {
    expect(parseDataSpec('gCuZr.dat:partial-g(r),pair=cu-zr,range=2..12,unit=Å').declaration).toEqual({
      quantity: 'partial-g(r)',
      pair: ['Cu', 'Zr'],
      xUnit: 'A',
      xRange: [2, 12],
      weight: 1,
    });
    expect(parseDataSpec('a.gr:G(r),radiation=X-ray,qmax=24.5,qdamp=0.04,xmin=1.5,xmax=30,weight=2,name=run 7').declaration).toEqual({
      quantity: 'G(r)',
      radiation: 'xray',
      xUnit: 'A',
      qmaxInvA: 24.5,
      qdampInvA: 0.04,
      xRange: [1.5, 30],
      weight: 2,
      name: 'run 7',
    });
    expect(parseDataSpec('f.dat:F(Q),radiation=neutrons,unit=nm^-1').declaration).toMatchObject({ quantity: 'F(q)', radiation: 'neutron', xUnit: '1/nm' });
  });

  it('keeps colons in the file name (Windows drives, run labels)', () => {
    expect(parseDataSpec('C:\\data\\run:3.sq:S(q),radiation=xray').file).toBe('C:\\data\\run:3.sq');
  });

  it('round-trips through formatDataSpec', () => {
    for (const text of [
      'sq.dat:S(q),radiation=xray,unit=1/nm,sigma=0.01',
      'g.gr:G(r),radiation=electron,unit=nm,qmax=20,qdamp=0.03,range=0.2..3,weight=0.5,name=ePDF',
      'p.dat:partial-S(q),pair=Cu-Zr,unit=1/A',
    ]) {
      const spec = parseDataSpec(text);
      expect(parseDataSpec(formatDataSpec(spec.file, spec.declaration))).toEqual(spec);
    }
  });

  it.each([
    ['', /empty data spec/],
    ['sq.dat', /no ':QUANTITY'/],
    ['sq.dat:S(k),radiation=xray', /unknown quantity 'S\(k\)'/],
    ['sq.dat:I(q),radiation=xray', /intensity; the reduced i\(q\)/],
    [':S(q),radiation=xray', /no file name/],
    ['sq.dat:S(q)', /total curve: give radiation=/],
    ['sq.dat:S(q),radiation=gamma', /radiation=gamma is not one of/],
    ['sq.dat:S(q),radiation=xray,unit=nm', /unit=nm is a unit of r, but S\(q\) is a function of q: use 1\/A or 1\/nm/],
    ['g.dat:g(r),radiation=xray,unit=1/A', /unit=1\/A is a unit of q, but g\(r\) is a function of r/],
    ['sq.dat:S(q),radiation=xray,unit=furlong', /unknown unit 'furlong'/],
    ['sq.dat:S(q),radiation=xray,colour=blue', /unknown key 'colour'/],
    ['sq.dat:S(q),radiation=xray,sigma', /'sigma' is not key=value/],
    ['sq.dat:S(q),radiation=xray,sigma=', /sigma= has no value/],
    ['sq.dat:S(q),radiation=xray,sigma=abc', /sigma=abc is not a number/],
    ['sq.dat:S(q),radiation=xray,sigma=-1', /sigma: Too small/],
    ['sq.dat:S(q),radiation=xray,radiation=neutron', /radiation is given twice/],
    ['sq.dat:S(q),radiation=xray,qmax=20', /qmax is a parameter of G\(r\) and g\(r\)/],
    ['sq.dat:S(q),radiation=xray,pair=Cu-Zr', /pair= is only for partial/],
    ['p.dat:partial-g(r)', /needs pair=A-B/],
    ['p.dat:partial-g(r),pair=Cu', /pair=Cu is not two element symbols/],
    ['sq.dat:S(q),radiation=xray,xmin=1', /xmin= and xmax= go together/],
    ['sq.dat:S(q),radiation=xray,range=1-5', /range=1-5 is not min..max/],
    ['sq.dat:S(q),radiation=xray,range=5..1', /max must be greater than min/],
  ])('refuses %j', (text, pattern) => {
    expect(() => parseDataSpec(text)).toThrow(pattern);
  });

  it('names the spec in its errors', () => {
    expect(() => parseDataSpec('sq.dat:S(q),radiation=xray,unit=nm')).toThrow(/^data spec 'sq.dat:S\(q\),radiation=xray,unit=nm': /);
  });
});

// ----- formats ------------------------------------------------------------------------------------------------------

describe('plain ASCII curves', () => {
  it('reads 2 whitespace columns with comments of every kind, blank lines and a default σ', () => {
    const body = table(Q.map((q) => [q, sOf(q)]), '\t  ');
    const text = `# S(q) of Cu64Zr36\n! written by a Fortran program\n% MATLAB comment\n; INI-style comment\n\n${body}\n\n`;
    const curve = parseMeasuredCurve(text, 'cuzr.sq.txt', XRAY_S);
    expect(curve.x).toHaveLength(Q.length);
    expect(curve.x[0]).toBeCloseTo(0.5, 12);
    expect(curve.y[10]).toBeCloseTo(sOf(Q[10] as number), 6);
    expect(curve.source).toMatchObject({ file: 'cuzr.sq.txt', format: 'plain', columnsUsed: [1, 2], sigmaFrom: 'default' });
    expect(curve.source.lines).toBe(text.split('\n').length - 1);
    expect(curve.source.lineNumbers[0]).toBe(6);
    expect(curve.source.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    // Default σ: 1 % of the y range.
    const range = Math.max(...curve.y) - Math.min(...curve.y);
    expect(curve.sigma.every((s) => Math.abs(s - 0.01 * range) < 1e-15)).toBe(true);
    expect(curve.notes.join('\n')).toMatch(/4 comment lines skipped/);
    expect(curve.notes.join('\n')).toMatch(/1 % of the y range/);
    expect(curve.notes.join('\n')).not.toMatch(/warning/);
  });

  it('reads 3 comma-separated columns as x y σ, with trailing comments and separators', () => {
    const rows = Q.map((q) => `${q.toFixed(3)}, ${sOf(q).toFixed(6)}, 0.02, # point`);
    rows[3] = rows[3]?.replace(', # point', ' # a note') ?? '';
    const curve = parseMeasuredCurve(`q,S,dS\n${rows.join('\r\n')}\r\n`, 'sq.csv', { ...XRAY_S, sigma: 0.5 });
    expect(curve.source.columnsUsed).toEqual([1, 2, 3]);
    expect(curve.source.sigmaFrom).toBe('file');
    expect(Array.from(curve.sigma).every((s) => s === 0.02)).toBe(true);
    expect(curve.notes.join('\n')).toMatch(/1 text line before the data skipped as a header \(line 1\)/);
    expect(curve.notes.join('\n')).toMatch(/declared σ = 0.5 is not used/);
  });

  it('reads semicolon-separated files with decimal commas and Fortran exponents', () => {
    const text = Q.slice(0, 40)
      .map((q) => `${q.toFixed(3).replace('.', ',')};${sOf(q).toExponential(6).replace('e', 'D')}`)
      .join('\n');
    const curve = parseMeasuredCurve(text, 'excel.csv', { ...XRAY_S, sigma: 0.03 });
    expect(curve.x[1]).toBeCloseTo(0.55, 12);
    expect(curve.y[1]).toBeCloseTo(sOf(0.55), 6);
    expect(curve.source.sigmaFrom).toBe('declaration');
    expect(curve.sigma[0]).toBe(0.03);
    expect(curve.notes).toContain('decimal commas read as decimal points');
    expect(curve.notes.join('\n')).toMatch(/Fortran D exponents/);
  });

  it('converts q in nm⁻¹ to Å⁻¹, and F(q) with it', () => {
    const qNm = Q.map((q) => q * 10);
    // F = q(S − 1) written with q in nm⁻¹ has values in nm⁻¹.
    const text = table(qNm.map((q) => [q, q * (sOf(q / 10) - 1), 0.05 * q]));
    const curve = parseMeasuredCurve(text, 'fq_nm.dat', { quantity: 'F(q)', radiation: 'electron', xUnit: '1/nm' });
    expect(curve.x[0]).toBeCloseTo(0.5, 10);
    expect(curve.x[Q.length - 1]).toBeCloseTo(Q[Q.length - 1] as number, 10);
    const k = 100;
    const q = Q[k] as number;
    expect(curve.y[k]).toBeCloseTo(q * (sOf(q) - 1), 5);
    expect(curve.sigma[k]).toBeCloseTo(0.05 * q, 8);
    expect(curve.notes.join('\n')).toMatch(/x converted from nm⁻¹ to Å⁻¹ \(×0.1\); F\(q\) values and σ ×0.1/);
    // S(q) is dimensionless: only x changes.
    const s = parseMeasuredCurve(table(qNm.map((v) => [v, sOf(v / 10)])), 'sq_nm.dat', { ...XRAY_S, xUnit: '1/nm' });
    expect(s.y[k]).toBeCloseTo(sOf(q), 6);
  });

  it('converts r in nm to Å, and G(r) from nm⁻² to Å⁻²', () => {
    const rNm = R.map((r) => r / 10);
    const G = (r: number) => 4 * Math.PI * RHO * r * (gOf(r) - 1); // Å⁻²
    const text = table(rNm.map((r) => [r, G(r * 10) * 100])); // nm⁻² = 100 Å⁻²
    const curve = parseMeasuredCurve(text, 'gr_nm.dat', { quantity: 'G(r)', radiation: 'xray', xUnit: 'nm' });
    expect(curve.x[299]).toBeCloseTo(3.0, 10);
    expect(curve.y[299]).toBeCloseTo(G(3.0), 5);
    expect(curve.notes.join('\n')).toMatch(/x converted from nm to Å \(×10\); G\(r\) values and σ ×0.01/);
    // g(r) is dimensionless.
    const g = parseMeasuredCurve(table(rNm.map((r) => [r, gOf(r * 10)])), 'g_nm.dat', { quantity: 'g(r)', radiation: 'xray', xUnit: 'nm' });
    expect(g.y[299]).toBeCloseTo(gOf(3.0), 6);
  });

  it('keeps only the xRange, given in the declared unit', () => {
    const qNm = Q.map((q) => q * 10);
    const curve = parseMeasuredCurve(table(qNm.map((q) => [q, sOf(q / 10)])), 'sq_nm.dat', { ...XRAY_S, xUnit: '1/nm', xRange: [20, 100] });
    expect(curve.x[0]).toBeGreaterThanOrEqual(2 - 1e-12);
    expect(curve.x[curve.x.length - 1]).toBeLessThanOrEqual(10 + 1e-12);
    expect(curve.x).toHaveLength(161);
    expect(curve.source.lineNumbers[0]).toBe(31);
    expect(curve.notes.join('\n')).toMatch(/points outside xRange \[20, 100\] nm⁻¹ dropped: 30 below, 109 above; 161 kept/);
  });

  it('warns when the curve does not tend to what its quantity should', () => {
    const text = table(Q.map((q) => [q, sOf(q)]));
    const asI = parseMeasuredCurve(text, 'really-sq.dat', { quantity: 'i(q)', radiation: 'xray' });
    expect(asI.notes.join('\n')).toMatch(/warning: i\(q\) = S\(q\) − 1 should tend to 0 at high q.*is this S\(q\)\?/);
    const rText = table(R.map((r) => [r, gOf(r)]));
    const asG = parseMeasuredCurve(rText, 'really-g.dat', { quantity: 'G(r)', radiation: 'xray' });
    expect(asG.notes.join('\n')).toMatch(/is this g\(r\)\?/);
    const asS = parseMeasuredCurve(table(Q.map((q) => [q, sOf(q) - 1])), 'really-i.dat', XRAY_S);
    expect(asS.notes.join('\n')).toMatch(/S\(q\) should tend to 1 at high q.*is this i\(q\)/);
  });
});

/** A PDFgetX3 output as the program writes it: its configuration, the start-data marker, #S and #L lines. */
function pdfgetx3(kind: 'gr' | 'sq' | 'fq' | 'iq', rows: number[][], extra = ''): string {
  const labels = { gr: 'r($\\AA$)  G($\\AA^{-2}$)', sq: 'Q($\\AA^{-1}$)  S', fq: 'Q($\\AA^{-1}$)  F($\\AA^{-1}$)', iq: 'Q($\\AA^{-1}$)  I' }[kind];
  return [
    '[DEFAULT]',
    '',
    'version = 2.2.1',
    '',
    '# input and output specifications',
    'dataformat = QA',
    'inputfile = cuzr.chi',
    'backgroundfile = kapton.chi',
    `outputtype = ${kind}`,
    '',
    '# PDF calculation setup',
    'mode = xray',
    'wavelength = 0.1665',
    'composition = Cu64Zr36',
    'bgscale = 0.98',
    'rpoly = 0.9',
    'qmaxinst = 25.0',
    'qmin = 0.6',
    'qmax = 22.5',
    'rmin = 0.0',
    'rmax = 20.0',
    'rstep = 0.01',
    extra,
    '# End of config --------------------------------------------------------------',
    '#### start data',
    '#S 1',
    `#L ${labels}`,
    table(rows),
  ].join('\n');
}

describe('PDFgetX3 and PDFgui files', () => {
  const G = (r: number) => 4 * Math.PI * RHO * r * (gOf(r) - 1);

  it('reads a .gr file and takes Qmax from its header', () => {
    const text = pdfgetx3('gr', R.map((r) => [r, G(r)]));
    const curve = parseMeasuredCurve(text, 'cuzr.gr', { quantity: 'G(r)', radiation: 'xray' });
    expect(curve.source.format).toBe('pdfgetx');
    expect(curve.x).toHaveLength(R.length);
    expect(curve.source.lineNumbers[0]).toBe(28);
    expect(curve.declaration).toMatchObject({ quantity: 'G(r)', qmaxInvA: 22.5, xUnit: 'A' });
    expect(curve.declaration.quantity === 'G(r)' && curve.declaration.qdampInvA).toBeUndefined();
    const notes = curve.notes.join('\n');
    expect(notes).toMatch(/24 header lines before '#### start data' \(line 25\)/);
    expect(notes).toMatch(/qmaxInvA = 22.5 Å⁻¹ from the header's qmax \(line 19\)/);
    expect(notes).toMatch(/2 comment lines skipped/);
  });

  it('keeps a declared Qmax and uses qmaxinst and qdamp when that is what the header has', () => {
    const rows = R.map((r) => [r, G(r)]);
    const declared = parseMeasuredCurve(pdfgetx3('gr', rows), 'a.gr', { quantity: 'G(r)', radiation: 'xray', qmaxInvA: 20 });
    expect(declared.declaration.quantity === 'G(r)' && declared.declaration.qmaxInvA).toBe(20);
    expect(declared.notes.join('\n')).toMatch(/declared qmaxInvA = 20 Å⁻¹ is kept; the header's qmax \(line 19\) says 22.5/);
    const noQmax = pdfgetx3('gr', rows, 'qdamp = 0.045').replace('qmax = 22.5', 'qmaxmin = 1');
    const fromInst = parseMeasuredCurve(noQmax, 'b.gr', { quantity: 'G(r)', radiation: 'xray' });
    expect(fromInst.notes.join('\n')).toMatch(/qmaxInvA = 25 Å⁻¹ from the header's qmaxinst \(line 17\)/);
    expect(fromInst.declaration).toMatchObject({ qmaxInvA: 25, qdampInvA: 0.045 });
  });

  it('refuses a radiation that contradicts the header, naming its line', () => {
    const err = errorOf(() => parseMeasuredCurve(pdfgetx3('gr', R.map((r) => [r, G(r)])), 'x.gr', { quantity: 'G(r)', radiation: 'neutron' }));
    expectFileLine(err, 'x.gr', 12, 'the header says the data are xray data, but the declaration says neutron');
  });

  it('reads .sq, .fq and .iq outputs, and checks the declared quantity against the labels', () => {
    const sq = parseMeasuredCurve(pdfgetx3('sq', Q.map((q) => [q, sOf(q)])), 'cuzr.sq', XRAY_S);
    expect(sq.y[50]).toBeCloseTo(sOf(Q[50] as number), 6);
    // Qmax belongs to real-space curves: an S(q) declaration is not given one.
    expect('qmaxInvA' in sq.declaration).toBe(false);

    const fq = parseMeasuredCurve(pdfgetx3('fq', Q.map((q) => [q, q * (sOf(q) - 1)])), 'cuzr.fq', { quantity: 'F(q)', radiation: 'xray' });
    expect(fq.y[50]).toBeCloseTo((Q[50] as number) * (sOf(Q[50] as number) - 1), 6);

    const wrong = errorOf(() => parseMeasuredCurve(pdfgetx3('fq', Q.map((q) => [q, q * (sOf(q) - 1)])), 'cuzr.fq', XRAY_S));
    expectFileLine(wrong, 'cuzr.fq', 27, 'the column labels say y is F(q)', 'declared as S(q)');

    const iq = parseMeasuredCurve(pdfgetx3('iq', Q.map((q) => [q, 1000 * sOf(q)])), 'cuzr.iq', { quantity: 'i(q)', radiation: 'xray' });
    expect(iq.notes.join('\n')).toMatch(/warning: the column label 'I' \(line 27\) names an intensity I\(q\)/);
    expect(iq.notes.join('\n')).toMatch(/warning: i\(q\) = S\(q\) − 1 should tend to 0/);
  });

  it('checks a PDFgetX3 file without labels by its extension', () => {
    const text = pdfgetx3('sq', Q.map((q) => [q, sOf(q)])).replace(/^#L .*$/m, '');
    const err = errorOf(() => parseMeasuredCurve(text, 'cuzr.sq', { quantity: 'F(q)', radiation: 'xray' }));
    expect(err.message).toMatch(/^cuzr.sq: PDFgetX3 writes S\(q\) to .sq files, but the file was declared as F\(q\)/);
  });

  it('reads #L labels in plain files too: an nm label against a declared Å⁻¹', () => {
    const text = `#L q(1/nm) S(q)\n${table(Q.map((q) => [q * 10, sOf(q)]))}`;
    expectFileLine(errorOf(() => parseMeasuredCurve(text, 'nm.txt', XRAY_S)), 'nm.txt', 1, 'gives x in nm units, but the declaration says 1/A: declare unit 1/nm');
    expect(parseMeasuredCurve(text, 'nm.txt', { ...XRAY_S, xUnit: '1/nm' }).x[0]).toBeCloseTo(0.5, 12);
  });

  it('refuses a unit that contradicts the labels, naming the label line', () => {
    const err = errorOf(() => parseMeasuredCurve(pdfgetx3('sq', Q.map((q) => [q, sOf(q)])), 'cuzr.sq', { ...XRAY_S, xUnit: '1/nm' }));
    expectFileLine(err, 'cuzr.sq', 27, "gives x in Å units, but the declaration says 1/nm: declare unit 1/A");
    const family = errorOf(() => parseMeasuredCurve(pdfgetx3('sq', Q.map((q) => [q, sOf(q)])), 'cuzr.sq', { quantity: 'g(r)', radiation: 'xray' }));
    expectFileLine(family, 'cuzr.sq', 27, 'the column labels say x is q');
  });

  it("reads PDFgui's four columns r G dr dG, its qdamp and stype", () => {
    const header = ['History written: Mon Jan  1 00:00:00 2024', 'produced by someone', '##### PDFgui', 'stype=X  x-ray scattering', 'qmax=24.00', 'qdamp=0.0385', 'qbroad=0', 'dscale=1', '##### start data', '#L r(A) G(r) d_r d_Gr'];
    const withSigma = header.join('\n') + '\n' + table(R.slice(100, 600).map((r) => [r, G(r), 0, 0.01 + 0.001 * r]));
    const curve = parseMeasuredCurve(withSigma, 'fit.gr', { quantity: 'G(r)', radiation: 'xray' });
    expect(curve.source.columnsUsed).toEqual([1, 2, 4]);
    expect(curve.sigma[0]).toBeCloseTo(0.01 + 0.001 * (R[100] as number), 10);
    expect(curve.declaration).toMatchObject({ qmaxInvA: 24, qdampInvA: 0.0385 });

    const zeros = header.join('\n') + '\n' + table(R.slice(100, 600).map((r) => [r, G(r), 0, 0]));
    const noSigma = parseMeasuredCurve(zeros, 'fit.gr', { quantity: 'G(r)', radiation: 'xray', sigma: 0.02 });
    expect(noSigma.source).toMatchObject({ columnsUsed: [1, 2], sigmaFrom: 'declaration' });
    expect(noSigma.notes.join('\n')).toMatch(/dG column is all zero/);

    const neutron = errorOf(() => parseMeasuredCurve(zeros, 'fit.gr', { quantity: 'G(r)', radiation: 'neutron' }));
    expectFileLine(neutron, 'fit.gr', 4, 'the header says the data are xray data');
  });
});

describe('RMCProfile / RMC++ files', () => {
  const rows = Q.slice(0, 120).map((q) => [q, sOf(q)]);

  it('accepts a point count and a title line', () => {
    const curve = parseMeasuredCurve(`${rows.length}\n  S(Q) of Cu64Zr36, 10 K\n${table(rows)}`, 'cuzr_sq.dat', XRAY_S);
    expect(curve.source.format).toBe('rmcprofile');
    expect(curve.x).toHaveLength(rows.length);
    expect(curve.source.lineNumbers[0]).toBe(3);
    expect(curve.notes.join('\n')).toMatch(/point count 120 \(line 1\) and title 'S\(Q\) of Cu64Zr36, 10 K' \(line 2\) skipped/);
  });

  it('accepts a title line before the count', () => {
    const curve = parseMeasuredCurve(`Cu64Zr36 S(Q)\n${rows.length}\n${table(rows)}`, 'rmcpp.dat', XRAY_S);
    expect(curve.source.format).toBe('rmcprofile');
    expect(curve.x).toHaveLength(rows.length);
    expect(curve.notes.join('\n')).toMatch(/point count 120 \(line 2\) and title 'Cu64Zr36 S\(Q\)' \(line 1\) skipped/);
  });

  it('accepts a count line without a title', () => {
    const curve = parseMeasuredCurve(`# RMC data\n${rows.length}\n${table(rows)}`, 'count-only.dat', XRAY_S);
    expect(curve.source.format).toBe('rmcprofile');
    expect(curve.x).toHaveLength(rows.length);
  });

  it('refuses a count that does not match the data, naming the count line', () => {
    const err = errorOf(() => parseMeasuredCurve(`500\ntitle\n${table(rows)}`, 'short.dat', XRAY_S));
    expectFileLine(err, 'short.dat', 1, 'the single integer 500 reads as an RMCProfile point count, but 120 data lines follow the title on line 2');
  });
});

// ----- refused input ------------------------------------------------------------------------------------------------

describe('bad input', () => {
  const good = Q.slice(0, 20).map((q) => [q, sOf(q)]);
  const lines = () => table(good).trimEnd().split('\n');

  it('no numeric data', () => {
    const err = errorOf(() => parseMeasuredCurve('# nothing\nq S(q)\nsee the paper\n', 'empty.dat', XRAY_S));
    expect(err.message).toMatch(/^empty.dat: no numeric data in its 3 lines \(the first non-comment line, 2, is 'q S\(q\)'\)/);
    expect(() => parseMeasuredCurve('', 'blank.dat', XRAY_S)).toThrow(/^blank.dat: no numeric data/);
  });

  it('x not strictly increasing', () => {
    const l = lines();
    [l[7], l[8]] = [l[8] ?? '', l[7] ?? ''];
    expectFileLine(errorOf(() => parseMeasuredCurve(l.join('\n'), 'unsorted.dat', XRAY_S)), 'unsorted.dat', 9, 'does not increase', 'on line 8');
    const d = lines();
    d[5] = d[4] ?? '';
    expectFileLine(errorOf(() => parseMeasuredCurve(d.join('\n'), 'dup.dat', XRAY_S)), 'dup.dat', 6, 'x must increase strictly');
  });

  it.each([
    ['nan', 'NaN'],
    ['inf', '-inf'],
    ['overflow', '1e999'],
    ['fortran', '********'],
  ])('a non-finite value (%s)', (_, token) => {
    const l = lines();
    l[4] = `${good[4]?.[0]} ${token}`;
    expectFileLine(errorOf(() => parseMeasuredCurve(l.join('\n'), 'nan.dat', XRAY_S)), 'nan.dat', 5, `y (column 2) is '${token}', not a finite number`);
  });

  it('fewer than 2 columns', () => {
    const text = Q.slice(0, 20).map((q) => sOf(q).toFixed(5)).join('\n');
    expectFileLine(errorOf(() => parseMeasuredCurve(`# S only\n${text}`, 'one.dat', XRAY_S)), 'one.dat', 2, 'only 1 column; expected 2 (x y) or 3 (x y σ)');
  });

  it('a mix of column counts', () => {
    const l = lines();
    l[10] = `${l[10]} 0.01`;
    expectFileLine(errorOf(() => parseMeasuredCurve(l.join('\n'), 'mix.dat', XRAY_S)), 'mix.dat', 11, '3 columns, but the first data line (1) has 2');
  });

  it('too many columns outside the PDF convention', () => {
    const text = Q.slice(0, 20).map((q) => `${q} ${sOf(q)} 0.01 7 8`).join('\n');
    expectFileLine(errorOf(() => parseMeasuredCurve(text, 'five.dat', XRAY_S)), 'five.dat', 1, '5 columns; expected 2 (x y) or 3 (x y σ)');
  });

  it('negative or zero σ', () => {
    const rows = Q.slice(0, 20).map((q, k) => `${q} ${sOf(q)} ${k === 6 ? -0.01 : k === 9 ? 0 : 0.01}`);
    expectFileLine(errorOf(() => parseMeasuredCurve(rows.join('\n'), 'neg.dat', XRAY_S)), 'neg.dat', 7, 'σ = -0.01 (column 3); uncertainties must be positive');
    rows[6] = `${Q[6]} 1 0.01`;
    expectFileLine(errorOf(() => parseMeasuredCurve(rows.join('\n'), 'zero.dat', XRAY_S)), 'zero.dat', 10, 'σ = 0 (column 3)');
  });

  it('an unknown unit or a unit of the other family (a declaration problem: no line in the file)', () => {
    const text = table(good);
    const wrongFamily = errorOf(() => parseMeasuredCurve(text, 'u.dat', { quantity: 'S(q)', radiation: 'xray', xUnit: 'A' } as unknown as MeasuredDataDeclarationInput));
    expect(wrongFamily.message).toMatch(/^u.dat: invalid data declaration: xUnit: a q unit: 1\/A or 1\/nm/);
    expect(wrongFamily.line).toBeNull();
    const unknown = errorOf(() => parseMeasuredCurve(text, 'u.dat', { quantity: 'G(r)', radiation: 'xray', xUnit: 'pm' } as unknown as MeasuredDataDeclarationInput));
    expect(unknown.message).toMatch(/^u.dat: invalid data declaration: xUnit: an r unit: A or nm/);
  });

  it('q beyond 50 Å⁻¹ declared in Å⁻¹ suggests nm⁻¹', () => {
    const text = `# q in 1/nm really\n${table(Q.map((q) => [q * 10, sOf(q)]))}`;
    const err = errorOf(() => parseMeasuredCurve(text, 'nm.dat', XRAY_S));
    const line = 2 + Q.findIndex((q) => q * 10 > MAX_Q_INV_A);
    expectFileLine(err, 'nm.dat', line, 'beyond any total-scattering measurement', 'probably in nm⁻¹', 'declare unit 1/nm');
  });

  it('an xRange that leaves fewer than 5 points', () => {
    const err = errorOf(() => parseMeasuredCurve(table(good), 'range.dat', { ...XRAY_S, xRange: [0.6, 0.75] }));
    expectFileLine(err, 'range.dat', 3, 'xRange [0.6, 0.75] Å⁻¹ keeps 4 (lines 3, 4, 5, 6) of the 20 points', 'at least 5 are needed');
    const none = errorOf(() => parseMeasuredCurve(table(good), 'range.dat', { ...XRAY_S, xRange: [30, 40] }));
    expect(none.message).toMatch(/^range.dat: xRange \[30, 40\] Å⁻¹ keeps none of the 20 points \(x from 0.5 to 1.45, lines 1–20\)/);
  });

  it('fewer than 5 points in the whole file', () => {
    expectFileLine(errorOf(() => parseMeasuredCurve(table(good.slice(0, 3)), 'three.dat', XRAY_S)), 'three.dat', 3, 'only 3 data points (lines 1, 2, 3)');
  });

  it('text after the data began', () => {
    const l = lines();
    l.splice(12, 0, 'END OF BANK 1');
    expectFileLine(errorOf(() => parseMeasuredCurve(l.join('\n'), 'text.dat', XRAY_S)), 'text.dat', 13, "'END OF BANK 1' is not numeric data (the data begin on line 1)");
  });

  it('negative x', () => {
    const text = table([[-0.1, 1], ...good]);
    expectFileLine(errorOf(() => parseMeasuredCurve(text, 'neg-x.dat', XRAY_S)), 'neg-x.dat', 1, 'q = -0.1 is negative');
  });

  it('escapes control characters quoted from the file', () => {
    const l = lines();
    l.splice(3, 0, 'bad \u001b[31mred');
    const err = errorOf(() => parseMeasuredCurve(l.join('\n'), 'esc.dat', XRAY_S));
    expect(err.message).toContain('\\x1b[31m');
    expect(err.message).not.toContain('\u001b');
  });
});

// ----- files on disk --------------------------------------------------------------------------------------------------

describe('readMeasuredCurve', () => {
  const dir = tempDir('ssro-rmc-data-');
  const rows = Q.map((q) => [q, sOf(q), 0.01]);

  it('reads a file and hashes its bytes', () => {
    const file = path.join(dir, 'sq.dat');
    fs.writeFileSync(file, `\uFEFF# with a BOM\n${table(rows)}`);
    const curve = readMeasuredCurve(file, XRAY_S);
    expect(curve.source.file).toBe(file);
    expect(curve.source.sha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    expect(curve.x).toHaveLength(Q.length);
    expect(curve.source.sigmaFrom).toBe('file');
  });

  it('reads UTF-16 files with a byte-order mark', () => {
    const file = path.join(dir, 'sq16.dat');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`# Å\n${table(rows)}`, 'utf16le')]));
    expect(readMeasuredCurve(file, XRAY_S).y[3]).toBeCloseTo(sOf(Q[3] as number), 6);
  });

  it('refuses missing, compressed and binary files, naming them', () => {
    const missing = path.join(dir, 'missing.dat');
    expect(() => readMeasuredCurve(missing, XRAY_S)).toThrow(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read`));
    const gz = path.join(dir, 'sq.dat.gz');
    fs.writeFileSync(gz, zlib.gzipSync(table(rows)));
    expect(() => readMeasuredCurve(gz, XRAY_S)).toThrow(/gzip-compressed; decompress it first/);
    const bin = path.join(dir, 'sq.bin');
    fs.writeFileSync(bin, Buffer.from([1, 2, 0, 4, 5]));
    expect(() => readMeasuredCurve(bin, XRAY_S)).toThrow(/sq.bin: the file holds NUL bytes/);
  });
});

// ----- conversions --------------------------------------------------------------------------------------------------

describe('conversions between forms', () => {
  const q = Float64Array.from([0, ...Q]);
  const S = q.map((v) => sOf(v));
  const sigmaS = q.map(() => 0.02);

  it('F(q) → S(q) = 1 + F/q and i(q) → S(q) = 1 + i, with σ', () => {
    const F = q.map((v, k) => v * ((S[k] as number) - 1));
    const fromF = toStructureFactor({ quantity: 'F(q)', x: q, y: F, sigma: q.map((v) => 0.02 * v) });
    expect(fromF.quantity).toBe('S(q)');
    expect(fromF.x).toHaveLength(q.length - 1); // q = 0 dropped
    expect(fromF.notes.join('\n')).toMatch(/1 point at q = 0 .* dropped/);
    for (let k = 0; k < fromF.x.length; k++) {
      expect(fromF.y[k]).toBeCloseTo(S[k + 1] as number, 12);
      expect(fromF.sigma?.[k]).toBeCloseTo(0.02, 12);
    }
    const fromI = toStructureFactor({ quantity: 'i(q)', x: q, y: S.map((v) => v - 1) });
    expect(fromI.x).toHaveLength(q.length);
    expect(fromI.y[7]).toBeCloseTo(S[7] as number, 14);
    expect(fromI.sigma).toBeUndefined();
  });

  it('S → F → i → S round-trips', () => {
    const F = convertQCurve({ quantity: 'S(q)', x: q, y: S, sigma: sigmaS }, 'F(q)');
    expect(F.x[0]).toBeGreaterThan(0); // F ≡ 0 with σ 0 at q = 0 is dropped
    expect(F.sigma?.[10]).toBeCloseTo(0.02 * (F.x[10] as number), 14);
    const i = convertQCurve(F, 'i(q)');
    const back = convertQCurve(i, 'S(q)');
    for (let k = 0; k < back.x.length; k++) expect(back.y[k]).toBeCloseTo(S[k + 1] as number, 12);
    expect(back.sigma?.[5]).toBeCloseTo(0.02, 12);
  });

  it('G(r) ↔ g(r) with the number density, σ scaled by 4πρr', () => {
    const r = Float64Array.from([0, ...R.slice(0, 1500)]);
    const g = r.map((v) => gOf(v));
    const G = toReducedPdf({ quantity: 'g(r)', x: r, y: g, sigma: r.map(() => 0.01) }, RHO);
    expect(G.quantity).toBe('G(r)');
    expect(G.x).toHaveLength(r.length - 1);
    const k = 270; // r = 2.71 Å
    const rk = G.x[k] as number;
    expect(G.y[k]).toBeCloseTo(4 * Math.PI * RHO * rk * (gOf(rk) - 1), 12);
    expect(G.sigma?.[k]).toBeCloseTo(4 * Math.PI * RHO * rk * 0.01, 14);
    const gBack = toPairDistribution(G, RHO);
    expect(gBack.y[k]).toBeCloseTo(gOf(rk), 12);
    expect(gBack.sigma?.[k]).toBeCloseTo(0.01, 12);
    // Inside the closest approach g = 0, so G = −4πρr there.
    expect(G.y[100]).toBeCloseTo(-4 * Math.PI * RHO * (G.x[100] as number), 12);
  });

  it('converts a curve read from a file', () => {
    const G = (v: number) => 4 * Math.PI * RHO * v * (gOf(v) - 1);
    const curve = parseMeasuredCurve(table(R.map((v) => [v, G(v), 0.005])), 'g.gr', { quantity: 'G(r)', radiation: 'xray' });
    const g = toPairDistribution(curve, RHO);
    expect(g.quantity).toBe('g(r)');
    expect(g.y[499]).toBeCloseTo(gOf(5.0), 6);
    expect(convertRCurve(curve, 'G(r)', RHO).y[10]).toBe(curve.y[10]);
  });

  it('keeps partials as they are and refuses what it cannot convert', () => {
    const partial = { quantity: 'partial-S(q)' as const, x: q, y: S };
    expect(toStructureFactor(partial).y).toEqual(S);
    expect(() => convertQCurve(partial, 'F(q)')).toThrow(/is a partial/);
    expect(toPairDistribution({ quantity: 'partial-g(r)', x: q, y: S }, RHO).quantity).toBe('partial-g(r)');
    expect(() => toReducedPdf({ quantity: 'partial-g(r)', x: q, y: S }, RHO)).toThrow(/is a partial/);
    expect(() => convertQCurve({ quantity: 'G(r)', x: q, y: S }, 'S(q)')).toThrow(/is a function of r/);
    expect(() => toReducedPdf({ quantity: 'g(r)', x: q, y: S }, 60)).toThrow(/atoms\/nm³ are 1000× Å⁻³/);
    expect(() => toReducedPdf({ quantity: 'g(r)', x: q, y: S }, 0)).toThrow(/must be positive/);
    expect(() => toStructureFactor({ quantity: 'S(q)', x: q, y: S.subarray(1) })).toThrow(/must match/);
  });
});
