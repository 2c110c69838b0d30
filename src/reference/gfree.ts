// Goroutine records and the free-G lists of the reference engine: gfput,
// gfget and gfpurge as in runtime/proc.go, per P and global (sched.gFree).
// What happens to a G's stack is decided here; how stacks are allocated and
// freed is stacks.ts.

import type { Address, GStatus } from "../types.js";

/** A G: a goroutine while live, a parked record while dead. */
export class G {
  goid = 0;
  status: GStatus = "live";
  p = 0;
  lo: Address = 0;
  hi: Address = 0;
  usedBytes = 0;

  constructor(readonly index: number) {}

  get stackBytes(): number {
    return this.hi - this.lo;
  }

  get hasStack(): boolean {
    return this.lo !== 0;
  }
}

/**
 * A LIFO of Gs. The last array element is the head of the runtime's list,
 * so push and pop at the head are O(1).
 */
export type GList = G[];

/** Puts a batch (head last) in front of a list, keeping the batch's order. */
export function pushAll(list: GList, batch: GList): void {
  for (const g of batch) list.push(g);
}

/** The per-P and global free-G lists. */
export class FreeGLists {
  /** local[p]: the P's gFree list. */
  local: GList[] = [];
  /** sched.gFree.stack: dead Gs that still hold a stack. */
  globalStack: GList = [];
  /** sched.gFree.noStack. */
  globalNoStack: GList = [];

  constructor(procs: number, readonly spillAt: number, readonly keep: number) {
    this.resize(procs);
  }

  resize(procs: number): void {
    while (this.local.length < procs) this.local.push([]);
    this.local.length = procs;
  }

  /**
   * Pushes a dead G on P's list; at spillAt, moves Gs to the global lists
   * until fewer than `keep` remain (gfput's second half).
   */
  put(p: number, g: G): void {
    const list = this.local[p]!;
    list.push(g);
    if (list.length >= this.spillAt) this.spill(list, this.keep);
  }

  /** gfpurge: every free G of P goes to the global lists. */
  purge(p: number): void {
    this.spill(this.local[p]!, 1);
  }

  /**
   * gfget's list half: refill an empty P list from the global lists,
   * preferring Gs with stacks, then pop one.
   */
  get(p: number): G | undefined {
    const list = this.local[p]!;
    if (list.length === 0) {
      while (list.length < this.keep) {
        const g = this.globalStack.pop() ?? this.globalNoStack.pop();
        if (g === undefined) break;
        list.push(g);
      }
    }
    return list.pop();
  }

  private spill(list: GList, keep: number): void {
    const withStack: GList = [];
    const noStack: GList = [];
    while (list.length >= keep && list.length > 0) {
      const g = list.pop()!;
      (g.hasStack ? withStack : noStack).push(g);
    }
    pushAll(this.globalNoStack, noStack);
    pushAll(this.globalStack, withStack);
  }

  localCount(): number {
    return this.local.reduce((sum, list) => sum + list.length, 0);
  }
}
