import type { Clock } from "./clock.ts";
import type { Command } from "./command.ts";
import { TimeoutError } from "./errors.ts";

/**
 * A handler's asynchronous part, raced against `handlerTimeout` (`ms`):
 * past it, the command is rejected, `onError` told (the message names the
 * command as `name()` does), and the owner moves on.
 * Whichever of handler and timer comes first settles the command (the
 * handler through `handled()`; the timer tells `stuck()`), then calls
 * `resume()`; the later one is ignored. (The command stopped counting
 * against `highWaterMark` when it started.)
 *
 * @internal
 */
export function awaitTimed(
  command: Command,
  result: Promise<unknown>,
  ms: number,
  clock: Clock,
  onError: (error: unknown) => void,
  resume: () => void,
  name: (command: Command) => string,
  handled: (command: Command, rejected: boolean, result: unknown) => void,
  stuck: (command: Command) => void,
): void {
  let done = false;
  let timer: unknown = undefined;
  const finish = (settle: () => void): void => {
    if (done) return; // the later of handler and timer: ignored
    done = true;
    clock.clearTimeout(timer);
    settle();
    resume();
  };
  timer = clock.setTimeout(() =>
    finish(() => {
      const error = new TimeoutError(
        `Handler ${
          name(command)
        } ran longer than ${ms} ms (handlerTimeout): its command was rejected and the owner moved on; the handler may still be running`,
        { timeout: ms, command: command.info() },
      );
      command.reject(error);
      stuck(command);
      try {
        onError(error);
      } catch {
        // onError itself failed: nowhere left to report to.
      }
    }), ms);
  result.then(
    (value) => finish(() => handled(command, false, value)),
    (error) => finish(() => handled(command, true, error)),
  );
}
