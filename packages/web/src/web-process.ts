import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { hostname, networkInterfaces } from "node:os";
import { busClientFor, controlMessage, request, sensorSignal, serveControl, startHeartbeat, Topic } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { isSimulatedHardware } from "@roomguard/hal";
import { systemClock, type RunningService, type ServiceContext } from "@roomguard/runtime";
import { webConfigIssues } from "./check-config.js";
import { allowedHostNames } from "./host-check.js";
import { createDashboardServer, listenOn } from "./http-server.js";
import { isLoopbackHost, parseListenAddress } from "./listen-address.js";
import { LoginLimiter } from "./login-limiter.js";
import { loginRoutes } from "./login-routes.js";
import { createPasswordCheck } from "./passwords.js";
import { ControlAsker } from "./control-asker.js";
import { DASHBOARD_TOPICS } from "./dashboard-state.js";
import { watchLauncherStatus } from "./launcher-status.js";
import { searchJournal } from "./journal-search.js";
import { pageFiles } from "./page-files.js";
import { backfillSensorHistory, SensorHistory } from "./sensor-history.js";
import { createWebService } from "./service.js";
import { openSessionFile } from "./session-file.js";
import { SessionStore } from "./sessions.js";
import { checkTlsPair, expiryProblem } from "./tls-pair.js";
import { staticRoutes } from "./static-files.js";
import { createUpgradeHandler } from "./upgrade.js";

/** How often the sessions' last use is written, when it changed (a login or logout writes at once). */
const SESSION_SAVE_MS = 60_000;

/** Starts the dashboard in this process (main.ts's runService calls it). */
export async function startWeb({ loaded, config, log, requestStop }: ServiceContext): Promise<RunningService> {
  const issues = webConfigIssues(loaded);
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);
  const { web } = config;
  const listen = parseListenAddress(web.listen);
  const tls =
    web.tls.cert !== null && web.tls.key !== null
      ? checkTlsPair(readFileSync(resolveConfigPath(loaded, web.tls.cert)), readFileSync(resolveConfigPath(loaded, web.tls.key)))
      : undefined;
  const certificateProblem = () => (tls === undefined ? undefined : expiryProblem(tls.notAfterMs, systemClock.now()));
  const expiring = certificateProblem();
  if (expiring !== undefined) log.warn(expiring);
  const insecure = tls === undefined && !isLoopbackHost(listen.host);
  if (insecure) log.warn(`serving plain HTTP on ${web.listen} (web.insecure): passwords and session cookies cross the network readable`);
  if (web.users.length === 0) log.warn("no users: nobody can log in; `roomguard web add-user NAME --role ROLE` adds one");

  const sessionFile = openSessionFile(resolveConfigPath(loaded, web.stateDir), log.child("sessions"));
  const sessions = new SessionStore(web.session, web.users, systemClock, sessionFile.load());
  const saveSessions = (): void => {
    try {
      sessionFile.save(sessions.records());
    } catch (error) {
      log.error("cannot store the sessions: a restart will log everyone out", { error });
    }
  };
  // A page open past its session's end is closed within this minute (a logout closes at once).
  const saver = setInterval(() => {
    saveSessions();
    service.closeEndedSessions();
  }, SESSION_SAVE_MS);
  saver.unref();

  const machine = {
    hostname: hostname(),
    addresses: Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address)),
  };
  const allowedHosts = allowedHostNames(machine, web.hostnames);
  const journalDir = resolveConfigPath(loaded, config.router.journal.dir);
  const history = new SensorHistory();
  const alarmEndpoint = config.alarm.requests;
  const bus = busClientFor(loaded, { log: log.child("bus") });
  const music = new ControlAsker(bus, "music-player");
  const sim = isSimulatedHardware(config.hardware.backend);
  const service = createWebService({
    log,
    insecure,
    sim,
    zones: config.alarm.zones.map((zone) => ({ name: zone.name ?? zone.sensor, sensor: zone.sensor, type: zone.type })),
    sensorIds: config.sensors.map((sensor) => sensor.id),
    stallMs: web.clients.stallS * 1000,
    batchMs: web.clients.sensorFlushMs,
    isSessionLive: (hash) => sessions.isLive(hash, { touch: true }),
    backends: {
      alarm: (command, args) => request(alarmEndpoint, command, args, { timeoutMs: 10_000, service: "the alarm" }),
      music: (command, args) => music.ask(command, args),
      sim: (text) => bus.publish(text),
      history: (sensor, quantity) => history.points(sensor, quantity, Date.now()),
      journal: (args) => searchJournal(journalDir, args),
    },
  });
  const launcherStatus = watchLauncherStatus({
    endpoint: config.launcher.control,
    intervalMs: config.bus.heartbeatIntervalS * 1000,
    wanted: () => service.clients() > 0,
    onStatus: (section) => service.setServices(section),
  });
  const upgrade = createUpgradeHandler({
    sessions,
    tls: tls !== undefined,
    allowedHosts,
    maxClients: web.clients.max,
    onClient: (socket, who, sessionHash) => {
      service.onClient(socket, who, sessionHash);
      launcherStatus.refresh();
    },
  });
  const page = pageFiles();
  const server: Server = createDashboardServer({
    ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    allowedHosts,
    inlineScripts: page.inlineScripts,
    routes: {
      ...staticRoutes(page.files),
      ...loginRoutes({
        sessions,
        checkPassword: await createPasswordCheck(web.users),
        limiter: new LoginLimiter(web.login, systemClock),
        tls: tls !== undefined,
        log: log.child("login"),
        onSessionsChanged: () => {
          saveSessions();
          service.closeEndedSessions();
        },
      }),
    },
    upgrade,
    log,
  });
  const address = await listenOn(server, listen);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${tls === undefined ? "http" : "https"}://${host}:${address.port}/`;
  log.info(`the dashboard is at ${url}`, { url });

  // The dashboard's own subscriptions are what the journal keeps for the charts: SENSOR: all the time.
  // The alarm's messages have a queue of their own, so a flood of readings never pushes one out.
  const feeds = [bus.subscribe(`${Topic.ALARM}:`), bus.subscribe(...DASHBOARD_TOPICS.filter((topic) => topic !== `${Topic.ALARM}:`))];
  for (const feed of feeds)
    void (async () => {
      for await (const message of feed) {
        service.take(message);
        const signal = sensorSignal(message);
        if (signal?.kind === "reading") history.add(signal.sensor, signal.values, Date.now());
      }
    })();
  // The last 24 h of readings from the journal, in the background (seconds on a Pi): up to the
  // moment the live feed above began, so no reading counts twice.
  const backfill = backfillSensorHistory(history, journalDir, Date.now(), log.child("history")).catch((error: unknown) =>
    log.warn("cannot read the sensors' history from the journal: the charts start now", { error }),
  );
  void bus.waitForRouter().then(
    async () => {
      // What happened before we listened: every service repeats its state when asked.
      for (const target of ["alarm", "sensors", "music-player"]) await bus.publish(controlMessage(target, "STATE"));
    },
    (error: unknown) => log.warn("the router is not there yet: the page fills in as messages come", { error }),
  );
  const heartbeat = startHeartbeat({
    bus,
    service: "web",
    intervalS: config.bus.heartbeatIntervalS,
    extra: () => ({ clients: service.clients() }),
    problem: () => (insecure ? `plain HTTP on ${web.listen}: passwords cross the network readable` : certificateProblem()),
  });
  const control = serveControl({
    bus,
    service: "web",
    log,
    status: () => ({ url, sessions: sessions.size, insecure, sim, ...service.stats(), history: history.stats }),
    acceptStop: config.bus.acceptStop,
    requestStop,
  });

  return {
    async stop() {
      control.stop();
      heartbeat.stop();
      launcherStatus.stop();
      for (const feed of feeds) feed.close();
      await backfill;
      music.close();
      clearInterval(saver);
      server.close();
      await service.stop();
      server.closeAllConnections();
      saveSessions();
      await bus.close();
    },
  };
}
