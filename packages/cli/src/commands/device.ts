import { parseArgs } from "node:util";
import { AllowList, KeyFileError, keysDirOf, needsCurve, routerServerKeys, type AllowListChange } from "@roomguard/bus";
import { ExitCode } from "@roomguard/runtime";
import type { Command, CommandContext } from "../command.js";
import { describeCounts } from "../device-counts.js";
import { clockTime } from "../output.js";
import { startStatusLine } from "../status-line.js";
import { UsageError } from "../usage-error.js";
import { DEVICE_KINDS, openDevice, type DeviceCounts, type DeviceKind, type DeviceOptions, type DeviceSide } from "../zmq-device.js";

const ENDPOINT = /^(tcp:\/\/([^\s:/[\]]+|\[[^\]\s]+\]):(\*|\d{1,5})|ipc:\/\/\S+)$/;
const CURVE_CHOICES = { front: ["front"], back: ["back"], both: ["front", "back"] } as const satisfies Record<string, DeviceSide[]>;

export const deviceCommand: Command = {
  summary: "run a ZeroMQ device: queue (REQ/REP), forwarder (PUB/SUB), streamer (PUSH/PULL)",
  usage: `roomguard device queue|forwarder|streamer FRONT BACK [--curve front|back|both]
                 [--native] [--interval S] [--quiet] [--config FILE]

Binds FRONT and BACK (tcp://HOST:PORT or ipc://PATH) and passes messages between
them; every client connects to one of them:
  queue      request-reply  REQ clients connect to FRONT, REP workers to BACK
                            (ROUTER/DEALER: requests spread over the workers)
  forwarder  pub-sub        publishers connect to FRONT, subscribers to BACK
                            (XSUB/XPUB: subscriptions travel to the publishers)
  streamer   pipeline       PUSH senders connect to FRONT, PULL workers to BACK
                            (PULL/PUSH: messages spread over the workers)

Counts (messages each way, connected peers, refused handshakes) are shown on one
line on a terminal, once a second; otherwise a line every --interval seconds
(default 10). --quiet shows none. Ctrl-C or SIGTERM stops it with a final count.

--curve SIDE  FRONT, BACK or both bind as CURVE servers with the router's key
              pair from bus.keys and let in only this host's key and the keys in
              bus.keys/allowed/ (roomguard keys allow); changes apply at once. An
              endpoint that is not loopback or ipc must be CURVE.
--native      libzmq's own proxy in a native thread: 20-30 times less CPU a
              message, but messages are not counted (peers are).

  roomguard device forwarder tcp://0.0.0.0:5560 ipc:///tmp/out --curve front
  roomguard device queue ipc:///tmp/clients ipc:///tmp/workers`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        curve: { type: "string" },
        native: { type: "boolean" },
        interval: { type: "string", default: "10" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
    const [kind, front, back, ...extra] = positionals;
    if (kind === undefined || !Object.hasOwn(DEVICE_KINDS, kind)) {
      throw new UsageError(`expected a device: queue, forwarder or streamer, got ${kind === undefined ? "nothing" : `"${kind}"`}`);
    }
    const deviceKind = kind as DeviceKind;
    if (front === undefined || back === undefined || extra.length > 0) {
      throw new UsageError(`expected two endpoints, FRONT and BACK, got ${positionals.length - 1}`);
    }
    for (const [side, endpoint] of [
      ["FRONT", front],
      ["BACK", back],
    ] as const) {
      if (!ENDPOINT.test(endpoint)) throw new UsageError(`${side}: expected tcp://HOST:PORT or ipc://PATH, got "${endpoint}"`);
    }
    if (front === back) throw new UsageError(`FRONT and BACK must differ, got ${front} for both`);
    const intervalS = Number(values.interval);
    if (!Number.isFinite(intervalS) || intervalS <= 0)
      throw new UsageError(`--interval: expected seconds greater than 0, got "${values.interval}"`);
    const curveSides = curveSidesOf(values.curve);
    for (const [side, endpoint] of [
      ["front", front],
      ["back", back],
    ] as const) {
      if (needsCurve(endpoint) && !curveSides.includes(side)) {
        throw new UsageError(
          `${side.toUpperCase()} ${endpoint} is not loopback or ipc: it must be CURVE (--curve ${curveSides.length > 0 ? "both" : side}), so that only allowed keys get in`,
        );
      }
    }

    let allowList: AllowList | undefined;
    let curve: DeviceOptions["curve"];
    if (curveSides.length > 0) {
      const keysDir = keysDirOf(context.loadConfig(values.config, { needs: ["bus.keys"] }));
      try {
        const keys = routerServerKeys(keysDir);
        const followed = new AllowList(keysDir, (error) => context.output.err(`roomguard device: warning: ${error.message}`));
        allowList = followed;
        curve = { sides: curveSides, keys, admit: (publicKey) => followed.admit(publicKey) };
      } catch (error) {
        if (!(error instanceof KeyFileError)) throw error;
        context.output.err(`roomguard device: ${error.message}`);
        return ExitCode.config;
      }
    }
    try {
      return await runDevice(deviceKind, { front, back, curve, native: values.native === true }, allowList, {
        intervalMs: intervalS * 1000,
        quiet: values.quiet === true,
        context,
      });
    } finally {
      allowList?.close();
    }
  },
};

function curveSidesOf(value: string | undefined): readonly DeviceSide[] {
  if (value === undefined) return [];
  if (!Object.hasOwn(CURVE_CHOICES, value)) throw new UsageError(`--curve: expected front, back or both, got "${value}"`);
  return CURVE_CHOICES[value as keyof typeof CURVE_CHOICES];
}

interface Reporting {
  intervalMs: number;
  quiet: boolean;
  context: CommandContext;
}

async function runDevice(
  kind: DeviceKind,
  options: Omit<DeviceOptions, "kind" | "onRefused">,
  allowList: AllowList | undefined,
  { intervalMs, quiet, context }: Reporting,
): Promise<number> {
  const { output } = context;
  const refusals = new Set<string>();
  const device = await openDevice({
    kind,
    ...options,
    onRefused({ address, fingerprint }) {
      // Once per address and key: a refused client retries every few hundred milliseconds.
      const key = `${address} ${fingerprint}`;
      if (refusals.has(key)) return;
      refusals.add(key);
      output.err(`# refused a CURVE client at ${address}: key ${fingerprint} is not on the allow-list`);
    },
  });
  const curveSides = new Set(options.curve?.sides ?? []);
  allowList?.follow((change: AllowListChange) => {
    if (change.added.length > 0) output.err(`# allowed now: ${change.added.join(", ")}`);
    if (change.revoked.length === 0) return;
    output.err(`# revoked: ${change.revoked.join(", ")}; closing the CURVE connections, allowed clients reconnect`);
    for (const side of curveSides) {
      device
        .rebind(side)
        .catch((error: unknown) => output.err(`# cannot listen again on ${device.endpoints[side]}: ${(error as Error).message}`));
    }
  });
  const describe = DEVICE_KINDS[kind];
  const where = (side: DeviceSide): string => `${device.endpoints[side]}${curveSides.has(side) ? " (CURVE)" : ""}`;
  output.err(
    `# ${kind} (${describe.pattern}): ${describe.front} connect to ${where("front")}, ${describe.back} to ${where("back")}` +
      `${options.native ? ", libzmq's proxy (messages not counted)" : ""} (Ctrl-C stops)`,
  );

  const startedAt = Date.now();
  let previous: DeviceCounts | undefined;
  const status = quiet
    ? undefined
    : startStatusLine({
        stream: process.stdout,
        intervalMs,
        stamp: () => clockTime(Date.now()),
        render(elapsedMs) {
          const counts = device.counts();
          const line = describeCounts(kind, counts, previous, elapsedMs);
          previous = counts;
          return line;
        },
      });
  const stopped = new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    context.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  let failure: unknown;
  await Promise.race([stopped, device.done.catch((error: unknown) => (failure = error ?? new Error("the device failed")))]);
  await device.close();
  status?.stop();
  if (failure !== undefined) {
    output.err(`roomguard device: ${(failure as Error).message}`);
    return ExitCode.failure;
  }
  if (!quiet) output.out(`stopped after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${describeCounts(kind, device.counts())}`);
  return ExitCode.ok;
}
