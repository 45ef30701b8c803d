// `node dist/src/print-boot-needs.js [--config FILE]`: what the configured sensors need from the
// Pi's boot config (pull-ups, I2C, 1-Wire), as JSON, for the deploy's config.txt block.
import { loadConfig } from "@roomguard/config";
import { configPathFrom } from "@roomguard/runtime";
import { sensorsBootNeeds } from "./boot-needs.js";
import { loadInstalledSensors } from "./catalog.js";

const { config } = loadConfig({ configPath: configPathFrom(process.argv.slice(2)) });
process.stdout.write(JSON.stringify(sensorsBootNeeds(config.sensors, await loadInstalledSensors())) + "\n");
