import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createLogger, systemClock } from "@roomguard/runtime";
import { freePort, waitUntil } from "@roomguard/testing";
import { describeMpdExit } from "../src/mpd-exit.js";
import { startPrivateMpd } from "../src/private-mpd.js";

/** What Debian's mpd says at every start on a Pi without a timidity config. */
const WILDMIDI = "decoder: Decoder plugin 'wildmidi' is unavailable: configuration file does not exist: /etc/timidity/timidity.cfg";

describe("why mpd stopped", () => {
  it("a signal is the reason, not what mpd said at its start", () => {
    assert.equal(describeMpdExit(null, "SIGKILL", [WILDMIDI]), "mpd exited (SIGKILL)");
    assert.equal(
      describeMpdExit(null, "SIGSEGV", [WILDMIDI, "exception: Failed to decode"]),
      "mpd exited (SIGSEGV): exception: Failed to decode",
    );
  });

  it("an exit code comes with mpd's own words about the failure, never an informational line", () => {
    assert.equal(
      describeMpdExit(1, null, [
        WILDMIDI,
        "exception: Failed to bind to '127.0.0.1:6600'",
        "Failed to bind socket: Address already in use",
      ]),
      "mpd exited (code 1): exception: Failed to bind to '127.0.0.1:6600'; Failed to bind socket: Address already in use",
    );
    assert.equal(
      describeMpdExit(1, null, [WILDMIDI, "zeroconf: No global port, disabling zeroconf"]),
      "mpd exited (code 1): it said nothing about why",
    );
    assert.equal(describeMpdExit(2, null, [WILDMIDI, "config: unknown setting"]), "mpd exited (code 2): config: unknown setting");
  });

  it("kill -9 of a private mpd that said the wildmidi line: the reason given is the signal", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-spawn-"));
    // Debian's mpd on a Pi, as far as its stderr goes: the real mpd after that line.
    const binary = path.join(dir, "debian-mpd");
    writeFileSync(binary, `#!/bin/sh\necho "${WILDMIDI}" >&2\nexec mpd "$@"\n`);
    chmodSync(binary, 0o755);
    const failures: string[] = [];
    const logged: string[] = [];
    const mpd = startPrivateMpd({
      binary,
      musicDir: path.join(dir, "music"),
      stateDir: path.join(dir, "state"),
      host: "127.0.0.1",
      port: await freePort(),
      output: "null",
      alsaDevice: "",
      log: createLogger({ service: "test", level: "debug", format: "json", stream: { write: (text: string) => logged.push(text) } }),
      clock: systemClock,
      onFailure: (error) => failures.push(error),
    });
    after(() => mpd.stop());
    const pid = (await waitUntil(() => mpd.status().pid, { what: "the private mpd to start", timeoutMs: 10_000 })) ?? assert.fail();
    await waitUntil(() => logged.some((line) => line.includes("wildmidi")), { what: "mpd's wildmidi line to be read", timeoutMs: 10_000 });
    process.kill(pid, "SIGKILL");
    await waitUntil(() => failures.length > 0, { what: "the failure to be reported", timeoutMs: 10_000 });
    assert.deepEqual(failures, ["mpd exited (SIGKILL)"]);
    assert.equal(mpd.status().error, "mpd exited (SIGKILL)");
    await mpd.stop();
  });
});
