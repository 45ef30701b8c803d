import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { isRunning, readPidFile, writePidFile } from "../src/pid-file.js";

describe("the launcher's pid file", () => {
  it("keeps service pids across launchers; a missing, torn or foreign file is no pids, not an error", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-pids-")), "pids.json");
    assert.deepEqual(readPidFile(file), new Map());
    writePidFile(
      file,
      new Map([
        ["router", 10],
        ["keypad", 11],
      ]),
    );
    assert.deepEqual(
      readPidFile(file),
      new Map([
        ["router", 10],
        ["keypad", 11],
      ]),
    );
    writeFileSync(file, '{"router": 1');
    assert.deepEqual(readPidFile(file), new Map());
    writeFileSync(file, '{"router": -3, "keypad": "12", "sensors": 13}');
    assert.deepEqual(readPidFile(file), new Map([["sensors", 13]]));
  });

  it("a pid counts only while it still runs that service's program (after a reboot it may be anyone's)", async () => {
    const script = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-pids-")), "main.js");
    writeFileSync(script, "setTimeout(() => {}, 60_000);");
    const child = spawn(process.execPath, [script], { stdio: "ignore" });
    try {
      const pid = child.pid ?? 0;
      assert.equal(isRunning(pid, script), true);
      assert.equal(isRunning(pid, "/opt/roomguard/packages/keypad/dist/src/main.js"), false);
    } finally {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    assert.equal(isRunning(child.pid ?? 0, script), false);
  });
});
