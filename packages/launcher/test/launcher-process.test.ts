import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { simGpioMessage, simPressMessage } from "@roomguard/bus";
import { waitUntil } from "@roomguard/testing";
import {
  applianceConfig,
  busClient,
  ctl,
  eventually,
  heartbeatPids,
  isAlive,
  LAUNCHER_MAIN,
  openWhenUp,
  payloadOf,
  processesUsing,
  scratchDir,
  startLauncher,
  until,
} from "./appliance.js";

const SERVICES = ["router", "alarm", "keypad", "sensors", "music-player", "web"] as const;

describe("the launcher runs the whole appliance", { timeout: 180_000 }, () => {
  it("keys reach MPD, doors are events; lost and hung services are replaced; services outlive the launcher and are adopted; quit leaves nothing", async () => {
    const dir = scratchDir();
    const config = await applianceConfig(dir, 3);
    const music = config.music as { mpd: { port: number } };
    let launcher = startLauncher(dir, config);
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);

    const bus = busClient(dir);
    after(() => bus.close());
    const beats = bus.subscribe("HEARTBEAT: ");
    const events = bus.subscribe("LAUNCHER: ");
    const doors = bus.subscribe("DOOR: ");
    await bus.waitForRouter(10_000);
    const first = await heartbeatPids(beats, SERVICES);

    // A simulated press goes keypad → router → music player → MPD.
    const mpd = await openWhenUp(music.mpd.port);
    after(() => mpd.close());
    const state = (): Promise<Record<string, string>> => mpd.commandList(["status", "currentsong"]);
    // The library loads in the background: one SELECT once it has the tracks (a second would pause).
    await waitUntil(async () => Number((await mpd.commandList(["stats"])).songs), {
      what: "MPD's library to hold the 3 tracks",
      until: (songs) => songs >= 3,
      timeoutMs: 30_000,
    });
    // …and once the music player is connected to it (keys before that are dropped, and it retries with backoff).
    await until(
      beats,
      "the music player connected to MPD",
      (message) => message.text.startsWith("HEARTBEAT: music-player ") && message.text.includes('"mpd":"connected"'),
    );
    await bus.publish(simPressMessage("SELECT"));
    const playing = await waitUntil(state, {
      what: "playback after SELECT",
      until: (now) => now.state === "play",
      timeoutMs: 10_000,
    }).catch(() => state());
    assert.equal(playing.state, "play", "SELECT started playback");
    await bus.publish(simPressMessage("RIGHT"));
    const next = await waitUntil(state, {
      what: "the next song after RIGHT",
      until: (now) => now.songid !== playing.songid,
      timeoutMs: 5000,
    }).catch(() => state());
    assert.notEqual(next.songid, playing.songid, "RIGHT moved MPD to the next song");

    // A simulated door opening is a DOOR: event.
    await bus.publish(simGpioMessage(25, 0));
    await until(doors, "DOOR: front closed", (message) => message.text === "DOOR: front closed");
    await bus.publish(simGpioMessage(25, 1));
    await until(doors, "DOOR: front open", (message) => message.text === "DOOR: front open");

    // kill -9: lost, restarted after restartDelayS, a new keypad beats.
    const keypad = first.get("keypad") ?? 0;
    process.kill(keypad, "SIGKILL");
    const lost = payloadOf(
      await until(events, "LAUNCHER: lost keypad", (m) => payloadOf(m).subject === "lost" && payloadOf(m).service === "keypad"),
    );
    assert.equal(lost.pid, keypad);
    assert.equal(lost.retry_in_s, 0.5);
    await until(events, "LAUNCHER: restart keypad", (m) => payloadOf(m).subject === "restart" && payloadOf(m).service === "keypad");
    await until(beats, "a new keypad's heartbeat", (m) => payloadOf(m).subject === "keypad" && payloadOf(m).pid !== keypad);

    // SIGSTOP: the process lives but says nothing. Hung: killed, then replaced.
    const sensors = first.get("sensors") ?? 0;
    process.kill(sensors, "SIGSTOP");
    const hung = payloadOf(
      await until(events, "LAUNCHER: lost sensors", (m) => payloadOf(m).subject === "lost" && payloadOf(m).service === "sensors"),
    );
    assert.match(hung.reason ?? "", /^hung: no heartbeat for \d/);
    await eventually("the hung sensor reader is gone", () => !isAlive(sensors));
    await until(events, "LAUNCHER: restart sensors", (m) => payloadOf(m).subject === "restart" && payloadOf(m).service === "sensors");
    await until(beats, "a new sensor reader's heartbeat", (m) => payloadOf(m).subject === "sensors" && payloadOf(m).pid !== sensors);

    // The router dies: it is restarted, and the services, silent meanwhile, are not taken for hung.
    const others = await heartbeatPids(beats, ["keypad", "sensors", "music-player"]);
    const router = first.get("router") ?? 0;
    process.kill(router, "SIGKILL");
    let table = "";
    await eventually(
      "a new router",
      () => new RegExp(`^router +running +(?!${router} )\\d+ `, "m").test(table),
      20_000,
      async () => {
        table = await ctl(dir, "status");
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 4000)); // longer than missedHeartbeats × interval
    table = await ctl(dir, "status");
    for (const [service, pid] of others) assert.match(table, new RegExp(`^${service} +running +${pid} `, "m"), `${service} kept: ${table}`);

    // The launcher dies; the services do not. A new launcher adopts them all and starts none.
    const running = await heartbeatPids(beats, SERVICES);
    await launcher.stop("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const [service, pid] of running) assert.ok(isAlive(pid), `${service} (pid ${pid}) outlived the launcher`);
    // Without the pid file the old launcher kept, only the heartbeats tell the new one who runs.
    rmSync(path.join(dir, "launcher", "pids.json"));
    launcher = startLauncher(dir, config);
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const adopted = launcher.lines.filter((line) => line.service === "launcher" && (line.event === "adopt" || line.event === "start"));
    assert.deepEqual(
      adopted.map((line) => `${String(line.event)} ${String(line.pid)}`).sort(),
      [...running.values()].map((pid) => `adopt ${pid}`).sort(),
    );
    const status = await ctl(dir, "status");
    for (const [service, pid] of running) assert.match(status, new RegExp(`^${service} +(running|starting) +${pid} `, "m"));

    // The adopted ones are supervised like its own.
    process.kill(running.get("keypad") ?? 0, "SIGKILL");
    await until(
      events,
      "LAUNCHER: restart keypad (adopted)",
      (m) => payloadOf(m).subject === "restart" && payloadOf(m).service === "keypad",
    );

    // quit: everything stops, in the reverse order, and nothing is left in the process table.
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
    const stops = launcher.lines.filter((line) => line.service === "launcher" && line.event === "stop").map((line) => line.msg);
    assert.deepEqual(stops, ["stop web", "stop music-player", "stop sensors", "stop keypad", "stop alarm", "stop router"]);
    assert.deepEqual(processesUsing(dir), [], "no service or mpd left running");
  });
  let statusSaid = "";
  it("without mpd the rest still runs, and the status says what is missing", async () => {
    const dir = scratchDir();
    const config = await applianceConfig(dir, 0);
    const music = config.music as { mpd: Record<string, unknown> };
    music.mpd.binary = `${dir}/no-such-mpd`;
    const launcher = startLauncher(dir, config);
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const bus = busClient(dir);
    after(() => bus.close());
    const keys = bus.subscribe("KEY: ");
    await bus.waitForRouter(10_000);
    await heartbeatPids(bus.subscribe("HEARTBEAT: "), SERVICES);

    await eventually(
      "the status names the missing mpd",
      () => statusSaid.includes("mpd is not installed"),
      15_000,
      async () => {
        statusSaid = await ctl(dir, "status");
      },
    );
    assert.match(statusSaid, /^music-player +running .*mpd is not installed: no ".*no-such-mpd" found/m);
    await bus.publish(simPressMessage("RIGHT"));
    await until(keys, "KEY: RIGHT", (message) => message.text === "KEY: RIGHT");
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
    assert.deepEqual(processesUsing(dir), []);
  });
});

describe("the launcher's prompt on a terminal", { timeout: 60_000 }, () => {
  it("answers commands typed at it, helps with unknown ones, and quit stops everything", async () => {
    const dir = scratchDir();
    const config = {
      ...(await applianceConfig(dir, 0)),
      launcher: { control: `ipc://${dir}/ctl.sock`, stateDir: `${dir}/launcher`, services: [] },
      log: { level: "info", format: "auto" }, // pretty, since this is a terminal
    };
    const configFile = path.join(dir, "launcher.yaml");
    writeFileSync(configFile, JSON.stringify(config));
    // script(1) gives the launcher a pseudo-terminal, as a person's shell would.
    const terminal = spawn("script", ["-qfec", `${process.execPath} ${LAUNCHER_MAIN} --config ${configFile}`, "/dev/null"], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, NO_COLOR: "1", ROOMGUARD_CONFIG: "" },
    });
    after(() => terminal.kill("SIGKILL"));
    const exited = new Promise((resolve) => terminal.on("exit", resolve));
    let screen = "";
    terminal.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    const shown = (text: string): Promise<void> =>
      eventually(`"${text}" on the terminal; it shows: ${screen.slice(-400)}`, () => screen.includes(text), 20_000);

    await shown("roomguard> ");
    terminal.stdin.write("list\n");
    await shown("router        running");
    terminal.stdin.write("frobnicate\n");
    await shown('unknown command "frobnicate"');
    terminal.stdin.write("quit\n");
    await shown("stopping every service, then the launcher");
    assert.equal(await exited, 0);
    assert.match(screen, /router +│ .*INFO +router +listening/, `the router's output, behind its name: ${screen}`);
    assert.deepEqual(processesUsing(dir), []);
  });
});
