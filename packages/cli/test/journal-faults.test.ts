// `roomguard journal` never prints nothing with exit 0 over a journal it could not read: gaps
// are shown where they are, unreadable files named, an unwritable journal directory said.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { encodeMessage, JournalWriter } from "@roomguard/journal";
import { ManualClock, systemClock } from "@roomguard/runtime";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args` (by default the CLI under node) to its end. */
function run(args: string[], command = process.execPath): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      command === process.execPath ? [CLI, ...args] : args,
      { env: { ...process.env, ROOMGUARD_CONFIG: "" } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function journalWith(dir: string, texts: string[], close = true): Promise<void> {
  // A writer left open has a manual clock: its flush timer must not keep the test process alive.
  const clock = close ? systemClock : new ManualClock();
  const writer = await JournalWriter.open({ dir, segmentBytes: 1 << 20, maxBytes: 8 << 20, flushIntervalMs: 50, clock });
  for (const text of texts) writer.append(encodeMessage([Buffer.from(text)]), 1, Date.now());
  if (close) await writer.close();
  else await writer.flush();
}

describe("roomguard journal over a damaged or unwritable journal", { timeout: 30_000 }, () => {
  it("shows where messages are missing: a router that did not close the journal", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-journal-gap-")), "journal");
    await journalWith(dir, ["KEY: 1", "KEY: 2"], false); // as if killed: no clean close
    await journalWith(dir, ["KEY: 3"]);

    const text = await run(["journal", "--dir", dir, "--topic", "KEY"]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[2] ?? "", /^2 {2}\S+ \S+ {2}-- messages missing here: the router stopped without closing the journal/);
    assert.match(lines[3] ?? "", /^2 {2}\S+ \S+ {2}KEY: 3$/);
    const json = await run(["journal", "--dir", dir, "--json"]);
    const gap = JSON.parse(json.stdout.trim().split("\n")[2] ?? "{}") as { seq: number; missing: number | null; reason: string };
    assert.equal(gap.seq, 2);
    assert.equal(gap.missing, null);
    const lala = await run(["journal", "--dir", dir, "--lala"]);
    assert.match(lala.stdout, /^2:-- messages missing here: /m);
  });

  it("names a file it cannot read, prints the rest, and exits 1", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-journal-bad-")), "journal");
    await journalWith(dir, ["DOOR: front open"]);
    writeFileSync(path.join(dir, "journal-0000000000999999.rgj"), "copied over by mistake");
    const result = await run(["journal", "--dir", dir]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /DOOR: front open/);
    assert.match(result.stderr, /cannot read .*journal-0000000000999999\.rgj: .*not a journal segment/);
  });

  it("says that the journal directory is not writable (a read-only mount), and exits 1", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to mount the journal read-only in a private mount namespace");
    const base = mkdtempSync(path.join(tmpdir(), "roomguard-journal-ro-"));
    const dir = path.join(base, "journal");
    mkdirSync(dir);
    const config = path.join(base, "roomguard.yaml");
    writeFileSync(config, JSON.stringify({ router: { journal: { dir } } }));
    const script = `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$2" "$3" journal --config "$4"`;
    const result = await run(["-m", "--propagation", "private", "sh", "-c", script, "sh", dir, process.execPath, CLI, config], "unshare");
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the journal at .* is not writable \(EROFS\): the router cannot journal there/);
    assert.match(result.stderr, /holds no messages yet/);
  });
});
