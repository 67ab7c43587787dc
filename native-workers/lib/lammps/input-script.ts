/**
 * A LAMMPS input script assembled from typed values only: numbers are checked finite and printed in full precision,
 * words must match a safe pattern, and file names are fixed names inside the job's folder. No user-typed text is
 * ever pasted into a script, so a parameter cannot inject a LAMMPS command (or a shell escape such as `shell`).
 */

const SAFE_WORD = /^[A-Za-z][A-Za-z0-9_/.-]*$/;

/** A number as LAMMPS reads it; refuses NaN and infinities so a bad parameter fails here, not inside LAMMPS. */
export function num(value: number, what = 'value'): string {
  if (!Number.isFinite(value)) throw new Error(`the ${what} must be a finite number (got ${value})`);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
}

export function int(value: number, what = 'value'): string {
  if (!Number.isSafeInteger(value)) throw new Error(`the ${what} must be an integer (got ${value})`);
  return String(value);
}

/** An identifier, style name, element symbol or fixed file name. */
export function word(value: string, what = 'word'): string {
  if (!SAFE_WORD.test(value)) throw new Error(`the ${what} "${value}" is not allowed in a LAMMPS script`);
  return value;
}

export class InputScript {
  private readonly lines: string[] = [];

  comment(text: string): this {
    // Comments are for people reading the kept script. Keep a plain character set: no line breaks, and no `&`
    // (LAMMPS joins a line ending in & with the next one, which could swallow a command) or `$`.
    this.lines.push(`# ${text.replace(/[^\w .,:;=+\-*/()[\]{}"<>%→×]/g, ' ')}`);
    return this;
  }

  blank(): this {
    this.lines.push('');
    return this;
  }

  /** One command from pre-validated tokens (use num/int/word for every value). */
  command(...tokens: string[]): this {
    for (const t of tokens) {
      // Tokens come from num/int/word or fixed literals; `$` only as our own ${var} / $(expr) references.
      const withoutReferences = t.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([^()"'#]*(\([^()"'#]*\)[^()"'#]*)*\)/g, '');
      if (/[\r\n#"'$]/.test(withoutReferences)) throw new Error(`unsafe token in a LAMMPS command: ${JSON.stringify(t)}`);
    }
    this.lines.push(tokens.join(' '));
    return this;
  }

  /** A marker line the output parser follows: `@ssro stage <index>` (index −1 for an unplanned step such as minimise). */
  stage(index: number, name: string): this {
    this.lines.push(`print "@ssro stage ${int(index)} ${name.replace(/["\r\n$&]/g, '')}"`);
    return this;
  }

  /**
   * Appends one line of values to a file in the run folder (`print … append FILE screen no`), e.g. the semi-grand
   * controller's Δμ, which a resumed run reads back. Only our own `${var}` / `$(step)` references and plain words.
   */
  appendValues(file: string, values: string[]): this {
    for (const v of values) {
      if (!/^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\(step\)|[A-Za-z0-9_.+-]+)$/.test(v)) throw new Error(`unsafe value in a print line: ${JSON.stringify(v)}`);
    }
    this.lines.push(`print "${values.join(' ')}" append ${word(file, 'file name')} screen no`);
    return this;
  }

  /** The last line of every protocol: the parser only accepts a run that reached it. */
  done(): this {
    this.lines.push('print "@ssro done"');
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
