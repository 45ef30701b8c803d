import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeMessage, readJournal } from "@roomguard/journal";
import { nextMatching } from "@roomguard/testing";
import { journaledOnly } from "../src/unjournaled.js";
import { eventuallyJournaled, nextMessage } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client, joined } = routerFixture();

/** Whole messages as the tap hands them over: ZMTP frames, one buffer. */
const batch = (...messages: Array<string | Array<string | Buffer>>): Buffer =>
  Buffer.concat(
    messages.map((message) => encodeMessage((typeof message === "string" ? [message] : message).map((frame) => Buffer.from(frame)))),
  );

describe("the journal leaves out SIM: press", { timeout: 30_000 }, () => {
  it("takes only messages whose first frame starts with `SIM: press `, long and multi-frame ones too; other batches stay the same buffer", () => {
    const plain = batch("KEY: A", "SIM: gpio 25 1", 'SIM: level 18 1 {"service":"alarm","purpose":"siren"}', "SIM: read 18");
    assert.equal(journaledOnly(plain, 4).frames, plain, "no copy when nothing is left out");
    const long = `SIM: press 1 ${"x".repeat(300)}`; // a frame over 255 bytes has an 8-byte size
    const mixed = batch(
      "KEY: A",
      "SIM: press 1",
      "SIM: gpio 25 1",
      long,
      ["SIM: press 2", "more"],
      "SIM: pressure",
      ["KEY: B", "SIM: press 3"],
      "SIM: press",
    );
    const result = journaledOnly(mixed, 8);
    assert.deepEqual([result.messages, result.skipped], [5, 3]);
    assert.deepEqual(result.frames, batch("KEY: A", "SIM: gpio 25 1", "SIM: pressure", ["KEY: B", "SIM: press 3"], "SIM: press"));
    const all = journaledOnly(batch("SIM: press 4", "SIM: press 5 250"), 2);
    assert.deepEqual([all.messages, all.skipped, all.frames.length], [0, 2, 0]);
  });

  it("a real router forwards SIM: press but does not journal it; SIM: gpio is journaled; ROUTER: stats counts what was left out", async () => {
    const r = await router();
    const watcher = client(r.endpoints);
    const stats = watcher.subscribe("ROUTER: stats ");
    const { publisher, subscription } = await joined(r.endpoints, "SIM: ", "SIM: probe");
    const sent = ["SIM: press 1", "SIM: gpio 25 1", "SIM: press 2 150", "SIM: press A", "SIM: gpio 25 0"];
    for (const text of sent) await publisher.publish(text);
    for (const text of sent) assert.equal((await nextMessage(subscription)).text, text, "every one forwarded");

    await eventuallyJournaled(r.journalDir, "SIM: gpio 25 0"); // the last one sent: everything before it was read too
    const journaled: string[] = [];
    for await (const record of readJournal(r.journalDir)) journaled.push(record.frames[0]?.toString() ?? "");
    assert.deepEqual(
      journaled.filter((text) => text.startsWith("SIM: ") && text !== "SIM: probe"),
      ["SIM: gpio 25 1", "SIM: gpio 25 0"],
    );
    await nextMatching(
      stats,
      "stats counting the presses left out",
      (message) =>
        (JSON.parse(message.rest.slice("stats ".length)) as { journal: { skipped: { sim_press: number } } }).journal.skipped.sim_press ===
        3,
    );
  });
});
