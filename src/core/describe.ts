/**
 * Renders a value for an error message ("received ..."), short and safe:
 * never throws, never prints a huge object.
 *
 * @internal
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(
        value.length > 40 ? value.slice(0, 40) + "…" : value,
      );
    case "function":
      return `function ${value.name || "(anonymous)"}`;
    case "symbol":
    case "bigint":
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name && name !== "Object" ? `an instance of ${name}` : "an object";
}
