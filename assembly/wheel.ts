// The driver's timing wheel: goroutines waiting to exit, one FIFO list per
// bucket, bucket = exit tick & (wheelSize - 1). Every lifetime is below
// wheelSize, so a bucket only ever holds goroutines due at the same tick,
// in arrival order. A waiting goroutine is live, so the list runs through
// a word of its G record that only the wheel uses (goroutines.ts,
// wheelLink): exits read the record anyway, and no separate pending
// record is written at arrival or read at exit.
//
// Bucket (WHEEL_BUCKET_BYTES = 8), wheelSize of them at wheelAddr
// +0 u32 head      first waiting G index + 1, 0 = empty
// +4 u32 tailRec   G record address of the last waiting G (head != 0)
//
// wheelLink of a waiting G (u32)
//   bits 0..30  next G index + 1 in the bucket, 0 = end
//   bit  31     WAIT_HAS_RAW: the goroutine's arrival also took a raw noP
//               stack, to be freed just before its exit
//
// Raw stack record (RAW_BYTES = 8), one per G index at rawAddr, valid
// while that G waits with WAIT_HAS_RAW
// +0 u32 slot      first slot of the raw stack
// +4 u32 bytes     its size in bytes
//
// Hazard: a bucket keeps the last G's record address, so G records must
// not move while goroutines wait (goroutines.ts never moves them).
// Limitation: an outgrown raw-stack table is left unused (memory.ts never
// frees), at most as many bytes as the table's current size.

import { recWheelLink, setRecWheelLink } from "./goroutines";
import { reserveBytes } from "./memory";

const WHEEL_BUCKET_BYTES: usize = 8;
const TAIL_OFF: usize = 4;
const RAW_BYTES_SHIFT: usize = 3;
const RAW_SIZE_OFF: usize = 4;
const MIN_RAW_RECORDS: u32 = 1024;
export const WAIT_HAS_RAW: u32 = 0x80000000;
export const WAIT_NEXT_MASK: u32 = 0x7fffffff;
/** Link value that ends a bucket's list. */
export const NO_WAITER: u32 = 0;

let wheelAddr: usize = 0;
let wheelBuckets: u32 = 0;
let rawAddr: usize = 0;
let rawCap: u32 = 0;
/** Goroutines waiting in the wheel. */
export let pendingCount: u32 = 0;

// @ts-ignore: decorator
@inline function bucketAddr(bucket: u32): usize {
  return wheelAddr + (bucket as usize) * WHEEL_BUCKET_BYTES;
}

// @ts-ignore: decorator
@inline function rawRecord(g: u32): usize {
  return rawAddr + ((g as usize) << RAW_BYTES_SHIFT);
}

/** First slot of the raw stack of waiting G g (WAIT_HAS_RAW set). */
// @ts-ignore: decorator
@inline export function waitingRawSlot(g: u32): u32 { return load<u32>(rawRecord(g)); }
/** Size in bytes of that raw stack. */
// @ts-ignore: decorator
@inline export function waitingRawBytes(g: u32): u32 {
  return load<u32>(rawRecord(g), RAW_SIZE_OFF);
}

/**
 * An empty wheel of `wheelSize` buckets (a power of two). The buckets and
 * the raw-stack table of an earlier run are reused when large enough.
 */
export function wheelInit(wheelSize: u32): void {
  if (wheelSize > wheelBuckets) {
    wheelAddr = reserveBytes((wheelSize as usize) * WHEEL_BUCKET_BYTES);
    wheelBuckets = wheelSize;
  }
  memory.fill(wheelAddr, 0, (wheelSize as usize) * WHEEL_BUCKET_BYTES);
  pendingCount = 0;
}

/** Makes the raw-stack table hold G index g, doubling it as needed. */
function rawReserve(g: u32): void {
  if (g < rawCap) return;
  let grown = rawCap < MIN_RAW_RECORDS ? MIN_RAW_RECORDS : rawCap << 1;
  while (grown <= g) grown <<= 1;
  const moved = reserveBytes((grown as usize) << RAW_BYTES_SHIFT);
  memory.copy(moved, rawAddr, (rawCap as usize) << RAW_BYTES_SHIFT);
  rawAddr = moved;
  rawCap = grown;
}

/**
 * Appends live goroutine g (rec its G record) to the FIFO list of
 * `bucket`, with the raw stack its arrival took (rawBytes 0: none).
 */
// @ts-ignore: decorator
@inline export function wheelAdd(bucket: u32, g: u32, rec: usize, rawSlot: u32,
  rawBytes: u32): void {
  let link = NO_WAITER;
  if (rawBytes != 0) {
    rawReserve(g);
    const raw = rawRecord(g);
    store<u32>(raw, rawSlot);
    store<u32>(raw, rawBytes, RAW_SIZE_OFF);
    link = WAIT_HAS_RAW;
  }
  setRecWheelLink(rec, link);
  const bucketAt = bucketAddr(bucket);
  if (load<u32>(bucketAt) == NO_WAITER) {
    store<u32>(bucketAt, g + 1);
  } else {
    const tail = load<u32>(bucketAt, TAIL_OFF) as usize;
    setRecWheelLink(tail, recWheelLink(tail) | (g + 1));
  }
  store<u32>(bucketAt, rec as u32, TAIL_OFF);
  pendingCount++;
}

/**
 * Detaches the whole list of `bucket`; returns its first G index + 1
 * (NO_WAITER when empty). The caller walks it through wheelLink and
 * counts the goroutines it ends with wheelReleased.
 */
export function wheelTake(bucket: u32): u32 {
  const bucketAt = bucketAddr(bucket);
  const first = load<u32>(bucketAt);
  store<u64>(bucketAt, 0);
  return first;
}

/** `count` goroutines taken from a bucket have exited. */
// @ts-ignore: decorator
@inline export function wheelReleased(count: u32): void {
  pendingCount -= count;
}
