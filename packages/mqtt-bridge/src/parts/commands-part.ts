import { request } from "@roomguard/bus";
import type { BridgePart } from "../bridge-process.js";
import { MqttCommands } from "../commands.js";
import { publishTo } from "./publish-to.js";

/** Commands from MQTT (commands.ts): the alarm's through its request socket (codes go only there), music's over the bus. */
export const commandsPart: BridgePart = {
  name: "commands",
  start({ config, link, bus, clock, log, baseTopic }) {
    const commands = new MqttCommands({
      baseTopic,
      alarm: (command, args) => request(config.alarm.requests, command, args, { timeoutMs: 10_000, service: "the alarm" }),
      publishBus: (text) => bus.publish(text),
      publish: publishTo(link),
      clock,
      log,
    });
    const unsubscribe = commands.subscriptions.map((filter) =>
      link.subscribe(filter, (topic, payload, meta) => void commands.take(topic, payload, meta.retained)),
    );
    return {
      async stop() {
        for (const stop of unsubscribe) stop();
        await commands.idle();
      },
      stats: () => Object.fromEntries(commands.counts),
    };
  },
};
