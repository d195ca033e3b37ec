// stream() of a handler returning a string: refused, not streamed character
// by character (a string is iterable, but never meant as a stream's values).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { collect } from "./_helpers.ts";

test("Owner.stream() of a handler returning a string errors the stream with a TypeError", async () => {
  const owner = new Owner({ text: "abc" }, {
    text: (s) => s.text,
    asyncText: async (s) => s.text,
    chars: (s) => s.text.split(""),
  });
  for (const op of ["text", "asyncText"] as const) {
    // @ts-expect-error: StreamOps excludes handlers returning a string
    const stream = owner.stream(op);
    await assert.rejects(collect(stream), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(
        error.message,
        new RegExp(
          `^Cannot stream "${op}": the handler returned a string, which would stream its characters; return an iterable of values \\(e\\.g\\. \\[text\\]\\), received "abc"$`,
        ),
      );
      return true;
    });
  }
  assert.deepEqual(await collect(owner.stream("chars")), ["a", "b", "c"]);
  assert.equal(await owner.ask("text"), "abc"); // the owner serves on
  await owner.close();
});
