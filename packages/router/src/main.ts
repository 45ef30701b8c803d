// The router process: `node dist/src/main.js [--config FILE]`, or `roomguard router`.
import { KeyFileError, keysDirOf } from "@roomguard/bus";
import { ConfigError, resolveConfigPath } from "@roomguard/config";
import { runService } from "@roomguard/runtime";
import { routerConfigIssues } from "./check-config.js";
import { createRouter } from "./service.js";

await runService(
  "router",
  async ({ loaded, config, log, requestStop, fail }) => {
    const issues = routerConfigIssues(config);
    if (issues.length > 0) throw new ConfigError(issues, loaded.file);
    let router;
    try {
      router = createRouter({
        config,
        journalDir: resolveConfigPath(loaded, config.router.journal.dir),
        keysDir: keysDirOf(loaded),
        log,
        requestStop,
        fail,
      });
    } catch (error) {
      // A LAN endpoint without usable keys is a config problem: exit 78, with the file and the fix.
      if (!(error instanceof KeyFileError)) throw error;
      throw new ConfigError(
        [{ path: "bus.keys", message: `bus.in or bus.out is not loopback or ipc, so it needs CURVE keys: ${error.message}` }],
        loaded.file,
      );
    }
    await router.start();
    return router;
  },
  // A clean stop waits up to a second for the journal's reader to catch up, then flushes the
  // journal: on a busy machine that takes longer than the default cap. The launcher's SIGKILL
  // comes at launcher.stopTimeoutS (8 s by default).
  { stopTimeoutMs: 5000 },
);
