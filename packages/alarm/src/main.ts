// The alarm process: `node dist/src/main.js [--config FILE]`.
import { runService } from "@roomguard/runtime";
import { startAlarm } from "./alarm-process.js";

await runService("alarm", (context) => startAlarm(context));
