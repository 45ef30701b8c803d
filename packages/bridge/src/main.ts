// The bridge process: `node dist/src/main.js [--config FILE]`.
import { runService } from "@roomguard/runtime";
import { startBridge } from "./bridge-process.js";

await runService("bridge", (context) => Promise.resolve(startBridge(context)));
