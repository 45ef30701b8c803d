import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { busClientFor, serveControl, startHeartbeat, type BusClient } from "@roomguard/bus";
import { ConfigError, resolveConfigPath, type LoadedConfig, type RoomguardConfig } from "@roomguard/config";
import { systemClock, type Clock, type Logger, type RunningService, type ServiceContext } from "@roomguard/runtime";
import { BrokerPasswordError, readBrokerPassword } from "./broker-password.js";
import { BrokerLink, type BrokerLinkOptions } from "./broker-link.js";
import { mqttConfigIssues } from "./check-config.js";
import { commandsPart } from "./parts/commands-part.js";
import { discoveryPart } from "./parts/discovery-part.js";
import { mirrorPart } from "./parts/mirror-part.js";
import { statesPart } from "./parts/states-part.js";

/** What each part of the bridge (discovery, states, commands, mirror) is given when it starts. */
export interface BridgeContext {
  config: RoomguardConfig;
  loaded: LoadedConfig;
  /** The part's own logger (`mqtt-bridge:<part>`). */
  log: Logger;
  /** The broker: publish, subscribe, onConnect (publish every state there). */
  link: BrokerLink;
  /** The roomguard bus. */
  bus: BusClient;
  clock: Clock;
  /** `mqtt.baseTopic`. */
  baseTopic: string;
  /** The machine's host name, for the defaults of ids (`roomguard_<hostname>`). */
  hostname: string;
}

/** A started part: `stop()` releases what it holds (the link and the bus are closed after it). */
export interface RunningBridgePart {
  stop(): void | Promise<void>;
  /** Its counters, in STATUS under its name. */
  stats?(): Record<string, unknown>;
  /** What is wrong in its part, for the heartbeat's `problem` (after the link's). */
  problem?(): string | undefined;
}

/** One part of the bridge: a name (its logger's and STATUS's) and a start that only registers handlers and subscriptions. */
export interface BridgePart {
  name: string;
  start(context: BridgeContext): RunningBridgePart | Promise<RunningBridgePart>;
}

/**
 * THE HOOK: the parts the bridge runs, started in this order before the link connects (so their
 * on-connect handlers see the first connection). Discovery (src/discovery.ts), the Home Assistant
 * states (src/ha-states.ts), commands (src/commands.ts) and the mirror (src/mirror.ts) add
 * themselves here.
 */
export const BRIDGE_PARTS: readonly BridgePart[] = [discoveryPart, statesPart, commandsPart, mirrorPart];

/**
 * The broker link's options from the config: the URL, the client id (`roomguard-<hostname>` by
 * default), the login with its password read from wherever the config says, the CA file's PEM.
 *
 * @throws ConfigError when the password or the CA cannot be read (exit 78: a restart would not help).
 */
export function brokerLinkOptions(loaded: LoadedConfig, env: NodeJS.ProcessEnv, host: string): BrokerLinkOptions {
  const { mqtt } = loaded.config;
  if (mqtt.url === null)
    throw new ConfigError([{ path: "mqtt.url", message: "expected a broker URL, got null (the bridge is off)" }], loaded.file);
  let password: string | undefined;
  try {
    password = readBrokerPassword(loaded, env);
  } catch (error) {
    if (error instanceof BrokerPasswordError) throw new ConfigError([error.issue()], loaded.file);
    throw error;
  }
  const ca = mqtt.tls.ca === null ? undefined : readFileSync(resolveConfigPath(loaded, mqtt.tls.ca));
  return {
    url: mqtt.url,
    clientId: mqtt.clientId ?? `roomguard-${host}`,
    baseTopic: mqtt.baseTopic,
    ...(mqtt.username === null ? {} : { username: mqtt.username }),
    ...(password === undefined ? {} : { password }),
    tls: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: mqtt.tls.rejectUnauthorized },
  };
}

/**
 * Starts the MQTT bridge in this process (main.ts's runService calls it): the config checked
 * (exit 78), the broker link, the bus, every part of {@link BRIDGE_PARTS} (or `parts`), the
 * heartbeat (`broker` state and the link's `problem`) and `CONTROL: mqtt-bridge STATUS|STOP`.
 * Stopping publishes `offline` before it disconnects. `env` is where `mqtt.passwordEnv` is read.
 */
export async function startBridge(
  { loaded, config, log, requestStop }: ServiceContext,
  env: NodeJS.ProcessEnv,
  parts: readonly BridgePart[] = BRIDGE_PARTS,
): Promise<RunningService> {
  const issues = mqttConfigIssues(loaded);
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);
  const host = hostname();
  const options = brokerLinkOptions(loaded, env, host);
  const clock = systemClock;
  const link = new BrokerLink(options, log.child("broker"), clock);
  const bus = busClientFor(loaded, { log: log.child("bus") });

  const running: { name: string; part: RunningBridgePart }[] = [];
  try {
    for (const part of parts) {
      const context: BridgeContext = {
        config,
        loaded,
        log: log.child(part.name),
        link,
        bus,
        clock,
        baseTopic: config.mqtt.baseTopic,
        hostname: host,
      };
      running.push({ name: part.name, part: await part.start(context) });
    }
  } catch (error) {
    for (const { part } of running.reverse()) await part.stop();
    await bus.close();
    throw error;
  }
  log.info(`connecting to ${link.stats().broker}`, { clientId: options.clientId, parts: parts.map((part) => part.name) });
  link.start();

  const problem = (): string | undefined =>
    link.problem() ?? running.map(({ part }) => part.problem?.()).find((text) => text !== undefined);
  const heartbeat = startHeartbeat({
    bus,
    service: "mqtt-bridge",
    intervalS: config.bus.heartbeatIntervalS,
    extra: () => ({ broker: link.linkState() }),
    problem,
    onError: (error) => log.once("warn", "heartbeat", "cannot publish the heartbeat", { error }),
  });
  const stopWatching = link.onStateChange(() => heartbeat.problemMayHaveChanged());
  const control = serveControl({
    bus,
    service: "mqtt-bridge",
    log,
    status: () => ({
      link: link.stats(),
      ...Object.fromEntries(running.flatMap(({ name, part }) => (part.stats ? [[name, part.stats()]] : []))),
    }),
    acceptStop: config.bus.acceptStop,
    requestStop,
  });

  return {
    async stop() {
      control.stop();
      heartbeat.stop();
      stopWatching();
      for (const { name, part } of [...running].reverse()) {
        try {
          await part.stop();
        } catch (error) {
          log.error(`the ${name} part failed to stop`, { error });
        }
      }
      // `offline` goes out (and is acknowledged) before the clean disconnect.
      await link.close();
      await bus.close();
    },
  };
}
