// For comparison in the benchmark: libzmq's proxy alone, as the router sets it up but without
// the journal's tap, stats or control. Prints its endpoints as JSON, runs until killed.
import { Context, Proxy, XPublisher, XSubscriber } from "zeromq";

const context = new Context({ ioThreads: 2 });
const xsub = new XSubscriber({ context, receiveHighWaterMark: 10_000, linger: 0 });
const xpub = new XPublisher({ context, sendHighWaterMark: 500_000, linger: 0 });
for (const [socket, option] of [
  [xsub, 101],
  [xpub, 102],
] as const) {
  (socket as unknown as { setInt32Option(option: number, value: number): void }).setInt32Option(option, 64 * 1024);
}
await xpub.bind("tcp://127.0.0.1:*");
await xsub.bind("tcp://127.0.0.1:*");
const proxy = new Proxy(xsub, xpub);
// Referenced until exit: a collected Proxy takes its sockets with it while libzmq uses them.
(globalThis as { proxy?: Proxy }).proxy = proxy;
process.stdout.write(JSON.stringify({ listening: true, in: xsub.lastEndpoint, out: xpub.lastEndpoint }) + "\n");
await proxy.run();
