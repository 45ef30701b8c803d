// `node dist/src/print-boot-needs.js [--config FILE]`: what the keypad needs from the Pi's boot
// config, as JSON, for the deploy's config.txt block.
import { loadConfig } from "@roomguard/config";
import { configPathFrom } from "@roomguard/runtime";
import { keypadBootNeeds } from "./boot-needs.js";

const { config } = loadConfig({ configPath: configPathFrom(process.argv.slice(2)) });
process.stdout.write(JSON.stringify([{ for: `keypad (${config.keypad.mode})`, ...keypadBootNeeds(config.keypad) }]) + "\n");
