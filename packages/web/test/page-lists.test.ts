import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventDetails, mergeEvents } from "../page/events.js";
import { journalArgs, mergeRecords, messageText } from "../page/journal.js";
import type { AlarmEventView } from "../page/protocol.js";

const at = (minute: number) => new Date(Date.UTC(2025, 11, 2, 12, minute)).toISOString();

describe("the history list", () => {
  it("merges the audit trail and the live events newest first, each event once", () => {
    const audit: AlarmEventView[] = [
      { kind: "disarmed", at: at(5), user: "ann" },
      { kind: "armed", at: at(1), user: "ann", mode: "away" },
    ];
    const live: AlarmEventView[] = [
      { kind: "disarmed", at: at(5), user: "ann" },
      { kind: "bad_code", at: at(7), attempts: 1 },
    ];
    assert.deepEqual(
      mergeEvents(audit, live).map((e) => `${e.kind}@${e.at.slice(14, 16)}`),
      ["bad_code@07", "disarmed@05", "armed@01"],
    );
  });
  it("keeps at most the limit, unreadable times last", () => {
    const live: AlarmEventView[] = [{ kind: "odd", at: "never" }, ...[1, 2, 3].map((m) => ({ kind: "armed", at: at(m) }))];
    assert.deepEqual(
      mergeEvents([], live, 3).map((e) => e.at),
      [at(3), at(2), at(1)],
    );
    assert.equal(mergeEvents([], live).at(-1)?.kind, "odd");
  });
  it("spells an event's details", () => {
    assert.deepEqual(eventDetails({ kind: "bad_code", at: "", attempts: 1 }), ["1 attempt"]);
    assert.deepEqual(eventDetails({ kind: "armed", at: "", mode: "away", zones: ["front", "back"], attempts: 3, reason: "bypassed" }), [
      "mode away",
      "zones front, back",
      "3 attempts",
      "bypassed",
    ]);
  });
});

describe("the message console", () => {
  it("asks with the filled fields only, times as epoch ms", () => {
    assert.deepEqual(journalArgs({ topic: " ", text: "", since: "", until: "" }), { limit: 100 });
    assert.deepEqual(journalArgs({ topic: " ALARM ", text: "front", since: "2025-12-02T10:00", until: "bad" }, { before: 42 }, 50), {
      limit: 50,
      topic: "ALARM",
      text: "front",
      since: new Date(2025, 11, 2, 10, 0).getTime(),
      before: 42,
    });
    assert.deepEqual(journalArgs({ topic: "", text: "", since: "", until: "" }, { after: 7 }), { limit: 100, after: 7 });
  });
  it("keeps records newest first by seq, each once, at most max", () => {
    const r = (seq: number) => ({ seq, at: seq, message: `m${seq}` });
    assert.deepEqual(
      mergeRecords([r(5), r(4)], [r(6), r(4), r(3)]).map((x) => x.seq),
      [6, 5, 4, 3],
    );
    assert.deepEqual(
      mergeRecords([r(5), r(4)], [r(6)], 2).map((x) => x.seq),
      [6, 5],
    );
  });
  it("shows a message as text", () => {
    assert.equal(messageText("ALARM: armed"), "ALARM: armed");
    assert.equal(messageText({ topic: "ALARM" }), '{"topic":"ALARM"}');
  });
});
