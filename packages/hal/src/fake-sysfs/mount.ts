import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type { Level } from "../types.js";
import { buildFakeGpio } from "./build.js";
import { inPrivateMountNamespace } from "./namespace.js";

/** One GPIO chip of the fake: sysfs numbers `base` … `base + ngpio - 1`. */
export interface FakeGpioChip {
  base: number;
  ngpio: number;
  label: string;
}

/** Chips as the kernels in the field show them. */
export const CHIP_LAYOUTS = {
  /** Kernels before 6.6: numbers start at 0. */
  legacy: [{ base: 0, ngpio: 54, label: "pinctrl-bcm2835" }],
  /** Pi 4 on Bookworm: base 512, and the firmware expander after it. */
  pi4: [
    { base: 512, ngpio: 58, label: "pinctrl-bcm2711" },
    { base: 570, ngpio: 8, label: "raspberrypi-exp-gpio" },
  ],
  /** Pi 5 on kernel 6.6.45+: the header is RP1 at 571; another chip sits lower at 512. */
  pi5: [
    { base: 512, ngpio: 32, label: "gpio-brcmstb@107d508500" },
    { base: 571, ngpio: 54, label: "pinctrl-rp1" },
  ],
} as const satisfies Record<string, readonly FakeGpioChip[]>;

export interface FakeGpioOptions {
  chips: readonly FakeGpioChip[];
  /** Sysfs numbers whose export fails with EBUSY (held by a kernel driver). */
  busy?: number[];
  /** Opening `export` fails with EACCES (a user outside the gpio group). */
  denyExport?: boolean;
}

/** A mounted fake `/sys/class/gpio`. Pins are sysfs numbers. */
export interface FakeGpio {
  readonly root: string;
  /** What an outside circuit does to an input: 0 (pressed to ground) or 1 (pull-up). */
  setLine(sysfsNumber: number, level: Level): void;
  /** The physical level of an exported pin. */
  line(sysfsNumber: number): Level;
  /** Sysfs numbers exported now. */
  exported(): number[];
  unmount(): Promise<void>;
}

const ROOT = "/sys/class/gpio";

/**
 * Mounts the FUSE fake over `/sys/class/gpio`, where onoff looks. Refuses to run outside a
 * private mount namespace: it would hide the machine's real `/sys/class`.
 */
export async function mountFakeGpio(options: FakeGpioOptions): Promise<FakeGpio> {
  if (!inPrivateMountNamespace()) throw new Error("mountFakeGpio runs only inside runInPrivateMountNamespace()");
  const binary = buildFakeGpio();
  if (!readFileSync("/proc/self/mounts", "utf8").includes(" /sys/class tmpfs ")) {
    execFileSync("mount", ["-t", "tmpfs", "roomguard-test", "/sys/class"]);
  }
  mkdirSync(ROOT, { recursive: true });
  const args = [ROOT, ...options.chips.map((chip) => `--chip=${chip.base}:${chip.ngpio}:${chip.label}`)];
  if (options.busy?.length) args.push(`--busy=${options.busy.join(",")}`);
  if (options.denyExport) args.push("--deny-export");
  const daemon = spawn(binary, args, { stdio: ["ignore", "inherit", "inherit"] });
  await waitFor(() => existsSync(`${ROOT}/export`), daemon);
  return {
    root: ROOT,
    setLine: (n, level) => writeFileSync(`${ROOT}/gpio${n}/.line`, String(level)),
    line: (n) => (readFileSync(`${ROOT}/gpio${n}/.line`, "utf8").trim() === "1" ? 1 : 0),
    exported: () =>
      readdirSync(ROOT)
        .filter((name) => /^gpio\d+$/.test(name))
        .map((name) => Number(name.slice(4)))
        .sort((a, b) => a - b),
    async unmount() {
      if (daemon.exitCode === null) {
        const exited = new Promise((resolve) => daemon.once("exit", resolve));
        daemon.kill("SIGTERM"); // libfuse unmounts on SIGTERM
        await exited;
      }
    },
  };
}

async function waitFor(ready: () => boolean, daemon: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (ready()) return;
    if (daemon.exitCode !== null) throw new Error(`the fake sysfs GPIO exited with ${daemon.exitCode} before mounting`);
    await delay(10);
  }
  daemon.kill("SIGKILL");
  throw new Error("the fake sysfs GPIO did not mount within 5 s");
}
