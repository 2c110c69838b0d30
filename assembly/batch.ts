// The batch executor: operations written as fixed-size records into a
// buffer in linear memory and run in one call, each record receiving its
// result. It calls the same exported operations as the host's per-operation
// path, so every argument is checked and a refusal changes nothing.
//
// Batch record (BATCH_RECORD_BYTES = 32)
// +0  u32 op       opcode (opcodes.ts)
// +4  i32 p        P index, -1 = no P (stackalloc, stackfree only);
//                  procresize: the new GOMAXPROCS
// +8  u32 g        G index (use, goexit), or BATCH_REF | k: the G that
//                  newproc record k (< this record) of the same batch made;
//                  stackfree: 0, or BATCH_REF | k: free the stack that
//                  stackalloc record k made (page and offset are ignored)
// +12 u32 offset   stackfree: byte offset of the stack inside its page
// +16 f64 bytes    use: bytes in use; stackalloc, stackfree: stack size
// +24 i32 page     stackfree: arena page of the stack's lo, -1 = outside
// +28 i32 result   written by the core: >= 0 success (newproc: G index,
//                  stackalloc: first slot, others 0), < 0: -ErrorCode
//
// Records after the last one run are not written.

import { ErrorCode } from "./errors";
import { FIXED_STACK, SLOTS_PER_PAGE_SHIFT, globalU32 } from "./globals";
import { reserveBytes } from "./memory";
import {
  OP_GC, OP_GC_FINISH, OP_GC_START, OP_GOEXIT, OP_NEWPROC, OP_PROCRESIZE,
  OP_READ_MEM_STATS, OP_STACKALLOC, OP_STACKFREE, OP_USE,
} from "./opcodes";
import {
  gc, gcFinish, gcStart, goexit, newproc, procresize, rawStackalloc,
  rawStackfree, readMemStats, use,
} from "./operations";

export const BATCH_RECORD_BYTES: usize = 32;
const RECORD_SHIFT: usize = 5;
/** Marks a g operand as a reference to an earlier newproc record. */
export const BATCH_REF: u32 = 0x80000000;
const REF_INDEX_MASK: u32 = 0x7fffffff;
/** A G index no G has: refused as an unknown goroutine. */
const NO_G_INDEX: u32 = 0xffffffff;
const WASM_PAGE_SHIFT: usize = 16;

const R_OP: usize = 0;
const R_P: usize = 4;
const R_G: usize = 8;
const R_OFFSET: usize = 12;
const R_BYTES: usize = 16;
const R_PAGE: usize = 24;
const R_RESULT: usize = 28;

let bufferAddr: usize = 0;
let bufferRecords: u32 = 0;

/**
 * A buffer for `records` batch records, reused while it is large enough.
 * @returns its address (linear memory may have grown)
 */
export function batchBuffer(records: u32): usize {
  if (records > bufferRecords) {
    bufferAddr = reserveBytes((records as usize) << RECORD_SHIFT);
    bufferRecords = records;
  }
  return bufferAddr;
}

/** The G a record's g operand names, NO_G_INDEX when the reference fails. */
function resolveG(addr: usize, index: u32, g: u32): u32 {
  if ((g & BATCH_REF) == 0) return g;
  const k = g & REF_INDEX_MASK;
  if (k >= index) return NO_G_INDEX;
  const record = addr + ((k as usize) << RECORD_SHIFT);
  if (load<u32>(record, R_OP) != OP_NEWPROC) return NO_G_INDEX;
  const made = load<i32>(record, R_RESULT);
  return made < 0 ? NO_G_INDEX : (made as u32);
}

/** stackfree of the stack that stackalloc record k of the batch made. */
function freeAllocatedBy(addr: usize, index: u32, k: u32, record: usize): i32 {
  if (k >= index) return -ErrorCode.BadArgument;
  const maker = addr + ((k as usize) << RECORD_SHIFT);
  const slot = load<i32>(maker, R_RESULT);
  if (load<u32>(maker, R_OP) != OP_STACKALLOC || slot < 0) return -ErrorCode.BadArgument;
  const shift = globalU32(SLOTS_PER_PAGE_SHIFT);
  const page = (slot as u32) >> shift;
  const offsetBytes = ((slot as u32) - (page << shift)) * globalU32(FIXED_STACK);
  return rawStackfree(page as i32, offsetBytes, load<f64>(record, R_BYTES),
    load<i32>(record, R_P));
}

function runRecord(addr: usize, index: u32): i32 {
  const record = addr + ((index as usize) << RECORD_SHIFT);
  const op = load<u32>(record, R_OP);
  const p = load<i32>(record, R_P);
  if (op == OP_NEWPROC) return newproc(p);
  if (op == OP_USE) return use(resolveG(addr, index, load<u32>(record, R_G)),
    load<f64>(record, R_BYTES));
  if (op == OP_GOEXIT) return goexit(resolveG(addr, index, load<u32>(record, R_G)));
  if (op == OP_GC) return gc(p);
  if (op == OP_GC_START) return gcStart(p);
  if (op == OP_GC_FINISH) return gcFinish(p);
  if (op == OP_PROCRESIZE) return procresize(p);
  if (op == OP_READ_MEM_STATS) return readMemStats();
  if (op == OP_STACKALLOC) return rawStackalloc(load<f64>(record, R_BYTES), p);
  if (op == OP_STACKFREE) {
    const g = load<u32>(record, R_G);
    if ((g & BATCH_REF) != 0) return freeAllocatedBy(addr, index, g & REF_INDEX_MASK, record);
    return rawStackfree(load<i32>(record, R_PAGE), load<u32>(record, R_OFFSET),
      load<f64>(record, R_BYTES), p);
  }
  return -ErrorCode.BadArgument;
}

/**
 * Runs `count` records at `addr` in order, writing each one's result.
 * With stopOnError != 0 it stops after the first refused record.
 * @returns the number of records run, or -BadArgument when the records
 * do not lie inside linear memory (then nothing ran)
 */
export function batchRun(addr: usize, count: u32, stopOnError: u32): i32 {
  const end = addr + ((count as usize) << RECORD_SHIFT);
  if (end < addr || end > ((memory.size() as usize) << WASM_PAGE_SHIFT)
    || (addr & 3) != 0 || count > REF_INDEX_MASK) {
    return -ErrorCode.BadArgument;
  }
  for (let i: u32 = 0; i < count; i++) {
    const result = runRecord(addr, i);
    store<i32>(addr + ((i as usize) << RECORD_SHIFT), result, R_RESULT);
    if (result < 0 && stopOnError != 0) return (i + 1) as i32;
  }
  return count as i32;
}
