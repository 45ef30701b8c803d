#!/usr/bin/env node
// The Debian packages the tests need beyond Node: libfuse3 and a C compiler for the fake
// /sys/class/gpio that onoff runs against (packages/hal/fake-sysfs); mpd, which the music
// player's tests run for real, and sox and lame, which make their tracks. Installs the missing ones
// with apt-get when it can (root, or sudo without a password); otherwise says what to run.
// Used by `npm test` and by .ci/run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

// debootstrap, systemd-container, shellcheck and ssh: the deploy tests install roomguard into a booted
// Debian rootfs (deploy/test). qemu-user-static and binfmt-support only for the arm64 run.
const PACKAGES = [
  "libfuse3-dev",
  "fuse3",
  "pkg-config",
  "gcc",
  "mpd",
  "sox",
  "lame",
  "debootstrap",
  "systemd-container",
  "shellcheck",
  "openssh-client",
  // The web dashboard's browser test drives Debian's Chromium (/usr/bin/chromium) through
  // playwright-core: never `npx playwright install`, which downloads a browser. fonts-liberation
  // so its screenshots have readable text (chromium only recommends it).
  "chromium",
  "fonts-liberation",
  // `roomguard web make-cert` makes the dashboard's self-signed TLS certificate with it (node:crypto
  // cannot write X.509), and its test runs it.
  "openssl",
  // The MQTT bridge's tests run a real broker: /usr/sbin/mosquitto and mosquitto_passwd
  // (startTestMosquitto in @roomguard/testing). On a host running systemd, Debian also starts its
  // own broker on localhost:1883; the tests never use it: each starts one on a free port.
  "mosquitto",
  // pyzmq, for Debian's /usr/bin/python3: the bus's curve-keys test checks that zmq.auth loads the
  // CURVE key files roomguard writes and that roomguard reads the ones pyzmq writes (lala-pi-era
  // Python clients use them as they are).
  "python3-zmq",
];
const ARM64_PACKAGES = ["qemu-user-static", "binfmt-support"];

const installed = (name) => spawnSync("dpkg", ["-s", name], { stdio: "ignore" }).status === 0;

export function ensureSystemPackages({ arm64 = false } = {}) {
  if (!existsSync("/usr/bin/dpkg")) {
    process.stderr.write(`system packages: not a Debian system; make sure ${PACKAGES.join(", ")} (or their equivalents) are installed\n`);
    return true;
  }
  const missing = [...PACKAGES, ...(arm64 ? ARM64_PACKAGES : [])].filter((name) => !installed(name));
  if (missing.length === 0) return true;
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  const run = (args) => {
    const [command, ...rest] = [...sudo, ...args];
    return spawnSync(command, rest, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0;
  };
  process.stderr.write(`system packages: installing ${missing.join(" ")} with apt-get\n`);
  if (run(["apt-get", "update", "-qq"]) && run(["apt-get", "install", "-y", "-qq", ...missing])) return true;
  process.stderr.write(`system packages: could not install them; run: sudo apt-get install ${missing.join(" ")}\n`);
  return false;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exit(ensureSystemPackages({ arm64: process.argv.includes("--arm64") }) ? 0 : 1);
}
