import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { busRig, nextMatching, routerMain } from "../src/index.js";

describe("the bus rig", { timeout: 30_000 }, () => {
  it("finds the router's main.js through the service registry", () => {
    const main = routerMain();
    assert.match(main, /\/packages\/router\/dist\/src\/main\.js$/);
    assert.equal(existsSync(main), true);
  });

  it("runs a real router on private endpoints: a message comes back, and a wait for a subscription nobody has fails saying so", async () => {
    const rig = await busRig();
    assert.match(rig.endpoints.in, /^ipc:\/\/.*\/in\.sock$/);
    const echo = rig.client.subscribe("RIG: ");
    await rig.wanted("RIG: hello");
    await rig.client.publish("RIG: hello");
    assert.equal((await echo.nextWithin(5000))?.text, "RIG: hello");
    await assert.rejects(rig.wanted("NOBODY: here", 100), {
      message: 'timed out after 100 ms waiting for a subscription covering "NOBODY: here" at the router; last seen: false',
    });

    await rig.client.publish("RIG: one");
    await rig.client.publish("RIG: two");
    assert.equal((await nextMatching(echo, "RIG: two", (message) => message.text === "RIG: two")).text, "RIG: two");
    await assert.rejects(
      nextMatching(echo, "RIG: three", () => false, 100),
      { message: "no RIG: three within 100 ms; last skipped: none" },
    );
    await rig.client.publish("RIG: four");
    await assert.rejects(
      nextMatching(echo, "RIG: five", (message) => message.text === "RIG: five", 300),
      {
        message: 'no RIG: five within 300 ms; last skipped: "RIG: four"',
      },
    );
  });
});
