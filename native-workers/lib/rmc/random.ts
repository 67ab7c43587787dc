/**
 * A seeded generator whose whole state is four 32-bit words, so a resumed RMC run continues the exact sequence it
 * would have drawn (xoshiro128**, Blackman & Vigna, ACM Trans. Math. Softw. 47 (2021) 36). Written here rather than
 * taken from a package because the engine draws several numbers per move and needs the state as plain data for its
 * checkpoints; the generator is a dozen lines.
 */
export class Xoshiro128 {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      // SplitMix32 spreads one seed over the four words (an all-zero state would stay zero).
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
    } else {
      if (seed.length !== 4) throw new Error('a generator state is four 32-bit words');
      this.s.set(seed.map((v) => v >>> 0));
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** The next 32-bit word. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1] as number, 5), 7), 9) >>> 0;
    const t = ((s[1] as number) << 9) >>> 0;
    s[2] = (s[2] as number) ^ (s[0] as number);
    s[3] = (s[3] as number) ^ (s[1] as number);
    s[1] = (s[1] as number) ^ (s[2] as number);
    s[0] = (s[0] as number) ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  state(): number[] {
    return Array.from(this.s);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
