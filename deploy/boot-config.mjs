#!/usr/bin/env node
// Writes what the configured hardware needs at boot into the Pi's config.txt, in a block this
// script owns: pulls for input pins (sysfs cannot set them), the I2C bus, the 1-Wire overlay. They
// come from the release's pin plan of the whole config (what `roomguard check` prints), which every
// enabled service fills in; nothing else in the file is touched. Prints what it wrote; exit 0 with
// "unchanged" or "changed" on the last line.
//
// With --groups instead of --boot-config, it prints the system groups the config's hardware needs
// beyond gpio, i2c and audio (install.sh adds those always), one a line: `input` for a USB keypad.
//
//   node deploy/boot-config.mjs --release DIR --config FILE --boot-config FILE
//   node deploy/boot-config.mjs --release DIR --config FILE --groups
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const BEGIN = "# >>> roomguard: written by deploy/install.sh from /etc/roomguard/config.yaml; edit that instead >>>";
export const END = "# <<< roomguard <<<";

/** The config.txt lines for a list of needs; throws on a pin asked to be pulled both ways. */
export function bootLines(needs) {
  const up = new Set(needs.flatMap((need) => need.pullUp ?? []));
  const down = new Set(needs.flatMap((need) => need.pullDown ?? []));
  const both = [...up].filter((pin) => down.has(pin));
  if (both.length > 0) throw new Error(`BCM ${both.join(", ")}: wanted with a pull-up and a pull-down at once; check the config`);
  const oneWire = [...new Set(needs.flatMap((need) => need.oneWirePins ?? []))];
  const sorted = (pins) => [...pins].sort((a, b) => a - b).join(",");
  return [
    ...(needs.some((need) => need.i2c) ? ["dtparam=i2c_arm=on"] : []),
    ...oneWire.map((pin) => `dtoverlay=w1-gpio,gpiopin=${pin}`),
    ...(up.size > 0 ? [`gpio=${sorted(up)}=ip,pu`] : []),
    ...(down.size > 0 ? [`gpio=${sorted(down)}=ip,pd`] : []),
  ];
}

/**
 * The groups the roomguard user needs for this config beyond gpio, i2c and audio: `input` when
 * the keypad reads a USB keypad (keypad.mode: usb), whose /dev/input/event* files are root:input 0660.
 */
export function groupsFor(config) {
  return config.keypad?.mode === "usb" ? ["input"] : [];
}

/** `text` with our block replaced by `lines` (appended when absent, removed when empty). */
export function withBlock(text, lines) {
  const start = text.indexOf(BEGIN);
  const end = start < 0 ? -1 : text.indexOf(END, start);
  const before = start < 0 ? text : text.slice(0, start);
  const after = start < 0 || end < 0 ? "" : text.slice(end + END.length).replace(/^\n/, "");
  const block = lines.length === 0 ? "" : `${[BEGIN, ...lines, END].join("\n")}\n`;
  const head = before.length > 0 && !before.endsWith("\n") ? `${before}\n` : before;
  return head + block + after;
}

async function main() {
  const { values } = parseArgs({
    options: { release: { type: "string" }, config: { type: "string" }, "boot-config": { type: "string" }, groups: { type: "boolean" } },
  });
  const { release, config, "boot-config": bootConfig, groups } = values;
  if (!release || !config || (!bootConfig && !groups))
    throw new Error("usage: boot-config.mjs --release DIR --config FILE (--boot-config FILE | --groups)");
  const library = (name) => import(pathToFileURL(path.join(release, `packages/${name}/dist/src/index.js`)).href);
  if (groups) {
    const { loadConfig } = await library("config");
    for (const group of groupsFor(loadConfig({ configPath: config }).config)) process.stdout.write(`${group}\n`);
    return;
  }
  const [{ loadConfig }, { bootNeedsOf }, { checkWholeConfig, findServices }] = await Promise.all(
    ["config", "hal", "registry"].map(library),
  );
  const { plan } = await checkWholeConfig(loadConfig({ configPath: config }), { services: findServices(release) });
  const needs = bootNeedsOf(plan);
  const lines = bootLines(needs);
  const text = existsSync(bootConfig) ? readFileSync(bootConfig, "utf8") : "";
  const next = withBlock(text, lines);
  for (const need of needs) process.stdout.write(`  ${need.for}: ${JSON.stringify({ ...need, for: undefined })}\n`);
  if (next === text) {
    process.stdout.write("unchanged\n");
    return;
  }
  writeFileSync(bootConfig, next);
  process.stdout.write(`${lines.map((line) => `  ${line}`).join("\n")}\nchanged\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`boot-config: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
