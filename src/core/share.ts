/**
 * How `with()` makes its copy: it calls the owner's own constructor with a
 * `Share` in place of the first argument, carrying the parts of the owner
 * (engine, state, defaults) that the new handle shares; the constructor then
 * takes those parts instead of building new ones. Not exported from the
 * package, so no caller can pass one.
 *
 * @internal
 */
export class Share<P> {
  /** The shared parts. */
  readonly parts: P;

  constructor(parts: P) {
    this.parts = parts;
  }
}
