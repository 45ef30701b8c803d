// The dashboard's `sim` command on real hardware: refused before anything reaches the bus.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answerPageRequest, PageRequestError, type RequestBackends } from "../src/page-requests.js";

describe("the dashboard's sim command", () => {
  it("is forbidden to an admin on real hardware, for every kind, and publishes nothing; allowed on simulated hardware", async () => {
    const sent: string[] = [];
    const backends: RequestBackends = {
      alarm: () => Promise.reject(new Error("not the alarm")),
      music: () => Promise.reject(new Error("not the music")),
      sim: (text) => (sent.push(text), Promise.resolve()),
      history: () => [],
      journal: () => Promise.reject(new Error("not the journal")),
    };
    const kinds = [
      { command: "press", key: "LEFT" },
      { command: "press", key: "SELECT", ms: 1500 },
      { command: "gpio", pin: 25, level: 1 },
    ];
    for (const args of kinds) {
      const asked = answerPageRequest({ t: "req", id: "1", cmd: "sim", args }, { user: "ann", role: "admin", sim: false }, backends);
      await assert.rejects(
        asked,
        (error: unknown) => error instanceof PageRequestError && error.code === "forbidden",
        JSON.stringify(args),
      );
    }
    assert.deepEqual(sent, []);
    // The same requests on simulated hardware go out: the refusal above is the hardware's, not the arguments'.
    for (const args of kinds)
      assert.deepEqual(
        await answerPageRequest({ t: "req", id: "1", cmd: "sim", args }, { user: "ann", role: "admin", sim: true }, backends),
        {
          sent: true,
        },
      );
    assert.deepEqual(sent, ["SIM: press LEFT", "SIM: press SELECT 1500", "SIM: gpio 25 1"]);
  });
});
