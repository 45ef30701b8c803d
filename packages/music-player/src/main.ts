// The music player process: `node dist/src/main.js [--config FILE]`.
import { busClientFor, controlMessage, MessageError, parseKey, serveControl, startHeartbeat, Topic } from "@roomguard/bus";
import { ConfigError, resolveConfigPath, type LoadedConfig } from "@roomguard/config";
import { readBoard } from "@roomguard/hal";
import { runService, systemClock, type Logger } from "@roomguard/runtime";
import { alarmChime, alarmState } from "./alarm-signals.js";
import { musicConfigIssues } from "./check-config.js";
import { musicCommands } from "./commands.js";
import { DEMO_FOLDER, writeDemoTracks } from "./demo-tracks.js";
import { Interruption } from "./interruption.js";
import { parseKeymap } from "./keymap.js";
import type { MpdAddress } from "./mpd-connection.js";
import { linkToMpd } from "./mpd-link.js";
import { audioOutputFor, privateMpdSocket, startPrivateMpd } from "./private-mpd.js";
import { createMusicPlayerService } from "./service.js";
import { soundPath } from "./sounds.js";

await runService(
  "music-player",
  async ({ loaded, config, log, requestStop }) => {
    const issues = musicConfigIssues(loaded);
    if (issues.length > 0) throw new ConfigError(issues, loaded.file);
    const settings = config.music;

    const address: MpdAddress = settings.mpd.spawn
      ? { socket: privateMpdSocket(resolveConfigPath(loaded, settings.mpd.stateDir)) }
      : settings.mpd.socket
        ? { socket: settings.mpd.socket }
        : { host: settings.mpd.host, port: settings.mpd.port };

    const bus = busClientFor(loaded, { log: log.child("bus") });
    // What the player says before the router answers would be lost (MPD's first "offline" often is): wait a while first.
    await bus
      .waitForRouter(10_000)
      .catch((error: unknown) => log.warn("the router is not reachable yet; keys are missed until it is", { error }));
    const interruption = new Interruption(
      {
        siren: { file: soundPath(loaded, "siren"), volume: settings.siren.volume },
        chime: { file: soundPath(loaded, "chime"), volume: settings.chime.volume },
      },
      log.child("alert"),
    );
    // Set once the heartbeat runs: a changed problem is sent at once, so `roomguard status` is right as soon as MPD is.
    // eslint-disable-next-line prefer-const
    let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
    const musicDir = resolveConfigPath(loaded, settings.mpd.musicDir);
    const player = createMusicPlayerService({
      keymap: parseKeymap(settings.keymap).actions,
      interruption,
      chimeEnabled: settings.chime.enabled,
      publish: (text) => bus.publish(text),
      // Only our own mpd's music directory is ours to put demo tracks in; the system MPD's is left alone.
      ...(settings.mpd.spawn ? { musicDir, demo: { folder: DEMO_FOLDER, write: () => writeDemoTracks(musicDir) } } : {}),
      onProblem: () => heartbeat?.problemMayHaveChanged(),
      log,
    });
    const privateMpd = settings.mpd.spawn
      ? startOwnMpd(loaded, log.child("mpd"), (error) => {
          player.unreachable(error);
          heartbeat?.problemMayHaveChanged();
        })
      : undefined;
    const link = linkToMpd({
      address,
      log: log.child("mpd"),
      clock: systemClock,
      onChange: (subsystems) => player.changed(subsystems),
      onConnected: (connection) => {
        // Neither our mpd nor Debian's (auto_update off) looks for music added while it was not running: ask.
        connection.command("update").catch(() => undefined);
        player.connected(connection);
        // Connected is news even when no problem came or went (the first beat may have said "connecting").
        heartbeat?.beat();
      },
      onLost: (error) => {
        player.lost(error);
        heartbeat?.problemMayHaveChanged();
      },
      onUnreachable: (error) => {
        // The private mpd's own failure (not installed, cannot bind its port) explains an absent socket best.
        player.unreachable(privateMpd?.status().error ?? error.message);
        heartbeat?.problemMayHaveChanged();
      },
    });

    const listening = bus.subscribe(`${Topic.KEY}:`, `${Topic.ALARM}:`);
    void (async () => {
      for await (const message of listening) {
        try {
          const key = parseKey(message);
          const alarm = key ? null : alarmState(message);
          const chime = key || alarm ? null : alarmChime(message);
          if (key) player.key(key.name, key.hold);
          else if (alarm) player.alarm(alarm);
          else if (chime) player.chime(chime.zone);
          else if (message.topic !== Topic.ALARM)
            log.once("info", `ignored:${message.topic}`, "ignoring messages of a form it does not know", { example: message.text });
        } catch (error) {
          if (!(error instanceof MessageError)) throw error;
          log.once("warn", `malformed:${message.topic}`, "ignoring malformed messages", { reason: error.message });
        }
      }
    })();

    const status = (): Record<string, unknown> => {
      const own = privateMpd?.status();
      return { ...player.status(), mpd: { ...link.status(), ...(own ? { private: own } : {}) } };
    };

    /** What the launcher's status shows: why there is no music. */
    const problem = (): string | undefined => {
      const { state, error } = link.status();
      return state === "connected" ? (player.status().problem as string | undefined) : (privateMpd?.status().error ?? error);
    };
    heartbeat = startHeartbeat({
      bus,
      service: "music-player",
      intervalS: config.bus.heartbeatIntervalS,
      extra: () => ({ mpd: link.status().state }),
      problem,
    });
    const control = serveControl({
      bus,
      service: "music-player",
      log,
      status,
      // Anyone on the bus could send STOP: obeyed only with bus.acceptStop (the launcher stops services with signals).
      acceptStop: config.bus.acceptStop,
      requestStop,
      commands: { STATE: () => (player.republish(), undefined), ...musicCommands(player) },
    });
    // Catch up: the alarm's state (a siren already due).
    bus.publish(controlMessage("alarm", "STATE")).catch((error: unknown) => log.warn("cannot ask for the alarm's state", { error }));

    return {
      async stop() {
        listening.close();
        control.stop();
        heartbeat?.stop();
        await Promise.race([player.settled(), new Promise((resolve) => setTimeout(resolve, 1000))]);
        link.stop();
        await privateMpd?.stop();
        await bus.close();
      },
    };
  },
  { stopTimeoutMs: 6000 },
);

function startOwnMpd(loaded: LoadedConfig, log: Logger, onFailure: (error: string) => void): ReturnType<typeof startPrivateMpd> {
  const { mpd } = loaded.config.music;
  return startPrivateMpd({
    binary: mpd.binary,
    musicDir: resolveConfigPath(loaded, mpd.musicDir),
    stateDir: resolveConfigPath(loaded, mpd.stateDir),
    host: mpd.host,
    port: mpd.port,
    output: audioOutputFor(mpd.audioOutput, loaded.config.hardware.backend, readBoard()),
    alsaDevice: mpd.alsaDevice,
    log,
    clock: systemClock,
    onFailure,
  });
}
