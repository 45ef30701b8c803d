import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../../../fake-sysfs/fake-gpio.c", import.meta.url));
const binary = fileURLToPath(new URL("../../fake-sysfs/fake-gpio", import.meta.url));

/**
 * Compiles the FUSE fake of `/sys/class/gpio` (once, and again when the source changes) and
 * returns its path. Needs gcc, pkg-config and Debian's libfuse3-dev.
 */
export function buildFakeGpio(): string {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(fileURLToPath(new URL("../../fake-sysfs/", import.meta.url)), { recursive: true });
  let flags: string[];
  try {
    flags = execFileSync("pkg-config", ["--cflags", "--libs", "fuse3"], { encoding: "utf8" }).trim().split(/\s+/);
  } catch (error) {
    throw new Error("the fake sysfs GPIO needs libfuse3: apt-get install libfuse3-dev fuse3 pkg-config gcc", { cause: error });
  }
  // Test files run in parallel and may all build at once: each compiles to its own file and
  // renames it into place, so nobody ever runs a half-written binary.
  const partial = `${binary}.${process.pid}`;
  execFileSync("gcc", ["-O2", "-Wall", "-o", partial, source, ...flags], { stdio: ["ignore", "inherit", "inherit"] });
  renameSync(partial, binary);
  return binary;
}
