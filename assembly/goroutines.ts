// G records: one per G ever made by malg (allgs), in one array indexed by
// G index from G_RECORDS (a GLOBALS field), so a record is one load of the
// base and an add (a directory of blocks before cost a dependent load on
// every lookup; the array measured about 5% faster on the 2 KiB go-vs-sim
// workload and 2% on the growing one). When the Gs outgrow it, newGRecord
// moves the array to a block twice the size. A G keeps its record for the
// whole run; its goroutine id changes with every life. malg lives here
// too.
//
// The blocks the array leaves behind go back to memory.ts for other
// tables to reuse.
//
// G record (32 bytes)
// +0  f64 goid        goroutine id of the current or last life
// +8  u32 stackSlot   first slot of its stack (valid when stackBytes != 0)
// +12 u32 stackBytes  size of its stack, 0 = no stack
// +16 u32 usedBytes   bytes of the stack in use (hi - sp), 0 when dead
// +20 u32 p           P it runs on (live) or last ran on (dead)
// +24 u32 (unused)    free-G lists and the driver's timing wheel are
//                     arrays of G indices (glist.ts, wheel.ts), not
//                     linked through the records
// +28 u32 status      G_LIVE or G_DEAD

import { G_CAPACITY, G_COUNT, G_RECORDS, globalU32, setGlobalU32 } from "./globals";
import { moveBytes, reserveBytes } from "./memory";

export const G_LIVE: u32 = 1;
export const G_DEAD: u32 = 2;
const G_BYTES: usize = 32;
/** Records the array first has room for (64 KiB). */
const MIN_G_RECORDS: u32 = 2048;

/** Sets up the empty G record array. */
export function gRecordsInit(): void {
  setGlobalU32(G_RECORDS, reserveBytes((MIN_G_RECORDS as usize) * G_BYTES) as u32);
  setGlobalU32(G_CAPACITY, MIN_G_RECORDS);
}

/**
 * Moves the G record array to a block twice the size. The count of Gs is
 * not bounded by the heap: dead Gs without a stack can pile up on the free
 * lists of other Ps (up to gfreeSpillAt - 1 each) while this P makes new
 * ones.
 */
function growGRecords(): void {
  const capacity = globalU32(G_CAPACITY);
  const bytes = (capacity as usize) * G_BYTES;
  setGlobalU32(G_RECORDS, moveBytes(globalU32(G_RECORDS), bytes, bytes, bytes << 1) as u32);
  setGlobalU32(G_CAPACITY, capacity << 1);
}

/**
 * Address of G g's record. A hot path computes it once per operation and
 * uses the rec* accessors below.
 * Hazard: valid only until the next newGRecord, which may move the array;
 * nothing holds a record address across a newproc that makes a G.
 */
// @ts-ignore: decorator
@inline export function gRecord(g: u32): usize {
  return (globalU32(G_RECORDS) as usize) + (g as usize) * G_BYTES;
}

const GOID_OFF: usize = 0;
const STACK_SLOT_OFF: usize = 8;
const STACK_BYTES_OFF: usize = 12;
const USED_BYTES_OFF: usize = 16;
const P_OFF: usize = 20;
const STATUS_OFF: usize = 28;

// Fields by record address (see gRecord).
// @ts-ignore: decorator
@inline export function recGoid(rec: usize): f64 { return load<f64>(rec, GOID_OFF); }
// @ts-ignore: decorator
@inline export function setRecGoid(rec: usize, goid: f64): void {
  store<f64>(rec, goid, GOID_OFF);
}
// @ts-ignore: decorator
@inline export function recStackSlot(rec: usize): u32 {
  return load<u32>(rec, STACK_SLOT_OFF);
}
// @ts-ignore: decorator
@inline export function recStackBytes(rec: usize): u32 {
  return load<u32>(rec, STACK_BYTES_OFF);
}
// @ts-ignore: decorator
@inline export function setRecStack(rec: usize, slot: u32, sizeBytes: u32): void {
  store<u32>(rec, slot, STACK_SLOT_OFF);
  store<u32>(rec, sizeBytes, STACK_BYTES_OFF);
}
// @ts-ignore: decorator
@inline export function recUsedBytes(rec: usize): u32 {
  return load<u32>(rec, USED_BYTES_OFF);
}
// @ts-ignore: decorator
@inline export function setRecUsedBytes(rec: usize, bytes: u32): void {
  store<u32>(rec, bytes, USED_BYTES_OFF);
}
// @ts-ignore: decorator
@inline export function recP(rec: usize): u32 { return load<u32>(rec, P_OFF); }
// @ts-ignore: decorator
@inline export function setRecP(rec: usize, p: u32): void { store<u32>(rec, p, P_OFF); }
// @ts-ignore: decorator
@inline export function recStatus(rec: usize): u32 { return load<u32>(rec, STATUS_OFF); }
// @ts-ignore: decorator
@inline export function setRecStatus(rec: usize, status: u32): void {
  store<u32>(rec, status, STATUS_OFF);
}

// Fields by G index, for code off the hot paths.
// @ts-ignore: decorator
@inline export function gGoid(g: u32): f64 { return recGoid(gRecord(g)); }
// @ts-ignore: decorator
@inline export function setGGoid(g: u32, goid: f64): void { setRecGoid(gRecord(g), goid); }
// @ts-ignore: decorator
@inline export function gStackSlot(g: u32): u32 { return recStackSlot(gRecord(g)); }
// @ts-ignore: decorator
@inline export function gStackBytes(g: u32): u32 { return recStackBytes(gRecord(g)); }
// @ts-ignore: decorator
@inline export function setGStack(g: u32, slot: u32, sizeBytes: u32): void {
  setRecStack(gRecord(g), slot, sizeBytes);
}
// @ts-ignore: decorator
@inline export function clearGStack(g: u32): void { setGStack(g, 0, 0); }
// @ts-ignore: decorator
@inline export function gUsedBytes(g: u32): u32 { return recUsedBytes(gRecord(g)); }
// @ts-ignore: decorator
@inline export function setGUsedBytes(g: u32, bytes: u32): void {
  setRecUsedBytes(gRecord(g), bytes);
}
// @ts-ignore: decorator
@inline export function gP(g: u32): u32 { return recP(gRecord(g)); }
// @ts-ignore: decorator
@inline export function setGP(g: u32, p: u32): void { setRecP(gRecord(g), p); }
// @ts-ignore: decorator
@inline export function gStatus(g: u32): u32 { return recStatus(gRecord(g)); }
// @ts-ignore: decorator
@inline export function setGStatus(g: u32, status: u32): void {
  setRecStatus(gRecord(g), status);
}

/** Whether `g` names a live goroutine (g comes from the host). */
export function isLiveG(g: u32): bool {
  return g < globalU32(G_COUNT) && gStatus(g) == G_LIVE;
}

/** malg's record half: the next G index, dead, with no stack yet. */
export function newGRecord(): u32 {
  const g = globalU32(G_COUNT);
  if (g >= globalU32(G_CAPACITY)) growGRecords();
  setGlobalU32(G_COUNT, g + 1);
  setGGoid(g, 0);
  clearGStack(g);
  setGUsedBytes(g, 0);
  setGP(g, 0);
  setGStatus(g, G_DEAD);
  return g;
}
