// Issue 14: no code ever lands in the journal, a log, the audit trail, a state file or a config
// file in clear. Codes are entered every way a user can — the keypad (`roomguard sim press`),
// `roomguard alarm`, a request as the dashboard would send it, malformed requests, add-user —
// into an appliance logging at debug level with its journal on; then every file is searched.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Dealer } from "zeromq";
import { request, RequestError } from "@roomguard/bus";
import { hashSecret } from "@roomguard/runtime";
import { busClient, ctl, scratchDir, roomguard, startLauncher, until } from "./appliance.js";

// Twelve digits each: a run this long turns up by chance in no timestamp, pid or hash.
const CODE = "730591826403";
const DURESS = "418263950712";
const WRONG = "926170384551";
const ADDED = "605382917446";

/** Every file under `dir`, sockets and the like left out. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(file);
    return entry.isFile() ? [file] : [];
  });
}

describe("codes in the appliance", { timeout: 180_000 }, () => {
  it("are found in no file after being typed on the keypad, given to roomguard alarm, sent as requests and added as a user", async () => {
    const dir = scratchDir();
    const alarmSock = `ipc://${dir}/alarm.sock`;
    const launcher = startLauncher(dir, {
      bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock`, heartbeatIntervalS: 0.5 },
      router: { journal: { enabled: true, dir: `${dir}/journal`, flushIntervalMs: 50 } },
      hardware: { backend: "sim" },
      // Each `roomguard sim press` is a process of its own: on a loaded machine seconds may pass between keys.
      keypad: { mode: "matrix", codeEntry: { maxDigits: 12, timeoutS: 120 } },
      sensors: [{ id: "front", kind: "door", pin: 25 }],
      alarm: {
        requests: alarmSock,
        stateDir: `${dir}/alarm`,
        exitDelayS: 0,
        users: [{ name: "anna", role: "admin", pin: await hashSecret(CODE), duressPin: await hashSecret(DURESS) }],
        zones: [{ sensor: "front", type: "entry" }],
        siren: { pin: 17 },
      },
      launcher: {
        control: `ipc://${dir}/ctl.sock`,
        stateDir: `${dir}/launcher`,
        services: ["alarm", "keypad", "sensors"],
        missedHeartbeats: 6,
      },
      log: { level: "debug", format: "json" },
    });
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const bus = busClient(dir);
    after(() => bus.close());
    const alarm = bus.subscribe("ALARM: ");
    const beats = bus.subscribe("HEARTBEAT: alarm ", "HEARTBEAT: keypad ");
    await bus.waitForRouter(10_000);
    // "Every service started" is when they were spawned: a code typed before the alarm's request socket
    // is bound goes nowhere (the keypad says so). Its first heartbeat comes after the bind; the keypad's after its pins.
    const beating = new Set<string>();
    await until(
      beats,
      "the alarm's and the keypad's first heartbeats",
      (message) => beating.add(message.text.split(" ")[1] ?? "").size === 2,
    );
    const state = (name: string) => until(alarm, `ALARM: ${name}`, (message) => message.text.startsWith(`ALARM: ${name} `));
    const cli = (args: string[], stdin = "") => roomguard(launcher.configFile, args, stdin);
    const press = async (keys: string): Promise<void> => {
      // 250 ms a key: a keypad starved of CPU on a loaded machine still sees each press (100 ms may pass unseen).
      for (const key of keys) assert.equal((await cli(["sim", "press", key, "250"])).code, 0);
    };

    // The keypad: arm, a wrong code, the duress code.
    await press(`${CODE}A`);
    await state("armed_away");
    await press(`${WRONG}#`);
    await until(alarm, "a bad_code event", (message) => message.text.includes('"kind":"bad_code"'));
    await press(`${DURESS}#`);
    await state("disarmed");
    // roomguard alarm: arm, a wrong code, disarm.
    assert.equal((await cli(["alarm", "arm", "away"], `${CODE}\n`)).code, 0);
    assert.equal((await cli(["alarm", "disarm"], `${WRONG}\n`)).code, 1);
    assert.equal((await cli(["alarm", "disarm"], `${CODE}\n`)).code, 0);
    // Requests as the dashboard or Home Assistant send them, and malformed ones that carry a code.
    await request(alarmSock, "arm", { mode: "away", code: CODE, source: "dashboard" });
    for (const args of [
      { code: WRONG, source: "homeassistant" },
      { code: CODE, source: "nowhere" },
      { code: Number(CODE), source: "dashboard" },
      { code: CODE, source: "dashboard", extra: WRONG },
    ])
      await request(alarmSock, "disarm", args).catch((error: unknown) => assert.ok(error instanceof RequestError));
    await request(alarmSock, `disarm-${CODE}`, { code: CODE }).catch((error: unknown) => assert.ok(error instanceof RequestError));
    // Frames that are no request at all, with a code in them: a plain sentence, a cut JSON, a code as a field name.
    const raw = new Dealer({ linger: 0, receiveTimeout: 3000 });
    raw.connect(alarmSock);
    for (const frame of [
      `disarm ${CODE}`,
      `{"id":"x","command":"disarm","args":{"code":"${CODE}"`,
      `{"id":"y","command":"disarm","${WRONG}":1}`,
      `["disarm","${CODE}"]`,
    ]) {
      await raw.send(frame);
      const [answer] = await raw.receive();
      assert.match(String(answer), /"bad-request"/);
    }
    raw.close();
    await request(alarmSock, "arm", { mode: "home", code: DURESS, source: "dashboard" }); // the extra argument above was ignored: it disarmed
    // A user added to a config file.
    const other = path.join(dir, "other.yaml");
    writeFileSync(other, "# another appliance's config\nalarm:\n  users: []\n");
    const added = await roomguard(other, ["alarm", "add-user", "ben"], `${ADDED}\n${ADDED}\n`);
    assert.equal(added.code, 0, added.err);
    assert.match(readFileSync(other, "utf8"), /name: ben/);

    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);

    const files = filesUnder(dir);
    const searched = files.map((file) => path.relative(dir, file));
    for (const expected of ["journal", "launcher/alarm.log", "launcher/keypad.log", "alarm/state.json", "alarm/audit.jsonl", "other.yaml"])
      assert.ok(
        searched.some((file) => file.startsWith(expected)),
        `${expected} was written and searched: ${searched.join(", ")}`,
      );
    const leaks: string[] = [];
    for (const file of files) {
      if (statSync(file).size === 0) continue;
      const bytes = readFileSync(file);
      for (const code of [CODE, DURESS, WRONG, ADDED]) if (bytes.includes(code)) leaks.push(`${path.relative(dir, file)} holds ${code}`);
      // The keypad's digits are not on the bus either: no KEY: or journaled SIM: press of a digit.
      if (/(KEY|SIM): (press )?\d/.test(bytes.toString("latin1"))) leaks.push(`${path.relative(dir, file)} holds a digit key`);
    }
    assert.deepEqual(leaks, []);
  });
});
