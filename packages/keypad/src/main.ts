// The keypad process: `node dist/src/main.js [--config FILE]`.
import { BusClient, parseSim, serveControl, startHeartbeat, Topic } from "@roomguard/bus";
import { ConfigError } from "@roomguard/config";
import { openHal } from "@roomguard/hal";
import { isSimHal } from "@roomguard/hal/sim";
import { runService, systemClock } from "@roomguard/runtime";
import { keypadConfigIssues } from "./check-config.js";
import { createKeypadService } from "./service.js";
import { createSimulator } from "./simulate.js";

await runService("keypad", async ({ loaded, config, log, requestStop }) => {
  const issues = keypadConfigIssues(config);
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);

  const hal = openHal(config.hardware, { log: log.child("hal"), prefer: config.keypad.mode === "matrix" ? "scanning" : "interrupts" });
  const bus = new BusClient({ in: config.bus.in, out: config.bus.out, maxMessageSize: config.bus.maxMessageSize, log: log.child("bus") });
  const keypad = createKeypadService({ keypad: config.keypad, hal, publish: (text) => bus.publish(text), log });
  try {
    keypad.start();
  } catch (error) {
    hal.close();
    await bus.close();
    throw error;
  }
  const heartbeat = startHeartbeat({
    bus,
    service: "keypad",
    intervalS: config.bus.heartbeatIntervalS,
    extra: () => ({ presses: keypad.status().presses }),
  });
  const control = serveControl({
    bus,
    service: "keypad",
    log,
    status: () => keypad.status(),
    stop: () => (requestStop("CONTROL: keypad STOP"), true),
  });

  // Simulated hardware takes its input from SIM: messages (roomguard sim press LEFT).
  const simMessages = isSimHal(hal) ? bus.subscribe(`${Topic.SIM}: `) : undefined;
  if (simMessages && isSimHal(hal)) {
    const simulate = createSimulator(hal, config.keypad, systemClock, log.child("sim"));
    void (async () => {
      for await (const message of simMessages) {
        try {
          simulate(parseSim(message));
        } catch (error) {
          log.once("warn", "sim:malformed", "ignoring malformed SIM messages", {
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      }
    })();
  }
  bus.waitForRouter(10_000).catch((error: unknown) => log.warn("the router is not reachable yet; keys are dropped until it is", { error }));

  return {
    async stop() {
      simMessages?.close();
      control.stop();
      heartbeat.stop();
      keypad.stop();
      hal.close();
      await bus.close();
    },
  };
});
