import { describe, expect, it } from "vitest";
import { VARIANTS, engineFor, spawn } from "./support.js";

describe.each(VARIANTS)("free-G lists ($name)", (variant) => {
  it("gfput moves 33 Gs to the global list when the P list reaches 64", () => {
    const e = engineFor(variant);
    const ids = spawn(e, 64);
    for (const g of ids.slice(0, 63)) e.goexit(g);
    expect(e.stats().gfreeLocal).toBe(63);
    e.goexit(ids[63]!);
    // 64 on the list: pop while >= 32, i.e. 33 Gs, leaving 31.
    const s = e.stats();
    expect(s.gfreeLocal).toBe(31);
    expect(s.gfreeGlobalStack).toBe(33);
    expect(s.gfreeGlobalNoStack).toBe(0);
    // The batch keeps pop order: the G popped first (the last to exit)
    // ends at the tail, so the global head is the 33rd popped.
    const snap = e.snapshot();
    expect(snap.gFreeStack[snap.gFreeStack.length - 1]).toBe(63);
    expect(snap.gFreeStack[0]).toBe(31);
  });

  it("gfget takes a batch up to 32, preferring Gs with stacks", () => {
    const e = engineFor(variant, { procs: 2 });
    // 64 grown goroutines exit on P 0: their 8 KiB stacks are freed, and
    // the spill at 64 sends 33 stackless Gs to noStack; 31 stay on P 0.
    for (const g of spawn(e, 64, 5000, 0)) e.goexit(g);
    expect(e.stats().gfreeGlobalNoStack).toBe(33);
    // 64 newprocs on P 1 take those 33 (32 in a batch, then 1) and malg
    // 31 more; all 64 exit keeping their 2 KiB stacks: 33 go to the
    // global stack list, 31 stay on P 1.
    for (const g of spawn(e, 64, 0, 1)) e.goexit(g);
    expect(e.stats().gfreeGlobalStack).toBe(33);
    expect(e.stats().gfreeGlobalNoStack).toBe(0);
    // Empty P 0's list (31 Gs), then one more newproc on P 0: the batch
    // takes 32 from the stack list, leaving 1; one is popped and 31 remain.
    spawn(e, 31, 0, 0);
    const allocsBefore = e.stats().cacheRefills;
    e.newproc(0);
    expect(e.stats().gfreeGlobalStack).toBe(1);
    expect(e.snapshot().procs[0]!.gFree).toHaveLength(31);
    // The popped G brought its own 2 KiB stack: no allocation happened.
    expect(e.stats().cacheRefills).toBe(allocsBefore);
  });

  it("a G that kept a 2 KiB stack is reused without an allocation", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1);
    e.goexit(g!);
    const refills = e.stats().cacheRefills;
    const index = e.snapshot().gs[0]!.index;
    e.newproc(0);
    expect(e.snapshot().gs[0]!.status).toBe("live");
    expect(e.snapshot().gs).toHaveLength(1);
    expect(index).toBe(0);
    expect(e.stats().cacheRefills).toBe(refills);
  });

  it("keepGrownStackBytes keeps a grown stack on the dead G and reuses it", () => {
    const e = engineFor(variant, { policy: { keepGrownStackBytes: 128 * 1024 } });
    const [g] = spawn(e, 1, 5000);
    e.goexit(g!);
    expect(e.stats().deadGStackBytes).toBe(8192);
    const h = e.newproc(0);
    expect(e.stats().liveStackBytes).toBe(8192);
    e.use(h, 5000);
    expect(e.stats().growCopies).toBe(2);
  });
});
