// Operation codes shared by the batch executor (batch.ts) and the driver's
// refusal report (driver.ts). They are part of the ABI (docs/ABI.md):
// append only. 0 is no operation, so a zeroed record is refused.

export const OP_NEWPROC: u32 = 1;
export const OP_USE: u32 = 2;
export const OP_GOEXIT: u32 = 3;
export const OP_GC: u32 = 4;
export const OP_GC_START: u32 = 5;
export const OP_GC_FINISH: u32 = 6;
export const OP_PROCRESIZE: u32 = 7;
export const OP_READ_MEM_STATS: u32 = 8;
export const OP_STACKALLOC: u32 = 9;
export const OP_STACKFREE: u32 = 10;
/** One past the last code. */
export const OP_LIMIT: u32 = 11;
