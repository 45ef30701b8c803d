import {
  busClientFor,
  controlMessage,
  HOST_KEY,
  KeyFileError,
  keysDirOf,
  readKeyPair,
  secretKeyFile,
  serveControl,
  startHeartbeat,
  type CurvePair,
} from "@roomguard/bus";
import { ConfigError, type LoadedConfig } from "@roomguard/config";
import { systemClock, type RunningService, type ServiceContext } from "@roomguard/runtime";
import { bridgeConfigIssues } from "./check-config.js";
import { RemoteLink } from "./remote-link.js";

/**
 * This host's CURVE pair (bus.keys/host.key_secret): the bridge always speaks CURVE to a remote,
 * and the remote admits this key once `roomguard keys allow <room> <host.key>` ran there.
 *
 * @throws ConfigError naming the file and the fix (exit 78: a restart would not help).
 */
export function bridgeKeys(loaded: LoadedConfig): CurvePair {
  try {
    return readKeyPair(secretKeyFile(keysDirOf(loaded), HOST_KEY));
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error;
    throw new ConfigError(
      [{ path: "bus.keys", message: `the bridge joins other Pis over CURVE with this host's keys: ${error.message}` }],
      loaded.file,
    );
  }
}

/**
 * Starts the bridge in this process (main.ts's runService calls it): the config checked (exit 78),
 * this host's keys, one {@link RemoteLink} per `bridge.remotes`, the heartbeat (its `problem`
 * names the remotes out of reach), `CONTROL: bridge STATUS|STOP|STATE`, and the remotes' doors
 * and PIRs given again on `CONTROL: sensors STATE` (what the alarm asks at its start).
 */
export function startBridge({ loaded, config, log, requestStop }: ServiceContext): RunningService {
  const issues = bridgeConfigIssues(config);
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);
  const pair = bridgeKeys(loaded);
  const clock = systemClock;
  const local = busClientFor(loaded, { log: log.child("bus") });

  // The links tell the heartbeat when a remote comes or goes; the heartbeat is started after them.
  const changed = { notify: (): void => undefined };
  const links = config.bridge.remotes.map(
    (remote) =>
      new RemoteLink({
        remote,
        room: config.bridge.room,
        local,
        curve: { ...pair, serverKey: remote.routerKey },
        maxMessageSize: config.bus.maxMessageSize,
        maxMessagesPerS: config.bridge.maxMessagesPerS,
        clock,
        log: log.child(remote.name),
        onChange: () => changed.notify(),
      }),
  );
  log.info("joining", { room: config.bridge.room, remotes: links.map((link) => link.name) });

  const problem = (): string | undefined =>
    links
      .map((link) => link.problem())
      .filter((text) => text !== undefined)
      .join("; ") || undefined;
  const heartbeat = startHeartbeat({
    bus: local,
    service: "bridge",
    intervalS: config.bus.heartbeatIntervalS,
    extra: () => ({ remotes: Object.fromEntries(links.map((link) => [link.name, link.linkState()])) }),
    problem,
    onError: (error) => log.once("warn", "heartbeat", "cannot publish the heartbeat", { error }),
  });
  changed.notify = () => heartbeat.problemMayHaveChanged();
  const republish = (): undefined => {
    for (const link of links) link.republishStates();
    return undefined;
  };
  const control = serveControl({
    bus: local,
    service: "bridge",
    log,
    status: () => ({ room: config.bridge.room, remotes: Object.fromEntries(links.map((link) => [link.name, link.stats()])) }),
    acceptStop: config.bus.acceptStop,
    requestStop,
    commands: { STATE: republish },
  });
  // The alarm asks the sensor reader for every state at its start: the remotes' are kept here.
  const stateRequests = local.subscribe(controlMessage("sensors", "STATE"));
  void (async () => {
    for await (const message of stateRequests)
      if (message.rest === "sensors STATE" || message.rest.startsWith("sensors STATE ")) republish();
  })();

  return {
    async stop() {
      stateRequests.close();
      control.stop();
      heartbeat.stop();
      await Promise.all(links.map((link) => link.close()));
      await local.close();
    },
  };
}
