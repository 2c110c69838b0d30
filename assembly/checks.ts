// The core's second tier of checks: internal consistency, compiled in only
// when CHECKS is 1 (the debug target passes `--use CHECKS=1`, release
// passes 0). Arguments from the host are checked in operations.ts always;
// nothing here may guard against caller mistakes.

/**
 * Traps with `message` when `ok` is false, in checked builds only. The host
 * turns the trap into an InvariantError and retires the engine.
 */
// @ts-ignore: decorator
@inline export function invariant(ok: bool, message: string): void {
  if (CHECKS) {
    if (!ok) abort(message);
  }
}
