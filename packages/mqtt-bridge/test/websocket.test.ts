// mqtt.url as ws://: the bridge speaks MQTT over a WebSocket. Debian's Mosquitto 2.0.11 cannot open
// a websockets listener here ("Unable to start any listening sockets"), so the test puts a
// WebSocket-to-TCP relay (the `mqtt` subprotocol, bytes passed through unchanged) in front of a
// real Mosquitto: the broker, the MQTT session and the bridge are all real, only the framing is relayed.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import { busRig, startServiceProcess, startTestMosquitto } from "@roomguard/testing";
import { watchMqtt } from "./mqtt-watcher.js";

const main = fileURLToPath(new URL("../src/main.js", import.meta.url));
const rig = await busRig();

/** A WebSocket server on 127.0.0.1 that relays each connection's bytes to the broker's TCP port. */
async function relay(brokerPort: number): Promise<{ url: string; connections: () => number; close(): void }> {
  let connections = 0;
  const server = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false),
  });
  server.on("connection", (socket: WebSocket) => {
    connections++;
    const tcp: Socket = connect(brokerPort, "127.0.0.1");
    socket.on("message", (data: Buffer) => tcp.write(data));
    tcp.on("data", (data) => socket.send(data));
    socket.on("close", () => tcp.destroy());
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.terminate());
  });
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/mqtt`, connections: () => connections, close: () => server.close() };
}

describe("the bridge over a WebSocket (ws://)", () => {
  it("connects, says online, and says offline before a clean exit", async () => {
    const mosquitto = await startTestMosquitto();
    after(() => mosquitto.stop());
    const ws = await relay(mosquitto.port);
    after(() => ws.close());
    const watcher = await watchMqtt(mosquitto.url, ["wsbridge/availability"]);
    after(() => watcher.close());
    const child = startServiceProcess({
      name: "mqtt-bridge",
      main,
      config: {
        bus: { ...rig.endpoints, heartbeatIntervalS: 0.2 },
        log: { level: "info", format: "json" },
        mqtt: { url: ws.url, clientId: `roomguard-ws-${process.pid}`, baseTopic: "wsbridge", homeassistant: { enabled: false } },
      },
    });
    after(() => child.stop("SIGKILL"));
    await watcher.waitFor("wsbridge/availability", "online", 15_000);
    assert.equal(ws.connections(), 1, "through the WebSocket");
    assert.equal(await child.stop(), 0);
    await watcher.waitFor("wsbridge/availability", "offline");
  });
});
