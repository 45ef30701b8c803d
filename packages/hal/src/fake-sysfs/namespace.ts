import { spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";

// Not ROOMGUARD_*: services refuse unknown ROOMGUARD_ variables as config typos.
const MARK = "FAKE_SYSFS_PRIVATE_MOUNTS";

/** True inside the private mount namespace `runInPrivateMountNamespace` made. */
export function inPrivateMountNamespace(): boolean {
  return process.env[MARK] === "1" && readlinkSync("/proc/self/ns/mnt") !== process.env.FAKE_SYSFS_HOST_MOUNT_NS;
}

/**
 * Runs this very script again inside a private mount namespace (`unshare -m`, as root, else
 * also a user namespace) and exits with its status; returns only inside the namespace. Mounts
 * made there (a fake `/sys/class/gpio`) are invisible to the machine and vanish with the
 * process. Output is inherited, so under `node --test` the runner reads the inner file's
 * report as if the outer had written it.
 */
export function runInPrivateMountNamespace(): void {
  if (inPrivateMountNamespace()) return;
  const asRoot = process.getuid?.() === 0;
  const unshareArgs = [...(asRoot ? [] : ["--map-root-user"]), "--mount", "--propagation", "private"];
  const result = spawnSync("unshare", [...unshareArgs, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [MARK]: "1", FAKE_SYSFS_HOST_MOUNT_NS: readlinkSync("/proc/self/ns/mnt") },
  });
  if (result.error) throw new Error(`cannot run unshare (util-linux) for a private mount namespace: ${result.error.message}`);
  process.exit(result.status ?? 1);
}
