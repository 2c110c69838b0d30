// The driver's timing wheel: goroutines waiting to exit, one FIFO list per
// bucket, bucket = exit tick & (wheelSize - 1). Every lifetime is below
// wheelSize, so a bucket only ever holds goroutines due at the same tick,
// in arrival order. Pending records come from a pool that doubles when
// full; a released record goes on a LIFO free list. Record numbers never
// reach the model, so their reuse order cannot change what the driver does.
//
// Bucket (WHEEL_BUCKET_BYTES = 8), wheelSize of them at wheelAddr
// +0 u32 head      first pending record + 1, 0 = empty
// +4 u32 tail      last pending record + 1, 0 = empty
//
// Pending record (PENDING_BYTES = 16), at recordsAddr + record * 16
// +0  u32 g          G index of the goroutine
// +4  u32 rawSlot    first slot of its raw noP stack (when rawBytes != 0)
// +8  u32 rawBytes   size of that raw stack in bytes, 0 = none
// +12 u32 next       next record + 1 in its bucket or the free list, 0 = end
//
// Limitation: a grown record pool leaves the old one unused (memory.ts
// never frees), at most as many bytes as the pool's current size.

import { reserveBytes } from "./memory";

const WHEEL_BUCKET_BYTES: usize = 8;
const PENDING_BYTES: usize = 16;
const PENDING_SHIFT: usize = 4;
const INITIAL_RECORDS: u32 = 1024;
/** Link value that ends a list. */
export const NO_RECORD: u32 = 0;

let wheelAddr: usize = 0;
let wheelBuckets: u32 = 0;
let recordsAddr: usize = 0;
let recordsCap: u32 = 0;
let recordsUsed: u32 = 0;
let freeLink: u32 = NO_RECORD;
/** Goroutines pending in the wheel. */
export let pendingCount: u32 = 0;

// @ts-ignore: decorator
@inline function bucketAddr(bucket: u32): usize {
  return wheelAddr + (bucket as usize) * WHEEL_BUCKET_BYTES;
}

// @ts-ignore: decorator
@inline function recordAddr(link: u32): usize {
  return recordsAddr + (((link - 1) as usize) << PENDING_SHIFT);
}

// @ts-ignore: decorator
@inline export function pendingG(link: u32): u32 { return load<u32>(recordAddr(link)); }
// @ts-ignore: decorator
@inline export function pendingRawSlot(link: u32): u32 {
  return load<u32>(recordAddr(link), 4);
}
// @ts-ignore: decorator
@inline export function pendingRawBytes(link: u32): u32 {
  return load<u32>(recordAddr(link), 8);
}
// @ts-ignore: decorator
@inline export function pendingNext(link: u32): u32 {
  return load<u32>(recordAddr(link), 12);
}
// @ts-ignore: decorator
@inline function setPendingNext(link: u32, next: u32): void {
  store<u32>(recordAddr(link), next, 12);
}

/**
 * An empty wheel of `wheelSize` buckets (a power of two). The buckets and
 * the record pool of an earlier run are reused when large enough.
 */
export function wheelInit(wheelSize: u32): void {
  if (wheelSize > wheelBuckets) {
    wheelAddr = reserveBytes((wheelSize as usize) * WHEEL_BUCKET_BYTES);
    wheelBuckets = wheelSize;
  }
  memory.fill(wheelAddr, 0, (wheelSize as usize) * WHEEL_BUCKET_BYTES);
  if (recordsAddr == 0) {
    recordsAddr = reserveBytes((INITIAL_RECORDS as usize) << PENDING_SHIFT);
    recordsCap = INITIAL_RECORDS;
  }
  recordsUsed = 0;
  freeLink = NO_RECORD;
  pendingCount = 0;
}

function growRecords(): void {
  const grown = reserveBytes((recordsCap as usize) << (PENDING_SHIFT + 1));
  memory.copy(grown, recordsAddr, (recordsUsed as usize) << PENDING_SHIFT);
  recordsAddr = grown;
  recordsCap <<= 1;
}

/** Appends a goroutine to the FIFO list of `bucket`. */
export function wheelAdd(bucket: u32, g: u32, rawSlot: u32, rawBytes: u32): void {
  let link = freeLink;
  if (link != NO_RECORD) {
    freeLink = pendingNext(link);
  } else {
    if (recordsUsed == recordsCap) growRecords();
    recordsUsed++;
    link = recordsUsed;
  }
  const addr = recordAddr(link);
  store<u32>(addr, g);
  store<u32>(addr, rawSlot, 4);
  store<u32>(addr, rawBytes, 8);
  store<u32>(addr, NO_RECORD, 12);
  const bucketAt = bucketAddr(bucket);
  const tail = load<u32>(bucketAt, 4);
  if (tail == NO_RECORD) store<u32>(bucketAt, link);
  else setPendingNext(tail, link);
  store<u32>(bucketAt, link, 4);
  pendingCount++;
}

/** Detaches the whole list of `bucket`; returns its first record link. */
export function wheelTake(bucket: u32): u32 {
  const bucketAt = bucketAddr(bucket);
  const first = load<u32>(bucketAt);
  store<u64>(bucketAt, 0);
  return first;
}

/** Puts a record taken from a bucket on the free list. */
// @ts-ignore: decorator
@inline export function wheelRelease(link: u32): void {
  setPendingNext(link, freeLink);
  freeLink = link;
  pendingCount--;
}
