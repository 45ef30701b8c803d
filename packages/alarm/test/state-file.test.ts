import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { checkAlarmState, encodeStateFile, openStateFile, type LoadResult } from "../src/state-file.js";
import type { AlarmState } from "../src/types.js";
import { inMountNamespace, isRoot, PRINTING_LOG } from "./mount-namespace.js";
import { stateForSeq } from "./power-loss-states.js";

const STATE_FILE_MODULE = new URL("../src/state-file.js", import.meta.url).href;

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-state-file-"));
  scratchDirs.push(dir);
  return dir;
}

const armed: AlarmState = {
  state: "armed_away",
  mode: "away",
  endsAt: null,
  triggeredAt: null,
  changedBy: "alice",
  bypassed: ["window"],
  triggers: { front: 1 },
  memory: [],
  lockout: { failures: 2, until: null },
  open: ["window"],
  troubles: { pir: "no heartbeat from sensors" },
};
const disarmed: AlarmState = { ...armed, state: "disarmed", mode: null, bypassed: [], triggers: {}, changedBy: "bob" };

function names(dir: string): string[] {
  return readdirSync(dir).sort();
}

function corruptCopies(dir: string): string[] {
  return names(dir).filter((name) => name.startsWith("state.json.corrupt-"));
}

function withSha(state: unknown, seq: number): string {
  // encodeStateFile hashes whatever it is given: a wrong shape with a right checksum.
  return encodeStateFile(state as AlarmState, seq);
}

/** Bad current files: each must never load, and is set aside. */
const badFiles: Array<[string, string]> = [
  ["empty", ""],
  ["garbage", "\u0000\u0001not json at all"],
  ["a JSON array", "[1,2,3]"],
  ["null", "null"],
  [
    "wrong sha256",
    encodeStateFile(armed, 2).replace(/"sha256":"[0-9a-f]/, (match) => match.slice(0, -1) + (match.endsWith("0") ? "1" : "0")),
  ],
  ["a state changed after hashing", encodeStateFile(armed, 2).replace('"changedBy":"alice"', '"changedBy":"mallory"')],
  ["a seq changed after hashing", encodeStateFile(armed, 2).replace('"seq":2', '"seq":3')],
  ["version 2", encodeStateFile(armed, 2).replace('"v":1', '"v":2')],
  ["an extra top-level key", JSON.stringify({ ...(JSON.parse(encodeStateFile(armed, 2)) as object), extra: 1 })],
  ["seq 0", withSha(armed, 0)],
  ["an unknown state name", withSha({ ...armed, state: "vacation" }, 2)],
  ["an unknown mode", withSha({ ...armed, mode: "holiday" }, 2)],
  ["a missing field", withSha({ ...armed, memory: undefined }, 2)],
  ["an unknown field", withSha({ ...armed, pin: "1234" }, 2)],
  ["endsAt a string", withSha({ ...armed, endsAt: "soon" }, 2)],
  ["triggeredAt a boolean", withSha({ ...armed, triggeredAt: true }, 2)],
  ["changedBy a number", withSha({ ...armed, changedBy: 7 }, 2)],
  ["bypassed not strings", withSha({ ...armed, bypassed: [1] }, 2)],
  ["memory an object", withSha({ ...armed, memory: {} }, 2)],
  ["open null", withSha({ ...armed, open: null }, 2)],
  ["a negative trigger count", withSha({ ...armed, triggers: { front: -1 } }, 2)],
  ["troubles not strings", withSha({ ...armed, troubles: { pir: 1 } }, 2)],
  ["lockout.failures a string", withSha({ ...armed, lockout: { failures: "3", until: null } }, 2)],
  ["lockout with an extra key", withSha({ ...armed, lockout: { failures: 0, until: null, code: "1234" } }, 2)],
  ["the state an array", withSha([], 2)],
];

describe("openStateFile", () => {
  it("stores a state and loads it back; the directory is made 0750 (its group reads the audit there) and the file 0600 in the documented format", () => {
    const dir = path.join(scratch(), "var", "alarm");
    const umask = process.umask(0o077); // a strict umask must not take the group's read
    const file = openStateFile(dir);
    process.umask(umask);
    assert.equal(statSync(dir).mode & 0o777, 0o750);
    file.save(armed);
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: armed, seq: 1, from: "current" } satisfies LoadResult);
    assert.equal(statSync(path.join(dir, "state.json")).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stored), ["v", "seq", "state", "sha256"]);
    assert.equal(stored.v, 1);
    assert.match(String(stored.sha256), /^[0-9a-f]{64}$/);
    assert.deepEqual(names(dir), ["state.json"], "no tmp file is left behind");
  });

  it("gives an older version's 0700 directory the group's read and search; state.json stays 0600", () => {
    const dir = scratch();
    chmodSync(dir, 0o700);
    openStateFile(dir).save(armed);
    chmodSync(path.join(dir, "state.json"), 0o600);
    const reopened = openStateFile(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o750);
    assert.equal(statSync(path.join(dir, "state.json")).mode & 0o777, 0o600);
    reopened.save(disarmed);
    assert.equal(statSync(path.join(dir, "state.json")).mode & 0o777, 0o600);
  });

  it("counts seq up by one per save, keeps the state before in state.prev.json, and goes on counting after a reopen", () => {
    const dir = scratch();
    const file = openStateFile(dir);
    for (let seq = 1; seq <= 3; seq++) file.save(stateForSeq(seq));
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: stateForSeq(3), seq: 3, from: "current" });
    const previous = JSON.parse(readFileSync(path.join(dir, "state.prev.json"), "utf8")) as { seq: number; state: AlarmState };
    assert.equal(previous.seq, 2);
    assert.deepEqual(previous.state, stateForSeq(2));
    openStateFile(dir).save(stateForSeq(4)); // no load first: save reads the last seq itself
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: stateForSeq(4), seq: 4, from: "current" });
  });

  it("with neither file, it is a first start", () => {
    assert.deepEqual(openStateFile(path.join(scratch(), "new")).load(), { kind: "first-start" });
  });

  it("with only state.prev.json (a crash between the two renames of a save), loads it, and the next save counts on from it", () => {
    const dir = scratch();
    const file = openStateFile(dir);
    file.save(armed);
    file.save(disarmed);
    // state.json → state.prev.json done; the tmp file (complete, never acknowledged) not yet renamed.
    rmSync(path.join(dir, "state.json"));
    writeFileSync(path.join(dir, "state.json.tmp"), encodeStateFile(stateForSeq(3), 3));
    const reopened = openStateFile(dir);
    assert.deepEqual(reopened.load(), { kind: "ok", state: armed, seq: 1, from: "previous" });
    reopened.save(stateForSeq(9));
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: stateForSeq(9), seq: 2, from: "current" });
    assert.deepEqual(corruptCopies(dir), [], "nothing was corrupt");
  });

  it("a state.json cut at every byte offset loads the previous good state, and the torn file is kept aside byte for byte", () => {
    const dir = scratch();
    const file = openStateFile(dir);
    file.save(armed);
    file.save(disarmed);
    const whole = readFileSync(path.join(dir, "state.json"));
    const previous = readFileSync(path.join(dir, "state.prev.json"));
    assert.ok(whole.length > 300, `a real file (${whole.length} bytes)`);
    for (let length = 0; length < whole.length; length++) {
      const torn = whole.subarray(0, length);
      for (const name of names(dir)) rmSync(path.join(dir, name));
      writeFileSync(path.join(dir, "state.prev.json"), previous);
      writeFileSync(path.join(dir, "state.json"), torn);
      const result = openStateFile(dir).load();
      assert.equal(result.kind, "ok", `cut at ${length}`);
      assert.deepEqual(
        { ...result, problems: undefined },
        { kind: "ok", state: armed, seq: 1, from: "previous", problems: undefined },
        `cut at ${length}`,
      );
      const aside = corruptCopies(dir);
      assert.equal(aside.length, 1, `cut at ${length}: ${names(dir).join(", ")}`);
      assert.deepEqual(readFileSync(path.join(dir, aside[0] ?? "")), torn, `cut at ${length}: kept as it was`);
      assert.equal(existsSync(path.join(dir, "state.json")), false);
    }
  });

  it("a state.json cut at every byte offset with no previous copy is corrupt (never a first start), also on the next start", () => {
    const dir = scratch();
    openStateFile(dir).save(armed);
    const whole = readFileSync(path.join(dir, "state.json"));
    for (let length = 0; length < whole.length; length++) {
      for (const name of names(dir)) rmSync(path.join(dir, name));
      writeFileSync(path.join(dir, "state.json"), whole.subarray(0, length));
      const result = openStateFile(dir).load();
      assert.equal(result.kind, "corrupt", `cut at ${length}`);
      assert.equal(corruptCopies(dir).length, 1, `cut at ${length}`);
      // The bad file is aside now and nothing was stored since: the next start is still no first start.
      assert.equal(openStateFile(dir).load().kind, "corrupt", `cut at ${length}, second start`);
    }
  });

  for (const [what, text] of badFiles) {
    it(`a state.json with ${what} is set aside; the previous copy is used, or with none it is corrupt`, () => {
      const dir = scratch();
      const file = openStateFile(dir);
      file.save(armed);
      file.save(disarmed);
      writeFileSync(path.join(dir, "state.json"), text);
      const withPrevious = openStateFile(dir).load();
      assert.equal(withPrevious.kind, "ok");
      assert.deepEqual([withPrevious.state, withPrevious.seq, withPrevious.from], [armed, 1, "previous"]);
      assert.equal(withPrevious.problems?.length, 1);
      assert.match(withPrevious.problems?.[0] ?? "", /^state\.json: .*; kept as state\.json\.corrupt-\d{4}-/);
      assert.equal(readFileSync(path.join(dir, corruptCopies(dir)[0] ?? ""), "utf8"), text);

      rmSync(path.join(dir, "state.prev.json"));
      writeFileSync(path.join(dir, "state.json"), text);
      const alone = openStateFile(dir).load();
      assert.equal(alone.kind, "corrupt");
      assert.equal(corruptCopies(dir).length, 2, "both bad copies are kept");
    });
  }

  it("when both files are bad it is corrupt and names both problems", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "state.json"), "{");
    writeFileSync(path.join(dir, "state.prev.json"), withSha({ ...armed, state: "vacation" }, 1));
    const result = openStateFile(dir).load();
    assert.equal(result.kind, "corrupt");
    assert.equal(result.problems.length, 2);
    assert.match(result.problems[0] ?? "", /^state\.json: torn or not JSON/);
    assert.match(result.problems[1] ?? "", /^state\.prev\.json: not an alarm state: state: expected a state name, got "vacation"/);
    // The service then stores the state it starts in: that is read back, the bad previous copy goes.
    const file = openStateFile(dir);
    file.save(armed);
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: armed, seq: 1, from: "current" });
  });

  it("refuses to store an invalid state, and the stored one stays", () => {
    const dir = scratch();
    const file = openStateFile(dir);
    file.save(armed);
    assert.throws(
      () => file.save({ ...armed, state: "vacation" } as unknown as AlarmState),
      /refusing to store an invalid alarm state: state: expected a state name, got "vacation"/,
    );
    assert.throws(() => file.save({ ...armed, endsAt: Number.NaN }), /endsAt: expected epoch ms or null, got NaN/);
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: armed, seq: 1, from: "current" });
  });

  it("checkAlarmState accepts every state the power-loss writer makes and names each wrong field", () => {
    for (let seq = 1; seq <= 50; seq++) assert.deepEqual(checkAlarmState(stateForSeq(seq)), [], `seq ${seq}`);
    assert.deepEqual(checkAlarmState({ ...armed, mode: "holiday", extra: 1 }), [
      "extra: unknown field",
      'mode: expected away, home, night or null, got "holiday"',
    ]);
  });

  it("a save to a read-only directory throws naming the file and the cause, and the stored state stays", async (t) => {
    const dir = scratch();
    openStateFile(dir).save(armed);
    if (!isRoot) {
      chmodSync(dir, 0o500);
      t.after(() => chmodSync(dir, 0o750));
      assert.throws(() => openStateFile(dir).save(disarmed), /^Error: cannot store the alarm state in .*state\.json\.tmp: EACCES/);
    } else {
      // root writes through a 0500 directory: mount it read-only in a private mount namespace (as an SD card remounted ro).
      const output = await inMountNamespace(`mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"`, dir, saveScript(dir, [disarmed]));
      assert.deepEqual(output, [
        {
          error: `cannot store the alarm state in ${dir}/state.json.tmp: EROFS: read-only file system, open '${dir}/state.json.tmp'`,
          code: "EROFS",
        },
      ]);
    }
    assert.deepEqual(openStateFile(dir).load(), { kind: "ok", state: armed, seq: 1, from: "current" });
  });

  it("opening a directory that cannot be created (a read-only disk) logs it and loads a first start; each save says why it fails", async (t) => {
    const dir = scratch();
    const missing = path.join(dir, "var", "alarm");
    const script = `import { openStateFile } from ${JSON.stringify(STATE_FILE_MODULE)};
      const file = openStateFile(${JSON.stringify(missing)}, ${PRINTING_LOG});
      console.log(JSON.stringify(file.load()));
      for (let n = 0; n < 2; n++)
        try { file.save(${JSON.stringify(armed)}); console.log(JSON.stringify({ saved: true })); }
        catch (error) { console.log(JSON.stringify({ error: error.message, code: error.code })); }`;
    let cause: string;
    let output: unknown[];
    if (isRoot) {
      cause = "EROFS: read-only file system";
      output = await inMountNamespace(`mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"`, dir, script);
    } else {
      cause = "EACCES: permission denied";
      chmodSync(dir, 0o500);
      t.after(() => chmodSync(dir, 0o700));
      output = await inMountNamespace(null, dir, script);
    }
    const mkdir = `${cause}, mkdir '${dir}/var'`;
    const failed = { error: `cannot store the alarm state in ${missing}: ${mkdir}`, code: cause.slice(0, cause.indexOf(":")) };
    assert.deepEqual(output, [
      { level: "error", message: `cannot create the alarm's state directory ${missing}: ${mkdir}` },
      { level: "info", message: "no alarm state file: first start, disarmed" },
      { kind: "first-start" },
      failed,
      failed,
    ]);
  });

  it("a save to a full disk throws ENOSPC, and the state stored before is loaded", async (t) => {
    if (!isRoot) return t.skip("needs root to mount a tiny tmpfs in a private mount namespace");
    const dir = scratch();
    const huge: AlarmState = { ...armed, troubles: { pir: "x".repeat(64 * 1024) } };
    const script = `${saveScript(dir, [armed, huge])}
      console.log(JSON.stringify(openStateFile(${JSON.stringify(dir)}).load()));`;
    const output = await inMountNamespace(`mount -t tmpfs -o size=16k,mode=0700 tmpfs "$1"`, dir, script);
    assert.deepEqual(output, [
      { saved: 1 },
      { error: `cannot store the alarm state in ${dir}/state.json.tmp: ENOSPC: no space left on device, write`, code: "ENOSPC" },
      { kind: "ok", state: armed, seq: 1, from: "current" },
    ]);
  });
});

/** A module script that saves `states` in `dir` and prints, per state, {saved: seq} or {error, code}. */
function saveScript(dir: string, states: AlarmState[]): string {
  return `import { openStateFile } from ${JSON.stringify(STATE_FILE_MODULE)};
    const file = openStateFile(${JSON.stringify(dir)});
    let n = 0;
    for (const state of ${JSON.stringify(states)}) {
      try { file.save(state); console.log(JSON.stringify({ saved: ++n })); }
      catch (error) { console.log(JSON.stringify({ error: error.message, code: error.code })); }
    }`;
}
