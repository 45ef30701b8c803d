import { readFileSync } from "node:fs";
import path from "node:path";
import { findServices, installationRoot } from "@roomguard/registry";
import { loadInstalledSensors } from "@roomguard/sensor-kit";
import type { BridgePart } from "../bridge-process.js";
import { defaultNodeId, discoveryMessages, discoveryTopicFilter, staleDiscoveryTopics } from "../discovery.js";

/** How long the retained configs of this node already on the broker take to arrive after subscribing. */
const RETAINED_WAIT_MS = 1000;

/**
 * Home Assistant discovery (discovery.ts): at each (re)connect and when Home Assistant comes back
 * `online`, this node's retained configs already on the broker are read, every current one is
 * published, and the ones for entities the config no longer has are cleared (an empty retained
 * message removes the entity). The sensors' declarations come from the sensor packages the
 * sensor reader has installed, so no table of kinds lives here.
 */
export const discoveryPart: BridgePart = {
  name: "discovery",
  async start({ config, link, log, hostname }) {
    const { homeassistant } = config.mqtt;
    if (!homeassistant.enabled) return { stop: () => undefined };
    const sensors = findServices().find((service) => service.name === "sensors");
    const catalog = sensors === undefined ? undefined : await loadInstalledSensors(path.join(sensors.dir, "package.json"));
    const { version } = JSON.parse(readFileSync(path.join(installationRoot(), "packages", "cli", "package.json"), "utf8")) as {
      version?: string;
    };
    const nodeId = homeassistant.nodeId ?? defaultNodeId(hostname);
    const owner = { prefix: homeassistant.prefix, nodeId };
    const messages = discoveryMessages({
      config,
      nodeId,
      hostname,
      swVersion: version ?? "0.0.0",
      declarationOf: (kind) => catalog?.resolve(kind),
    });
    let published = 0;
    let cleared = 0;
    const announce = async (): Promise<void> => {
      const seen = new Set<string>();
      const stopSeeing = link.subscribe(discoveryTopicFilter(homeassistant.prefix, nodeId), (topic, payload, meta) => {
        if (meta.retained && payload.length > 0) seen.add(topic);
      });
      await new Promise((resolve) => setTimeout(resolve, RETAINED_WAIT_MS));
      stopSeeing();
      for (const message of messages)
        if (await link.publish(message.topic, JSON.stringify(message.payload), { retain: true, qos: 1 })) published++;
      for (const topic of staleDiscoveryTopics(
        seen,
        messages.map((message) => message.topic),
        owner,
      )) {
        log.info("removing an entity the config no longer has", { topic });
        if (await link.publish(topic, "", { retain: true, qos: 1 })) cleared++;
      }
    };
    const run = (): void => void announce().catch((error: unknown) => log.warn("cannot publish the discovery messages", { error }));
    const stopOnConnect = link.onConnect(run);
    const stopStatus = link.subscribe(`${homeassistant.prefix}/status`, (_topic, payload) => {
      if (payload.toString("utf8").trim() === "online") run();
    });
    return {
      stop() {
        stopOnConnect();
        stopStatus();
      },
      stats: () => ({ entities: messages.length, published, cleared, nodeId }),
    };
  },
};
