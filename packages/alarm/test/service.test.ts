// The alarm service without sockets: bus messages and requests in; states, events, the state
// file, the audit and the siren out — under a manual clock, with the attacks of an untrusted bus.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage, RequestRefused } from "@roomguard/bus";
import { createLogger, ManualClock } from "@roomguard/runtime";
import { initialState } from "../src/machine.js";
import { AlarmService, type CodeOwner } from "../src/service.js";
import { startingState } from "../src/starting-state.js";
import type { AlarmEvent, AlarmState } from "../src/types.js";
import { alarmConfig } from "./machine-fixtures.js";

const CODES: Record<string, NonNullable<CodeOwner>> = {
  "4711": { user: "anna", role: "admin", duress: false },
  "9999": { user: "anna", role: "admin", duress: true },
  "2580": { user: "ben", role: "user", duress: false },
};

function rig(
  options: {
    stored?: AlarmState;
    save?: (state: AlarmState) => void;
    audit?: (event: AlarmEvent) => void;
    config?: Record<string, unknown>;
  } = {},
) {
  const clock = new ManualClock();
  const published: string[] = [];
  const logLines: string[] = [];
  const saved: AlarmState[] = [];
  const audit: AlarmEvent[] = [];
  const sirens: boolean[] = [];
  const order: string[] = [];
  let codeChecks = 0;
  const config = alarmConfig({ exitDelayS: 10, entryDelayS: 10, ...options.config });
  const service = new AlarmService(
    {
      config,
      heartbeatIntervalS: 5,
      clock,
      log: createLogger({ service: "alarm", format: "json", level: "debug", stream: { write: (line: string) => logLines.push(line) } }),
      publish: (text) => {
        published.push(text);
        order.push(`publish ${text.split(" ").slice(0, 2).join(" ")}`);
        return Promise.resolve();
      },
      save: (state) => {
        options.save?.(state);
        saved.push(state);
        order.push(`save ${state.state}`);
      },
      audit: (event) => {
        options.audit?.(event);
        audit.push(event);
      },
      history: ({ limit, before }) =>
        Promise.resolve({
          events: audit
            .filter((event) => before === undefined || event.at < before)
            .reverse()
            .slice(0, limit),
          skipped: 0,
        }),
      outputs: (state) => sirens.push(state.state === "triggered"),
      checkCode: (code) => {
        codeChecks++;
        return Promise.resolve(CODES[code] ?? null);
      },
    },
    options.stored ?? initialState(),
  );
  service.start();
  const handlers = service.handlers();
  const call = async (command: string, args: Record<string, unknown>): Promise<Record<string, unknown>> =>
    (await handlers[command]!(args)) as Record<string, unknown>;
  const refusal = async (command: string, args: Record<string, unknown>): Promise<RequestRefused> => {
    try {
      await call(command, args);
    } catch (error) {
      if (error instanceof RequestRefused) return error;
      throw error;
    }
    assert.fail(`${command} was not refused`);
  };
  const bus = (text: string): void => {
    const parsed = parseMessage(text);
    assert.ok(parsed.ok, text);
    service.signal(parsed.message);
  };
  /** Lets queued inputs run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const states = () =>
    published.filter((text) => text.startsWith("ALARM: ") && !/^ALARM: (event|chime) /.test(text)).map((text) => text.split(" ")[1]);
  return {
    clock,
    service,
    published,
    logLines,
    saved,
    audit,
    sirens,
    order,
    call,
    refusal,
    bus,
    settle,
    states,
    codeChecks: () => codeChecks,
  };
}

describe("the alarm service", () => {
  it("arms with a code after the exit delay, stores each state before publishing it, and a door during armed_away triggers after the entry delay", async () => {
    const r = rig();
    const reply = await r.call("arm", { mode: "away", code: "4711", source: "keypad" });
    assert.equal((reply.state as { state: string }).state, "arming");
    const armingSaved = r.order.indexOf("save arming");
    const armingPublished = r.order.findIndex((line) => line.startsWith("publish ALARM: arming"));
    assert.ok(armingSaved >= 0 && armingSaved < armingPublished, `stored before published: ${r.order.join(", ")}`);
    r.clock.advance(10_000);
    await r.settle();
    assert.equal(r.service.current.state, "armed_away");
    r.bus("DOOR: front-door open");
    await r.settle();
    assert.equal(r.service.current.state, "pending");
    r.clock.advance(20_000);
    await r.settle();
    assert.equal(r.service.current.state, "triggered");
    assert.equal(r.sirens.at(-1), true, "the siren sounds");
    await r.call("disarm", { code: "4711", source: "cli" });
    assert.equal(r.service.current.state, "disarmed");
    assert.equal(r.sirens.at(-1), false);
    assert.deepEqual(r.service.current.memory, ["front"]);
    assert.deepEqual(
      r.audit.map((event) => event.kind),
      r.published.filter((text) => text.startsWith("ALARM: event ")).map((text) => (JSON.parse(text.slice(13)) as AlarmEvent).kind),
      "every event is audited and published",
    );
  });

  it("a wrong code is refused with the attempts left; at the lockout no code is even checked, and a duress code answers exactly like the real one", async () => {
    const r = rig();
    for (let i = 1; i <= 4; i++) {
      const refused = await r.refusal("arm", { mode: "away", code: "0000", source: "keypad" });
      assert.match(refused.message, new RegExp(`^wrong code; ${5 - i} attempts? left`));
    }
    assert.match(
      (await r.refusal("arm", { mode: "away", code: "0000", source: "keypad" })).message,
      /^wrong code; code entry locked until /,
    );
    const checks = r.codeChecks();
    assert.match((await r.refusal("disarm", { code: "4711", source: "keypad" })).message, /^code entry locked until /);
    assert.equal(r.codeChecks(), checks, "a locked alarm checks no code");
    assert.match(r.audit.at(-1)?.reason ?? "", /^code entry locked until /, "and the attempt is audited");
    assert.equal(r.audit.at(-1)?.kind, "refused");
    r.clock.advance(31_000);
    await r.settle();

    const a = rig();
    const b = rig();
    for (const x of [a, b]) await x.call("arm", { mode: "away", code: "2580", source: "keypad" });
    const normal = await a.call("disarm", { code: "4711", source: "keypad" });
    const duress = await b.call("disarm", { code: "9999", source: "keypad" });
    assert.deepEqual(duress, normal, "the reply does not tell a duress code from the real one");
    assert.ok(b.audit.some((event) => event.kind === "duress" && event.user === "anna"));
    assert.ok(!a.audit.some((event) => event.kind === "duress"));
    // Arming with the duress code acts, and raises the silent alarm too.
    const c = rig();
    await c.call("arm", { mode: "away", code: "9999", source: "keypad" });
    assert.equal(c.service.current.state, "arming");
    assert.ok(c.audit.some((event) => event.kind === "duress"));
  });

  it("bypass needs an admin; arming with a zone open is refused naming it", async () => {
    const r = rig();
    r.bus("DOOR: window open");
    await r.settle();
    assert.match((await r.refusal("arm", { mode: "away", code: "2580", source: "cli" })).message, /window/);
    assert.match((await r.refusal("arm", { mode: "away", code: "2580", source: "cli", bypass: true })).message, /ben may not bypass/);
    assert.deepEqual([r.audit.at(-1)?.kind, r.audit.at(-1)?.user, r.audit.at(-1)?.source], ["refused", "ben", "cli"], "audited");
    const reply = await r.call("arm", { mode: "away", code: "4711", source: "cli", bypass: true });
    assert.deepEqual((reply.state as { bypassed: string[] }).bypassed, ["window"]);
  });

  it("malformed requests are bad-request naming the argument, never echoing a code, and count nothing", async () => {
    const r = rig();
    for (const [command, args, word] of [
      ["arm", { mode: "away", code: "4711" }, "source"],
      ["arm", { mode: "away", code: "4711", source: "mars" }, "source"],
      ["arm", { mode: "weekend", code: "4711", source: "cli" }, "mode"],
      ["arm", { mode: "away", code: 4711, source: "cli" }, "code"],
      ["arm", { mode: "away", code: "x".repeat(65), source: "cli" }, "code"],
      ["disarm", { code: "", source: "cli" }, "code"],
      ["bypass", { code: "4711", source: "cli", zones: "window" }, "zones"],
      ["arm", { mode: "away", code: "4711", source: "cli", bypass: [1, 2] }, "bypass"],
    ] as const) {
      const refused = await r.refusal(command, args);
      assert.equal(refused.code, "bad-request", JSON.stringify(args));
      assert.match(refused.message, new RegExp(`"${word}"`));
      assert.doesNotMatch(refused.message, /4711/);
    }
    assert.equal(r.service.current.lockout.failures, 0);
    assert.equal(r.codeChecks(), 0);
  });

  it("a flood of unknown sensors, garbage and forged forms changes nothing and takes no memory", async () => {
    const r = rig();
    const before = JSON.stringify(r.service.current);
    for (let i = 0; i < 20_000; i++) {
      r.bus(`DOOR: intruder-${i} open`);
      r.bus(`MOTION: x${i} on`);
      r.bus(`SENSOR: ghost-${i} fault {"code":"${"X".repeat(100)}"}`);
      r.bus(`DOOR: front-door ajar`);
      r.bus(`MOTION: on`);
      r.bus(`SENSOR: window fault not-json`);
    }
    await r.settle();
    const after = r.service.current;
    assert.equal(JSON.stringify({ ...after, troubles: {} }), JSON.stringify({ ...JSON.parse(before), troubles: {} }));
    assert.deepEqual(Object.keys(after.troubles), ["window"], "only a configured zone takes a trouble");
    assert.ok(after.troubles.window!.length <= 60, "and a bounded reason");
  });

  it("a silent sensor reader puts every zone in trouble, its heartbeat clears them; a fault is cleared by the sensor's next word", async () => {
    const r = rig();
    r.clock.advance(15_000);
    await r.settle();
    assert.deepEqual(r.service.current.troubles, {}, "three intervals of silence are allowed");
    r.clock.advance(5_000);
    await r.settle();
    assert.equal(Object.keys(r.service.current.troubles).length, 8);
    assert.ok(r.audit.some((event) => event.kind === "trouble"));
    r.service.sensorsAlive();
    await r.settle();
    assert.deepEqual(r.service.current.troubles, {});
    r.bus('SENSOR: smoke fault {"code":"ENODEV","error":"gone"}');
    await r.settle();
    assert.equal(r.service.current.troubles.smoke, "sensor fault ENODEV");
    r.bus("DOOR: smoke closed");
    await r.settle();
    assert.equal(r.service.current.troubles.smoke, undefined);
  });

  it("a bridged room's zones depend on that room's sensor reader (HEARTBEAT: <room>/sensors), not on this Pi's", async () => {
    const r = rig({
      config: {
        zones: [
          { sensor: "window", type: "instant" },
          { sensor: "bedroom/window", name: "bedroom-window", type: "24h" },
          { sensor: "attic/pir", name: "attic-pir", type: "instant" },
        ],
      },
    });
    assert.deepEqual(r.service.rooms, ["bedroom", "attic"]);
    for (let beat = 0; beat < 4; beat++) {
      r.clock.advance(5_000);
      r.service.sensorsAlive();
      r.service.sensorsAlive("bedroom");
      r.service.sensorsAlive("cellar"); // a room no zone names: nothing
      await r.settle();
    }
    assert.deepEqual(r.service.current.troubles, { "attic-pir": "no heartbeat from the sensor reader of attic (through the bridge)" });
    r.service.sensorsAlive("attic");
    r.clock.advance(20_000);
    r.service.sensorsAlive("attic");
    await r.settle();
    assert.deepEqual(r.service.current.troubles, {
      window: "no heartbeat from the sensor reader",
      "bedroom-window": "no heartbeat from the sensor reader of bedroom (through the bridge)",
    });
    r.service.sensorsAlive("bedroom");
    await r.settle();
    assert.deepEqual(Object.keys(r.service.current.troubles), ["window"]);
    // The bridge says it lost the bedroom: its zone is in trouble at once, not 3 intervals later.
    r.service.sensorsAlive("attic");
    r.service.roomsLost(["bedroom", "nowhere"]);
    await r.settle();
    assert.equal(r.service.current.troubles["bedroom-window"], "no heartbeat from the sensor reader of bedroom (through the bridge)");
    assert.equal(r.service.current.troubles["attic-pir"], undefined);
    r.service.sensorsAlive("bedroom");
    await r.settle();
    assert.deepEqual(Object.keys(r.service.current.troubles), ["window"]);
    // The room's door through the bridge: a 24h zone triggers, disarmed as it is.
    r.bus("DOOR: bedroom/window open");
    await r.settle();
    assert.equal(r.service.current.state, "triggered");
  });

  it("publishes the state again every heartbeat interval, so a late subscriber is never blind", () => {
    const r = rig();
    const before = r.states().length;
    r.clock.advance(15_000);
    assert.equal(r.states().length, before + 3);
  });

  it("when the state cannot be stored it works on from memory and says so in every reply and the heartbeat's problem", async () => {
    let full = false;
    const r = rig({
      save: () => {
        if (full) throw new Error("ENOSPC: no space left on device");
      },
    });
    full = true;
    const reply = await r.call("arm", { mode: "away", code: "4711", source: "cli" });
    assert.equal(r.service.current.state, "arming");
    assert.match(String(reply.warning), /cannot store the state: ENOSPC/);
    assert.match(r.service.problem() ?? "", /ENOSPC/);
    full = false;
    await r.call("disarm", { code: "4711", source: "cli" });
    assert.equal(r.service.problem(), undefined);
  });

  it("never publishes, logs or audits a code", async () => {
    const r = rig();
    await r.call("arm", { mode: "away", code: "4711", source: "cli" });
    await r.refusal("disarm", { code: "13579", source: "cli" });
    await r.call("disarm", { code: "9999", source: "cli" });
    const everything = [...r.published, ...r.logLines, JSON.stringify(r.audit), JSON.stringify(r.saved)].join("\n");
    for (const code of ["4711", "13579", "9999"]) assert.ok(!everything.includes(code), `${code} leaked`);
  });

  it("an audit trail that cannot be written (a full disk) is a problem, and the siren still sounds", async () => {
    let full = true;
    const r = rig({
      audit: () => {
        if (full) throw new Error("ENOSPC: no space left on device");
      },
    });
    await r.call("arm", { mode: "away", code: "4711", source: "cli" });
    r.clock.advance(10_000);
    await r.settle();
    r.bus("DOOR: window open");
    await r.settle();
    assert.equal(r.service.current.state, "triggered");
    assert.equal(r.sirens.at(-1), true);
    assert.ok(r.states().includes("triggered"), "published");
    assert.match(r.service.problem() ?? "", /cannot write the audit trail: ENOSPC/);
    full = false;
    await r.call("disarm", { code: "4711", source: "cli" });
    assert.equal(r.service.problem(), undefined);
  });

  it("started from unreadable state files it arms away with the exit delay, says so, and a code's disarm clears the trouble", async () => {
    const lines: string[] = [];
    const log = createLogger({ service: "alarm", format: "json", stream: { write: (line: string) => lines.push(line) } });
    const clock = new ManualClock();
    const config = alarmConfig({ exitDelayS: 10 });
    const start = startingState(
      { kind: "corrupt", problems: ["state.json: sha256 mismatch", "state.prev.json: not JSON"] },
      config,
      clock.now(),
      log,
    );
    assert.equal(start.state.state, "arming");
    assert.equal(start.state.endsAt, clock.now() + 10_000);
    assert.match(start.state.troubles.state ?? "", /unreadable: started as arming_away/);
    assert.deepEqual(
      start.events.map((event) => event.kind),
      ["corrupt_state"],
    );
    assert.ok(
      lines.some((line) => line.includes('"level":"error"') && line.includes("arming_away")),
      "logged at error level",
    );
    const r = rig({ stored: start.state });
    await r.call("disarm", { code: "4711", source: "keypad" });
    assert.equal(r.service.current.state, "disarmed");
    assert.equal(r.service.current.troubles.state, undefined, "a user with a code has seen to it");
    for (const how of ["armed_away", "triggered"] as const) {
      const other = startingState({ kind: "corrupt", problems: ["x"] }, alarmConfig({ onCorruptState: how }), clock.now(), log);
      assert.equal(other.state.state, how);
    }
    assert.equal(startingState({ kind: "first-start" }, config, clock.now(), log).state.state, "disarmed");
  });
});
