/** Whether `value` is a thenable (a promise from any realm or library). @internal */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" && value !== null ||
    typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
