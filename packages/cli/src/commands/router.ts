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
  summary: "run the appliance (for now: the router)",
  usage: `roomguard start [--config FILE]

Runs roomguard in the foreground. Today that is the router alone; the keypad,
sensors, music player and alarm join as they are built. Watch the bus from
another terminal with: roomguard tap`,
  async run(argv, context) {
    if (process.stderr.isTTY) {
      context.output.err('# roomguard: starting the router. In another terminal: npx roomguard tap   |   npx roomguard send "KEY: LEFT"');
    }
    void argv;
    return runRouter();
  },
};
