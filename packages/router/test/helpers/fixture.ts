import { after } from "node:test";
import { BusClient } from "@roomguard/bus";
import { startRouter, type RouterProcess, type RouterProcessOptions } from "./router-process.js";

/**
 * Routers and bus clients for one test file, all stopped and closed when the file's tests
 * are done (a failed test leaves nothing running).
 */
export function routerFixture(): {
  router: (options?: RouterProcessOptions) => Promise<RouterProcess>;
  client: (endpoints: { in: string; out: string }) => BusClient;
} {
  const routers: RouterProcess[] = [];
  const clients: BusClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(routers.map((router) => router.stop("SIGKILL")));
  });
  return {
    async router(options) {
      const started = await startRouter(options);
      routers.push(started);
      return started;
    },
    client(endpoints) {
      const created = new BusClient(endpoints);
      clients.push(created);
      return created;
    },
  };
}
