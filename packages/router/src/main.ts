// The router process: `node dist/src/main.js [--config FILE]`, or `roomguard router`.
import { resolveConfigPath } from "@roomguard/config";
import { runService } from "@roomguard/runtime";
import { createRouter } from "./service.js";

await runService("router", async ({ loaded, config, log, requestStop, fail }) => {
  const router = createRouter({
    config,
    journalDir: resolveConfigPath(loaded, config.router.journal.dir),
    log,
    requestStop,
    fail,
  });
  await router.start();
  return router;
});
