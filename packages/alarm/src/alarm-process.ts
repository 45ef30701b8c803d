import {
  busClientFor,
  controlMessage,
  SENSOR_SIGNAL_TOPICS,
  serveControl,
  serveRequests,
  serveSim,
  startHeartbeat,
  Topic,
} from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { openHal, type Hal } from "@roomguard/hal";
import { isSimHal } from "@roomguard/hal/sim";
import { ownIssues } from "@roomguard/registry";
import { systemClock, type RunningService, type ServiceContext } from "@roomguard/runtime";
import { latestEvents, openAudit } from "./audit.js";
import { buzzerPattern } from "./buzzer-pattern.js";
import { findCodeOwner } from "./code-owner.js";
import { startingState } from "./starting-state.js";
import { AlarmOutputs } from "./outputs.js";
import { AlarmService, sensorSourceOf } from "./service.js";
import { openStateFile } from "./state-file.js";

/**
 * Starts the alarm service in this process (main.ts's runService calls it). `hal` is for the
 * benchmark, which watches the siren's simulated pin; otherwise the config's backend is opened.
 */
export async function startAlarm(
  { loaded, config, log, requestStop }: ServiceContext,
  options: { hal?: Hal } = {},
): Promise<RunningService> {
  const issues = await ownIssues(loaded, "alarm");
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);
  const alarm = config.alarm;
  if (alarm.users.length === 0) log.warn("no users: nobody can arm or disarm; `roomguard alarm add-user NAME` adds one");
  if (alarm.zones.length === 0) log.warn("no zones: nothing can trigger the alarm but the panic key; see docs/alarm.md");

  const dir = resolveConfigPath(loaded, alarm.stateDir);
  const stateFile = openStateFile(dir, log.child("state"));
  const { state, events } = startingState(stateFile.load(), alarm, systemClock.now(), log);
  const audit = openAudit(dir, alarm.audit, systemClock, log.child("audit"));
  const hal = options.hal ?? openHal(config.hardware, { log: log.child("hal"), prefer: "interrupts" });
  const bus = busClientFor(loaded, { log: log.child("bus") });

  // The buzzer's pattern follows the service's state; both exist before the first update (in start).
  const outputs = new AlarmOutputs(hal, alarm, systemClock, () => buzzerPattern(service.current, systemClock.now()));
  const service = new AlarmService(
    {
      config: alarm,
      heartbeatIntervalS: config.bus.heartbeatIntervalS,
      clock: systemClock,
      log,
      publish: (text) => bus.publish(text),
      save: (next) => stateFile.save(next),
      audit: (event) => audit.append(event),
      history: (query) => latestEvents(dir, query),
      outputs: (next) => outputs.update(next.state === "triggered"),
      checkCode: (code) => findCodeOwner(code, alarm.users),
    },
    state,
  );
  const outputProblem = outputs.problem();
  if (outputProblem !== undefined) log.error(`${outputProblem}: the alarm works on without it`);
  service.start(events);

  // A bridged room's sensor reader beats as `HEARTBEAT: <room>/sensors` (docs/bridge.md).
  const heartbeats = ["", ...service.rooms.map((room) => `${room}/`)].map((room) => `${Topic.HEARTBEAT}: ${room}${alarm.sensorsService} `);
  // The bridge's own heartbeat says at once when it loses a room (docs/bridge.md).
  const bridgeBeat = `${Topic.HEARTBEAT}: bridge `;
  const listening = bus.subscribe(...SENSOR_SIGNAL_TOPICS, ...heartbeats, ...(service.rooms.length > 0 ? [bridgeBeat] : []));
  void (async () => {
    for await (const message of listening) {
      if (message.topic !== Topic.HEARTBEAT) service.signal(message);
      else if (message.text.startsWith(bridgeBeat)) service.roomsLost(unreachableRooms(message.rest.slice("bridge ".length)));
      else service.sensorsAlive(sensorSourceOf(message.rest.split(" ")[0] ?? ""));
    }
  })();

  let requests;
  try {
    requests = await serveRequests({
      endpoint: alarm.requests,
      service: "alarm",
      configKey: "alarm.requests",
      handlers: service.handlers(),
      log,
    });
  } catch (error) {
    // Without its request socket nobody can disarm: the launcher restarts it, and status shows why.
    outputs.close();
    hal.close();
    await bus.close();
    throw error;
  }
  const heartbeat = startHeartbeat({
    bus,
    service: "alarm",
    intervalS: config.bus.heartbeatIntervalS,
    extra: () => ({ state: service.current.state }),
    problem: () => [service.problem(), outputs.problem()].filter((problem) => problem !== undefined).join("; ") || undefined,
  });
  const control = serveControl({
    bus,
    service: "alarm",
    log,
    status: () => service.status(),
    acceptStop: config.bus.acceptStop,
    requestStop,
    commands: { STATE: () => (service.publishState(), undefined) },
  });
  // On simulated hardware `roomguard sim read 18` asks what the siren's pin is at.
  const simulated = isSimHal(hal) ? hal : undefined;
  const sim = simulated
    ? serveSim({
        bus,
        log,
        prefix: `${Topic.SIM}: read `,
        outputs: outputs.pins().map(({ pin, purpose }) => ({ pin, purpose, read: () => simulated.gpio.level(pin) })),
        service: "alarm",
      })
    : undefined;

  // Once the bus is up: the state for whoever listens, and the doors' and PIRs' for the zones.
  bus.waitForRouter(10_000).then(
    () => {
      service.publishState();
      bus.publish(controlMessage("sensors", "STATE")).catch(() => undefined);
    },
    (error: unknown) => log.warn("the router is not reachable yet: zones learn their sensors' state when it is", { error }),
  );

  return {
    async stop() {
      // Stopping is not disarming: the stored state stays as it is, and a restart resumes it.
      sim?.stop();
      control.stop();
      heartbeat.stop();
      listening.close();
      requests.close();
      service.close();
      outputs.close();
      audit.close();
      hal.close();
      await bus.close();
    },
  };
}

/** The rooms a bridge heartbeat's `remotes` calls unreachable; none for anything else. */
function unreachableRooms(json: string): string[] {
  try {
    const remotes = (JSON.parse(json) as { remotes?: unknown }).remotes;
    if (typeof remotes !== "object" || remotes === null) return [];
    return Object.entries(remotes).flatMap(([room, state]) => (state === "unreachable" ? [room] : []));
  } catch {
    return [];
  }
}
