import { describe, expect, it } from 'vitest';
import { LineReader, LineTokenizer, readLines } from '../../../native-workers/lib/structure-io/line-reader';
import { ReadCancelled, StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { useTempFiles } from './temp-files';

const tmp = useTempFiles('line-reader');

function allLines(file: string, chunkBytes: number): { n: number; t: string }[] {
  const out: { n: number; t: string }[] = [];
  const r = new LineReader(file, { chunkBytes });
  while (r.next()) out.push({ n: r.lineNumber, t: r.text() });
  r.close();
  return out;
}

function tokenizer(text: string): LineTokenizer {
  const t = new LineTokenizer('f.txt');
  const buf = Buffer.from(text, 'latin1');
  t.reset(buf, 0, buf.length, 7);
  return t;
}

describe('LineReader', () => {
  it('yields every line with its 1-based number across chunk boundaries, CRLF and no final newline', () => {
    const text = 'alpha\r\nbeta\n\ngamma is a longer line than one chunk\ndelta';
    const file = tmp.write('lines.txt', text);
    for (const chunk of [16, 17, 23, 4096]) {
      expect(allLines(file, chunk)).toEqual([
        { n: 1, t: 'alpha' },
        { n: 2, t: 'beta' },
        { n: 3, t: '' },
        { n: 4, t: 'gamma is a longer line than one chunk' },
        { n: 5, t: 'delta' },
      ]);
    }
  });

  it('handles a final newline, an empty file and lines exactly at chunk size', () => {
    expect(allLines(tmp.write('empty.txt', ''), 16)).toEqual([]);
    const row = 'x'.repeat(15);
    const file = tmp.write('exact.txt', `${row}\n${row}\n`);
    expect(allLines(file, 16)).toEqual([
      { n: 1, t: row },
      { n: 2, t: row },
    ]);
  });

  it('reports line offsets and restarts at an offset with the right line numbers', () => {
    const file = tmp.write('offsets.txt', 'a\nbb\nccc\ndddd\n');
    const r = new LineReader(file, { chunkBytes: 16 });
    r.next();
    r.next();
    expect(r.lineOffset()).toBe(2);
    expect(r.nextLineOffset()).toBe(5);
    r.close();
    const again = new LineReader(file, { startOffset: 5, startLine: 3, chunkBytes: 16 });
    expect(again.next()).toBe(true);
    expect([again.lineNumber, again.text()]).toEqual([3, 'ccc']);
    expect(again.skipLines(5)).toBe(1);
    again.close();
  });

  it('reports progress up to 1 and throws ReadCancelled when asked between chunks', () => {
    const file = tmp.write('big.txt', 'line of text\n'.repeat(1000));
    const seen: number[] = [];
    const r = new LineReader(file, { chunkBytes: 1024, onProgress: (f) => seen.push(f) });
    let n = 0;
    while (r.next()) n++;
    r.close();
    expect(n).toBe(1000);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    let polls = 0;
    const c = new LineReader(file, { chunkBytes: 1024, isCancelled: () => ++polls > 3 });
    expect(() => {
      while (c.next());
    }).toThrow(ReadCancelled);
    c.close();
  });

  it('readLines generator gives the same lines', () => {
    const file = tmp.write('gen.txt', 'one\ntwo\n');
    expect([...readLines(file)]).toEqual([
      { lineNumber: 1, text: 'one' },
      { lineNumber: 2, text: 'two' },
    ]);
  });

  it('names the file when it cannot be opened', () => {
    expect(() => new LineReader(`${tmp.dir}/missing.txt`)).toThrow(/missing\.txt: cannot open/);
  });
});

describe('LineTokenizer numbers', () => {
  const cases = [
    '0', '-0', '+1', '1', '0.5', '.5', '5.', '-12.345678', '1e5', '1E-5', '2.5e+3', '123456.789012',
    '9007199254740993', '0.1', '0.30000000000000004', '1.7976931348623157e308', '4.9e-324', '2.2250738585072014e-308',
    '123456789012345678901234567890', '0.000000000000000000000000012345', '3.14159265358979323846264338327950288',
    '1e22', '1e23', '9007199254740992e22', '-9.999999999999999e-23', '0.0000001', '14.845597109948141',
  ];
  it.each(cases)('parses %s bit-identically to parseFloat', (text) => {
    const v = tokenizer(`  ${text}\t`).nextFloat();
    expect(Object.is(v, parseFloat(text))).toBe(true);
  });

  it('matches parseFloat on 20,000 random decimal strings', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const texts: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      const style = i % 4;
      texts.push(style === 0 ? x.toFixed(6) : style === 1 ? x.toPrecision(17) : style === 2 ? x.toExponential(12) : String(x));
    }
    const t = tokenizer(texts.join(' '));
    for (const text of texts) {
      const v = t.nextFloat();
      if (!Object.is(v, parseFloat(text))) throw new Error(`${text}: ${v} ≠ ${parseFloat(text)}`);
    }
    expect(t.atEnd()).toBe(true);
  });

  it('reads ints, tokens, counts and stops at a # comment', () => {
    const t = tokenizer('12 -3 Cu 4.5 # note 7');
    expect(t.countTokens()).toBe(4);
    expect(t.nextInt()).toBe(12);
    expect(t.nextInt()).toBe(-3);
    expect(t.nextToken()).toBe('Cu');
    expect(t.nextFloat()).toBe(4.5);
    expect(t.atEnd()).toBe(true);
  });

  it.each([
    ['nan', /line 7: x is "nan", not a finite number/],
    ['-NaN', /line 7: x is "-NaN", not a finite number/],
    ['inf', /not a finite number/],
    ['1e999', /"1e999" is not a finite number/],
    ['1.2.3', /x expected, found "1.2.3"/],
    ['1e', /found "1e"/],
    ['abc', /found "abc"/],
    ['--1', /found "--1"/],
    ['1.5x', /found "1.5x"/],
    ['', /expected x but the line ends/],
  ])('rejects %j with a StructureFileError naming file and line', (text, message) => {
    const t = tokenizer(text);
    let err: unknown;
    try {
      t.nextFloat('x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StructureFileError);
    expect((err as StructureFileError).message).toMatch(/^f\.txt, line 7: /);
    expect((err as StructureFileError).message).toMatch(message);
  });

  it('rejects non-integers where an integer is expected', () => {
    expect(() => tokenizer('1.5').nextInt('atom id')).toThrow(/line 7: atom id expected, found "1.5"/);
    expect(() => tokenizer('7e2').nextInt('atom id')).toThrow(/found "7e2"/);
    expect(() => tokenizer('99999999999999999999').nextInt('atom id')).toThrow(/atom id expected/);
  });
});
