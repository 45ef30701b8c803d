import { existsSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { hostname, networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { BusClient, serveControl, startHeartbeat } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { systemClock, type RunningService, type ServiceContext } from "@roomguard/runtime";
import { webConfigIssues } from "./check-config.js";
import { allowedHostNames } from "./host-check.js";
import { createDashboardServer, listenOn } from "./http-server.js";
import { isLoopbackHost, parseListenAddress } from "./listen-address.js";
import { LoginLimiter } from "./login-limiter.js";
import { loginRoutes } from "./login-routes.js";
import { createPasswordCheck } from "./passwords.js";
import { createWebService } from "./service.js";
import { openSessionFile } from "./session-file.js";
import { SessionStore } from "./sessions.js";
import { checkTlsPair, expiryProblem } from "./tls-pair.js";
import { loadStaticDirectory, staticRoutes } from "./static-files.js";
import { createUpgradeHandler } from "./upgrade.js";

/** The compiled page (packages/web/page → dist/page), beside this file's dist/src. */
const PAGE_DIR = fileURLToPath(new URL("../page/", import.meta.url));

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
  const service = createWebService({ log, insecure, isSessionLive: (hash) => sessions.isLive(hash, { touch: true }) });
  const upgrade = createUpgradeHandler({
    sessions,
    tls: tls !== undefined,
    allowedHosts,
    maxClients: web.clients.max,
    onClient: (socket, who, sessionHash) => service.onClient(socket, who, sessionHash),
  });
  const server: Server = createDashboardServer({
    ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    allowedHosts,
    routes: {
      // The page is built by its own tsconfig; until it exists the API alone is served.
      ...(existsSync(PAGE_DIR) ? staticRoutes(loadStaticDirectory(PAGE_DIR)) : {}),
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

  const bus = new BusClient({ in: config.bus.in, out: config.bus.out, maxMessageSize: config.bus.maxMessageSize, log: log.child("bus") });
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
    status: () => ({ url, clients: service.clients(), sessions: sessions.size, insecure }),
    acceptStop: config.bus.acceptStop,
    requestStop,
  });

  return {
    async stop() {
      control.stop();
      heartbeat.stop();
      clearInterval(saver);
      server.close();
      await service.stop();
      server.closeAllConnections();
      saveSessions();
      await bus.close();
    },
  };
}
