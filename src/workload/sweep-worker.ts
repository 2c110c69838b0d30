// Worker-thread entry of runSweep: runs each job it is sent and posts back
// the result or the error message.

import { parentPort } from "node:worker_threads";
import { InputError } from "../errors.js";
import { runSweepJob } from "./sweep.js";
import type { SweepJob, WorkerReply } from "./sweep.js";

parentPort?.on("message", (job: SweepJob) => {
  let reply: WorkerReply;
  try {
    reply = { result: runSweepJob(job) };
  } catch (error) {
    reply = {
      error: error instanceof Error ? error.message : String(error),
      inputError: error instanceof InputError,
    };
  }
  parentPort?.postMessage(reply);
});
