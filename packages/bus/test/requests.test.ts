import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseReply, parseRequest, RequestRefused } from "../src/requests.js";
import { answerRequest } from "../src/serve-requests.js";

const frame = (value: unknown): Buffer => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

describe("the request wire format", () => {
  it("reads a request, with or without args", () => {
    assert.deepEqual(parseRequest(frame({ id: "a1", command: "status", args: { wide: true } })), {
      ok: true,
      request: { id: "a1", command: "status", args: { wide: true } },
    });
    assert.deepEqual(parseRequest(frame({ id: "a1", command: "list" })), { ok: true, request: { id: "a1", command: "list" } });
  });

  it("says what is wrong with a bad request, keeping its id when it has one", () => {
    const cases: [unknown, string | null, RegExp][] = [
      ["status", null, /^expected a JSON request, got "status"$/],
      [[1, 2], null, /^expected a JSON object/],
      [null, null, /^expected a JSON object/],
      [{ command: "list" }, null, /"id" to be a string of 1 to 128/],
      [{ id: "x".repeat(129), command: "list" }, null, /"id" to be a string/],
      [{ id: 7, command: "list" }, null, /"id" to be a string/],
      [{ id: "a", command: "" }, "a", /"command" to be a non-empty string/],
      [{ id: "a", command: 3 }, "a", /"command" to be a non-empty string/],
      [{ id: "a", command: "x", args: [1] }, "a", /"args" to be a JSON object/],
      [{ id: "a", command: "x", args: "wide" }, "a", /"args" to be a JSON object/],
      [{ id: "a", command: "x", code: 1234 }, "a", /unexpected field "code"/],
    ];
    for (const [value, id, message] of cases) {
      const parsed = parseRequest(frame(value));
      assert.equal(parsed.ok, false, JSON.stringify(value));
      if (parsed.ok) continue;
      assert.equal(parsed.id, id, JSON.stringify(value));
      assert.match(parsed.message, message, JSON.stringify(value));
    }
  });

  it("reads a reply to the request it answers, and nothing else", () => {
    assert.deepEqual(parseReply(frame({ id: "a", ok: true, result: { n: 1 } }), "a"), {
      ok: true,
      reply: { id: "a", ok: true, result: { n: 1 } },
    });
    assert.deepEqual(parseReply(frame({ id: "a", ok: false, error: { code: "refused", message: "no" } }), "a"), {
      ok: true,
      reply: { id: "a", ok: false, error: { code: "refused", message: "no" } },
    });
    const bad: [unknown, RegExp][] = [
      ["nope", /expected a JSON reply/],
      [{ id: "a", result: {} }, /expected a JSON object \{"id","ok",…\}/],
      [{ id: "b", ok: true, result: {} }, /expected the reply to request "a", got one to "b"/],
      [{ ok: true, result: {} }, /got one to nothing/],
      [{ id: "a", ok: true, result: [1] }, /"result" to be a JSON object/],
      [
        { id: "a", ok: false, error: { code: "exploded", message: "x" } },
        /"error" to be \{"code": one of bad-request, unknown-command, refused, failed/,
      ],
      [{ id: "a", ok: false, error: "refused" }, /"error" to be/],
    ];
    for (const [value, message] of bad) {
      const parsed = parseReply(frame(value), "a");
      assert.equal(parsed.ok, false, JSON.stringify(value));
      if (!parsed.ok) assert.match(parsed.message, message, JSON.stringify(value));
    }
  });
});

describe("answerRequest", () => {
  const handlers = {
    echo: (args: Record<string, unknown>) => ({ args }),
    later: () => Promise.resolve({ later: true }),
    refuse: () => {
      throw new RequestRefused('unknown service "keypda"');
    },
    badArgs: () => {
      throw new RequestRefused("expected args.service", "bad-request");
    },
    explode: () => {
      throw new Error("disk on fire");
    },
    nothing: () => 5 as unknown as object,
  };

  it("answers with the handler's result, args defaulting to {}", async () => {
    assert.deepEqual(await answerRequest(handlers, { id: "1", command: "echo" }), { id: "1", ok: true, result: { args: {} } });
    assert.deepEqual(await answerRequest(handlers, { id: "2", command: "echo", args: { a: 1 } }), {
      id: "2",
      ok: true,
      result: { args: { a: 1 } },
    });
    assert.deepEqual(await answerRequest(handlers, { command: "later" }), { id: null, ok: true, result: { later: true } });
  });

  it("unknown-command names the known ones, and never finds Object's own properties", async () => {
    for (const command of ["dance", "constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const reply = await answerRequest(handlers, { id: "1", command });
      assert.equal(reply.ok, false, command);
      if (reply.ok) continue;
      assert.equal(reply.error.code, "unknown-command");
      assert.equal(
        reply.error.message,
        `unknown command ${JSON.stringify(command)}; known: echo, later, refuse, badArgs, explode, nothing`,
      );
    }
  });

  it("refused and bad-request from RequestRefused, failed from anything else (told to onFailure)", async () => {
    const failures: unknown[] = [];
    const answer = (command: string) => answerRequest(handlers, { id: "x", command }, (error) => failures.push(error));
    assert.deepEqual(await answer("refuse"), { id: "x", ok: false, error: { code: "refused", message: 'unknown service "keypda"' } });
    assert.deepEqual(await answer("badArgs"), { id: "x", ok: false, error: { code: "bad-request", message: "expected args.service" } });
    assert.deepEqual(await answer("explode"), { id: "x", ok: false, error: { code: "failed", message: "disk on fire" } });
    assert.deepEqual(await answer("nothing"), {
      id: "x",
      ok: false,
      error: { code: "failed", message: "the nothing handler answered number, not an object" },
    });
    assert.equal(failures.length, 2, "refusals are answers, not failures");
  });
});
