// The router process: `node dist/src/main.js [--config FILE]`, or `roomguard router`.
import { keysDirOf } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { runService } from "@roomguard/runtime";
import { curveKeyIssues, routerConfigIssues } from "./check-config.js";
import { createRouter } from "./service.js";

await runService(
  "router",
  async ({ loaded, config, log, requestStop, fail }) => {
    // A LAN endpoint without usable keys is a config problem too: exit 78, with the file and the fix.
    const issues = [...routerConfigIssues(config), ...curveKeyIssues(loaded)];
    if (issues.length > 0) throw new ConfigError(issues, loaded.file);
    const router = createRouter({
      config,
      journalDir: resolveConfigPath(loaded, config.router.journal.dir),
      keysDir: keysDirOf(loaded),
      log,
      requestStop,
      fail,
    });
    await router.start();
    return router;
  },
  // A clean stop waits up to a second for the journal's reader to catch up, then flushes the
  // journal: on a busy machine that takes longer than the default cap. The launcher's SIGKILL
  // comes at launcher.stopTimeoutS (8 s by default).
  { stopTimeoutMs: 5000 },
);
