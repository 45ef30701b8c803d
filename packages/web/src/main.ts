// The dashboard process: `node dist/src/main.js [--config FILE]`.
import { runService } from "@roomguard/runtime";
import { startWeb } from "./web-process.js";

await runService("web", (context) => startWeb(context));
