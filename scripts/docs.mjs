#!/usr/bin/env node
// Regenerates the parts of the docs that are derived from code (a test fails when they are
// stale): the key reference in docs/configuration.md, from the config schema.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { configReference } = await import(path.join(root, "packages/config/dist/src/index.js"));
const file = path.join(root, "docs", "configuration.md");
const start = "<!-- generated:config-reference:start -->";
const end = "<!-- generated:config-reference:end -->";
const text = readFileSync(file, "utf8");
const updated = text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${configReference()}\n${end}`);
writeFileSync(file, updated);
process.stderr.write(updated === text ? "docs/configuration.md is up to date\n" : "updated docs/configuration.md\n");
