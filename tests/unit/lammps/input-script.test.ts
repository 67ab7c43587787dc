import { describe, expect, it } from 'vitest';
import { InputScript, int, num, word } from '../../../native-workers/lib/lammps/input-script';

describe('LAMMPS input script values', () => {
  it('prints numbers in full and refuses non-finite ones', () => {
    expect(num(2000)).toBe('2000');
    expect(num(0.002)).toBe('0.002');
    expect(num(1 / 3)).toBe('0.333333333333333');
    expect(() => num(Number.NaN, 'temperature')).toThrow(/temperature must be a finite number/);
    expect(() => num(Infinity)).toThrow(/finite/);
    expect(() => int(1.5, 'steps')).toThrow(/steps must be an integer/);
  });

  it('accepts identifiers and element symbols, refuses anything that could smuggle a command', () => {
    expect(word('Cu')).toBe('Cu');
    expect(word('potential.eam.fs')).toBe('potential.eam.fs');
    for (const bad of ['Cu Zr', 'x;shell rm -rf /', '$(v_x)', 'a&', '"q"', 'a\nrun 1', '']) {
      expect(() => word(bad, 'element')).toThrow(/not allowed in a LAMMPS script/);
    }
  });

  it('refuses unsafe tokens in commands but keeps its own variable references', () => {
    const s = new InputScript();
    s.command('variable', 'dmu', 'equal', '$(v_dmu+(v_dstep>0.1)*0.1)');
    s.command('fix', 'swap', 'all', 'atom/swap', '100', '10', '$(12+v_cycle)', '1000', 'mu', '0', '${dmu}');
    expect(() => s.command('print', '"hello"')).toThrow(/unsafe token/);
    expect(() => s.command('run', '10\nshell ls')).toThrow(/unsafe token/);
    expect(() => s.command('run', '10 # comment')).toThrow(/unsafe token/);
    expect(() => s.command('run', '${a} $b')).toThrow(/unsafe token/);
  });

  it('keeps comments on one line without continuation or variable characters', () => {
    const s = new InputScript();
    s.comment('name "x" &\nrun 99 $(1) ${v}');
    const text = s.text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).not.toMatch(/[&$]/);
  });

  it('writes stage markers and the done line the parser follows', () => {
    const text = new InputScript().stage(2, 'quench 2000 → 300 K "x"').done().text();
    expect(text).toBe('print "@ssro stage 2 quench 2000 → 300 K x"\nprint "@ssro done"\n');
  });
});
