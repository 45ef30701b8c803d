// A Debian rootfs to install roomguard into, for the deploy tests: debootstrapped once into a
// cache, used through an overlay (so every run starts from the same clean system), entered with
// chroot before it runs systemd and with nsenter once systemd-nspawn has booted it.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CACHE = "/var/cache/roomguard-test";
const MIRROR = "http://deb.debian.org/debian";
const QEMU_BINFMT = "/proc/sys/fs/binfmt_misc/qemu-aarch64";

/** Runs a command; throws with its output when it fails. */
export function run(command, args, { allowFailure = false, ...options } = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (allowFailure || result.status === 0) return result;
  throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}\n${result.stdout ?? ""}\n${result.stderr ?? ""}`);
}

const log = (text) => process.stderr.write(`# deploy test: ${text}\n`);

/** The cached debootstrapped rootfs for an architecture (amd64 or arm64), made on first use. */
export function cachedRootfs(arch) {
  const dir = path.join(CACHE, `bookworm-${arch}`);
  if (existsSync(path.join(dir, ".complete"))) return dir;
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  const include = "--include=systemd,systemd-sysv,dbus";
  log(`debootstrap bookworm ${arch} into ${dir} (once; cached for later runs)`);
  if (arch === "amd64") run("debootstrap", ["--variant=minbase", include, "bookworm", building, MIRROR]);
  else {
    run("debootstrap", ["--variant=minbase", include, "--arch", arch, "--foreign", "bookworm", building, MIRROR]);
    run("chroot", [building, "/debootstrap/debootstrap", "--second-stage"], { env: cleanEnv() });
  }
  writeFileSync(path.join(building, ".complete"), new Date().toISOString());
  renameSync(building, dir);
  return dir;
}

/** The environment for commands in the rootfs: none of this machine's Node or CA settings. */
export function cleanEnv(extra = {}) {
  return { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LANG: "C.UTF-8", ...extra };
}

/** Runs qemu-aarch64 for arm64 binaries through binfmt_misc; returns how to undo it (it is machine-wide). */
export function enableArm64Emulation() {
  if (!existsSync("/proc/sys/fs/binfmt_misc/status")) run("mount", ["-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"]);
  const wasEnabled = existsSync(QEMU_BINFMT) && readFileSync(QEMU_BINFMT, "utf8").startsWith("enabled");
  if (!wasEnabled) run("update-binfmts", ["--enable", "qemu-aarch64"]);
  return () => {
    if (!wasEnabled) run("update-binfmts", ["--disable", "qemu-aarch64"], { allowFailure: true });
  };
}

/**
 * A fresh system on top of the cached rootfs, looking like Raspberry Pi OS where the installer
 * looks: a device-tree model (a file, since /proc cannot be faked), /boot/firmware/config.txt,
 * the gpio and i2c groups, /etc/hosts; this machine's extra CA certificates (its proxy's); the
 * checkout in /root/roomguard as `git ls-files` has it. Downloads and the apt and pnpm caches
 * are bind-mounted from a cache that outlives the test.
 */
export function freshSystem(arch) {
  const lower = cachedRootfs(arch);
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-deploy-"));
  const root = path.join(dir, "root");
  for (const sub of ["upper", "work", "root"]) mkdirSync(path.join(dir, sub));
  run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  const system = { arch, dir, root, mounts: [root] };
  writeFileSync(path.join(root, "etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n127.0.1.1 roomguard-test\n");
  writeFileSync(path.join(root, "etc/hostname"), "roomguard-test\n");
  cpSync("/etc/resolv.conf", path.join(root, "etc/resolv.conf"), { dereference: true });
  for (const file of existsSync("/usr/local/share/ca-certificates") ? readdirSync("/usr/local/share/ca-certificates") : [])
    cpSync(path.join("/usr/local/share/ca-certificates", file), path.join(root, "usr/local/share/ca-certificates", file));
  mkdirSync(path.join(root, "etc/roomguard-test"), { recursive: true });
  writeFileSync(path.join(root, "etc/roomguard-test/model"), "Raspberry Pi 4 Model B Rev 1.5\0");
  mkdirSync(path.join(root, "boot/firmware"), { recursive: true });
  writeFileSync(path.join(root, "boot/firmware/config.txt"), "# Raspberry Pi OS's own settings\n[all]\ndtparam=audio=on\n");
  for (const group of ["gpio", "i2c"]) run("chroot", [root, "groupadd", "--system", group], { env: cleanEnv() });
  copyCheckout(root);
  for (const [host, inside] of [
    [path.join(CACHE, `apt-${arch}`), "var/cache/apt/archives"],
    [path.join(CACHE, `roomguard-${arch}`), "var/cache/roomguard-test"], // install.sh's RG_CACHE in the tests
  ]) {
    mkdirSync(host, { recursive: true });
    mkdirSync(path.join(root, inside), { recursive: true });
    run("mount", ["--bind", host, path.join(root, inside)]);
    system.mounts.push(path.join(root, inside));
  }
  return system;
}

/** The checkout as `git ls-files` has it (no node_modules, no build output) into /root/roomguard. */
export function copyCheckout(root) {
  const target = path.join(root, "root/roomguard");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const files = execFileSync("git", ["-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  execFileSync("bash", ["-c", `tar --null -T - -cf - | tar -xf - -C ${JSON.stringify(target)}`], { cwd: REPO, input: files });
}

/** Runs a command in the system with chroot (no systemd running): proc, sys and dev mounted for it. */
export function inChroot(system, command, options = {}) {
  const { root } = system;
  const mounts = [
    ["-t", "proc", "proc", `${root}/proc`],
    ["-t", "sysfs", "sys", `${root}/sys`],
    ["--rbind", "/dev", `${root}/dev`],
  ];
  for (const args of mounts) run("mount", args);
  try {
    return run("chroot", [root, "bash", "-c", command], { env: cleanEnv(options.env), allowFailure: options.allowFailure });
  } finally {
    for (const target of [`${root}/dev`, `${root}/sys`, `${root}/proc`]) run("umount", ["-R", target], { allowFailure: true });
  }
}

/** Boots the system with systemd-nspawn (its own network: only its own loopback) and waits for systemd. */
export async function boot(system) {
  const nspawn = spawn(
    "systemd-nspawn",
    ["-D", system.root, "--register=no", "--keep-unit", "--private-network", "--console=read-only", "-b"],
    { stdio: ["ignore", "pipe", "pipe"], env: cleanEnv() },
  );
  let output = "";
  nspawn.stdout.on("data", (chunk) => (output += chunk.toString()));
  nspawn.stderr.on("data", (chunk) => (output += chunk.toString()));
  system.nspawn = nspawn;
  system.output = () => output;
  const end = Date.now() + 120_000;
  for (;;) {
    const init = run("pgrep", ["-P", String(nspawn.pid)], { allowFailure: true })
      .stdout.trim()
      .split("\n")[0];
    if (init) {
      system.init = Number(init);
      const state = inSystem(system, "systemctl is-system-running --wait", { allowFailure: true }).stdout.trim();
      if (state === "running" || state === "degraded") return state;
    }
    if (nspawn.exitCode !== null) throw new Error(`the system did not boot:\n${output}`);
    if (Date.now() > end) throw new Error(`the system did not finish booting within 120 s:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs a command inside the booted system. */
export function inSystem(system, command, options = {}) {
  return run("nsenter", ["-t", String(system.init), "-a", "bash", "-c", command], {
    env: cleanEnv(options.env),
    allowFailure: options.allowFailure,
  });
}

/** Powers the booted system off (killing it after 30 s) and removes the overlay and its mounts. */
export async function dispose(system) {
  if (system.nspawn && system.nspawn.exitCode === null) {
    const exited = new Promise((resolve) => system.nspawn.once("exit", resolve));
    inSystem(system, "systemctl poweroff", { allowFailure: true });
    const timer = setTimeout(() => system.nspawn.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
  for (const target of [`${system.root}/dev`, `${system.root}/sys`, `${system.root}/proc`, ...system.mounts.slice().reverse()])
    run("umount", ["-R", target], { allowFailure: true });
  rmSync(system.dir, { recursive: true, force: true });
}
