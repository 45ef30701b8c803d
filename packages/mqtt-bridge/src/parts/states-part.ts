import { controlMessage } from "@roomguard/bus";
import { findServices } from "@roomguard/registry";
import type { BridgePart } from "../bridge-process.js";
import { HaStates, STATE_BUS_TOPICS } from "../ha-states.js";
import { publishTo } from "./publish-to.js";

/**
 * The appliance's states on MQTT (ha-states.ts): fed from the bus, every retained state sent
 * again at each (re)connect and when Home Assistant says it is `online` again (it may have
 * restarted and lost them: zigbee2mqtt's lesson).
 */
export const statesPart: BridgePart = {
  name: "states",
  start({ config, link, bus, clock, log, baseTopic }) {
    const publish = publishTo(link);
    const states = new HaStates({
      baseTopic,
      zones: config.alarm.zones.map((zone) => ({ name: zone.name ?? zone.sensor, sensor: zone.sensor })),
      sensorIds: config.sensors.map((sensor) => sensor.id),
      services: findServices().map((service) => service.name),
      heartbeatIntervalS: config.bus.heartbeatIntervalS,
      clock,
      publish,
      log,
    });
    states.start();
    const feed = bus.subscribe(...STATE_BUS_TOPICS);
    void (async () => {
      for await (const message of feed) states.take(message);
    })();
    const republish = (): void => {
      for (const publication of states.republishAll()) publish(publication);
    };
    const stopOnConnect = link.onConnect(republish);
    const stopStatus = link.subscribe(`${config.mqtt.homeassistant.prefix}/status`, (_topic, payload) => {
      if (payload.toString("utf8").trim() === "online") republish();
    });
    // What happened before the bridge listened: each service repeats its state when asked.
    void bus.waitForRouter().then(
      async () => {
        for (const target of ["alarm", "sensors", "music-player"]) await bus.publish(controlMessage(target, "STATE"));
      },
      (error: unknown) => log.warn("the router is not there yet: states follow as messages come", { error }),
    );
    return {
      stop() {
        stopOnConnect();
        stopStatus();
        feed.close();
        states.stop();
      },
      stats: () => ({ ignored: Object.fromEntries(states.ignored) }),
    };
  },
};
