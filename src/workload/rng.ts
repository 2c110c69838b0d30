// The driver's random number generator: xoshiro128** on four u32 words,
// seeded by splitmix32. Only 32-bit integer operations (Math.imul, shifts,
// xor, >>> 0), so the AssemblyScript core reproduces every draw with u32
// arithmetic. The exact algorithm is spelled out in docs/SCENARIOS.md.

/** Golden-ratio increment of splitmix32. */
const SPLITMIX_GAMMA = 0x9e37_79b9;
/** splitmix32 finaliser multipliers. */
const SPLITMIX_MUL_1 = 0x85eb_ca6b;
const SPLITMIX_MUL_2 = 0xc2b2_ae35;

/** A xoshiro128** generator; `next()` returns a u32. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed a u32; the state words come from splitmix32(seed). */
  constructor(seed: number) {
    let x = seed >>> 0;
    const mix = (): number => {
      x = (x + SPLITMIX_GAMMA) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), SPLITMIX_MUL_1);
      z = Math.imul(z ^ (z >>> 13), SPLITMIX_MUL_2);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
    // xoshiro must not start from all zeros; splitmix32 never gives four
    // zero words in a row, but the rule is cheap to keep explicit.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next u32 (as a non-negative number). */
  next(): number {
    const s1 = this.s1;
    const times5 = Math.imul(s1, 5);
    const result = Math.imul((times5 << 7) | (times5 >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }
}
