// The driver's timing wheel: goroutines waiting to exit, one FIFO list per
// bucket, bucket = exit tick & (wheelSize - 1). Every lifetime is below
// wheelSize, so a bucket only ever holds goroutines due at the same tick,
// in arrival order. Each bucket is an array of entries (a glist.ts list
// header and its entry array), appended to at arrival and read front to
// back at exit: the exits of a tick are independent loads the processor
// can overlap, where a list linked through the G records made each exit
// wait for the previous G's record (measured: the 2 KiB churn workload
// about 3% faster this way, the growing one unchanged).
//
// Bucket: a list header (G_LIST_HEADER_BYTES), wheelSize of them at
// wheelAddr. Entries 0 .. count - 1 are the waiting Gs in arrival order
// (unlike the free-G lists, whose head is the last entry).
//
// Entry (u32)
//   bits 0..30  G index
//   bit  31     WAIT_HAS_RAW: the goroutine's arrival also took a raw noP
//               stack, to be freed just before its exit
//
// Raw stack record (RAW_BYTES = 8), one per G index at rawAddr, valid
// while that G waits with WAIT_HAS_RAW
// +0 u32 slot      first slot of the raw stack
// +4 u32 bytes     its size in bytes
//
// Limitation: a bucket's array keeps the room of its busiest tick, so the
// wheel holds up to about twice the bytes of the most goroutines ever
// waiting in each bucket; an outgrown bucket table is left unused.

import {
  ENTRY_G_MASK, G_LIST_HEADER_BYTES, entryAddr, listCount, listEntries, listPush,
  setListCount,
} from "./glist";
import { moveBytes, reserveBytes } from "./memory";

const RAW_BYTES_SHIFT: usize = 3;
const RAW_SIZE_OFF: usize = 4;
const MIN_RAW_RECORDS: u32 = 1024;
/** The entry bits that hold the G index, as in the free-G lists. */
export const WAIT_G_MASK: u32 = ENTRY_G_MASK;
/** The bit above them, here meaning WAIT_HAS_RAW. */
export const WAIT_HAS_RAW: u32 = ~ENTRY_G_MASK;

let wheelAddr: usize = 0;
let wheelBuckets: u32 = 0;
let rawAddr: usize = 0;
let rawCap: u32 = 0;
/** Goroutines waiting in the wheel. */
export let pendingCount: u32 = 0;

/** The list header of `bucket`. */
// @ts-ignore: decorator
@inline export function wheelBucket(bucket: u32): usize {
  return wheelAddr + (bucket as usize) * G_LIST_HEADER_BYTES;
}

/** Waiting goroutines in a bucket (its header from wheelBucket). */
// @ts-ignore: decorator
@inline export function bucketCount(header: usize): u32 { return listCount(header); }

/** Entry `index` of a bucket, 0 = the earliest arrival. */
// @ts-ignore: decorator
@inline export function bucketEntry(header: usize, index: u32): u32 {
  return load<u32>(entryAddr(listEntries(header), index));
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
 * An empty wheel of `wheelSize` buckets (a power of two). The buckets of
 * an earlier run, their arrays and the raw-stack table are reused when
 * large enough.
 */
export function wheelInit(wheelSize: u32): void {
  if (wheelSize > wheelBuckets) {
    // Fresh memory is zero: every header starts with no array.
    wheelAddr = reserveBytes((wheelSize as usize) * G_LIST_HEADER_BYTES);
    wheelBuckets = wheelSize;
  }
  for (let bucket: u32 = 0; bucket < wheelSize; bucket++) {
    setListCount(wheelBucket(bucket), 0);
  }
  pendingCount = 0;
}

/** Makes the raw-stack table hold G index g, doubling it as needed. */
function rawReserve(g: u32): void {
  if (g < rawCap) return;
  let grown = rawCap < MIN_RAW_RECORDS ? MIN_RAW_RECORDS : rawCap << 1;
  while (grown <= g) grown <<= 1;
  const bytes = (rawCap as usize) << RAW_BYTES_SHIFT;
  rawAddr = moveBytes(rawAddr, bytes, bytes, (grown as usize) << RAW_BYTES_SHIFT);
  rawCap = grown;
}

/**
 * Appends live goroutine g to the FIFO list of `bucket`, with the raw
 * stack its arrival took (rawBytes 0: none).
 */
// @ts-ignore: decorator
@inline export function wheelAdd(bucket: u32, g: u32, rawSlot: u32, rawBytes: u32): void {
  let entry = g;
  if (rawBytes != 0) {
    rawReserve(g);
    const raw = rawRecord(g);
    store<u32>(raw, rawSlot);
    store<u32>(raw, rawBytes, RAW_SIZE_OFF);
    entry |= WAIT_HAS_RAW;
  }
  listPush(wheelBucket(bucket), entry);
  pendingCount++;
}

/**
 * Empties a bucket whose `count` goroutines the caller has ended, in
 * entry order.
 */
// @ts-ignore: decorator
@inline export function wheelReleased(header: usize, count: u32): void {
  setListCount(header, 0);
  pendingCount -= count;
}
