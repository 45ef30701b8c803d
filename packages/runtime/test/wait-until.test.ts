import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitUntil } from "../src/testing/wait-until.js";

describe("waitUntil", () => {
  it("looks until the value is truthy and returns it", async () => {
    let looks = 0;
    const value = await waitUntil(() => (++looks >= 3 ? `after ${looks}` : ""), { what: "three looks", intervalMs: 1 });
    assert.equal(value, "after 3");
  });

  it("with until: returns the value that passes it; async looks and looks that throw count as not yet", async () => {
    let looks = 0;
    const value = await waitUntil(
      async () => {
        await Promise.resolve();
        looks += 1;
        if (looks === 1) throw new Error("not listening yet");
        return { state: looks < 4 ? "stop" : "play" };
      },
      { what: "playing", until: (state) => state.state === "play", intervalMs: 1 },
    );
    assert.deepEqual(value, { state: "play" });
    assert.equal(looks, 4);
  });

  it("times out naming what it waited for and the last value seen", async () => {
    let looks = 0;
    await assert.rejects(
      waitUntil(() => ({ songs: ++looks }), { what: "ten songs", until: (stats) => stats.songs >= 1e9, timeoutMs: 30, intervalMs: 1 }),
      (error: Error) => {
        assert.match(error.message, /^timed out after 30 ms waiting for ten songs; last seen: \{"songs":\d+\}$/);
        assert.equal(error.message.endsWith(`{"songs":${looks}}`), true, "the last, not the first");
        return true;
      },
    );
  });

  it("a look that kept throwing: the timeout says its last error and keeps it as the cause", async () => {
    const refused = new Error("connect ECONNREFUSED 127.0.0.1:6600");
    await assert.rejects(
      waitUntil(
        () => {
          throw refused;
        },
        { what: "MPD to listen", timeoutMs: 10, intervalMs: 1 },
      ),
      (error: Error) =>
        error.message === "timed out after 10 ms waiting for MPD to listen; last seen: an error: connect ECONNREFUSED 127.0.0.1:6600" &&
        error.cause === refused,
    );
  });

  it("looks once even with no time at all", async () => {
    assert.equal(await waitUntil(() => 42, { what: "anything", timeoutMs: 0 }), 42);
  });
});
