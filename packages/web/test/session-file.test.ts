import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createLogger, ManualClock } from "@roomguard/runtime";
import { openSessionFile, SESSION_FILE } from "../src/session-file.js";
import { SessionStore } from "../src/sessions.js";

const root = mkdtempSync(path.join(tmpdir(), "web-sessions-"));
after(() => rmSync(root, { recursive: true, force: true }));
const lines: string[] = [];
const log = createLogger({ service: "web", format: "json", stream: { write: (line: string) => lines.push(line) } });
const HASH = "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const users = [{ name: "alice", role: "user" as const, password: HASH }];
const limits = { idleHours: 12, maxDays: 30 };

describe("the session file", () => {
  it("keeps sessions across a restart, storing only the ids' hashes, mode 0600", () => {
    const dir = path.join(root, "a", "web");
    const clock = new ManualClock();
    const store = new SessionStore(limits, users, clock);
    const id = store.create("alice");
    openSessionFile(dir, log).save(store.records());
    const text = readFileSync(path.join(dir, SESSION_FILE), "utf8");
    assert.equal(text.includes(id), false);
    assert.equal(statSync(path.join(dir, SESSION_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const restarted = new SessionStore(limits, users, clock, openSessionFile(dir, log).load());
    assert.deepEqual(restarted.use(id), { user: "alice", role: "user" });
  });
  it("starts with no sessions from a missing, corrupt or hand-broken file, keeping the good records of a hand-edited one and logging a corrupt one", () => {
    const dir = path.join(root, "b");
    assert.deepEqual(openSessionFile(dir, log).load(), []);
    assert.equal(lines.length, 0);
    openSessionFile(dir, log).save([]);
    writeFileSync(path.join(dir, SESSION_FILE), "{not json");
    assert.deepEqual(openSessionFile(dir, log).load(), []);
    writeFileSync(
      path.join(dir, SESSION_FILE),
      JSON.stringify({
        sessions: [
          { idHash: "short", user: "alice", createdAt: 0, usedAt: 0 },
          { idHash: "a".repeat(64), user: "alice", createdAt: 1, usedAt: 2 },
        ],
      }),
    );
    assert.deepEqual(openSessionFile(dir, log).load(), [{ idHash: "a".repeat(64), user: "alice", createdAt: 1, usedAt: 2 }]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /is not a session file/);
  });
});
