// The keypad process: `node dist/src/main.js [--config FILE]`.
import { busClientFor, request, serveControl, serveSim, startHeartbeat } from "@roomguard/bus";
import { ConfigError } from "@roomguard/config";
import { openHal } from "@roomguard/hal";
import { isSimHal } from "@roomguard/hal/sim";
import { ownIssues } from "@roomguard/registry";
import { runService, systemClock } from "@roomguard/runtime";
import { createKeypadService } from "./service.js";
import { createSimulator } from "./simulate.js";

await runService("keypad", async ({ loaded, config, log, requestStop }) => {
  // Its own part of the whole config: key names, and its pins in the plan of every service's.
  const issues = await ownIssues(loaded, "keypad");
  if (issues.length > 0) throw new ConfigError(issues, loaded.file);

  // A matrix (alone or beside buttons) wants rpio's fast register reads; rpio watches buttons too (by polling).
  // A USB keypad uses no GPIO.
  const prefer = config.keypad.mode === "buttons" || config.keypad.mode === "usb" ? "interrupts" : "scanning";
  const hal = openHal(config.hardware, { log: log.child("hal"), prefer });
  const bus = busClientFor(loaded, { log: log.child("bus") });
  // usb mode: a keypad unplugged or back is in a heartbeat at once (once the heartbeats run).
  let problemChanged = (): void => undefined;
  const keypad = createKeypadService({
    keypad: config.keypad,
    hal,
    publish: (text) => bus.publish(text),
    // Codes typed on the keypad go to the alarm's own socket, never on the bus (keypad.codeEntry).
    alarm: (command, args) => request(config.alarm.requests, command, args, { service: "alarm" }),
    log,
    onProblemChange: () => problemChanged(),
  });
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
    problem: () => keypad.problem(),
  });
  problemChanged = () => heartbeat.problemMayHaveChanged();
  const control = serveControl({
    bus,
    service: "keypad",
    log,
    status: () => keypad.status(),
    // Anyone on the bus could send STOP: obeyed only with bus.acceptStop (the launcher stops services with signals).
    acceptStop: config.bus.acceptStop,
    requestStop,
  });

  // Simulated hardware takes its input from SIM: messages (roomguard sim press LEFT).
  const sim = isSimHal(hal)
    ? serveSim({ bus, log, handle: createSimulator(hal, config.keypad, systemClock, log.child("sim")) })
    : undefined;
  bus.waitForRouter(10_000).catch((error: unknown) => log.warn("the router is not reachable yet; keys are dropped until it is", { error }));

  return {
    async stop() {
      sim?.stop();
      control.stop();
      heartbeat.stop();
      keypad.stop();
      hal.close();
      await bus.close();
    },
  };
});
