// Test helpers: an MQTT client of the test's own that records what arrives, and a logger that keeps its lines.
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { createLogger, type Logger } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";

export interface SeenMessage {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

export interface MqttWatcher {
  client: MqttClient;
  seen: SeenMessage[];
  /** The first message (already seen or coming) on `topic` with `payload`. */
  waitFor(topic: string, payload: string, timeoutMs?: number): Promise<SeenMessage>;
  close(): Promise<void>;
}

/** Connects to `url`, subscribes to `filters` and records every message. The caller closes it. */
export async function watchMqtt(url: string, filters: string[], options: IClientOptions = {}): Promise<MqttWatcher> {
  const client = await connectAsync(url, {
    reconnectPeriod: 0,
    clientId: `test-watcher-${process.pid}-${Math.random().toString(36).slice(2)}`,
    ...options,
  });
  const seen: SeenMessage[] = [];
  client.on("message", (topic, payload, packet) =>
    seen.push({ topic, payload: payload.toString(), retain: packet.retain, at: Date.now() }),
  );
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    seen,
    waitFor: (topic, payload, timeoutMs = 5000) =>
      waitUntil(() => seen.find((message) => message.topic === topic && message.payload === payload), {
        what: `${payload} on ${topic} (seen: ${JSON.stringify(seen.slice(-5))})`,
        timeoutMs,
        intervalMs: 5,
      }),
    close: () => client.endAsync(true),
  };
}

/** A JSON logger whose lines are kept in `lines` (and not printed). */
export function keptLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    service: "mqtt-bridge",
    level: "debug",
    format: "json",
    stream: { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) },
  });
  return { log, lines };
}
