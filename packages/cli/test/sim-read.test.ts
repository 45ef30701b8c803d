import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { BusClient, serveSim } from "@roomguard/bus";
import { createLogger } from "@roomguard/runtime";
import { busRig } from "@roomguard/testing";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `roomguard ARGS` to completion. */
function roomguard(args: string[]): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ROOMGUARD_CONFIG: "" } });
  after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("roomguard sim read", { timeout: 30_000 }, () => {
  it("prints the level of a simulated output and who drives it; says so, exit 1, when nobody answers", async () => {
    const rig = await busRig();
    const config = path.join(rig.dir, "roomguard.json");
    writeFileSync(config, JSON.stringify({ bus: rig.endpoints, alarm: { siren: { pin: 18 } }, log: { format: "json" } }));

    // A service on simulated hardware that drives BCM 18, as the alarm does with its siren.
    const service = new BusClient(rig.endpoints);
    after(() => service.close());
    const lines: Array<{ level: string; msg: string }> = [];
    const log = createLogger({
      service: "test-alarm",
      level: "debug",
      format: "json",
      stream: { write: (text: string) => lines.push(JSON.parse(text) as { level: string; msg: string }) },
    });
    let siren: 0 | 1 = 1;
    const sim = serveSim({ bus: service, log, service: "alarm", outputs: [{ pin: 18, purpose: "siren", read: () => siren }] });
    after(() => sim.stop());
    await service.waitForRouter();
    await rig.wanted("SIM: read 18");

    const on = await roomguard(["sim", "read", "18", "--config", config]);
    assert.deepEqual([on.code, on.stdout], [0, "BCM 18: 1 (alarm: siren)\n"]);
    siren = 0;
    const off = await roomguard(["sim", "read", "18", "--config", config]);
    assert.equal(off.stdout, "BCM 18: 0 (alarm: siren)\n");

    const nobody = await roomguard(["sim", "read", "17", "--config", config]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stdout, "");
    assert.match(nobody.stderr, /^roomguard sim: warning: nothing in the config drives BCM 17; pins driven: /m);
    assert.match(
      nobody.stderr,
      /^roomguard sim: nobody answered "SIM: read 17" within 2 s: no service on simulated hardware drives BCM 17\. Is the service that drives it running\?/m,
    );
    // The service heard its own answers (it takes every SIM: message) and the read of BCM 17: not its business, said nowhere.
    assert.deepEqual(
      lines.filter((line) => line.level !== "debug"),
      [],
    );

    const wrong = await roomguard(["sim", "read", "40", "--config", config]);
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /expected a BCM GPIO on the header \(0-27\), got 40/);
  });
});
