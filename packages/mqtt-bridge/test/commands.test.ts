// MQTT commands to the alarm's request socket and the music player: every form taken, each result said, the code nowhere.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RequestError, type RequestErrorCode } from "@roomguard/bus";
import { ManualClock } from "@roomguard/runtime";
import {
  MqttCommands,
  parseAlarmCommand,
  parseMusicCommand,
  type AlarmRequestCommand,
  type CommandResultEvent,
  type CommandsOptions,
} from "../src/commands.js";
import type { Publication } from "../src/publication.js";
import { RecordingLogger } from "./fakes.js";

const CODE = "735911";

function refusal(code: RequestErrorCode, reason: string): RequestError {
  return new RequestError(code, `the alarm answered with ${code}: ${reason}`, { endpoint: "ipc:///x", command: "arm", reason });
}

interface AlarmCall {
  command: AlarmRequestCommand;
  args: Record<string, unknown>;
}

function rig(answer: (call: AlarmCall) => Promise<unknown> = () => Promise.resolve({ state: {} }), options: Partial<CommandsOptions> = {}) {
  const log = new RecordingLogger();
  const published: Publication[] = [];
  const alarmCalls: AlarmCall[] = [];
  const bus: string[] = [];
  const commands = new MqttCommands({
    baseTopic: "rg",
    alarm: (command, args) => {
      alarmCalls.push({ command, args });
      return answer({ command, args });
    },
    publishBus: (text) => {
      bus.push(text);
      return Promise.resolve();
    },
    publish: (publication) => published.push(publication),
    clock: new ManualClock(Date.UTC(2026, 11, 2, 8, 0)),
    log,
    ...options,
  });
  const results = (): CommandResultEvent[] =>
    published.map((p) => {
      assert.equal(p.topic, "rg/alarm/event");
      assert.equal(p.retain, false);
      return JSON.parse(p.payload) as CommandResultEvent;
    });
  /** Sends one alarm command and waits for its answer. */
  const send = async (payload: string | Uint8Array, retained = false): Promise<CommandResultEvent | undefined> => {
    const before = published.length;
    commands.take("rg/alarm/set", payload, retained);
    await commands.idle();
    assert.equal(published.length, before + 1, "one answer per command");
    return results().at(-1);
  };
  return { commands, log, published, alarmCalls, bus, results, send };
}

describe("parseAlarmCommand", () => {
  it("takes Home Assistant's plain payloads and Alarmo's JSON, in any case", () => {
    assert.deepEqual(parseAlarmCommand("TRIGGER"), { ok: true, command: "trigger", request: "panic", args: {} });
    assert.deepEqual(parseAlarmCommand('{"command":"panic"}'), { ok: true, command: "panic", request: "panic", args: {} });
    for (const plain of ["ARM_AWAY", "arm_home", " ARM_NIGHT\n", "DISARM"]) {
      const parsed = parseAlarmCommand(plain);
      assert.equal(parsed.ok, false, plain);
      assert.match(!parsed.ok ? parsed.reason : "", /needs a code: send JSON/);
    }
    const forms: [string, AlarmRequestCommand, Record<string, unknown>][] = [
      [`{"command":"arm_away","code":"${CODE}"}`, "arm", { mode: "away", code: CODE }],
      [`{"Command":"ARM_HOME","CODE":"${CODE}"}`, "arm", { mode: "home", code: CODE }],
      [`{"cmd":"arm_night","pin":"${CODE}"}`, "arm", { mode: "night", code: CODE }],
      [`{"action":"disarm","password":"${CODE}"}`, "disarm", { code: CODE }],
      [`{"state":"disarm","pincode":"${CODE}"}`, "disarm", { code: CODE }],
      [`{"command":"arm_away","code":"${CODE}","bypass_open_sensors":true}`, "arm", { mode: "away", code: CODE, bypass: true }],
      [`{"command":"arm_away","code":"${CODE}","force":true}`, "arm", { mode: "away", code: CODE, bypass: true }],
      [`{"command":"arm_away","code":"${CODE}","bypass_open":true}`, "arm", { mode: "away", code: CODE, bypass: true }],
      [`{"command":"arm_away","code":"${CODE}","bypass":["window"]}`, "arm", { mode: "away", code: CODE, bypass: ["window"] }],
      [`{"command":"arm_away","code":"${CODE}","skip_delay":true}`, "arm", { mode: "away", code: CODE }],
      [`{"command":"bypass","code":"${CODE}","zones":["window","hall"]}`, "bypass", { code: CODE, zones: ["window", "hall"] }],
      [`{"command":"trigger","code":"${CODE}"}`, "panic", {}],
    ];
    for (const [payload, request, args] of forms) {
      const parsed = parseAlarmCommand(payload);
      assert.ok(parsed.ok, payload);
      assert.equal(parsed.request, request, payload);
      assert.deepEqual(parsed.args, args, payload);
    }
  });

  it("refuses what it cannot do, naming a known command only, never the payload", () => {
    const cases: [string, string | null, RegExp][] = [
      [`{"command":"arm_away","code":${CODE}}`, "arm_away", /as a string/],
      ['{"command":"arm_away"}', "arm_away", /needs a code/],
      ['{"command":"disarm","code":""}', "disarm", /needs a code/],
      [`{"command":"arm_away","code":"${"9".repeat(65)}"}`, "arm_away", /1 to 64/],
      [`{"command":"arm_away","code":"${CODE}","area":"garage"}`, "arm_away", /one area/],
      [`{"command":"arm_vacation","code":"${CODE}"}`, "arm_vacation", /no vacation mode/],
      [`{"command":"arm_custom_bypass","code":"${CODE}"}`, "arm_custom_bypass", /no custom_bypass mode/],
      [`{"command":"bypass","code":"${CODE}"}`, "bypass", /zones/],
      [`{"command":"bypass","code":"${CODE}","zones":[1]}`, "bypass", /zones/],
      [`{"command":"arm_away","code":"${CODE}","bypass":"all"}`, "arm_away", /bypass/],
      [CODE, null, /expected a command/],
      [`{"command":"${CODE}","code":"${CODE}"}`, null, /expected a command/],
      [`{"code":"${CODE}"}`, null, /expected a command/],
      ["[1,2]", null, /expected a command/],
      ["", null, /expected a command/],
    ];
    for (const [payload, command, reason] of cases) {
      const parsed = parseAlarmCommand(payload);
      assert.ok(!parsed.ok, payload);
      assert.equal(parsed.command, command, payload);
      assert.match(parsed.reason, reason, payload);
      assert.ok(!parsed.reason.includes(CODE), payload);
    }
  });
});

describe("parseMusicCommand", () => {
  it("takes the playback words and a volume", () => {
    assert.deepEqual(parseMusicCommand("PLAY"), { ok: true, command: "PLAY" });
    assert.deepEqual(parseMusicCommand("next"), { ok: true, command: "NEXT" });
    assert.deepEqual(parseMusicCommand('{"command":"toggle"}'), { ok: true, command: "TOGGLE" });
    assert.deepEqual(parseMusicCommand('{"volume":40}'), { ok: true, command: "VOLUME", args: { volume: 40 } });
    assert.deepEqual(parseMusicCommand('{"command":"VOLUME","volume":0}'), { ok: true, command: "VOLUME", args: { volume: 0 } });
    for (const bad of ["VOLUME", '{"volume":140}', '{"volume":4.5}', '{"volume":"40"}', "STOP_ALL", "{}", "[]", "5"])
      assert.equal(parseMusicCommand(bad).ok, false, bad);
  });
});

describe("MqttCommands", () => {
  it("passes a command to the alarm as homeassistant via mqtt, and says it was accepted", async () => {
    const { send, alarmCalls, commands } = rig();
    assert.deepEqual(commands.subscriptions, ["rg/alarm/set", "rg/music/set"]);
    assert.deepEqual(await send(`{"command":"arm_away","code":"${CODE}"}`), {
      kind: "command",
      command: "arm_away",
      result: "accepted",
      at: "2026-12-02T08:00:00.000Z",
    });
    assert.deepEqual(alarmCalls, [{ command: "arm", args: { mode: "away", code: CODE, source: "homeassistant", via: "mqtt" } }]);
    assert.equal((await send("TRIGGER"))?.result, "accepted");
    assert.deepEqual(alarmCalls[1], { command: "panic", args: { source: "homeassistant", via: "mqtt" } });
    assert.equal(commands.take("rg/other", "x"), false);
  });

  it("maps the alarm's answers: wrong code, refused, invalid, unavailable, failed", async () => {
    const answers: [Error, string, string | undefined][] = [
      [
        refusal("refused", "wrong code; 2 attempts left before code entry locks"),
        "wrong_code",
        "wrong code; 2 attempts left before code entry locks",
      ],
      [refusal("refused", "wrong code; code entry locked until 2026-12-02T10:15:00.000Z"), "wrong_code", undefined],
      [
        refusal("refused", "code entry locked until 2026-12-02T10:15:00.000Z"),
        "refused",
        "code entry locked until 2026-12-02T10:15:00.000Z",
      ],
      [refusal("refused", "zones not ready: front"), "refused", "zones not ready: front"],
      [refusal("bad-request", 'expected "mode" to be one of away, home, night'), "invalid", undefined],
      [refusal("no-service", "there is no socket file"), "unavailable", "the alarm does not answer: there is no socket file"],
      [refusal("timeout", "it is busy or hung"), "unavailable", undefined],
      [refusal("unknown-command", "unknown command"), "failed", undefined],
      [refusal("failed", "disk full"), "failed", "disk full"],
      [new TypeError(`boom ${CODE}`), "failed", "the bridge could not ask the alarm"],
    ];
    let next = new Error();
    const { send, log } = rig(() => Promise.reject(next));
    for (const [error, result, reason] of answers) {
      next = error;
      const answer = await send(`{"command":"disarm","code":"${CODE}"}`);
      assert.equal(answer?.result, result, String(error));
      if (reason !== undefined) assert.equal(answer?.reason, reason);
      assert.equal(answer?.command, "disarm");
    }
    assert.ok(!log.text().includes(CODE));
    assert.ok(!log.text().includes("boom"), "an unexpected error's message is not logged (it may hold anything)");
  });

  it("never puts the code in any publication or log call, whatever happens", async () => {
    let answer: () => Promise<unknown> = () => Promise.resolve({ state: {} });
    const { commands, published, log, alarmCalls } = rig(() => answer());
    const payloads = [
      `{"command":"arm_away","code":"${CODE}"}`,
      `{"command":"disarm","pin":"${CODE}"}`,
      `{"command":"bypass","code":"${CODE}","zones":["${CODE}"]}`,
      `{"command":"arm_vacation","code":"${CODE}"}`,
      `{"command":"arm_away","code":${CODE}}`,
      `{"command":"${CODE}"}`,
      CODE,
      `ARM_AWAY ${CODE}`,
      `{"command":"arm_away","code":"${CODE}","area":"x"}`,
      `{"command":"arm_away","code":"${CODE}","pad":"${"x".repeat(2000)}"}`,
    ];
    for (const payload of payloads) commands.take("rg/alarm/set", payload);
    await commands.idle();
    answer = () => Promise.reject(refusal("refused", `wrong code ${CODE} (an alarm that quoted it)`));
    commands.take("rg/alarm/set", `{"command":"disarm","code":"${CODE}"}`);
    commands.take("rg/alarm/set", `{"command":"disarm","code":"${CODE}"}`, true);
    await commands.idle();
    answer = () => Promise.reject(refusal("bad-request", `expected a code, got "${CODE}"`));
    commands.take("rg/alarm/set", `{"command":"disarm","code":"${CODE}"}`);
    await commands.idle();
    assert.equal(published.length, payloads.length + 3);
    assert.equal(alarmCalls.length, 5, "arm, disarm, bypass, and the two disarms");
    for (const publication of published) assert.ok(!JSON.stringify(publication).includes(CODE), publication.payload);
    assert.ok(log.calls.length > 0);
    assert.ok(!log.text().includes(CODE), log.text());
    const last = JSON.parse(published.at(-1)?.payload ?? "{}") as CommandResultEvent;
    assert.equal(last.result, "invalid");
    assert.match(last.reason ?? "", /withheld/);
  });

  it("refuses oversize, non-UTF-8 and retained payloads without asking the alarm", async () => {
    const { send, alarmCalls } = rig();
    const big = await send(`{"command":"disarm","code":"${CODE}","x":"${"y".repeat(1024)}"}`);
    assert.equal(big?.result, "invalid");
    assert.match(big?.reason ?? "", /more than the 1024/);
    assert.equal((await send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))?.result, "invalid");
    const retained = await send(`{"command":"disarm","code":"${CODE}"}`, true);
    assert.equal(retained?.result, "invalid");
    assert.match(retained?.reason ?? "", /retain/);
    assert.equal(alarmCalls.length, 0);
  });

  it("under a flood, asks the alarm one at a time with at most 4 waiting, and answers the rest busy", async () => {
    const release: (() => void)[] = [];
    const { commands, alarmCalls, results } = rig(() => new Promise<unknown>((resolve) => release.push(() => resolve({}))));
    for (let i = 0; i < 1000; i++) commands.take("rg/alarm/set", `{"command":"disarm","code":"${CODE}"}`);
    await Promise.resolve();
    assert.equal(alarmCalls.length, 1, "one in flight");
    assert.equal(results().length, 995);
    assert.ok(results().every((event) => event.result === "busy" && event.command === "disarm"));
    for (let i = 0; i < 5; i++) {
      assert.equal(release.length, 1, "never two in flight");
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await commands.idle();
    assert.equal(alarmCalls.length, 5);
    assert.equal(results().filter((event) => event.result === "accepted").length, 5);
    assert.equal(commands.counts.get("busy"), 995);
    commands.take("rg/alarm/set", `{"command":"disarm","code":"${CODE}"}`);
    await Promise.resolve();
    assert.equal(alarmCalls.length, 6, "taken again once the queue emptied");
    release.shift()?.();
    await commands.idle();
  });

  it("passes music commands to the bus as CONTROL: music-player, and drops bad ones with one log line", async () => {
    const { commands, bus, log, published } = rig();
    for (const payload of ["PLAY", "pause", '{"volume":40}', '{"command":"next"}', '{"volume":400}', "EXPLODE", "EXPLODE"])
      commands.take("rg/music/set", payload);
    commands.take("rg/music/set", "PLAY", true);
    await commands.idle();
    assert.deepEqual(bus, [
      "CONTROL: music-player PLAY",
      "CONTROL: music-player PAUSE",
      'CONTROL: music-player VOLUME {"volume":40}',
      "CONTROL: music-player NEXT",
    ]);
    assert.deepEqual(published, [], "music results are the player's MUSIC: state");
    assert.deepEqual(
      log.calls.map((call) => call.key),
      ["music invalid", "music retained"],
    );
  });

  it("keeps at most 4 music commands waiting behind the one on its way", async () => {
    const release: (() => void)[] = [];
    const bus: string[] = [];
    const { commands } = rig(undefined, {
      publishBus: (text) =>
        new Promise<void>((resolve) => {
          bus.push(text);
          release.push(resolve);
        }),
    });
    for (let i = 0; i < 100; i++) commands.take("rg/music/set", "NEXT");
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await commands.idle();
    assert.equal(bus.length, 5);
    assert.equal(commands.counts.get("busy"), 95);
  });
});
