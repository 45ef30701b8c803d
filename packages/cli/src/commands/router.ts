import type { Command } from "../command.js";

/** Runs the router in this process: its main module reads `--config` from the command line. */
async function runRouter(): Promise<number> {
  await import("@roomguard/router/main");
  // The router's own lifecycle ends the process; until then, keep running.
  return new Promise<number>(() => undefined);
}

export const routerCommand: Command = {
  summary: "run the router",
  usage: `roomguard router [--config FILE]

Runs the bus router in the foreground: it binds bus.in (publishers) and bus.out
(subscribers), forwards every message, journals it and publishes ROUTER: stats.
Ctrl-C or SIGTERM stops it cleanly. Exit 78: the config is invalid.`,
  run: runRouter,
};

export const startCommand: Command = {
  summary: "run the whole appliance: the router and every service, supervised",
  usage: `roomguard start [--config FILE]

Runs the launcher in the foreground: it starts the router, then every service
in launcher.services (keypad, sensors, music-player), shows their output
prefixed with their names, restarts the ones that are lost and stops them all
on Ctrl-C or "quit". On a terminal it offers a prompt (type help); from another
terminal use roomguard ctl / roomguard status. Services keep running if the
launcher is killed; the next launcher adopts them. Exit 78: the config is invalid.`,
  async run() {
    await import("@roomguard/launcher/main");
    // The launcher's own lifecycle ends the process; until then, keep running.
    return new Promise<number>(() => undefined);
  },
};
