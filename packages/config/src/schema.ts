import { z } from "zod";

/**
 * The schema of roomguard's config file: one section per concern, a description and a
 * default on every key, unknown keys refused (they are usually typos).
 *
 * docs/configuration.md is generated from the descriptions here; keep them short and
 * say the unit.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** `tcp://host:port` or `ipc://path`; `*` as the port asks for a free one (tests). */
const endpoint = z
  .string()
  .regex(/^(tcp:\/\/[^\s:/]+:(\*|\d{1,5})|ipc:\/\/\S+)$/, "a ZeroMQ endpoint such as tcp://127.0.0.1:5556 or ipc:///run/roomguard/in");

const busSection = z
  .strictObject({
    in: endpoint.default("tcp://127.0.0.1:5556").describe("Where publishers send: the router binds it, services connect to it."),
    out: endpoint.default("tcp://127.0.0.1:5555").describe("Where subscribers listen: the router binds it, services connect to it."),
    allowRemote: z
      .boolean()
      .default(false)
      .describe("Allow `in`/`out` on an address other than loopback. Anyone on that network can then publish and subscribe."),
    maxMessageSize: z
      .int()
      .min(64)
      .max(16 * MiB)
      .default(64 * KiB)
      .describe("Largest message in bytes. Clients refuse to send more; the router cuts a publisher that does."),
    heartbeatIntervalS: z.number().min(0.1).max(3600).default(5).describe("Seconds between `HEARTBEAT:` messages of every service."),
  })
  .describe("The message bus: the router's two endpoints and the rules every client follows.");

const journalSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Record every forwarded message."),
    dir: z.string().min(1).default("var/journal").describe("Directory of the journal segments; relative to the config file's directory."),
    flushIntervalMs: z
      .int()
      .min(10)
      .max(1000)
      .default(200)
      .describe("Milliseconds between writes of buffered journal data to disk (at most a second)."),
    segmentBytes: z
      .int()
      .min(64 * KiB)
      .max(1024 * MiB)
      .default(8 * MiB)
      .describe("A journal segment is closed and a new one started past this many bytes."),
    maxBytes: z
      .int()
      .min(128 * KiB)
      .max(64 * 1024 * MiB)
      .default(64 * MiB)
      .describe("The oldest segments are deleted while the journal is larger than this many bytes."),
  })
  .describe("The router's journal of forwarded messages.");

const routerSection = z
  .strictObject({
    acceptDeath: z
      .boolean()
      .default(false)
      .describe(
        "Stop the router on lala-pi's `DEATH` message (or `CONTROL: router STOP`). Off: any client could switch the appliance off.",
      ),
    statsIntervalS: z.number().min(0.1).max(3600).default(5).describe("Seconds between `ROUTER: stats` messages and stats log lines."),
    subscriberQueue: z
      .int()
      .min(100)
      .max(10_000_000)
      .default(100_000)
      .describe("Messages queued for each subscriber before the router drops that subscriber's messages (ZeroMQ's send high-water mark)."),
    publisherQueue: z
      .int()
      .min(100)
      .max(10_000_000)
      .default(100_000)
      .describe("Messages read ahead from each publisher (ZeroMQ's receive high-water mark)."),
    journalQueue: z
      .int()
      .min(1000)
      .max(10_000_000)
      .default(200_000)
      .describe("Messages queued for the journal while the disk is busy, before journal entries are lost."),
    journal: journalSection.prefault({}),
  })
  .describe("The router process.");

const logSection = z
  .strictObject({
    level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Least important level that is written."),
    format: z
      .enum(["auto", "json", "pretty"])
      .default("auto")
      .describe("`json`: one JSON object a line (journald). `pretty`: for people. `auto`: pretty on a terminal."),
  })
  .describe("Logging of every process.");

export const configSchema = z
  .strictObject({
    bus: busSection.prefault({}),
    router: routerSection.prefault({}),
    log: logSection.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.router.journal.maxBytes < 2 * config.router.journal.segmentBytes) {
      ctx.addIssue({
        code: "custom",
        path: ["router", "journal", "maxBytes"],
        message: `expected at least twice router.journal.segmentBytes (${2 * config.router.journal.segmentBytes}), got ${config.router.journal.maxBytes}`,
      });
    }
    if (!config.bus.allowRemote) {
      for (const key of ["in", "out"] as const) {
        if (!isLoopbackEndpoint(config.bus[key])) {
          ctx.addIssue({
            code: "custom",
            path: ["bus", key],
            message: `expected a loopback or ipc endpoint unless bus.allowRemote is true, got "${config.bus[key]}"`,
          });
        }
      }
    }
  });

/** The validated config every process receives. */
export type RoomguardConfig = z.output<typeof configSchema>;

function isLoopbackEndpoint(endpoint: string): boolean {
  if (endpoint.startsWith("ipc://")) return true;
  const host = /^tcp:\/\/([^:/]+):/.exec(endpoint)?.[1] ?? "";
  return host === "localhost" || host.startsWith("127.");
}
