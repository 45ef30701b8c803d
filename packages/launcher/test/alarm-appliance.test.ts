// Issue 14, end to end: the whole appliance under the launcher on simulated hardware, driven the
// way a user does — `roomguard sim press` on a 4x4 keypad, `roomguard sim gpio` for the door,
// `roomguard sim read` for the siren's pin, `roomguard alarm disarm` — with a real MPD.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { BusMessage } from "@roomguard/bus";
import { hashSecret } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import {
  applianceConfig,
  busClient,
  ctl,
  heartbeatPids,
  openWhenUp,
  payloadOf,
  processesUsing,
  roomguard,
  scratchDir,
  startLauncher,
  until,
} from "./appliance.js";

const CODE = "2468";
const DURESS = "1357";

/** `roomguard <args>` as a user runs it against this appliance's config; its output and exit code. */

describe("the alarm in the appliance", { timeout: 240_000 }, () => {
  it("a code typed on the keypad arms; the door triggers; the siren pin and MPD sound; kill -9 resumes; the code disarms and the music comes back; lockout; duress", async () => {
    const dir = scratchDir();
    const base = await applianceConfig(dir, 3);
    const config = {
      ...base,
      // Each `roomguard sim press` is a process of its own: on a loaded machine seconds may pass between keys.
      keypad: { mode: "matrix", holdMs: 1000, codeEntry: { timeoutS: 120 } },
      sensors: [{ id: "front", kind: "door", pin: 25 }],
      music: { ...(base.music as object), keymap: { D: "toggle" } },
      alarm: {
        ...(base.alarm as object),
        exitDelayS: 1,
        entryDelayS: 1,
        sirenMaxS: 60,
        // Long enough that a `roomguard alarm disarm` started on a loaded machine still meets the lock.
        lockout: { attempts: 5, baseS: 10, maxS: 20 },
        users: [{ name: "dana", role: "admin", pin: await hashSecret(CODE), duressPin: await hashSecret(DURESS) }],
        zones: [{ sensor: "front", type: "entry" }],
        siren: { pin: 17 },
        buzzer: { pin: 18 },
      },
    };
    const launcher = startLauncher(dir, config);
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const configFile = launcher.configFile;
    const bus = busClient(dir);
    after(() => bus.close());
    const alarm = bus.subscribe("ALARM: ");
    const keys = bus.subscribe("KEY: ");
    const beats = bus.subscribe("HEARTBEAT: ");
    await bus.waitForRouter(10_000);
    const cli = (...args: string[]) => roomguard(configFile, args);
    const press = async (keysToPress: string): Promise<void> => {
      // 250 ms a key: a keypad starved of CPU on a loaded machine still sees each press (100 ms may pass unseen).
      for (const key of keysToPress) assert.equal((await cli("sim", "press", key, "250")).code, 0, `sim press ${key}`);
    };
    const state = (name: string): Promise<BusMessage> =>
      until(alarm, `ALARM: ${name}`, (message) => message.text.startsWith(`ALARM: ${name} `), 30_000);
    const event = (kind: string): Promise<BusMessage> =>
      until(
        alarm,
        `ALARM: event ${kind}`,
        (message) => message.text.startsWith("ALARM: event ") && message.text.includes(`"kind":"${kind}"`),
        30_000,
      );
    const sirenPin = async (): Promise<string> => (await cli("sim", "read", "17")).out.trim();

    // Music first, so that the siren has something to interrupt and restore.
    const mpd = await openWhenUp((base.music as { mpd: { port: number } }).mpd.port);
    after(() => mpd.close());
    await waitUntil(async () => Number((await mpd.commandList(["stats"])).songs), {
      what: "MPD's library",
      until: (n) => n >= 3,
      timeoutMs: 30_000,
    });
    await until(
      beats,
      "the music player connected",
      (m) => m.text.startsWith("HEARTBEAT: music-player ") && m.text.includes('"mpd":"connected"'),
    );
    await press("D");
    const song = await waitUntil(() => mpd.commandList(["status", "currentsong"]), {
      what: "playback",
      until: (s) => s.state === "play",
      timeoutMs: 15_000,
    });

    // The code on the keypad, then A: armed away after the exit delay. No digit ever travels as a KEY:.
    await press(`${CODE}A`);
    const arm = payloadOf(await event("arm")) as Record<string, unknown>;
    assert.deepEqual([arm.user, arm.source, arm.mode], ["dana", "keypad", "away"]);
    await state("arming");
    await state("armed_away");

    // The door: pending, then triggered; the siren's pin goes high and MPD plays the siren.
    assert.equal((await cli("sim", "gpio", "25", "1")).code, 0);
    await state("pending");
    await state("triggered");
    assert.equal(await sirenPin(), "BCM 17: 1 (alarm: siren)");
    await waitUntil(() => mpd.commandList(["currentsong"]), {
      what: "MPD playing the siren",
      until: (s) => /siren/.test(s.file ?? ""),
      timeoutMs: 15_000,
    });

    // kill -9 while triggered: the launcher restarts it, and it sounds again.
    const pids = await heartbeatPids(beats, ["alarm"]);
    process.kill(pids.get("alarm") ?? 0, "SIGKILL");
    await until(
      beats,
      "a new alarm's heartbeat",
      (m) => m.text.startsWith("HEARTBEAT: alarm ") && payloadOf(m).pid !== pids.get("alarm"),
      30_000,
    );
    await state("triggered");
    assert.equal(await sirenPin(), "BCM 17: 1 (alarm: siren)", "the siren is back on after the restart");

    // The code and #: disarmed, the siren off, the music back where it was.
    await press(`${CODE}#`);
    const disarmed = payloadOf(await state("disarmed")) as Record<string, unknown>;
    assert.deepEqual(disarmed.memory, ["front"], "the alarm memory names the door");
    assert.equal(await sirenPin(), "BCM 17: 0 (alarm: siren)");
    await waitUntil(() => mpd.commandList(["currentsong"]), {
      what: "the music restored",
      until: (s) => s.file === song.file,
      timeoutMs: 15_000,
    });

    // Armed again, then kill -9 while armed_away: it comes back armed.
    assert.equal((await cli("sim", "gpio", "25", "0")).code, 0);
    await press(`${CODE}A`);
    await state("armed_away");
    const again = await heartbeatPids(beats, ["alarm"]);
    process.kill(again.get("alarm") ?? 0, "SIGKILL");
    await until(
      beats,
      "a new alarm's heartbeat",
      (m) => m.text.startsWith("HEARTBEAT: alarm ") && payloadOf(m).pid !== again.get("alarm"),
      30_000,
    );
    const status = await cli("alarm", "status", "--json");
    assert.equal((JSON.parse(status.out) as { state: string }).state, "armed_away", "still armed after kill -9");
    // A clean stop (SIGTERM) is not a disarm either.
    assert.equal(await ctl(dir, "restart alarm"), "alarm: restarted");
    const restarted = await cli("alarm", "status", "--json");
    assert.equal((JSON.parse(restarted.out) as { state: string }).state, "armed_away", `still armed after a restart: ${restarted.err}`);

    // Five wrong codes through `roomguard alarm disarm`: the fifth locks code entry, and then even the right code is refused.
    for (let i = 1; i <= 5; i++) {
      const wrong = await roomguard(configFile, ["alarm", "disarm"], "0000\n");
      assert.equal(wrong.code, 1, `wrong code ${i}: ${wrong.err}`);
    }
    const lockout = payloadOf(await event("lockout")) as unknown as { until: string };
    const locked = await roomguard(configFile, ["alarm", "disarm"], `${CODE}\n`);
    assert.equal(locked.code, 1);
    assert.match(locked.err + locked.out, /locked until/);

    // After the lockout: the duress code disarms like the real one, and says so only in an event.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(lockout.until) - Date.now()) + 200));
    await press(`${DURESS}#`);
    const duress = payloadOf(await event("duress")) as Record<string, unknown>; // events come before the state they lead to
    assert.equal(duress.user, "dana");
    await state("disarmed");

    // Nothing above put a digit on the bus as a key.
    await press("D");
    const seen: string[] = [];
    let d = 0;
    await until(keys, "the second KEY: D (the first and the last key that is no digit)", (message) => {
      seen.push(message.text);
      return message.text === "KEY: D" && ++d === 2;
    });
    assert.deepEqual(
      seen.filter((text) => /^KEY: \d/.test(text)),
      [],
    );

    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
    assert.deepEqual(processesUsing(dir), []);
  });
});
