// The MQTT bridge process: `node dist/src/main.js [--config FILE]`.
import { runService } from "@roomguard/runtime";
import { startBridge } from "./bridge-process.js";

// The environment is read here only: `mqtt.passwordEnv` names a variable of it.
await runService("mqtt-bridge", (context) => startBridge(context, process.env));
