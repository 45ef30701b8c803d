import { DEVICE_KINDS, type DeviceCounts, type DeviceKind } from "./zmq-device.js";

const FORWARD_NAME = { queue: "requests", forwarder: "messages", streamer: "messages" } as const;

/**
 * A device's counts as one line: `requests 120 (12/s), replies 120 (12/s); peers: front 3, back 1`,
 * rates since `previous` (`elapsedMs` before), refusals only once there are some.
 */
export function describeCounts(kind: DeviceKind, counts: DeviceCounts, previous?: DeviceCounts, elapsedMs = 0): string {
  const rate = (now: number, before: number | undefined): string =>
    before === undefined || elapsedMs <= 0 ? "" : ` (${Math.round(((now - before) * 1000) / elapsedMs).toLocaleString("en-US")}/s)`;
  const parts: string[] = [];
  if (counts.forward === undefined) {
    parts.push("messages not counted (--native)");
  } else {
    const flows = [`${FORWARD_NAME[kind]} ${counts.forward.toLocaleString("en-US")}${rate(counts.forward, previous?.forward)}`];
    const replies = DEVICE_KINDS[kind].replies;
    if (replies !== undefined && counts.backward !== undefined) {
      flows.push(`${replies} ${counts.backward.toLocaleString("en-US")}${rate(counts.backward, previous?.backward)}`);
    }
    parts.push(flows.join(", "));
  }
  parts.push(`peers: front ${counts.peers.front}, back ${counts.peers.back}`);
  const refused = (["front", "back"] as const).filter((side) => counts.refused[side] > 0);
  if (refused.length > 0) parts.push(`refused: ${refused.map((side) => `${side} ${counts.refused[side]}`).join(", ")}`);
  return parts.join("; ");
}
