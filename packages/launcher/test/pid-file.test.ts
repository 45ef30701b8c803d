import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { readPidFile, writePidFile } from "../src/pid-file.js";

describe("the launcher's pid file", () => {
  it("keeps each service's identity across launchers; a missing, torn or foreign file, or a bare pid, is none", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-pids-")), "pids.json");
    assert.deepEqual(readPidFile(file), new Map());
    const router = { pid: 10, startTicks: 5000, commandLine: ["node", "/x/router/main.js"] };
    const keypad = { pid: 11, startTicks: 5001, commandLine: ["node", "/x/keypad/main.js", "--config", "/c.yaml"] };
    writePidFile(
      file,
      new Map([
        ["router", router],
        ["keypad", keypad],
      ]),
    );
    assert.deepEqual(
      readPidFile(file),
      new Map([
        ["router", router],
        ["keypad", keypad],
      ]),
    );
    writeFileSync(file, '{"router": {"pid": 10');
    assert.deepEqual(readPidFile(file), new Map());
    // An older launcher's bare pids, pid 1, and half records prove nothing: heartbeats still find the services.
    writeFileSync(
      file,
      JSON.stringify({
        router: 10,
        keypad: { ...keypad, pid: 1 },
        sensors: { pid: 13 },
        alarm: { ...keypad, commandLine: [7] },
        web: keypad,
      }),
    );
    assert.deepEqual(readPidFile(file), new Map([["web", keypad]]));
  });
});
