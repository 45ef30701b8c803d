import { parseArgs } from "node:util";
import { ConfigError, formatIssue, loadConfig } from "@roomguard/config";
import { hexAddress, type HardwarePlan } from "@roomguard/hal";
import { checkWholeConfig } from "@roomguard/registry";
import { ExitCode, textTable } from "@roomguard/runtime";
import type { Command } from "../command.js";

/** The pin plan and the I2C devices, as `roomguard check` prints them. */
function describePlan(plan: HardwarePlan, i2cBus: number): string {
  if (plan.pins.length === 0) return "pin plan: no pins used";
  const pins = textTable([
    ["BCM", "pin", "owner", "direction", "pull", "purpose", "key"],
    ...plan.pins.map((pin) => [String(pin.bcm), String(pin.physical), pin.owner, pin.use, pin.pull, pin.purpose, pin.key]),
  ]);
  const devices = plan.i2c.map((device) => `  ${hexAddress(device.address)}  ${device.purpose}  (${device.key})`);
  return ["pin plan:", pins, ...(devices.length > 0 ? [`I2C bus ${i2cBus} (/dev/i2c-${i2cBus}):`, ...devices] : [])].join("\n");
}

export const checkCommand: Command = {
  summary: "check the whole config file and print the pin plan",
  usage: `roomguard check [--config FILE] [--json]

Checks the config file as every service will at start: each section against
the schema, each service's own part (key names, sensor entries against their
sensor package's options), and one hardware plan of every pin and bus the
enabled services use, which refuses a pin used twice (naming both keys), pins
off the 40-pin header, and the I2C and 1-Wire pins while those buses are in
use; for a bus on the LAN, the CURVE key files. Prints the services it would
run, the pin plan (BCM, physical pin, owner, direction, pull, purpose, config
key) and every problem.

  --json    the same as one JSON object: file, services, plan, issues

Exit 0: nothing wrong. Exit 78: the problems listed (each names its key).
The installer runs it before it starts anything.`,
  run(argv, context) {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string", short: "c" }, json: { type: "boolean" } } });
    return check(values.config, values.json === true, context.output);
  },
};

async function check(
  configPath: string | undefined,
  json: boolean,
  output: { out(line: string): void; err(line: string): void },
): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig({ configPath });
  } catch (error) {
    if (!(error instanceof ConfigError) || !json) throw error;
    output.out(JSON.stringify({ file: configPath ?? null, issues: error.issues.map((issue) => ({ ...issue, owner: "schema" })) }, null, 2));
    return ExitCode.config;
  }
  for (const warning of loaded.warnings ?? []) output.err(`roomguard check: warning: ${warning}`);
  const result = await checkWholeConfig(loaded);
  const ok = result.issues.length === 0;
  if (json) {
    output.out(
      JSON.stringify(
        { file: loaded.file, services: result.services.map((service) => service.name), plan: result.plan, issues: result.issues },
        null,
        2,
      ),
    );
    return ok ? ExitCode.ok : ExitCode.config;
  }
  const given = loaded.config.launcher.services !== undefined;
  output.out(`config: ${loaded.file ?? "(no file found: the defaults)"}`);
  output.out(
    `services: ${result.services.map((service) => service.name).join(", ")}` +
      (given ? " (from launcher.services)" : " (launcher.services is not given: the router and every service on by default)"),
  );
  output.out("");
  output.out(describePlan(result.plan, loaded.config.hardware.i2cBus));
  output.out("");
  if (ok) {
    output.out("ok: no problems found");
    return ExitCode.ok;
  }
  output.out(
    `${result.issues.length} problem${result.issues.length === 1 ? "" : "s"} (in brackets the service it stops; a sensor entry's stops only that sensor):`,
  );
  for (const issue of result.issues) output.out(`  - ${formatIssue(issue)}  [${issue.owner}]`);
  return ExitCode.config;
}
