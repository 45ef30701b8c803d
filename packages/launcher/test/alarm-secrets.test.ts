// Issue 14: no code ever lands in the journal, a log, the audit trail, a state file or a config
// file in clear. Codes are entered every way a user can — the keypad (`roomguard sim press`),
// `roomguard alarm`, a request as the dashboard would send it, malformed requests, add-user, the
// dashboard's own page over its WebSocket — into an appliance logging at debug level with its
// journal on; then every file is searched (the dashboard's password too).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Dealer } from "zeromq";
import { request, RequestError } from "@roomguard/bus";
import { hashSecret } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { WebSocket } from "ws";
import { busClient, ctl, scratchDir, roomguard, startLauncher, until } from "./appliance.js";

// Twelve digits each: a run this long turns up by chance in no timestamp, pid or hash.
const CODE = "730591826403";
const DURESS = "418263950712";
const WRONG = "926170384551";
const ADDED = "605382917446";
/** The dashboard login's password: no file may hold it either. */
const PASSWORD = "correct-horse-829137";

/** A logged-in dashboard page: requests answered as raw reply text, frames sent as they are. */
async function dashboardPage(
  dir: string,
): Promise<{ ask(request: object): Promise<string>; raw(frame: string): Promise<void>; close(): void }> {
  // The launcher keeps each service's output in <stateDir>/<service>.log: the web logs its URL.
  const url = await waitUntil(
    () => /"url":"(http:[^"]+)\/"/.exec(existsSync(`${dir}/launcher/web.log`) ? readFileSync(`${dir}/launcher/web.log`, "utf8") : "")?.[1],
    { what: "the dashboard's URL in launcher/web.log", timeoutMs: 20_000 },
  );
  const login = await fetch(`${url}/api/login`, {
    method: "POST",
    headers: { Origin: url, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "anna", password: PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, { headers: { Origin: url, Cookie: cookie } });
  const frames: string[] = [];
  socket.on("message", (data: Buffer) => frames.push(data.toString()));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let ids = 0;
  const reply = (id: string): Promise<string> =>
    waitUntil(() => frames.find((frame) => frame.includes('"t":"reply"') && frame.includes(`"id":"${id}"`)), { what: `the reply ${id}` });
  return {
    ask(request) {
      const id = `r${++ids}`;
      socket.send(JSON.stringify({ t: "req", id, ...request }));
      return reply(id);
    },
    async raw(frame) {
      const before = frames.filter((text) => text.includes('"id":""')).length;
      socket.send(frame);
      await waitUntil(() => frames.filter((text) => text.includes('"id":""')).length > before, { what: "a bad-request reply" });
    },
    close: () => socket.close(),
  };
}

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
      web: {
        listen: "127.0.0.1:0",
        stateDir: `${dir}/web`,
        users: [{ name: "anna", role: "admin", password: await hashSecret(PASSWORD, { N: 16 }) }],
      },
      launcher: {
        control: `ipc://${dir}/ctl.sock`,
        stateDir: `${dir}/launcher`,
        services: ["alarm", "keypad", "sensors", "web"],
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
    // The dashboard: a wrong code, arm and disarm, and frames carrying a code that are no request.
    const page = await dashboardPage(dir);
    assert.match(await page.ask({ cmd: "disarm", args: { code: CODE } }), /"ok":true/);
    assert.match(await page.ask({ cmd: "disarm", args: { code: WRONG } }), /"error":"refused"/);
    assert.match(await page.ask({ cmd: "arm", args: { mode: "away", code: CODE } }), /"ok":true/);
    assert.match(await page.ask({ cmd: "arm", args: { mode: "party", code: CODE } }), /"error":"bad-request"/);
    assert.match(await page.ask({ cmd: `arm${CODE}`, args: { code: CODE } }), /"error":"bad-request"/);
    assert.match(await page.ask({ cmd: "disarm", args: { code: CODE } }), /"ok":true/);
    for (const frame of [`disarm ${CODE}`, `{"t":"req","id":"z","cmd":"disarm","args":{"code":"${WRONG}"`]) await page.raw(frame);
    page.close();
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
    for (const expected of [
      "journal",
      "launcher/alarm.log",
      "launcher/keypad.log",
      "launcher/web.log",
      "web/sessions.json",
      "alarm/state.json",
      "alarm/audit.jsonl",
      "other.yaml",
    ])
      assert.ok(
        searched.some((file) => file.startsWith(expected)),
        `${expected} was written and searched: ${searched.join(", ")}`,
      );
    const leaks: string[] = [];
    for (const file of files) {
      if (statSync(file).size === 0) continue;
      const bytes = readFileSync(file);
      for (const code of [CODE, DURESS, WRONG, ADDED, PASSWORD])
        if (bytes.includes(code)) leaks.push(`${path.relative(dir, file)} holds ${code}`);
      // The keypad's digits are not on the bus either: no KEY: or journaled SIM: press of a digit.
      if (/(KEY|SIM): (press )?\d/.test(bytes.toString("latin1"))) leaks.push(`${path.relative(dir, file)} holds a digit key`);
    }
    assert.deepEqual(leaks, []);
  });
});
