import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkMessage, formatMessage, MessageError, parseMessage, topicPrefix } from "../src/message.js";

/** The error of a refused message as "CODE: message", or "accepted". */
function refusal(input: Parameters<typeof parseMessage>[0]): string {
  const result = parseMessage(input);
  return result.ok ? "accepted" : `${result.error.code}: ${result.error.message}`;
}

function parsedText(input: Parameters<typeof parseMessage>[0], maxSize?: number): { topic: string; rest: string } | string {
  const result = parseMessage(input, maxSize);
  return result.ok ? { topic: result.message.topic, rest: result.message.rest } : `${result.error.code}: ${result.error.message}`;
}

describe("parseMessage", () => {
  it("splits TOPIC: rest", () => {
    assert.deepEqual(parsedText("KEY: LEFT"), { topic: "KEY", rest: "LEFT" });
    assert.deepEqual(parsedText(Buffer.from('SENSOR: hall {"temperature_c":21.4}')), {
      topic: "SENSOR",
      rest: 'hall {"temperature_c":21.4}',
    });
    assert.deepEqual(parsedText("TEMP: 21.5 °C"), { topic: "TEMP", rest: "21.5 °C" });
  });

  it("accepts lala-pi's bare DEATH, an empty rest and a missing space", () => {
    assert.deepEqual(parsedText("DEATH"), { topic: "DEATH", rest: "" });
    assert.deepEqual(parsedText("PING:"), { topic: "PING", rest: "" });
    assert.deepEqual(parsedText("KEY:LEFT"), { topic: "KEY", rest: "LEFT" });
    assert.deepEqual(parsedText("A_1: x"), { topic: "A_1", rest: "x" });
  });

  it("keeps the rest exactly, spaces and newlines included", () => {
    assert.deepEqual(parsedText("LOG:  two spaces\nand a line"), { topic: "LOG", rest: " two spaces\nand a line" });
  });

  it("refuses bad topics, naming what came", () => {
    assert.equal(parsedText("key: left"), 'ETOPIC: expected "TOPIC: rest" with TOPIC matching [A-Z][A-Z0-9_]*, got "key: left"');
    assert.match(refusal("KEY LEFT"), /^ETOPIC/);
    assert.match(refusal("1KEY: x"), /^ETOPIC/);
    assert.match(refusal(": x"), /^ETOPIC/);
    assert.match(refusal("KÉY: x"), /^ETOPIC/);
    assert.match(refusal(`${"X".repeat(100)} tail`), /got "X{40}…"/);
  });

  it("refuses empty, oversize, non-UTF-8 and multi-frame messages", () => {
    assert.equal(parsedText(""), "EEMPTY: message is empty");
    assert.equal(parsedText(Buffer.from(`KEY: ${"x".repeat(100)}`), 64), "EMSGSIZE: message is 105 bytes, more than the 64 allowed");
    assert.equal(parsedText(`KEY: ${"é".repeat(40)}`, 64), "EMSGSIZE: message is 85 bytes, more than the 64 allowed");
    assert.equal(parsedText(Buffer.from([0x4b, 0x3a, 0x20, 0xff])), "EUTF8: message is not valid UTF-8");
    assert.equal(parsedText([Buffer.from("KEY: A"), Buffer.from("B")]), "EFRAMES: expected one frame, got 2");
  });
});

describe("formatMessage", () => {
  it("builds messages and checks topic and size", () => {
    assert.equal(formatMessage("KEY", "LEFT"), "KEY: LEFT");
    assert.equal(formatMessage("DEATH"), "DEATH");
    assert.throws(
      () => formatMessage("key", "x"),
      (error: unknown) => error instanceof MessageError && error.code === "ETOPIC",
    );
    assert.throws(() => formatMessage("KEY", "x".repeat(100), 64), { code: "EMSGSIZE" });
  });

  it("round-trips through parseMessage", () => {
    for (const [topic, rest] of [
      ["KEY", "LEFT"],
      ["SENSOR", 'a {"b":[1,2]}'],
      ["DEATH", ""],
    ] as const) {
      const result = parseMessage(formatMessage(topic, rest));
      assert.ok(result.ok);
      assert.deepEqual([result.message.topic, result.message.rest], [topic, rest]);
    }
  });

  it("checkMessage returns the parts or throws", () => {
    assert.equal(checkMessage("KEY: UP").rest, "UP");
    assert.throws(() => checkMessage("nope"), { code: "ETOPIC" });
  });

  it("topicPrefix adds the colon that keeps DOOR from matching DOORSERVER", () => {
    assert.equal(topicPrefix("DOOR"), "DOOR:");
    assert.equal("DOORSERVER: x".startsWith(topicPrefix("DOOR")), false);
  });
});
