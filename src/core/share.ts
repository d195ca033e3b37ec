/**
 * How `with()` makes its copy: it calls the owner's own constructor with a
 * `Share` in place of the first argument, carrying the parts of the owner
 * (engine, state, defaults) that the new handle shares; the constructor
 * asks {@linkcode Share.partsOf} for them and takes them instead of
 * building new ones. Not exported from the package, so no caller can pass
 * one.
 *
 * @internal
 */
export class Share<P> {
  readonly #parts: P;

  constructor(parts: P) {
    this.#parts = parts;
  }

  /**
   * The parts `value` carries if it is a `Share`, else `undefined`. A brand
   * check: it runs no getter or Proxy trap of the caller's value.
   */
  static partsOf<T>(value: unknown): T | undefined {
    if (typeof value !== "object" || value === null) return undefined;
    if (!(#parts in value)) return undefined;
    const parts: unknown = value.#parts;
    return parts as T;
  }
}
