import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { memoryOf } from "../src/processes.js";

describe("memoryOf: what a process costs", () => {
  it("reads PSS and RSS from /proc; a second Node process shares the binary, so its PSS is below its RSS", async () => {
    const own = memoryOf(process.pid);
    assert.ok(own?.pssBytes && own.rssBytes, JSON.stringify(own));
    assert.ok(own.pssBytes <= own.rssBytes);
    assert.ok(own.pssAnonBytes !== null && own.pssAnonBytes > 0 && own.pssAnonBytes < own.pssBytes, JSON.stringify(own));
    assert.equal(own.pssProblem, undefined);

    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const memory = memoryOf(child.pid ?? 0);
      assert.ok(memory?.pssBytes && memory.rssBytes, JSON.stringify(memory));
      assert.ok(memory.pssBytes < memory.rssBytes, `PSS ${memory.pssBytes} below RSS ${memory.rssBytes}`);
      assert.ok(memory.rssBytes > 10 * 2 ** 20, "a Node process maps tens of MB");
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    assert.equal(memoryOf(child.pid ?? 0), null, "an ended process has no memory");
  });
});
