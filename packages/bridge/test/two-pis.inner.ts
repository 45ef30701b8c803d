// Issue 17's bridge end to end: two appliances' buses ("hall" and "bedroom"), each a real router
// bound on an address that is not loopback (10.99.0.1, 10.99.0.2) and so CURVE with its own keys,
// each with a bridge process to the other. Run by two-pis.test.ts inside a network namespace of
// its own, where those addresses exist (not a *.test.js: the suite does not run it directly). On the
// bedroom a real sensor reader with a simulated door; on the hall a real alarm with a zone of the
// bedroom's window. Attacks from the remote bus are tried too: garbage, oversize, a flood.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startServiceProcess, waitUntil } from "@roomguard/testing";
import { ADDRESS, allowEachOther, appliance, collect, HEARTBEAT_S, mainOf, publishUntil, stopAll, type Appliance } from "./rig.js";

const HALL_MAX_MESSAGE = 4096;
const RATE = 300;

/** What a STATUS: bridge answer holds of one remote. */
interface RemoteStats {
  connected: boolean;
  in: { passed: number; dropped: Record<string, number> };
  out: { passed: number; dropped: Record<string, number> };
}

describe("two Pis bridged", { timeout: 180_000 }, () => {
  let hall: Appliance;
  let bedroom: Appliance;
  let hallSeen: string[];
  let bedroomSeen: string[];

  /** The bridge's STATUS on that bus, asked with an id of its own. */
  async function bridgeStatus(on: Appliance, seen: string[], remote: string): Promise<RemoteStats> {
    const id = `q${Math.random().toString(36).slice(2)}`;
    const prefix = `STATUS: bridge {"id":"${id}"`;
    await publishUntil(
      on.client,
      `CONTROL: bridge STATUS {"id":"${id}"}`,
      seen,
      (text) => text.startsWith(prefix),
      `the bridge's STATUS on ${on.room}`,
    );
    const answer = JSON.parse(seen.find((text) => text.startsWith(prefix))!.slice("STATUS: bridge ".length)) as {
      remotes: Record<string, RemoteStats>;
    };
    return answer.remotes[remote]!;
  }

  after(stopAll);
  before(async () => {
    hall = await appliance("hall", ADDRESS.a, { maxMessageSize: HALL_MAX_MESSAGE });
    bedroom = await appliance("bedroom", ADDRESS.b);
    allowEachOther(hall, bedroom);
    hallSeen = collect(hall.client, "DOOR:", "SENSOR:", "MOTION:", "HEARTBEAT:", "ALARM:", "STATUS:");
    bedroomSeen = collect(bedroom.client, "DOOR:", "SENSOR:", "MOTION:", "HEARTBEAT:", "STATUS:");

    // The hall takes the bedroom's default topics and sends it its SENSOR: readings; the bedroom
    // takes the hall's doors, PIRs and heartbeats. Every topic goes both ways, each way once.
    const hallBridge = {
      room: "hall",
      maxMessagesPerS: RATE,
      remotes: [bedroom.asRemote({ to: ["SENSOR:"] })],
    };
    const hallConfig = {
      hardware: { backend: "sim" },
      bridge: hallBridge,
      alarm: {
        requests: `ipc://${hall.dir}/alarm.sock`,
        zones: [{ sensor: "bedroom/window", name: "bedroom-window", type: "24h" }],
      },
    };
    hall.service("alarm", hallConfig);
    hall.service("bridge", hallConfig);
    bedroom.service("sensors", { hardware: { backend: "sim" }, sensors: [{ id: "window", kind: "door", pin: 25 }] });
    bedroom.service("bridge", {
      bridge: { room: "bedroom", remotes: [hall.asRemote({ from: ["DOOR:", "MOTION:", "HEARTBEAT:"] })] },
    });
  });

  it("a door on the bedroom's Pi opens: the hall's alarm triggers (its zone bedroom/window)", async () => {
    await waitUntil(() => hallSeen.some((text) => text.startsWith("HEARTBEAT: bedroom/sensors ")), {
      what: "the bedroom's sensor reader's heartbeat on the hall's bus",
      timeoutMs: 30_000,
    });
    await publishUntil(
      bedroom.client,
      "SIM: gpio 25 1",
      hallSeen,
      (text) => text.startsWith("ALARM: triggered "),
      "ALARM: triggered on the hall",
    );
    assert.ok(hallSeen.includes("DOOR: bedroom/window open"));
    const triggered = hallSeen.find((text) => text.startsWith("ALARM: triggered "))!;
    assert.match(triggered, /"changed_by":"zone:bedroom-window"/);
  });

  it("both ways bridged: each message crosses once, none comes back, however long we watch", async () => {
    // Both links up: a probe each way.
    await publishUntil(hall.client, "DOOR: probe open", bedroomSeen, (text) => text === "DOOR: hall/probe open", "hall → bedroom");
    await publishUntil(bedroom.client, "DOOR: probe open", hallSeen, (text) => text === "DOOR: bedroom/probe open", "bedroom → hall");
    const N = 40;
    for (let i = 0; i < N; i++) {
      await hall.client.publish(`SENSOR: t${i} {"i":${i}}`);
      await hall.client.publish(`DOOR: a${i} open`);
      await bedroom.client.publish(`SENSOR: u${i} {"i":${i}}`);
      await bedroom.client.publish(`DOOR: b${i} open`);
    }
    const expected = {
      bedroom: [...range(N).map((i) => `SENSOR: hall/t${i} {"i":${i}}`), ...range(N).map((i) => `DOOR: hall/a${i} open`)],
      hall: [...range(N).map((i) => `SENSOR: bedroom/u${i} {"i":${i}}`), ...range(N).map((i) => `DOOR: bedroom/b${i} open`)],
    };
    await waitUntil(
      () => expected.hall.every((text) => hallSeen.includes(text)) && expected.bedroom.every((text) => bedroomSeen.includes(text)),
      {
        what: "every message on the other bus",
        timeoutMs: 20_000,
      },
    );
    // A loop would bring them again and again: watch two more seconds of traffic (heartbeats flow meanwhile).
    const watchUntil = Date.now() + 2000;
    await waitUntil(() => Date.now() >= watchUntil, { what: "two seconds of traffic", timeoutMs: 5000, intervalMs: 100 });
    const count = (seen: string[], text: string) => seen.filter((other) => other === text).length;
    for (const text of expected.hall) assert.equal(count(hallSeen, text), 1, text);
    for (const text of expected.bedroom) assert.equal(count(bedroomSeen, text), 1, text);
    for (const text of [...hallSeen, ...bedroomSeen]) assert.doesNotMatch(text, /^[A-Z]+: [^ ]*\/[^ ]*\//, `crossed twice: ${text}`);
    // Nothing of the hall's came back to it, and nothing of the bedroom's to the bedroom.
    assert.ok(!hallSeen.some((text) => / (bedroom\/)?hall\//.test(text)));
    assert.ok(!bedroomSeen.some((text) => / (hall\/)?bedroom\//.test(text)));
    // The heartbeats crossed too, under their room.
    assert.ok(hallSeen.some((text) => text.startsWith("HEARTBEAT: bedroom/bridge ")));
    assert.ok(bedroomSeen.some((text) => text.startsWith("HEARTBEAT: hall/alarm ")));
    // The would-be loops were seen and stopped at the bridges: the hall's bridge sends SENSOR: to the
    // bedroom and saw the bedroom's readings on its own bus; the bedroom's takes DOOR: from the hall
    // and saw its own doors there.
    const hallLink = await bridgeStatus(hall, hallSeen, "bedroom");
    const bedroomLink = await bridgeStatus(bedroom, bedroomSeen, "hall");
    assert.ok(hallLink.out.dropped.crossed! >= N, JSON.stringify(hallLink));
    assert.ok(bedroomLink.in.dropped.crossed! >= N, JSON.stringify(bedroomLink));
    assert.ok(hallLink.in.passed >= 2 * N && bedroomLink.in.passed >= N, JSON.stringify({ hallLink, bedroomLink }));
  });

  it("a program on one bus forging a bridged message: it never crosses (on its own bus it is as believable as a forged local door)", async () => {
    await hall.client.publish("DOOR: bedroom/forged open");
    await bedroom.client.publish("SENSOR: hall/forged {}");
    await publishUntil(
      hall.client,
      "DOOR: after-forgery open",
      bedroomSeen,
      (text) => text === "DOOR: hall/after-forgery open",
      "hall → bedroom after the forgery",
    );
    await publishUntil(
      bedroom.client,
      "DOOR: after-forgery open",
      hallSeen,
      (text) => text === "DOOR: bedroom/after-forgery open",
      "bedroom → hall after the forgery",
    );
    assert.equal(hallSeen.filter((text) => text === "DOOR: bedroom/forged open").length, 1);
    assert.equal(bedroomSeen.filter((text) => text === "SENSOR: hall/forged {}").length, 1);
    assert.ok(!bedroomSeen.some((text) => text.includes("bedroom/forged")), "the hall's forgery reached the bedroom");
    assert.ok(!hallSeen.some((text) => text.includes("hall/forged")), "the bedroom's forgery reached the hall");
  });

  it("garbage, oversize and multi-frame messages from the remote are dropped and counted; the bridge goes on", async () => {
    const zmq = zeromqOfBus();
    const publisher = new zmq.Publisher({ linger: 0 });
    publisher.curveServerKey = bedroom.router.publicKey;
    publisher.curvePublicKey = bedroom.host.publicKey;
    publisher.curveSecretKey = bedroom.host.secretKey;
    publisher.connect(bedroom.reach.in);
    try {
      const before = await bridgeStatus(hall, hallSeen, "bedroom");
      const garbage: (string | Buffer | Buffer[])[] = [
        Buffer.from([0x44, 0x4f, 0x4f, 0x52, 0x3a, 0x20, 0xff, 0xfe, 0x20, 0x6f, 0x70, 0x65, 0x6e]), // DOOR: <not UTF-8> open
        [Buffer.from("DOOR: x open"), Buffer.from("second frame")],
        "DOOR: ../../etc open",
        "DOOR: a\u0000b open",
        'SENSOR: {"temperature_c":1}',
        `SENSOR: big {"v":"${"x".repeat(HALL_MAX_MESSAGE)}"}`,
        "DOOR: hall/loop open",
      ];
      let probe = 0;
      await waitUntil(
        async () => {
          for (const message of garbage) await publisher.send(message);
          await publisher.send(`DOOR: garbage-probe${probe++} open`);
          return hallSeen.some((text) => text.startsWith("DOOR: bedroom/garbage-probe"));
        },
        { what: "a good message after the garbage", timeoutMs: 20_000, intervalMs: 100 },
      );
      const after = await bridgeStatus(hall, hallSeen, "bedroom");
      for (const reason of ["malformed", "subject", "size", "crossed"])
        assert.ok(after.in.dropped[reason]! > before.in.dropped[reason]!, `${reason}: ${JSON.stringify(after.in.dropped)}`);
      assert.ok(!hallSeen.some((text) => /etc|big|bedroom\/x |hall\/loop/.test(text) || text.includes("\u0000")));
    } finally {
      publisher.close();
    }
  });

  it("a flood from the remote is cut to bridge.maxMessagesPerS and counted, and the bridge keeps up its heartbeat", async () => {
    const started = Date.now();
    const flood = 6000;
    for (let i = 0; i < flood; i++) void bedroom.client.publish(`SENSOR: flood {"i":${i}}`);
    await bedroom.client.publish('SENSOR: flood {"i":"last"}');
    let stats = await bridgeStatus(hall, hallSeen, "bedroom");
    await waitUntil(
      async () => {
        stats = await bridgeStatus(hall, hallSeen, "bedroom");
        return stats.in.dropped.rate! + stats.in.dropped.queue! > 0;
      },
      { what: "drops counted", timeoutMs: 20_000 },
    );
    const elapsedS = (Date.now() - started) / 1000;
    const arrived = hallSeen.filter((text) => text.startsWith("SENSOR: bedroom/flood ")).length;
    assert.ok(arrived <= RATE * (1 + elapsedS) + 10, `${arrived} in ${elapsedS} s at ${RATE}/s`);
    assert.ok(arrived < flood, `${arrived}`);
    const beats = hallSeen.filter((text) => text.startsWith("HEARTBEAT: bridge ")).length;
    await waitUntil(() => hallSeen.filter((text) => text.startsWith("HEARTBEAT: bridge ")).length > beats + 2, {
      what: "the bridge's heartbeats after the flood",
      timeoutMs: 10_000,
    });
    // Past the flood, the rate's tokens come back and messages pass again.
    await publishUntil(
      bedroom.client,
      "DOOR: after-flood open",
      hallSeen,
      (text) => text === "DOOR: bedroom/after-flood open",
      "a door after the flood",
    );
  });

  it("either router restarted: the bridges connect again and messages flow both ways", async () => {
    for (const restarted of [bedroom, hall]) {
      await restarted.routerProcess()!.stop("SIGTERM");
      await restarted.startRouter();
      const tag = `after-${restarted.room}-restart`;
      await publishUntil(
        bedroom.client,
        `DOOR: ${tag} open`,
        hallSeen,
        (text) => text === `DOOR: bedroom/${tag} open`,
        `bedroom → hall ${tag}`,
      );
      await publishUntil(
        hall.client,
        `SENSOR: ${tag} {}`,
        bedroomSeen,
        (text) => text === `SENSOR: hall/${tag} {}`,
        `hall → bedroom ${tag}`,
      );
    }
  });

  it("the bedroom lost: its zones are in trouble on the hall and the bridge says so; back when it returns", async () => {
    const troubled = (text: string) =>
      text.startsWith("ALARM: ") &&
      text.includes('"troubles":{"bedroom-window":"no heartbeat from the sensor reader of bedroom (through the bridge)"}');
    const from = hallSeen.length;
    const lostAt = Date.now();
    await bedroom.routerProcess()!.stop("SIGKILL");
    await waitUntil(() => hallSeen.slice(from).some(troubled), { what: "the bedroom's zone in trouble on the hall", timeoutMs: 10_000 });
    // 3 heartbeat intervals, checked every interval: well under 10 of them.
    assert.ok(Date.now() - lostAt < 20 * HEARTBEAT_S * 1000 + 2000, `${Date.now() - lostAt} ms`);
    await waitUntil(
      () =>
        hallSeen
          .slice(from)
          .some(
            (text) =>
              text.startsWith("HEARTBEAT: bridge ") &&
              /"remotes":\{"bedroom":"unreachable"\},"problem":"bedroom unreachable since /.test(text),
          ),
      {
        what: "the bridge's problem naming the bedroom",
        timeoutMs: 10_000,
      },
    );
    const back = hallSeen.length;
    await bedroom.startRouter();
    await waitUntil(() => hallSeen.slice(back).some((text) => text.startsWith("ALARM: ") && text.includes('"troubles":{}')), {
      what: "the trouble cleared once the bedroom is back",
      timeoutMs: 20_000,
    });
    await waitUntil(() => hallSeen.slice(back).some((text) => text.startsWith("HEARTBEAT: bridge ") && !text.includes('"problem"')), {
      what: "the bridge's heartbeat without a problem",
      timeoutMs: 10_000,
    });
  });
});

describe("the bridge's keys", { timeout: 60_000 }, () => {
  after(stopAll);
  it("no host key, or one others can read: exit 78 naming the file and the fix", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-bridge-keys-"));
    const hall = await appliance("keyless", ADDRESS.a);
    const remote = hall.asRemote();
    const missing = startServiceProcess({
      name: "bridge",
      main: mainOf("bridge"),
      config: { bus: { keys: path.join(dir, "none") }, bridge: { remotes: [remote] } },
    });
    assert.equal(await missing.exited, 78);
    const line = await missing.waitForLog((entry) => entry.level === "error");
    assert.match(JSON.stringify(line), /host\.key_secret does not exist: `roomguard keys init` creates the keys/);
    chmodSync(path.join(hall.keys, "host.key_secret"), 0o644);
    const loose = startServiceProcess({
      name: "bridge",
      main: mainOf("bridge"),
      config: { bus: { keys: hall.keys }, bridge: { remotes: [remote] } },
    });
    assert.equal(await loose.exited, 78);
    assert.match(JSON.stringify(await loose.waitForLog((entry) => entry.level === "error")), /readable by others \(mode 644\).*chmod 600/);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The few members of zeromq's Publisher this test uses (the package is @roomguard/bus's dependency, not the bridge's). */
interface RawPublisher {
  curveServerKey: string;
  curvePublicKey: string;
  curveSecretKey: string;
  connect(address: string): void;
  send(message: string | Buffer | Buffer[]): Promise<void>;
  close(): void;
}

/** A raw socket sends what no BusClient would: zeromq from where @roomguard/bus has it. */
function zeromqOfBus(): { Publisher: new (options: { linger: number }) => RawPublisher } {
  const bus = fileURLToPath(import.meta.resolve("@roomguard/bus"));
  return createRequire(bus)("zeromq") as { Publisher: new (options: { linger: number }) => RawPublisher };
}
