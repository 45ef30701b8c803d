import { after } from "node:test";
import { BusClient, type BusMessage, type Subscription } from "@roomguard/bus";
import { awaitSubscribed } from "./bus-helpers.js";
import { startRouter, type RouterProcess, type RouterProcessOptions } from "./router-process.js";

/**
 * Routers and bus clients for one test file, all stopped and closed when the file's tests
 * are done (a failed test leaves nothing running).
 */
export function routerFixture(): {
  router: (options?: RouterProcessOptions) => Promise<RouterProcess>;
  client: (endpoints: { in: string; out: string }) => BusClient;
  /** A publisher, and a subscription to `prefix` that `probe` has already reached. */
  joined: (
    endpoints: { in: string; out: string },
    prefix: string,
    probe: string,
  ) => Promise<{ publisher: BusClient; subscription: Subscription<BusMessage> }>;
} {
  const routers: RouterProcess[] = [];
  const clients: BusClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(routers.map((router) => router.stop("SIGKILL")));
  });
  const client = (endpoints: { in: string; out: string }): BusClient => {
    const created = new BusClient(endpoints);
    clients.push(created);
    return created;
  };
  return {
    async router(options) {
      const started = await startRouter(options);
      routers.push(started);
      return started;
    },
    client,
    async joined(endpoints, prefix, probe) {
      const publisher = client(endpoints);
      const subscription = client(endpoints).subscribe(prefix);
      await publisher.waitForRouter();
      await awaitSubscribed(publisher, subscription, probe);
      return { publisher, subscription };
    },
  };
}
