import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Dealer, Request, Router } from "zeromq";
import { createLogger } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/runtime/testing";
import { request } from "../src/request.js";
import { RequestError, RequestRefused, type RequestErrorCode } from "../src/requests.js";
import { serveRequests, type RequestHandlers, type RequestServer } from "../src/serve-requests.js";
import { watchSocketEvents } from "../src/socket-events.js";

const dir = mkdtempSync(path.join(tmpdir(), "roomguard-requests-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;
/** A fresh ipc endpoint in this test file's own directory. */
const ipc = (): string => `ipc://${dir}/s${++sockets}.sock`;

/** Something to wait on that a test opens when it chooses. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function logLines(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ service: "test", stream: { write: (text: string) => lines.push(text) } }), lines };
}

async function serve(handlers: RequestHandlers, options: { endpoint?: string; maxRequestBytes?: number; maxInFlight?: number } = {}) {
  const { log, lines } = logLines();
  const server = await serveRequests({ endpoint: options.endpoint ?? ipc(), service: "test-service", handlers, log, ...options });
  after(() => server.close());
  return { server, lines };
}

/** The code a request fails with, and its message. */
async function failure(promise: Promise<unknown>): Promise<{ code: RequestErrorCode; message: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RequestError, `expected a RequestError, got ${String(error)}`);
    return { code: error.code, message: error.message, reason: error.reason };
  }
  assert.fail("expected the request to fail");
}

/** A port on loopback that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** One raw exchange from a Dealer: the frames sent, the frames answered. */
async function raw(server: RequestServer, frames: (string | Buffer)[]): Promise<string[]> {
  const socket = new Dealer({ linger: 0, receiveTimeout: 5000 });
  try {
    socket.connect(server.endpoint);
    await socket.send(frames);
    return (await socket.receive()).map((frame) => frame.toString());
  } finally {
    socket.close();
  }
}

const handlers: RequestHandlers = {
  echo: (args) => ({ args }),
  refuse: (args) => {
    throw new RequestRefused(`unknown service ${JSON.stringify(args.service)}; services: router, keypad`);
  },
  explode: () => {
    throw new Error("the disk is on fire");
  },
};

describe("requests and replies over real sockets", () => {
  it("round trip over ipc and over loopback tcp, with the result and its args", async () => {
    const { server } = await serve(handlers);
    assert.deepEqual(await request(server.endpoint, "echo", { wide: true }), { args: { wide: true } });
    const tcp = await serve(handlers, { endpoint: "tcp://127.0.0.1:*" });
    assert.match(tcp.server.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await request(tcp.server.endpoint, "echo"), { args: {} });
  });

  it("answers concurrently: a slow request does not hold up a quick one", async () => {
    const slow = gate();
    const order: string[] = [];
    const { server } = await serve({
      slow: async () => (await slow.opened, { slow: true }),
      quick: () => ({ quick: true }),
    });
    const first = request(server.endpoint, "slow", undefined, { timeoutMs: 10_000 }).then((result) => (order.push("slow"), result));
    const second = request(server.endpoint, "quick").then((result) => (order.push("quick"), result));
    assert.deepEqual(await second, { quick: true });
    slow.open();
    assert.deepEqual(await first, { slow: true });
    assert.deepEqual(order, ["quick", "slow"]);
  });

  it("each error code reaches the client: unknown-command, refused, failed, with the server's reason", async () => {
    const { server, lines } = await serve(handlers);
    const unknown = await failure(request(server.endpoint, "frobnicate"));
    assert.equal(unknown.code, "unknown-command");
    assert.equal(unknown.reason, 'unknown command "frobnicate"; known: echo, refuse, explode');
    assert.match(unknown.message, new RegExp(`^the service at ${server.endpoint} answered "frobnicate" with unknown-command: `));

    const refused = await failure(request(server.endpoint, "refuse", { service: "keypda" }, { service: "launcher" }));
    assert.equal(refused.code, "refused");
    assert.equal(refused.reason, 'unknown service "keypda"; services: router, keypad');
    assert.match(refused.message, /^the launcher at ipc:.* answered "refuse" with refused: unknown service/);

    const failed = await failure(request(server.endpoint, "explode"));
    assert.equal(failed.code, "failed");
    assert.equal(failed.reason, "the disk is on fire");
    assert.ok(lines.some((line) => line.includes('"msg":"the explode request failed"') && line.includes("the disk is on fire")));
    assert.deepEqual(await request(server.endpoint, "echo"), { args: {} }, "and it keeps serving");
  });

  it("no-service, at once, when nothing listens: no ipc socket file, a file nobody listens on, a closed tcp port", async () => {
    const missing = await failure(request(`ipc://${dir}/nobody.sock`, "status", undefined, { timeoutMs: 60_000, service: "launcher" }));
    assert.equal(missing.code, "no-service");
    assert.equal(
      missing.message,
      `nothing listens at ipc://${dir}/nobody.sock (there is no socket file). Is the launcher running, and is that its endpoint?`,
    );

    writeFileSync(path.join(dir, "stale.sock"), "");
    const stale = await failure(request(`ipc://${dir}/stale.sock`, "status", undefined, { timeoutMs: 60_000 }));
    assert.equal(stale.code, "no-service");
    assert.match(stale.message, /\(its socket file is there, but nothing accepts connections on it\)/);

    const port = await closedPort();
    const tcp = await failure(request(`tcp://127.0.0.1:${port}`, "status", undefined, { timeoutMs: 60_000 }));
    assert.equal(tcp.code, "no-service");
    assert.equal(
      tcp.message,
      `nothing listens at tcp://127.0.0.1:${port} (connection refused). Is the service running, and is that its endpoint?`,
    );
    // The 60 s timeouts above would fail this test's own time limit: no-service came from the socket's events.
  });

  it("timeout when connected but not answered; no-service when the server goes away while the client waits", async () => {
    const never = gate();
    after(() => never.open());
    // Each request held by the server opens the next gate in line.
    const received = [gate(), gate()];
    let calls = 0;
    const { server } = await serve({ hang: () => (received[calls++]?.open(), never.opened.then(() => ({}))) });
    const late = await failure(request(server.endpoint, "hang", undefined, { timeoutMs: 1000 }));
    assert.equal(late.message, `the service at ${server.endpoint} did not answer "hang" within 1000 ms: it is busy or hung`);
    assert.equal(late.code, "timeout");

    const waiting = failure(request(server.endpoint, "hang", undefined, { timeoutMs: 60_000 }));
    await received[1]?.opened;
    server.close();
    const gone = await waiting;
    assert.equal(gone.code, "no-service", gone.message);
    assert.equal(gone.message, `the service at ${server.endpoint} went away before answering "hang"`);
  });

  it("bad-reply when the answer is not a reply to this request", async () => {
    const endpoint = ipc();
    const fake = new Router({ linger: 0 });
    after(() => fake.close());
    await fake.bind(endpoint);
    const answers = ['{"id":"someone-else","ok":true,"result":{}}', "not json", ['{"a":1}', "two frames"]];
    void (async () => {
      for await (const [identity, , body] of fake) {
        const id = (JSON.parse(String(body)) as { id: string }).id;
        assert.equal(id.length >= 16, true, "a random id");
        const answer = answers.shift() ?? "";
        await fake.send([identity ?? "", "", ...(Array.isArray(answer) ? answer : [answer])]);
      }
    })();
    const wrongId = await failure(request(endpoint, "status"));
    assert.equal(wrongId.code, "bad-reply");
    assert.match(wrongId.message, /expected the reply to request ".*", got one to "someone-else"/);
    assert.match((await failure(request(endpoint, "status"))).message, /expected a JSON reply, got "not json"/);
    assert.match((await failure(request(endpoint, "status"))).message, /answered "status" with 2 frames, not one/);
  });

  it("garbage from a raw socket is answered bad-request, and the server carries on", async () => {
    const { server, lines } = await serve(handlers, { maxRequestBytes: 1024 });
    const answer = (frames: string[]) =>
      JSON.parse(frames.at(-1) ?? "") as { id: unknown; ok: boolean; error: { code: string; message: string } };
    // A Dealer that sends the empty delimiter gets it back; one that does not, does not.
    const delimited = await raw(server, ["", "not json"]);
    assert.equal(delimited.length, 2);
    assert.equal(delimited[0], "");
    assert.deepEqual(answer(delimited), {
      id: null,
      ok: false,
      error: { code: "bad-request", message: 'expected a JSON request, got "not json"' },
    });
    const bare = await raw(server, ['{"id":"q","command":"echo","args":[]}']);
    assert.equal(bare.length, 1);
    assert.deepEqual(answer(bare), {
      id: "q",
      ok: false,
      error: { code: "bad-request", message: 'expected "args" to be a JSON object when given' },
    });
    assert.equal(answer(await raw(server, ["", "[1,2]"])).error.code, "bad-request");
    assert.equal(
      answer(await raw(server, ["", '{"id":"q","command":"echo"}', "extra"])).error.message,
      "expected a request of one frame, got 2",
    );
    const big = JSON.stringify({ id: "q", command: "echo", args: { pad: "x".repeat(1500) } });
    assert.equal(answer(await raw(server, ["", big])).error.message, `expected a request of at most 1024 bytes, got ${big.length}`);

    // Beyond twice the limit ZeroMQ cuts the sender before anything is read; the next client is served.
    const huge = new Dealer({ linger: 0 });
    const cut = new Promise<void>((resolve) => watchSocketEvents(huge.events, (event) => event.type === "disconnect" && resolve()));
    huge.connect(server.endpoint);
    await huge.send(["", "x".repeat(4096)]);
    await cut;
    huge.close();
    assert.deepEqual(await request(server.endpoint, "echo", { after: "garbage" }), { args: { after: "garbage" } });
    assert.equal(answer(await raw(server, ["", "not json"])).error.code, "bad-request");
    const notJson = lines.filter((line) => line.includes("answering malformed requests") && line.includes('"kind":"json"'));
    assert.equal(notJson.length, 1, "said once for each kind of garbage, not once per request");
    assert.ok(!lines.some((line) => line.includes("not json")), "by its kind: never quoting the request, which may hold a secret");
  });

  it("a plain REQ socket (any language's request client) works", async () => {
    const { server } = await serve(handlers);
    const socket = new Request({ linger: 0, receiveTimeout: 5000 });
    after(() => socket.close());
    socket.connect(server.endpoint);
    await socket.send(JSON.stringify({ id: "from-python", command: "echo", args: { n: 1 } }));
    assert.deepEqual(JSON.parse(String((await socket.receive())[0])), { id: "from-python", ok: true, result: { args: { n: 1 } } });
    await socket.send(JSON.stringify({ id: "again", command: "refuse", args: { service: "x" } }));
    assert.deepEqual(JSON.parse(String((await socket.receive())[0])), {
      id: "again",
      ok: false,
      error: { code: "refused", message: 'unknown service "x"; services: router, keypad' },
    });
  });

  it("a flood is held back: never more handlers at once than maxInFlight, and the sender is pushed back, not buffered without end", async () => {
    const held = gate();
    let running = 0;
    let most = 0;
    let answered = 0;
    const { server } = await serve(
      {
        work: async () => {
          most = Math.max(most, ++running);
          await held.opened;
          running--;
          answered++;
          return {};
        },
      },
      { maxInFlight: 8 },
    );
    // A send that cannot be queued within a second, with every handler held, has been pushed back.
    const flood = new Dealer({ linger: 0, sendHighWaterMark: 10, sendTimeout: 1000 });
    after(() => flood.close());
    flood.connect(server.endpoint);
    const body = JSON.stringify({ id: "f", command: "work", args: { pad: "x".repeat(8000) } });
    let accepted = 0;
    let pushedBack = false;
    while (accepted < 20_000 && !pushedBack) {
      try {
        await flood.send(["", body]);
        accepted++;
      } catch (error) {
        assert.equal((error as { code?: string }).code, "EAGAIN");
        pushedBack = true;
      }
    }
    assert.ok(pushedBack, "the sender was pushed back");
    assert.ok(accepted < 2000, `at most a few queues' worth accepted (${accepted} of 20,000 requests of 8 KB)`);
    await waitUntil(() => running, { what: "8 handlers running at once (maxInFlight)", until: (count) => count >= 8, timeoutMs: 10_000 });
    assert.equal(most, 8, "the handlers at once: exactly maxInFlight");
    held.open();
    const replies = [];
    for (let i = 0; i < accepted; i++) replies.push(await flood.receive());
    assert.equal(answered, accepted, "every accepted request answered once the handlers are free");
    assert.equal(most, 8);
    assert.deepEqual(await request(server.endpoint, "work"), {});
  });
});
