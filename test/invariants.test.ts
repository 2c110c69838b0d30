import { describe, expect, it } from "vitest";
import { InvariantError, checkSnapshotInvariants, createEngine } from "../src/index.js";
import type { Snapshot } from "../src/index.js";
import { KiB, spawn } from "./support.js";

// Each rule of the invariant checker, broken on purpose in a copy of a
// valid snapshot: the checker must name it with an InvariantError.

function richSnapshot(): { snap: Snapshot; engine: ReturnType<typeof createEngine> } {
  const engine = createEngine({ engine: "ts", procs: 2 });
  const ids = spawn(engine, 70, 0, 0);
  for (const g of ids.slice(0, 66)) engine.goexit(g);
  engine.use(ids[67]!, 40 * KiB);
  engine.stackalloc(4 * KiB, 1);
  engine.gcStart();
  engine.stackfree(engine.stackalloc(64 * KiB, 0), 0);
  return { snap: engine.snapshot(), engine };
}

function expectBroken(mutate: (s: Snapshot) => void, rule: RegExp): void {
  const { snap, engine } = richSnapshot();
  checkSnapshotInvariants(snap, engine.config);
  const broken = structuredClone(snap);
  mutate(broken);
  let caught: unknown;
  try {
    checkSnapshotInvariants(broken, engine.config);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvariantError);
  expect((caught as InvariantError).message).toMatch(rule);
}

describe("the invariant checker names each broken rule", () => {
  it("the rich snapshot is valid and uses every place", () => {
    const { snap } = richSnapshot();
    const s = snap.stats;
    expect(s.liveStackBytes * s.deadGStackBytes * s.pCacheBytes * s.poolFreeBytes
      * s.largeCacheBytes * s.rawStackBytes).toBeGreaterThan(0);
  });

  it("an address in two places", () => expectBroken((s) => {
    s.procs[0]!.stackcache[0]!.stacks.push(s.procs[0]!.stackcache[0]!.stacks[0]!);
    s.procs[0]!.stackcache[0]!.bytes += 2 * KiB;
  }, /two places/));

  it("a cache byte count that is not its length times the size", () => expectBroken((s) => {
    s.procs[0]!.stackcache[0]!.bytes += 1;
  }, /byte count/));

  it("allocCount against the list contents", () => expectBroken((s) => {
    const span = s.spans.find((x) => x.order === 0)!;
    span.allocCount++;
  }, /bad allocCount/));

  it("a stack outside every span", () => expectBroken((s) => {
    s.rawStacks.push({ lo: 4096, hi: 8192 });
  }, /outside every stack span/));

  it("conservation of stackInuse", () => expectBroken((s) => {
    s.stats.poolFreeBytes += 2 * KiB;
  }, /poolFreeBytes disagrees/));

  it("heap coverage", () => expectBroken((s) => {
    s.heap.pages += 1;
  }, /do not cover the mapped arena/));

  it("free-G list membership", () => expectBroken((s) => {
    s.gFreeStack.push(s.gs.find((g) => g.status === "live")!.index);
  }, /not dead/));

  it("a dead G on no list", () => expectBroken((s) => {
    s.procs[0]!.gFree.pop();
    s.stats.gfreeLocal--;
  }, /on no free-G list/));

  it("a pool span with free stacks but off its list", () => expectBroken((s) => {
    const order = s.stackpool.findIndex((list) => list.length > 0);
    s.stackpool[order]!.pop();
  }, /must be on its order's list/));

  it("a stack lost from a live G", () => expectBroken((s) => {
    // The span still counts the stack as handed out, but nothing owns it.
    const g = s.gs.find((x) => x.status === "live" && x.hi - x.lo === 2 * KiB)!;
    s.stats.liveStackBytes -= g.hi - g.lo;
    g.lo = 0;
    g.hi = 0;
  }, /bad allocCount/));
});
