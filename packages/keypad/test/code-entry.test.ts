import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseSubject, RequestError, RequestRefused, serveRequests, type RequestErrorCode } from "@roomguard/bus";
import { createSimHal } from "@roomguard/hal/sim";
import { createLogger, ManualClock } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { CodeEntry, type AlarmRequest } from "../src/code-entry.js";
import { createKeypadService } from "../src/service.js";
import { keypadRig, type KeypadRig } from "./bus-fixture.js";
import { configWith, recordingLogger } from "./helpers.js";

type Call = { command: string; args: Record<string, unknown> };

/** A code entry with the default keys, a manual clock and an alarm that answers as `answer` says. */
function entryWith(answer: (call: Call) => Promise<Record<string, unknown>>, codeEntry: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const calls: Call[] = [];
  const published: string[] = [];
  const { log, lines } = recordingLogger();
  const send: AlarmRequest = (command, args) => {
    calls.push({ command, args });
    return answer({ command, args });
  };
  const entry = new CodeEntry({
    config: configWith({ keypad: { mode: "matrix", codeEntry } }).keypad.codeEntry,
    clock,
    send,
    publish: (key) => published.push(key.hold ? `${key.name} HOLD` : key.name),
    log,
  });
  /** Presses each key of `keys` ("1234A"), or one named key. */
  const type = (keys: string): void => {
    for (const name of keys.length > 1 && !keys.includes(" ") ? [...keys] : [keys]) entry.key({ name, hold: false, repeat: false });
  };
  const hold = (name: string): void => entry.key({ name, hold: true, repeat: false });
  return { clock, calls, published, lines, entry, type, hold };
}

/** The alarm's reply: the new state in `state`, as its `arm`/`disarm` requests answer. */
const state = (name: string, more: Record<string, unknown> = {}) =>
  Promise.resolve({ state: { state: name, changed_by: "alice", ...more } });

function failing(code: RequestErrorCode, reason: string): Promise<never> {
  return Promise.reject(
    new RequestError(code, `the alarm at ipc://x answered with ${code}: ${reason}`, { endpoint: "ipc://x", command: "arm", reason }),
  );
}

/** Every log line as text: no code, and no digit key, may appear in any. */
const logText = (lines: Array<Record<string, unknown>>): string =>
  lines.map((line) => JSON.stringify({ ...line, time: undefined })).join("\n");

describe("keypad code entry", () => {
  it("digits are kept, never published; a command key sends them to the alarm and logs the outcome in its words", async () => {
    const k = entryWith(() => state("arming", { mode: "away", delay_s: 30 }));
    k.type("4711");
    assert.equal(k.entry.pending, 4);
    k.type("A");
    await k.entry.whenIdle();
    assert.deepEqual(k.calls, [{ command: "arm", args: { mode: "away", code: "4711", source: "keypad" } }]);
    assert.deepEqual(k.published, [], "no digit, and not the command key that sent them");
    assert.equal(k.entry.pending, 0, "emptied after sending");
    const outcome = k.lines.find((line) => line.level === "info");
    assert.deepEqual([outcome?.msg, outcome?.user, outcome?.state], ["arming away by alice: armed in 30 s", "alice", "arming"]);
    assert.doesNotMatch(logText(k.lines), /4711|"[0-9]"/);
  });

  it("each command key: arm home, arm night, disarm; the digits of one code never join the next", async () => {
    const answers = [state("armed_home"), state("armed_night"), state("disarmed", { changed_by: "bob" })];
    const k = entryWith(() => answers.shift() ?? assert.fail("one request too many"));
    k.type("1111B");
    await k.entry.whenIdle();
    k.type("2222C");
    await k.entry.whenIdle();
    k.type("3333#");
    await k.entry.whenIdle();
    assert.deepEqual(k.calls, [
      { command: "arm", args: { mode: "home", code: "1111", source: "keypad" } },
      { command: "arm", args: { mode: "night", code: "2222", source: "keypad" } },
      { command: "disarm", args: { code: "3333", source: "keypad" } },
    ]);
    assert.deepEqual(
      k.lines.filter((line) => line.level === "info").map((line) => line.msg),
      ["armed home by alice", "armed night by alice", "disarmed by bob"],
    );
  });

  it("command and clear keys without digits typed, and every other key, are published as ordinary keys", () => {
    const k = entryWith(() => assert.fail("nothing to send"));
    for (const name of ["A", "B", "C", "#", "*", "D"]) k.type(name);
    k.hold("A");
    assert.deepEqual(k.published, ["A", "B", "C", "#", "*", "D", "A HOLD"]);
    k.type("12");
    k.type("D"); // not a command key: published, and the digits stay
    assert.deepEqual(k.published.slice(-1), ["D"]);
    assert.equal(k.entry.pending, 2);
    assert.deepEqual(k.calls, []);
  });

  it("clear empties the entry (then sends nothing); held or repeated digits are typed once and never published", async () => {
    const k = entryWith(() => state("disarmed"));
    k.type("99");
    k.type("*");
    assert.equal(k.entry.pending, 0);
    assert.deepEqual(k.published, [], "the clear key after digits is not published");
    k.type("5");
    k.hold("5");
    k.entry.key({ name: "5", hold: false, repeat: true });
    assert.equal(k.entry.pending, 1);
    k.type("#");
    await k.entry.whenIdle();
    assert.deepEqual(k.calls, [{ command: "disarm", args: { code: "5", source: "keypad" } }]);
    assert.deepEqual(k.published, []);
  });

  it("digits are forgotten after timeoutS without a key; any key restarts the wait", () => {
    const k = entryWith(() => state("disarmed"), { timeoutS: 10 });
    k.type("12");
    k.clock.advance(9000);
    k.type("3");
    k.clock.advance(9000);
    assert.equal(k.entry.pending, 3, "each key restarts the 10 s");
    k.clock.advance(1000);
    assert.equal(k.entry.pending, 0, "10 s after the last key: forgotten");
    k.type("#");
    assert.deepEqual(k.published, ["#"], "nothing left to send: an ordinary key");
    k.type("78");
    k.clock.advance(5000);
    k.type("D");
    k.clock.advance(9999);
    assert.equal(k.entry.pending, 2, "an ordinary key restarts the wait too");
    assert.deepEqual(k.calls, []);
  });

  it("at most maxDigits: further digits are ignored until it is sent", async () => {
    const k = entryWith(() => state("disarmed"), { maxDigits: 4 });
    k.type("123456");
    assert.equal(k.entry.pending, 4);
    k.type("#");
    await k.entry.whenIdle();
    assert.deepEqual(k.calls, [{ command: "disarm", args: { code: "1234", source: "keypad" } }]);
    assert.equal(k.lines.filter((line) => String(line.msg).includes("maxDigits")).length, 1);
    assert.doesNotMatch(logText(k.lines), /123|"[0-9]"/);
  });

  it("the panic key held sends panic with no code, and forgets the digits typed; pressed briefly it is the clear key", async () => {
    const k = entryWith(() => state("triggered", { changed_by: "keypad" }));
    k.type("12");
    k.type("*"); // a press of * first: clears
    k.hold("*");
    await k.entry.whenIdle();
    k.type("34");
    k.hold("*");
    await k.entry.whenIdle();
    assert.equal(k.entry.pending, 0);
    assert.deepEqual(k.calls, [
      { command: "panic", args: { source: "keypad" } },
      { command: "panic", args: { source: "keypad" } },
    ]);
    assert.deepEqual(k.published, [], "no KEY: * HOLD");
    assert.equal(k.lines.find((line) => line.level === "info")?.msg, "panic: triggered by keypad");

    const plain = entryWith(() => state("triggered"), { panic: "D" });
    plain.type("D");
    await plain.entry.whenIdle();
    assert.deepEqual(plain.calls, [{ command: "panic", args: { source: "keypad" } }]);
    const none = entryWith(() => assert.fail("no panic key"), { panic: null });
    none.hold("*");
    assert.deepEqual(none.published, ["* HOLD"]);
  });

  it("a refusal is logged in the alarm's words; the code never", async () => {
    const k = entryWith(() => failing("refused", "wrong code, 3 attempts left"));
    k.type("8642#");
    await k.entry.whenIdle();
    assert.deepEqual(
      k.lines.filter((line) => line.level === "info").map((line) => line.msg),
      ["disarm refused: wrong code, 3 attempts left"],
    );
    assert.doesNotMatch(logText(k.lines), /8642|"[0-9]"/);
  });

  it("the alarm down: warned once per kind, the keypad carries on and keys still work", async () => {
    const k = entryWith(() => failing("no-service", "there is no socket file"));
    k.type("1234A");
    await k.entry.whenIdle();
    k.type("1234#");
    await k.entry.whenIdle();
    assert.equal(k.calls.length, 2);
    const warnings = k.lines.filter((line) => line.level === "warn");
    assert.deepEqual(
      warnings.map((line) => line.msg),
      ["the alarm does not answer: arm away not done; the keypad carries on (said once)"],
    );
    assert.equal(k.entry.pending, 0, "the code was sent, and forgotten, even though nobody answered");
    k.type("A");
    assert.deepEqual(k.published, ["A"]);

    const slow = entryWith(() => failing("timeout", "it is busy or hung"));
    slow.type("1234A");
    await slow.entry.whenIdle();
    assert.match(String(slow.lines.find((line) => line.level === "warn")?.msg), /^the alarm does not answer/);
    const broken = entryWith(() => {
      throw new Error("socket closed");
    });
    broken.type("1234A");
    await broken.entry.whenIdle();
    assert.equal(broken.lines.find((line) => line.level === "warn")?.msg, "arm away: the request to the alarm failed");
    assert.doesNotMatch(logText([...k.lines, ...slow.lines, ...broken.lines]), /1234/);
  });

  it("one request at a time: keys that come meanwhile wait, in order, and are handled after the answer", async () => {
    let answer = (): void => undefined;
    const k = entryWith(({ command }) =>
      command === "arm" ? new Promise((resolve) => (answer = () => resolve({ state: { state: "armed_away" } }))) : state("disarmed"),
    );
    k.type("1111A");
    k.type("D");
    k.type("2222#");
    assert.equal(k.calls.length, 1, "the second code waits for the first answer");
    assert.deepEqual(k.published, [], "so does the ordinary key after it");
    answer();
    await k.entry.whenIdle();
    assert.deepEqual(k.published, ["D"]);
    assert.deepEqual(
      k.calls.map((call) => call.args.code),
      ["1111", "2222"],
    );
  });
});

describe("keypad code entry in the keypad service", () => {
  it("a matrix keypad on the simulated board publishes no digit, shows only how many are typed, and sends them with the command key", async () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    const sent: string[] = [];
    const calls: Call[] = [];
    const { log } = recordingLogger();
    const service = createKeypadService({
      keypad: configWith({ keypad: { mode: "matrix" } }).keypad,
      hal,
      clock,
      log,
      publish: (text) => (sent.push(text), Promise.resolve()),
      alarm: (command, args) => (calls.push({ command, args }), state("armed_away")),
    });
    service.start();
    const cells: Record<string, [number, number]> = { "1": [5, 16], "5": [6, 20], A: [5, 26], D: [19, 26] };
    const press = (key: string): void => {
      const [row, column] = cells[key] ?? assert.fail(key);
      hal.gpio.connect(row, column);
      clock.advance(40);
      hal.gpio.disconnect(row, column);
      clock.advance(40);
    };
    press("1");
    press("5");
    assert.deepEqual((service.status() as { code_entry: unknown }).code_entry, { digits: 2 });
    assert.equal(service.status().last_key, null, "a digit is not shown as the last key");
    press("A");
    press("D"); // while the request is out: handled after its (already given) answer
    await new Promise(setImmediate);
    assert.deepEqual(sent, ["KEY: D"]);
    assert.deepEqual(calls, [{ command: "arm", args: { mode: "away", code: "15", source: "keypad" } }]);
    service.stop();
  });

  it("without a way to the alarm, a keypad with digits and code entry on refuses to start; off, digits are keys", () => {
    const clock = new ManualClock();
    const { log } = recordingLogger();
    const publish = (): Promise<void> => Promise.resolve();
    assert.throws(
      () =>
        createKeypadService({
          keypad: configWith({ keypad: { mode: "matrix" } }).keypad,
          hal: createSimHal({ clock }),
          clock,
          log,
          publish,
        }),
      /keypad\.codeEntry is on/,
    );
    const off = configWith({ keypad: { mode: "matrix", codeEntry: { enabled: false } } }).keypad;
    assert.ok(createKeypadService({ keypad: off, hal: createSimHal({ clock }), clock, log, publish }));
    const buttons = configWith({}).keypad; // the five-way pad: no digits, nothing to type a code with
    assert.ok(createKeypadService({ keypad: buttons, hal: createSimHal({ clock }), clock, log, publish }));
  });
});

/**
 * Waits until the keypad says no key is held (its STATUS), so that the next simulated press
 * cannot overlap the last ones (keys of two rows held together would be refused as ghosting).
 */
async function everyKeyUp(rig: KeypadRig): Promise<void> {
  const status = rig.client.subscribe("STATUS: keypad");
  await rig.wanted("STATUS: keypad");
  await rig.wanted("CONTROL: keypad STATUS");
  try {
    await waitUntil(
      async () => {
        await rig.client.publish("CONTROL: keypad STATUS");
        const answer = await status.nextWithin(1000);
        return answer ? (parseSubject(answer).payload as { held: string[] }).held.length === 0 : false;
      },
      { what: "every key of the keypad up" },
    );
  } finally {
    status.close();
  }
}

describe("keypad code entry, real processes", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-code-entry-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("SIM: press of digits on a matrix keypad: no KEY: <digit> on the bus; the code reaches the alarm's request socket with the command key", async () => {
    const endpoint = `ipc://${dir}/alarm.sock`;
    const received: Call[] = [];
    const server = await serveRequests({
      endpoint,
      service: "alarm",
      log: createLogger({ service: "test-alarm", level: "error", stream: { write: () => undefined } }),
      handlers: {
        arm: (args) => {
          received.push({ command: "arm", args });
          return { state: { state: "arming", mode: "away", changed_by: "alice", delay_s: 30 } };
        },
        disarm: () => {
          throw new RequestRefused("wrong code, 4 attempts left");
        },
      },
    });
    after(() => server.close());
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: 1");
    const keypad = rig.keypad({ hardware: { backend: "sim" }, keypad: { mode: "matrix" }, alarm: { requests: endpoint } });
    await rig.keypadListening();

    // Keys of one row only, so that presses overlapping in time never look like ghosting.
    for (const key of ["1", "2", "3", "A"]) await rig.client.publish(`SIM: press ${key}`);
    await waitUntil(() => received.length === 1, { what: "the arm request at the alarm's socket" });
    assert.deepEqual(received, [{ command: "arm", args: { mode: "away", code: "123", source: "keypad" } }]);
    await keypad.waitForLog((line) => line.msg === "arming away by alice: armed in 30 s");

    // Once A is up again, it is a key like any other: the first KEY: on the bus. A digit
    // published before it, by the same publisher, would have come first.
    await everyKeyUp(rig);
    await rig.client.publish("SIM: press A");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: A");
    assert.doesNotMatch(JSON.stringify(keypad.lines), /"123"|KEY: [0-9]/);
    assert.equal(await keypad.stop(), 0);
  });

  it("the alarm not running: the keypad warns once and carries on", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: 1");
    const keypad = rig.keypad({
      hardware: { backend: "sim" },
      keypad: { mode: "matrix" },
      alarm: { requests: `ipc://${dir}/nobody.sock` },
    });
    await rig.keypadListening();
    for (const key of ["1", "2", "3", "A"]) await rig.client.publish(`SIM: press ${key}`);
    const warning = await keypad.waitForLog((line) => line.level === "warn");
    assert.equal(warning.msg, "the alarm does not answer: arm away not done; the keypad carries on (said once)");
    assert.match(String(warning.reason), /nothing listens at ipc:.*nobody\.sock \(there is no socket file\)/);
    await everyKeyUp(rig);
    await rig.client.publish("SIM: press D");
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: D");
    assert.equal(keypad.child.exitCode, null);
    assert.equal(await keypad.stop(), 0);
  });
});
