// The simulator half of validation: replays a case the real runtime ran
// (validate/real.ts) on one stacklab engine and reads StackInuse deltas at
// the same checkpoints.
//
// The deltas only line up if the simulator starts from the runtime's idle
// state, so before the baseline this file rebuilds what the case's census
// found: the runtime's own goroutines with their stack sizes and uses, any
// dead Gs, and each M's g0 and signal stacks (raw stackallocs; see
// validate/README.md). The baseline is then taken the way the Go program
// takes it: GCs, then ReadMemStats until StackInuse stops moving.

import { createEngine } from "../src/index.js";
import type { Engine, EngineKind, EngineOptions } from "../src/index.js";
import { expandOrder } from "./real.js";
import type { Census, RealCase, Step } from "./real.js";

/** allocm gives every M but m0 a g0 stack of this size (linux/amd64). */
const M_G0_STACK_BYTES = 8 * 1024;
/** mpreinit gives every M, m0 included, a signal stack of this size. */
const M_GSIGNAL_STACK_BYTES = 32 * 1024;
/** GCs before the settle loop, and its bound (as validate/cases does). */
const SETTLE_FIRST_GCS = 3;
const SETTLE_ROUNDS = 10;

/** A checkpoint as the simulator saw it. */
export interface SimCheckpoint {
  name: string;
  stackInuseDelta: number;
}

/** Tracks which parts of the runtime's idle state the engine already has. */
class IdleState {
  private threads = 0;
  private readonly runtimeGoids = new Set<number>();

  constructor(private readonly engine: Engine) {}

  /** Adds the Ms and runtime goroutines that appeared since the last call. */
  catchUp(threads: number, census: Census): void {
    for (; this.threads < threads; this.threads++) {
      // m0 runs on the thread's own stack; every later M gets a g0 stack.
      if (this.threads > 0) this.engine.stackalloc(M_G0_STACK_BYTES, 0);
      this.engine.stackalloc(M_GSIGNAL_STACK_BYTES, 0);
    }
    const records = [...(census.runtime ?? [])].sort((a, b) => a.goid - b.goid);
    for (const rec of records) {
      if (this.runtimeGoids.has(rec.goid)) continue;
      this.runtimeGoids.add(rec.goid);
      const g = this.engine.newproc(0);
      growTo(this.engine, g, rec.stackBytes, rec.usedBytes);
    }
  }

  /** Dead Gs of the baseline census: with a stack of a size, or none. */
  addDeadGs(census: Census): void {
    for (const [size, count] of Object.entries(census.deadWithStack)) {
      for (let i = 0; i < count; i++) {
        const g = this.engine.newproc(0);
        growTo(this.engine, g, Number(size), 0);
        this.engine.goexit(g);
      }
    }
    // A dead G loses its stack when gfput frees a grown one: grow it once.
    const grown = 2 * this.engine.config.platform.fixedStackBytes;
    for (let i = 0; i < census.deadNoStack; i++) {
      const g = this.engine.newproc(0);
      growTo(this.engine, g, grown, 0);
      this.engine.goexit(g);
    }
  }
}

/**
 * Makes goroutine g's stack at least stackBytes, then sets its use. The
 * first use is the largest that still fits stackBytes (use + StackGuard
 * must not pass the size), so the stack ends up exactly that size.
 */
function growTo(engine: Engine, g: number, stackBytes: number, usedBytes: number): void {
  const guard = engine.config.platform.stackGuardBytes;
  if (stackBytes > guard) engine.use(g, stackBytes - guard);
  engine.use(g, usedBytes);
}

/** The settle procedure of validate/cases: its final ReadMemStats reading. */
function settle(engine: Engine): number {
  for (let i = 0; i < SETTLE_FIRST_GCS; i++) engine.gc();
  let prev = engine.readMemStats().stackInuse;
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    engine.gc();
    const cur = engine.readMemStats().stackInuse;
    if (cur === prev) break;
    prev = cur;
  }
  return prev;
}

/**
 * Spawns a group and gives each worker the stack size the runtime measured.
 * Workers are created in spawn order, then take the measured median use in
 * the order the runtime ran them to their park (growth allocates in that
 * order); where the runtime's workers
 * ended with bigger stacks than the simulator's (a peak left behind, or the
 * runtime's own calls on the worker's stack), that many workers, spread
 * evenly through the group, are grown to the measured size.
 */
function spawnGroup(engine: Engine, step: Step): number[] {
  const measured = step.measured;
  if (measured === undefined || step.count === undefined) {
    throw new Error(`spawn step of group ${String(step.group)} has no measurement`);
  }
  const used = measured.usedBytes.median;
  const ids: number[] = [];
  for (let i = 0; i < step.count; i++) ids.push(engine.newproc(0));
  const parkOrder = step.parkOrder === undefined
    ? ids.map((_, i) => i) : expandOrder(step.parkOrder, ids.length);
  for (const w of parkOrder) engine.use(ids[w] ?? -1, used);

  const stackOf = new Map<number, number>();
  const wanted = new Set(ids);
  for (const gs of engine.snapshot().gs) {
    if (gs.status === "live" && wanted.has(gs.goid)) stackOf.set(gs.goid, gs.hi - gs.lo);
  }
  const sizes = Object.keys(measured.stackBytes).map(Number).sort((a, b) => b - a);
  for (const size of sizes) {
    const have = ids.filter((g) => stackOf.get(g) === size).length;
    const need = (measured.stackBytes[String(size)] ?? 0) - have;
    const smaller = ids.filter((g) => (stackOf.get(g) ?? 0) < size);
    const count = Math.min(need, smaller.length);
    for (let k = 0; k < count; k++) {
      const g = smaller[Math.floor((k * smaller.length) / count)];
      if (g === undefined) continue;
      growTo(engine, g, size, used);
      stackOf.set(g, size);
    }
  }
  return ids;
}

/**
 * Replays a real case on an engine.
 * @param real the case as validate/cases measured it.
 * @param kind which engine runs the model.
 * @param makeEngine builds the engine (createEngine unless a caller needs
 *   to reach one another way).
 * @returns the simulated StackInuse delta at each checkpoint, in order.
 * @throws StackLabError when the engine rejects an operation.
 */
export function simulateCase(real: RealCase, kind: EngineKind,
  makeEngine: (options: EngineOptions) => Engine = createEngine): SimCheckpoint[] {
  const engine = makeEngine({
    engine: kind, goVersion: "go1.19", adaptiveStackStart: real.adaptiveStackStart,
    procs: 1, checkInvariants: false,
  });
  const idle = new IdleState(engine);
  idle.catchUp(real.baseline.threads, real.baseline.census);
  idle.addDeadGs(real.baseline.census);
  const baseline = settle(engine);

  const groups = new Map<string, number[]>();
  const out: SimCheckpoint[] = [];
  for (const step of real.steps) {
    switch (step.op) {
      case "spawn":
        groups.set(step.group ?? "", spawnGroup(engine, step));
        break;
      case "release": {
        // Exit in the runtime's order: it decides which Gs stay on the P.
        const ids = groups.get(step.group ?? "") ?? [];
        const order = step.exitOrder === undefined
          ? ids.map((_, i) => i) : expandOrder(step.exitOrder, ids.length);
        for (const w of order) engine.goexit(ids[w] ?? -1);
        groups.delete(step.group ?? "");
        break;
      }
      case "gc":
        engine.gc();
        break;
      case "procs":
        engine.procresize(step.procs ?? 1);
        break;
      case "checkpoint": {
        const cp = real.checkpoints[out.length];
        if (cp === undefined || cp.name !== step.name) {
          throw new Error(`case ${real.case}: checkpoint ${String(step.name)} has no result`);
        }
        idle.catchUp(cp.threads, cp.census);
        const delta = engine.readMemStats().stackInuse - baseline;
        out.push({ name: cp.name, stackInuseDelta: delta });
        break;
      }
    }
  }
  return out;
}
