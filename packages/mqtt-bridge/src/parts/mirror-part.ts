import type { BridgePart } from "../bridge-process.js";
import { BusMirror } from "../mirror.js";
import { publishTo } from "./publish-to.js";

/** The bus mirror for Node-RED and other tools (mirror.ts): `mqtt.mirror.topics` out, `mqtt.mirror.send` in. */
export const mirrorPart: BridgePart = {
  name: "mirror",
  start({ config, link, bus, log, baseTopic }) {
    const mirror = new BusMirror({
      baseTopic,
      topics: config.mqtt.mirror.topics,
      send: config.mqtt.mirror.send,
      maxMessageSize: config.bus.maxMessageSize,
      publish: publishTo(link),
      publishBus: (text) => bus.publish(text),
      log,
    });
    const feed = mirror.busPrefixes.length > 0 ? bus.subscribe(...mirror.busPrefixes) : undefined;
    if (feed)
      void (async () => {
        for await (const message of feed) mirror.take(message);
      })();
    const unsubscribe = mirror.subscriptions.map((filter) =>
      link.subscribe(filter, (_topic, payload, meta) => void mirror.send(payload, meta.retained)),
    );
    return {
      stop() {
        for (const stop of unsubscribe) stop();
        feed?.close();
      },
      stats: () => ({ mirrored: mirror.mirrored, sent: mirror.sent, refused: Object.fromEntries(mirror.refused) }),
    };
  },
};
