// The driver's generator: xoshiro128** over four u32 words, seeded with
// splitmix32, as docs/SCENARIOS.md ("The RNG") specifies and
// src/workload/rng.ts implements on the host. u32 arithmetic wraps modulo
// 2^32 here, so every draw equals the host's bit for bit.
//
// The four words are wasm globals rather than linear memory: the driver
// draws up to five times per arrival, and a global costs no address math.
// One instance runs one driver at a time, so one set of words suffices.

/** splitmix32's golden-ratio increment and finaliser multipliers. */
const SPLITMIX_GAMMA: u32 = 0x9e3779b9;
const SPLITMIX_MUL_1: u32 = 0x85ebca6b;
const SPLITMIX_MUL_2: u32 = 0xc2b2ae35;
/** xoshiro128**'s multipliers, rotations and shift. */
const STAR_MUL: u32 = 5;
const STARSTAR_MUL: u32 = 9;
const RESULT_ROTATE: u32 = 7;
const STATE_SHIFT: u32 = 9;
const STATE_ROTATE: u32 = 11;
const HALF_SHIFT: u32 = 16;
const MIX_SHIFT: u32 = 13;

let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;
let splitmixState: u32 = 0;

function splitmixNext(): u32 {
  splitmixState += SPLITMIX_GAMMA;
  let z = splitmixState;
  z = (z ^ (z >> HALF_SHIFT)) * SPLITMIX_MUL_1;
  z = (z ^ (z >> MIX_SHIFT)) * SPLITMIX_MUL_2;
  return z ^ (z >> HALF_SHIFT);
}

/** Seeds the generator: s0..s3 are four splitmix32 outputs of `seed`. */
export function rngSeed(seed: u32): void {
  splitmixState = seed;
  s0 = splitmixNext();
  s1 = splitmixNext();
  s2 = splitmixNext();
  s3 = splitmixNext();
  // xoshiro must not start from all zeros (the host keeps the same rule).
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}

/** The next u32 draw. */
// @ts-ignore: decorator
@inline export function rngNext(): u32 {
  const result = rotl<u32>(s1 * STAR_MUL, RESULT_ROTATE) * STARSTAR_MUL;
  const t = s1 << STATE_SHIFT;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, STATE_ROTATE);
  return result;
}
