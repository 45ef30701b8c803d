// The sensor reader process: `node dist/src/main.js [--config FILE]`.
import { busClientFor, serveControl, serveSim, startHeartbeat, Topic } from "@roomguard/bus";
import { openHal } from "@roomguard/hal";
import { isSimHal } from "@roomguard/hal/sim";
import { ownIssues } from "@roomguard/registry";
import { runService } from "@roomguard/runtime";
import { busOutput } from "./bus-output.js";
import { loadInstalledSensors } from "./catalog.js";
import { createSensorsService } from "./service.js";

await runService("sensors", async ({ loaded, config, log, requestStop }) => {
  const catalog = await loadInstalledSensors();
  // The entries' pins in the plan of every service's: an entry whose pin is taken is refused, the others run.
  const hardwareIssues = await ownIssues(loaded, "sensors", { foundBy: "plan" });
  const hal = openHal(config.hardware, { log: log.child("hal"), prefer: "interrupts" });
  const bus = busClientFor(loaded, { log: log.child("bus") });
  // Readings taken before the router answers would be lost: wait for it (a while) first.
  await bus
    .waitForRouter(10_000)
    .catch((error: unknown) => log.warn("the router is not reachable yet; readings are dropped until it is", { error }));
  const sensors = createSensorsService({ config, catalog, hardwareIssues, hal, out: busOutput((text) => bus.publish(text), log), log });
  sensors.start();
  const heartbeat = startHeartbeat({
    bus,
    service: "sensors",
    intervalS: config.bus.heartbeatIntervalS,
    problem: () => sensors.problem(), // sensors refused by the config or failing
  });
  const control = serveControl({
    bus,
    service: "sensors",
    log,
    status: () => sensors.status(),
    // Anyone on the bus could send STOP: obeyed only with bus.acceptStop (the launcher stops services with signals).
    acceptStop: config.bus.acceptStop,
    requestStop,
    commands: { STATE: () => ({ republished: sensors.republish() }) },
  });

  // Simulated hardware takes `SIM: gpio <bcm> <0|1>` (a door opening, a PIR firing).
  const sim = isSimHal(hal)
    ? serveSim({
        bus,
        log,
        prefix: `${Topic.SIM}: gpio `,
        handle: (command) => command.command === "gpio" && hal.gpio.drive(command.pin, command.level),
      })
    : undefined;

  return {
    async stop() {
      sim?.stop();
      control.stop();
      heartbeat.stop();
      await sensors.stop();
      hal.close();
      await bus.close();
    },
  };
});
