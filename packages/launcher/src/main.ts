// The launcher process: `node dist/src/main.js [--config FILE]` (what `roomguard start` runs).
import { mkdirSync, watch } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { busClientFor, parseControl, parseSubject, serveControl, startHeartbeat, subjectMessage, Topic } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { enabledServices, findServices } from "@roomguard/registry";
import { memoryOf, runService, systemClock, type ProcessIdentity } from "@roomguard/runtime";
import { createChildOutput } from "./child-output.js";
import { launcherHandlers } from "./commands.js";
import { serveCommands } from "./control-socket.js";
import { createHints, hereFacts } from "./hints.js";
import { followLog } from "./log-follower.js";
import { readPidFile, writePidFile } from "./pid-file.js";
import { createProcessPort, logFileOf, type RealProcesses } from "./processes.js";
import { provenLauncher, startedBefore } from "./rival-launcher.js";
import { startShell } from "./shell.js";
import { lockStateDir, StateDirTakenError, type StateDirLock } from "./state-lock.js";
import { Supervisor, type HeartbeatVerdict, type LauncherEvent } from "./supervisor.js";

/** This program, as another launcher's command line would name it. */
const LAUNCHER_MAIN = fileURLToPath(import.meta.url);

/** Heartbeats that are ignored, and why (said once per service and kind). */
const IGNORED: Partial<Record<HeartbeatVerdict, string>> = {
  unproven: "ignoring heartbeats that name a process which is not this service (forged, or a reused pid)",
  "not-supervised": "ignoring heartbeats that name another process than the supervised one",
  "stopped-process": "ignoring heartbeats that name a stopped or ended process: its silence still counts",
};

await runService(
  "launcher",
  async ({ loaded, config, log, requestStop, fail }) => {
    const settings = config.launcher;
    // The installed service packages say what they are; the config says which of them run.
    const installed = findServices();
    const enabled = enabledServices(config, installed);
    if (enabled.issues.length > 0) throw new ConfigError(enabled.issues, loaded.file);
    const services = enabled.services.map((service) => service.name);
    const mainOf = (name: string): string => enabled.services.find((service) => service.name === name)?.main ?? name;
    const stateDir = resolveConfigPath(loaded, settings.stateDir);
    const pidFile = path.join(stateDir, "pids.json");
    const hints = createHints(hereFacts(loaded.file));
    /** How to ask the launcher at `control` for its status, from here. */
    const reach = (control: string): string =>
      `${control === settings.control ? "" : `ROOMGUARD_LAUNCHER_CONTROL=${control} `}${hints.command("status")}`;
    const underSystemd = settings.serviceManager === "systemd";
    const quitCommand = underSystemd ? "sudo systemctl stop roomguard" : hints.command("ctl quit");

    // One launcher per appliance, whatever its control endpoint: a second one stops here and touches nothing.
    mkdirSync(stateDir, { recursive: true });
    let lock: StateDirLock;
    try {
      lock = lockStateDir(path.join(stateDir, "launcher.lock"), settings.control);
    } catch (error) {
      if (!(error instanceof StateDirTakenError)) throw error;
      const { pid } = error.holder.identity;
      throw new Error(
        `another launcher is running (pid ${pid}) with this state directory (${stateDir}): ask it with \`${reach(error.holder.control)}\`; stop it before starting another`,
        { cause: error },
      );
    }
    const me = lock.identity;

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
    const handlers = launcherHandlers(
      () =>
        supervisor && {
          supervisor,
          memoryOf,
          notRun,
          quit: () => requestStop("quit"),
          // systemd would start a launcher that quits again (Restart=always): quitting is its job.
          ...(underSystemd
            ? { quitRefused: `the launcher runs under systemd, which would start it again: \`${quitCommand}\` stops it` }
            : {}),
        },
    );
    const commands = await serveCommands(settings.control, handlers, log.child("ctl"), hints);

    const bus = busClientFor(loaded, {
      log: log.child("bus"),
      onConnection: (connected) => supervisor?.setHeartbeatsFlow(connected),
    });
    // Its control endpoint tells a launcher that hears this one how to reach it.
    const heartbeat = startHeartbeat({
      bus,
      service: "launcher",
      intervalS: config.bus.heartbeatIntervalS,
      extra: () => ({ control: settings.control }),
    });
    const processes = createProcessPort({
      mainOf,
      args: loaded.file ? ["--config", loaded.file] : [],
      logDir: stateDir,
      onExit: (pid, code, signal) => supervisor?.exited(pid, code, signal),
    });
    const report = (event: LauncherEvent): void => {
      const level = event.event === "lost" || event.event === "give-up" ? "warn" : "info";
      const { service, ...fields } = event; // `service` on a log line names the launcher
      log[level](`${event.event} ${service}`, fields);
      bus.publish(subjectMessage(Topic.LAUNCHER, event.event, event)).catch(() => undefined);
      if (supervisor) writePidFile(pidFile, recordsOf(supervisor, processes));
    };
    // The config's supervision keys are the supervisor's options of the same names.
    const { services: _enabled, control: _control, stateDir: _stateDir, serviceManager: _manager, ...supervision } = settings;
    supervisor = new Supervisor({
      ...supervision,
      services,
      heartbeatIntervalS: config.bus.heartbeatIntervalS,
      clock: systemClock,
      processes,
      report,
      // Until it is sure that no other launcher runs them (below).
      adoptionsHeld: true,
      onStall: (lateMs) =>
        log.warn(
          "the launcher itself did not run for a while (stopped, or the machine overloaded): the services' silence counts from now",
          {
            late_s: Math.round(lateMs / 100) / 10,
          },
        ),
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

    const judged = (service: string, pid: number, verdict: HeartbeatVerdict): void => {
      const why = IGNORED[verdict];
      if (why !== undefined) log.once("warn", `heartbeat:${service}:${verdict}`, `${service}: ${why} (said once)`, { pid });
    };
    /** A launcher's heartbeat: of two launchers on one bus, the younger stops and leaves the services alone. */
    const launcherHeard = (pid: number, control: unknown): void => {
      const rival = provenLauncher(pid, LAUNCHER_MAIN);
      if (rival === null) {
        log.once(
          "warn",
          "heartbeat:launcher:unproven",
          "ignoring launcher heartbeats that name a process which is not a launcher (said once)",
          {
            pid,
          },
        );
      } else if (!startedBefore(rival, me)) {
        log.once("warn", `launcher:${pid}`, "another launcher is on this bus; it started after this one, and stops by itself", { pid });
      } else {
        const where = typeof control === "string" && control.length <= 200 ? `: ask it with \`${reach(control)}\`` : "";
        lock.release();
        fail(
          new Error(
            `another launcher (pid ${pid}) runs the services on this bus (bus.in ${config.bus.in}); this one leaves them to it${where}`,
          ),
        );
      }
    };
    const heartbeats = bus.subscribe(`${Topic.HEARTBEAT}: `);
    void (async () => {
      for await (const message of heartbeats) {
        let beat: { subject: string; pid: unknown; problem: unknown; control: unknown };
        try {
          const { subject, payload } = parseSubject(message);
          const { pid, problem, control } = (payload ?? {}) as Record<string, unknown>;
          beat = { subject, pid, problem, control };
        } catch {
          log.once("warn", `heartbeat:${message.text.slice(0, 40)}`, "ignoring a malformed heartbeat", { example: message.text });
          continue;
        }
        const { subject, pid, problem } = beat;
        if (typeof pid !== "number") continue;
        if (subject === "launcher") {
          if (pid !== process.pid) launcherHeard(pid, beat.control);
        } else if (running.has(subject))
          judged(subject, pid, running.heartbeat(subject, pid, typeof problem === "string" ? problem : undefined));
      }
    })();

    // A launcher that died left its services running: take them over, never start them twice.
    // The lock makes the pid file this launcher's alone; each record is proven against /proc.
    for (const [service, record] of readPidFile(pidFile))
      if (running.has(service) && processes.claim(service, record.pid, record)) running.adopt(service, record.pid);
    // A router answers a local connection within milliseconds; none there is the usual cold start.
    const routerWasUp = await bus.waitForRouter(300).then(
      () => true,
      () => false,
    );
    // A launcher with another state directory on this bus beats once an interval: heard, it makes
    // this one stop (above) before it adopts or starts anything.
    if (routerWasUp) await new Promise((resolve) => setTimeout(resolve, config.bus.heartbeatIntervalS * 1500));
    for (const { service, pid, verdict } of running.allowAdoptions()) judged(service, pid, verdict);
    if (routerWasUp) await untilAccountedFor(running, config.bus.heartbeatIntervalS * 1200);
    // What always runs is the bus itself (the router): the others start once it answers.
    for (const service of enabled.services.filter((entry) => entry.always)) running.start(service.name);
    await bus.waitForRouter(15_000).catch((error: unknown) => {
      throw new Error(`the router did not come up; its output is in ${logFileOf(stateDir, "router")}`, { cause: error });
    });
    for (const service of enabled.services.filter((entry) => !entry.always)) running.start(service.name);

    // With bus.acceptStop (router.acceptDeath for the router) a service obeys STOP from the bus:
    // its exit then is an operator's stop, not a loss to restart.
    const obeysStop = services.filter((service) => (service === "router" ? config.router.acceptDeath : config.bus.acceptStop));
    const stops =
      obeysStop.length === 0
        ? undefined
        : bus.subscribe(
            `${Topic.CONTROL}: all STOP`,
            ...obeysStop.map((service) => `${Topic.CONTROL}: ${service} STOP`),
            ...(config.router.acceptDeath ? [Topic.DEATH] : []),
          );
    if (stops)
      void (async () => {
        for await (const message of stops) {
          if (message.topic === Topic.DEATH) running.stopSeenOnBus("router");
          if (message.topic !== Topic.CONTROL) continue;
          try {
            const { target, command } = parseControl(message);
            if (command === "STOP")
              for (const service of obeysStop) if (target === "all" || target === service) running.stopSeenOnBus(service);
          } catch {
            // malformed: the services ignore it too
          }
        }
      })();
    // STATUS from the bus; never STOP: anyone on the bus could send it.
    const control = serveControl({
      bus,
      service: "launcher",
      log,
      status: () => ({ services: running.list() }),
      stopRefusal: `the launcher does not stop from the bus: \`${quitCommand}\` stops it`,
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
        stops?.close();
        heartbeat.stop();
        await running.stopAll();
        running.close();
        writePidFile(pidFile, recordsOf(running, processes));
        changes.close();
        for (const follower of followers.values()) follower.stop();
        commands.close();
        heartbeats.close();
        await bus.close();
        lock.release();
      },
    };
  },
  // Every service may take its whole stop timeout, one after the other.
  { stopTimeoutMs: 60_000 },
);

/** The identity of every service process it supervises, for the pid file. */
function recordsOf(supervisor: Supervisor, processes: RealProcesses): Map<string, ProcessIdentity> {
  const records = new Map<string, ProcessIdentity>();
  for (const view of supervisor.list()) {
    const identity = view.pid === null ? undefined : processes.identityOf(view.pid);
    if (identity !== undefined) records.set(view.service, identity);
  }
  return records;
}

/** Waits (at most `timeoutMs`) until every service is adopted, for heartbeats of services the pid file did not know. */
async function untilAccountedFor(supervisor: Supervisor, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && supervisor.list().some((view) => view.state === "stopped")) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
