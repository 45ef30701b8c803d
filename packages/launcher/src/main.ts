// The launcher process: `node dist/src/main.js [--config FILE]` (what `roomguard start` runs).
import { watch } from "node:fs";
import path from "node:path";
import { BusClient, controlMessage, parseSubject, serveControl, startHeartbeat, subjectMessage, Topic } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { enabledServices, findServices } from "@roomguard/registry";
import { runService, systemClock } from "@roomguard/runtime";
import { createChildOutput } from "./child-output.js";
import { launcherHandlers } from "./commands.js";
import { serveCommands } from "./control-socket.js";
import { followLog } from "./log-follower.js";
import { isRunning, readPidFile, writePidFile } from "./pid-file.js";
import { createHints, hereFacts } from "./hints.js";
import { createProcessPort, isAlive, logFileOf, memoryOf } from "./processes.js";
import { startShell } from "./shell.js";
import { Supervisor, type LauncherEvent } from "./supervisor.js";

await runService(
  "launcher",
  async ({ loaded, config, log, requestStop }) => {
    const settings = config.launcher;
    // The installed service packages say what they are; the config says which of them run.
    const installed = findServices();
    const enabled = enabledServices(config, installed);
    if (enabled.issues.length > 0) throw new ConfigError(enabled.issues, loaded.file);
    const services = enabled.services.map((service) => service.name);
    const mainOf = (name: string): string => enabled.services.find((service) => service.name === name)?.main ?? name;
    const stateDir = resolveConfigPath(loaded, settings.stateDir);
    const pidFile = path.join(stateDir, "pids.json");
    const pretty = config.log.format === "pretty" || (config.log.format === "auto" && process.stdout.isTTY === true);
    const show = createChildOutput({
      stream: process.stdout,
      pretty,
      colour: pretty && process.stdout.isTTY === true && !process.env.NO_COLOR,
    });

    // Assigned once below; the callbacks made before it need to see it then.
    // eslint-disable-next-line prefer-const
    let supervisor: Supervisor | undefined;
    // The commands of `roomguard ctl` and of the prompt (refused while the supervisor does not exist yet).
    const notRun = installed.filter((service) => !enabled.services.includes(service)).map((service) => service.name);
    const handlers = launcherHandlers(() => supervisor && { supervisor, memoryOf, notRun, quit: () => requestStop("quit") });
    // First, so that a second launcher stops here with a clear message and touches nothing.
    const commands = await serveCommands(settings.control, handlers, log.child("ctl"), createHints(hereFacts(loaded.file)));

    const bus = new BusClient({
      in: config.bus.in,
      out: config.bus.out,
      maxMessageSize: config.bus.maxMessageSize,
      log: log.child("bus"),
      onConnection: (connected) => supervisor?.setHeartbeatsFlow(connected),
    });
    const report = (event: LauncherEvent): void => {
      const level = event.event === "lost" || event.event === "give-up" ? "warn" : "info";
      const { service, ...fields } = event; // `service` on a log line names the launcher
      log[level](`${event.event} ${service}`, fields);
      bus.publish(subjectMessage(Topic.LAUNCHER, event.event, event)).catch(() => undefined);
      if (supervisor) writePidFile(pidFile, livePids(supervisor));
    };
    const processes = createProcessPort({
      mainOf,
      args: loaded.file ? ["--config", loaded.file] : [],
      logDir: stateDir,
      onExit: (pid, code) => supervisor?.exited(pid, code),
      askToStop: (service) => void bus.publish(controlMessage(service, "STOP")).catch(() => undefined),
    });
    // The config's supervision keys are the supervisor's options of the same names.
    const { services: _enabled, control: _control, stateDir: _stateDir, ...supervision } = settings;
    supervisor = new Supervisor({
      ...supervision,
      services,
      heartbeatIntervalS: config.bus.heartbeatIntervalS,
      clock: systemClock,
      processes,
      report,
    });
    const running = supervisor;

    // Every service's output, shown as it comes (told by inotify; a slow poll besides); an adopted one's from now on.
    const followers = new Map(
      services.map((service) => [
        `${service}.log`,
        followLog({ file: logFileOf(stateDir, service), fromEnd: true, clock: systemClock, onLine: (line) => show(service, line) }),
      ]),
    );
    const changes = watch(stateDir, (_event, file) => followers.get(String(file))?.poll());
    changes.on("error", (error) => log.warn("cannot watch the services' output; it shows once a second", { error }));

    const heartbeats = bus.subscribe(`${Topic.HEARTBEAT}: `);
    void (async () => {
      for await (const message of heartbeats) {
        try {
          const { subject, payload } = parseSubject(message);
          const { pid, problem } = (payload ?? {}) as { pid?: unknown; problem?: unknown };
          if (typeof pid !== "number") continue;
          if (subject === "launcher" && pid !== process.pid && isAlive(pid))
            log.once("warn", `launcher:${pid}`, "another launcher is running on this bus", { pid });
          if (running.has(subject)) running.heartbeat(subject, pid, typeof problem === "string" ? problem : undefined);
        } catch {
          log.once("warn", `heartbeat:${message.text.slice(0, 40)}`, "ignoring a malformed heartbeat", { example: message.text });
        }
      }
    })();

    // A launcher that died left its services running: take them over, never start them twice.
    for (const [service, pid] of readPidFile(pidFile))
      if (running.has(service) && isRunning(pid, mainOf(service))) running.adopt(service, pid);
    // A router answers a local connection within milliseconds; none there is the usual cold start.
    const routerWasUp = await bus.waitForRouter(300).then(
      () => true,
      () => false,
    );
    if (routerWasUp) await untilAccountedFor(running, config.bus.heartbeatIntervalS * 1200);
    // What always runs is the bus itself (the router): the others start once it answers.
    for (const service of enabled.services.filter((entry) => entry.always)) running.start(service.name);
    await bus.waitForRouter(15_000).catch((error: unknown) => {
      throw new Error(`the router did not come up; its output is in ${logFileOf(stateDir, "router")}`, { cause: error });
    });
    for (const service of enabled.services.filter((entry) => !entry.always)) running.start(service.name);

    const heartbeat = startHeartbeat({ bus, service: "launcher", intervalS: config.bus.heartbeatIntervalS });
    const control = serveControl({
      bus,
      service: "launcher",
      log,
      status: () => ({ services: running.list() }),
      stop: () => (requestStop("CONTROL: launcher STOP"), true),
    });
    const shell = process.stdin.isTTY
      ? startShell({ handlers, services: () => running.names, onEnd: () => requestStop("end of input") })
      : undefined;
    log.info("every service started", {
      services: running
        .list()
        .map((view) => `${view.service}:${view.state}`)
        .join(" "),
    });

    return {
      async stop() {
        shell?.close();
        control.stop();
        heartbeat.stop();
        await running.stopAll();
        running.close();
        writePidFile(pidFile, livePids(running));
        changes.close();
        for (const follower of followers.values()) follower.stop();
        commands.close();
        heartbeats.close();
        await bus.close();
      },
    };
  },
  // Every service may take its whole stop timeout, one after the other.
  { stopTimeoutMs: 60_000 },
);

function livePids(supervisor: Supervisor): Map<string, number> {
  return new Map(supervisor.list().flatMap((view) => (view.pid === null ? [] : [[view.service, view.pid] as [string, number]])));
}

/** Waits (at most `timeoutMs`) until every service is adopted, for heartbeats of services the pid file did not know. */
async function untilAccountedFor(supervisor: Supervisor, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && supervisor.list().some((view) => view.state === "stopped")) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
