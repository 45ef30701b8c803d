// A real install: deploy/install.sh in a Debian bookworm rootfs made to look like Raspberry Pi OS,
// booted with systemd-nspawn. amd64 by default (part of `npm test`); arm64 through qemu with
// `pnpm test:deploy:arm64` (ROOMGUARD_DEPLOY_ARCH=arm64). Needs root, debootstrap and
// systemd-container (scripts/system-packages.mjs installs them).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { boot, cleanEnv, copyCheckout, dispose, enableArm64Emulation, freshSystem, inChroot, inSystem, REPO, run } from "./rootfs.mjs";

const ARCH = process.env.ROOMGUARD_DEPLOY_ARCH ?? "amd64";
const isRoot = process.getuid?.() === 0;
// The fake Pi's model file, and the downloads and pnpm store cached outside the rootfs.
const PI = { env: { RG_MODEL_FILE: "/etc/roomguard-test/model", RG_CACHE: "/var/cache/roomguard-test" } };
// Emulated arm64 is many times slower.
const TIMEOUT = ARCH === "arm64" ? 90 * 60_000 : 20 * 60_000;

/** The services the installed config runs, as the release's registry says (`roomguard check`). */
const servicesOf = (system) => JSON.parse(inSystem(system, "roomguard check --json").stdout).services;

/** The launcher's `status` table, once every service runs. */
async function untilAllRunning(system, timeoutMs = ARCH === "arm64" ? 300_000 : 60_000) {
  const services = servicesOf(system);
  assert.ok(services.length >= 4, `roomguard check names the services: ${services.join(", ")}`);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = inSystem(system, "roomguard status --timeout 3000", { allowFailure: true }).stdout;
    if (services.every((service) => new RegExp(`^${service} +running `, "m").test(status))) return status;
    if (Date.now() > end) throw new Error(`not every service ran within ${timeoutMs} ms; status:\n${status}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const mainPid = (system) => inSystem(system, "systemctl show -p MainPID --value roomguard").stdout.trim();
const unitProcesses = (system) =>
  inSystem(system, "cat /sys/fs/cgroup/system.slice/roomguard.service/cgroup.procs 2>/dev/null || true").stdout.trim();

/** What a run of install.sh could change, as one string. */
const snapshot = (system) =>
  inSystem(
    system,
    "sha256sum $(find /etc/roomguard -type f | sort) /etc/systemd/system/roomguard.service /boot/firmware/config.txt /usr/local/bin/roomguard; " +
      "stat -c '%n %a %U %G' $(find /etc/roomguard | sort); readlink /opt/roomguard/current; ls /opt/roomguard/releases; id roomguard",
  ).stdout;

/**
 * What a user's process meets connecting to each of `targets` (a socket file, or a port on
 * 127.0.0.1) as a plain socket, without ZeroMQ (which would retry in silence): `connected` or
 * the error's code, one line each.
 */
function connectAs(system, user, targets) {
  const script = [
    'const net = require("node:net");',
    "(async () => { for (const to of process.argv.slice(1)) {",
    '  const code = await new Promise((done) => { const socket = net.connect(/^[0-9]+$/.test(to) ? { port: Number(to), host: "127.0.0.1" } : to);',
    '    socket.on("connect", () => { socket.destroy(); done("connected"); }).on("error", (error) => done(error.code)); });',
    "  console.log(to, code); } })();",
  ].join(" ");
  return inSystem(system, `cd / && runuser -u ${user} -- /opt/roomguard/node/bin/node -e '${script}' ${targets.join(" ")}`).stdout;
}

describe(
  `deploy/install.sh on Debian bookworm ${ARCH}, booted with systemd-nspawn`,
  { timeout: TIMEOUT, skip: isRoot ? false : "needs root (CI runs it as root)" },
  () => {
    let system;
    let restoreBinfmt = () => undefined;

    before(() => {
      if (ARCH === "arm64") restoreBinfmt = enableArm64Emulation();
      system = freshSystem(ARCH);
      // Like a Pi you push to: sshd and sudo, and a key of ours for root.
      inChroot(
        system,
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server sudo >/dev/null",
      );
      run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(system.dir, "key")]);
      mkdirSync(path.join(system.root, "root/.ssh"), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(system.root, "root/.ssh/authorized_keys"), readFileSync(path.join(system.dir, "key.pub")), { mode: 0o600 });
    });
    after(async () => {
      if (system) await dispose(system);
      restoreBinfmt();
    });

    it("installs from a checkout: packages, Node, pnpm, a verified build, user, config, boot settings, an enabled unit", () => {
      const started = Date.now();
      // Run with sudo by the Pi's admin user, as the docs say.
      inChroot(system, "useradd --create-home pi");
      const { stdout } = inChroot(system, "/root/roomguard/deploy/install.sh 2>&1", { env: { ...PI.env, SUDO_USER: "pi" } });
      process.stderr.write(`# deploy test: first install took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      assert.match(stdout, /platform: Raspberry Pi 4 Model B Rev 1\.5, Debian GNU\/Linux 12 \(bookworm\)/);
      assert.match(stdout, /REBOOT NEEDED/);
      assert.match(stdout, /systemd is not running here \(a chroot\?\): roomguard\.service is enabled and starts at the next boot/);
      const bootConfig = readFileSync(path.join(system.root, "boot/firmware/config.txt"), "utf8");
      assert.match(
        bootConfig,
        /^# Raspberry Pi OS's own settings\n\[all\]\ndtparam=audio=on\n# >>> roomguard/,
        "the file's own lines are kept",
      );
      assert.match(bootConfig, /^gpio=5,6,16,20,21,25=ip,pu$/m, "pull-ups for the five keys and the door switch");
      assert.match(
        stdout,
        /^5 +29 +keypad +in +up +button LEFT +keypad\.buttons\.LEFT$/m,
        "roomguard check's pin plan, before anything started",
      );
      assert.equal(
        readFileSync(path.join(system.root, "etc/roomguard/config.yaml"), "utf8"),
        readFileSync(path.join(system.root, "root/roomguard/deploy/config.template.yaml"), "utf8"),
      );
      for (const group of ["gpio", "i2c", "audio"]) assert.match(inChroot(system, "id -nG roomguard").stdout, new RegExp(`\\b${group}\\b`));
      // The admin joins the roomguard group (the bus's, the control socket's and the config's), and is told to log in again.
      assert.match(inChroot(system, "id -nG pi").stdout, /\broomguard\b/);
      assert.match(
        stdout,
        /^roomguard: added pi to the roomguard group, for the bus \(roomguard tap, send\), roomguard status and roomguard ctl$/m,
      );
      assert.match(stdout, /^roomguard: pi: log out and back in for the group to apply .*newgrp roomguard.*$/m);
      // The bus's CURVE keys, made by `roomguard keys init` as the service user: theirs alone.
      assert.match(stdout, /^roomguard: made the bus's CURVE keys in \/etc\/roomguard\/keys/m);
      assert.equal(
        inChroot(system, "stat -c '%n %a %U' /etc/roomguard/keys /etc/roomguard/keys/router.key_secret /etc/roomguard/keys/host.key_secret")
          .stdout,
        "/etc/roomguard/keys 700 roomguard\n/etc/roomguard/keys/router.key_secret 600 roomguard\n/etc/roomguard/keys/host.key_secret 600 roomguard\n",
      );
      assert.equal(
        readlinkSync(path.join(system.root, "etc/systemd/system/multi-user.target.wants/roomguard.service")),
        "/etc/systemd/system/roomguard.service",
        "enabled",
      );
    });

    it("its unit passes systemd-analyze verify without a word on stderr", () => {
      const { stderr } = run("systemd-analyze", ["verify", `--root=${system.root}`, "/etc/systemd/system/roomguard.service"]);
      assert.equal(stderr, "");
    });

    it("boots into a running appliance: the unit is active, every service runs, a KEY: reaches a subscriber", async () => {
      await boot(system);
      assert.equal(inSystem(system, "systemctl is-active roomguard").stdout.trim(), "active");
      const status = await untilAllRunning(system);
      assert.match(status, /^music-player +running .*no MPD socket|^music-player +running /m);
      // The tap's subscription reaches the router a moment after it starts, and send cannot tell
      // (the music player wants KEY: too): send until the tap shows it, for as long as the tap runs.
      const { stdout } = inSystem(
        system,
        "timeout 60 roomguard tap KEY: > /tmp/tap.txt 2>&1 & tap=$!; " +
          'until grep -q "KEY: LEFT" /tmp/tap.txt || ! kill -0 $tap 2>/dev/null; do roomguard send "KEY: LEFT" > /dev/null; sleep 0.2; done; ' +
          "kill $tap 2>/dev/null; cat /tmp/tap.txt",
      );
      assert.match(stdout, /^\d\d:\d\d:\d\d\.\d+ +KEY: LEFT$/m);
    });

    it("only the roomguard user and group reach the bus: the admin taps and sends, any other user cannot connect, and lala-pi's ports are closed", () => {
      // The router's sockets get 0770 from the unit's UMask=0007; the launcher and the alarm make theirs 0660.
      assert.equal(
        inSystem(system, "cd /run/roomguard && stat -c '%n %a %U %G' . bus-in.sock bus-out.sock launcher.sock alarm.sock").stdout,
        [
          ". 750 roomguard roomguard",
          "bus-in.sock 770 roomguard roomguard",
          "bus-out.sock 770 roomguard roomguard",
          "launcher.sock 660 roomguard roomguard",
          "alarm.sock 660 roomguard roomguard",
          "",
        ].join("\n"),
      );
      const sockets = ["bus-in", "bus-out", "launcher", "alarm"].map((name) => `/run/roomguard/${name}.sock`);
      // Another local user: no socket (the directory is closed to it), and nothing on lala-pi's
      // ports nor the schema's other defaults (bus.lalapiPorts is off).
      assert.equal(
        connectAs(system, "nobody", [...sockets, 5556, 5555, 5557, 5558]),
        `${sockets.map((socket) => `${socket} EACCES\n`).join("")}5556 ECONNREFUSED\n5555 ECONNREFUSED\n5557 ECONNREFUSED\n5558 ECONNREFUSED\n`,
      );
      assert.equal(connectAs(system, "pi", sockets), sockets.map((socket) => `${socket} connected\n`).join(""));
      // The admin the installer put in the group taps and sends (a new login has the group); another
      // user's roomguard send can read no config, and with the endpoints given reaches no router
      // (ZeroMQ retries a refused connect in silence: nothing it sends arrives).
      const { stdout } = inSystem(
        system,
        "cd /; timeout 60 runuser -u pi -- roomguard tap KEY: > /tmp/tap-pi.txt 2>&1 & tap=$!; " +
          'until grep -q "KEY: TEST_PI" /tmp/tap-pi.txt || ! kill -0 $tap 2>/dev/null; do runuser -u pi -- roomguard send "KEY: TEST_PI" > /dev/null; sleep 0.2; done; ' +
          'runuser -u nobody -- roomguard send --timeout 2000 "KEY: TEST_NOBODY" > /tmp/nobody-config.txt 2>&1; echo "config $?"; ' +
          "runuser -u nobody -- env ROOMGUARD_CONFIG=/dev/null ROOMGUARD_BUS_IN=ipc:///run/roomguard/bus-in.sock ROOMGUARD_BUS_OUT=ipc:///run/roomguard/bus-out.sock " +
          'roomguard send --timeout 2000 "KEY: TEST_NOBODY" > /tmp/nobody-endpoints.txt 2>&1; echo "endpoints $?"; ' +
          'until grep -q "KEY: TEST_AFTER" /tmp/tap-pi.txt || ! kill -0 $tap 2>/dev/null; do runuser -u pi -- roomguard send "KEY: TEST_AFTER" > /dev/null; sleep 0.2; done; ' +
          "kill $tap 2>/dev/null; cat /tmp/tap-pi.txt",
      );
      // Without the config, the CLI carries on with the schema's defaults: lala-pi's ports, closed here.
      const config = inSystem(system, "cat /tmp/nobody-config.txt").stdout;
      assert.match(stdout, /^config 69$/m, config);
      assert.match(config, /cannot read config file \/etc\/roomguard\/config\.yaml: permission denied/);
      assert.match(config, /cannot reach the router at tcp:\/\/127\.0\.0\.1:5556/);
      const endpoints = inSystem(system, "cat /tmp/nobody-endpoints.txt").stdout;
      assert.match(stdout, /^endpoints 69$/m, endpoints);
      assert.match(endpoints, /cannot reach the router at ipc:\/\/\/run\/roomguard\/bus-in\.sock: permission denied/);
      assert.match(endpoints, /sudo usermod -aG roomguard \$USER/, "it says how to get in");
      assert.match(stdout, /^\d\d:\d\d:\d\d\.\d+ +KEY: TEST_PI$/m);
      assert.match(stdout, /^\d\d:\d\d:\d\d\.\d+ +KEY: TEST_AFTER$/m, "the tap ran on past nobody's attempts");
      assert.doesNotMatch(stdout, /TEST_NOBODY/);
    });

    it("only the roomguard user and group reach the control socket: the admin can ask it, any other user cannot quit; quit is systemd's, and an exit 0 is restarted", async () => {
      const launcher = mainPid(system);
      // The admin the installer put in the group (a new login has it).
      const admin = inSystem(system, "cd / && runuser -u pi -- roomguard status", { allowFailure: true });
      assert.equal(admin.status, 0, `${admin.stdout}${admin.stderr}`);
      assert.match(admin.stdout, /^router +running /m);
      // Any other local user: neither through the config (which it may not read) nor with the socket's path.
      const nobody = inSystem(system, "cd / && runuser -u nobody -- roomguard ctl quit", { allowFailure: true });
      assert.notEqual(nobody.status, 0, `${nobody.stdout}${nobody.stderr}`);
      const direct = inSystem(
        system,
        "cd / && runuser -u nobody -- env ROOMGUARD_LAUNCHER_CONTROL=ipc:///run/roomguard/launcher.sock roomguard ctl quit",
        { allowFailure: true },
      );
      assert.equal(direct.status, 69, `${direct.stdout}${direct.stderr}`);
      assert.match(direct.stderr, /permission denied/);
      // Not even root quits it over ctl: systemd would start it again; it names what stops it.
      const quit = inSystem(system, "roomguard ctl quit", { allowFailure: true });
      assert.equal(quit.status, 1, `${quit.stdout}${quit.stderr}`);
      assert.match(quit.stderr, /sudo systemctl stop roomguard/);
      assert.equal(mainPid(system), launcher, "the launcher runs on");
      assert.equal(inSystem(system, "systemctl is-active roomguard").stdout.trim(), "active");
      await untilAllRunning(system);
      // A launcher that ends cleanly without systemctl stop (SIGTERM: exit 0) is started again (Restart=always).
      inSystem(system, `kill -TERM ${launcher}`);
      const end = Date.now() + 60_000;
      while (mainPid(system) === launcher || mainPid(system) === "0") {
        if (Date.now() > end)
          throw new Error(
            `systemd did not start the launcher again: ${inSystem(system, "systemctl status roomguard --no-pager", { allowFailure: true }).stdout}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await untilAllRunning(system);
    });

    it("services outlive a launcher crash (systemd restarts it and it adopts them) and systemctl stop still stops them all", async () => {
      const launcher = mainPid(system);
      const before = await untilAllRunning(system);
      inSystem(system, `kill -9 ${launcher}`);
      const end = Date.now() + 60_000;
      while (mainPid(system) === launcher || mainPid(system) === "0") {
        if (Date.now() > end) throw new Error("systemd did not restart the launcher");
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const after = await untilAllRunning(system);
      const pids = (table) =>
        table
          .split("\n")
          .slice(1)
          .map((line) => line.split(/ +/).slice(0, 3).join(" "));
      assert.deepEqual(pids(after), pids(before), "the same processes, adopted");
      // Their sockets outlived the restart too (RuntimeDirectoryPreserve=restart): the adopted router and alarm are reachable.
      const sockets = ["bus-in", "bus-out", "alarm"].map((name) => `/run/roomguard/${name}.sock`);
      assert.equal(connectAs(system, "pi", sockets), sockets.map((socket) => `${socket} connected\n`).join(""));
      inSystem(system, "systemctl stop roomguard");
      assert.equal(inSystem(system, "systemctl is-active roomguard", { allowFailure: true }).stdout.trim(), "inactive");
      assert.equal(unitProcesses(system), "", "no process of the unit is left");
      inSystem(system, "systemctl start roomguard");
      await untilAllRunning(system);
    });

    it("a second install.sh run changes nothing and restarts nothing", async () => {
      const pid = mainPid(system);
      const snap = snapshot(system);
      const { stdout } = inSystem(system, "/root/roomguard/deploy/install.sh 2>&1", PI);
      assert.match(stdout, /nothing to change: roomguard is installed and up to date/);
      assert.doesNotMatch(stdout, /REBOOT NEEDED|wrote |building|switched/);
      assert.equal(snapshot(system), snap);
      assert.equal(mainPid(system), pid);
    });

    it("update.sh builds the new checkout, keeps the user's edited config, restarts; a failed build leaves the running version", async () => {
      inSystem(system, "sed -i 's/^  mode: buttons.*/  mode: buttons\\n  holdMs: 1500 # mine/' /etc/roomguard/config.yaml");
      const edited = readFileSync(path.join(system.root, "etc/roomguard/config.yaml"), "utf8");
      assert.match(edited, /holdMs: 1500 # mine/);
      const pid = mainPid(system);
      const current = inSystem(system, "readlink /opt/roomguard/current").stdout;

      // A checkout whose build fails: nothing changes for the running appliance.
      inSystem(system, "echo 'export const broken: number = \"not a number\";' >> /root/roomguard/packages/router/src/main.ts");
      const failed = inSystem(system, "/root/roomguard/deploy/update.sh --no-pull 2>&1", { ...PI, allowFailure: true });
      assert.notEqual(failed.status, 0);
      assert.match(failed.stdout, /the build failed \(the running version is untouched\)/);
      assert.equal(inSystem(system, "readlink /opt/roomguard/current").stdout, current);
      assert.equal(mainPid(system), pid);

      // A newer checkout that builds.
      copyCheckout(system.root);
      inSystem(system, "echo '<!-- a newer version -->' >> /root/roomguard/README.md");
      inSystem(system, "echo '# a line the newer template has' >> /root/roomguard/deploy/config.template.yaml");
      const { stdout } = inSystem(system, "/root/roomguard/deploy/update.sh --no-pull 2>&1", PI);
      assert.match(stdout, /updating from \/root\/roomguard as it is/);
      assert.match(stdout, /switched \/opt\/roomguard\/current/);
      assert.match(
        stdout,
        /the config template changed; yours is kept\. The new one is \/etc\/roomguard\/config\.yaml\.new; what changed:/,
      );
      assert.match(stdout, /^\+# a line the newer template has$/m);
      assert.match(readFileSync(path.join(system.root, "etc/roomguard/config.yaml.new"), "utf8"), /# a line the newer template has\n$/);
      assert.notEqual(inSystem(system, "readlink /opt/roomguard/current").stdout, current);
      assert.equal(
        readFileSync(path.join(system.root, "etc/roomguard/config.yaml"), "utf8"),
        edited,
        "the user's config is kept as it was",
      );
      assert.notEqual(mainPid(system), pid, "restarted on the new release");
      await untilAllRunning(system);
    });

    it("an invalid config stops the unit with exit 78, naming the key, and is not restarted in a loop", async () => {
      inSystem(
        system,
        "cp /etc/roomguard/config.yaml /root/config.good && sed -i 's/^  holdMs: 1500 # mine/  holdMs: -5/' /etc/roomguard/config.yaml",
      );
      inSystem(system, "systemctl restart roomguard", { allowFailure: true });
      const show = () => inSystem(system, "systemctl show -p ActiveState -p ExecMainStatus -p NRestarts roomguard").stdout;
      const end = Date.now() + 60_000;
      while (!/ActiveState=failed/.test(show())) {
        if (Date.now() > end) throw new Error(`the unit did not fail: ${show()}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await new Promise((resolve) => setTimeout(resolve, 5000)); // RestartSec is 2 s: a restart would have come by now
      assert.match(show(), /NRestarts=0/);
      assert.match(show(), /ExecMainStatus=78/);
      assert.match(show(), /ActiveState=failed/);
      assert.match(inSystem(system, "journalctl -u roomguard --no-pager -n 50").stdout, /keypad\.holdMs/);
      // install.sh checks the whole config (roomguard check) before it changes anything: a pin
      // used twice is refused, naming both keys.
      inSystem(system, "sed 's/pin: 25 }/pin: 5 }/' /root/config.good > /etc/roomguard/config.yaml");
      const refused = inSystem(system, "/root/roomguard/deploy/install.sh 2>&1", { ...PI, allowFailure: true });
      assert.notEqual(refused.status, 0);
      assert.match(refused.stdout, /sensors\[front\]\.pin: BCM 5 \(pin 29\) is already used by keypad\.buttons\.LEFT/);
      assert.match(refused.stdout, /config\.yaml has problems \(above\)\. Fix them, then run this again\./);
      inSystem(system, "cp /root/config.good /etc/roomguard/config.yaml && systemctl restart roomguard");
      await untilAllRunning(system);
    });

    it("uninstall.sh leaves no unit, user, command or /opt tree, and keeps the config", () => {
      const { stdout } = inSystem(system, "/root/roomguard/deploy/uninstall.sh 2>&1");
      assert.match(stdout, /kept \/etc\/roomguard/);
      assert.equal(inSystem(system, "systemctl list-unit-files roomguard.service --no-legend", { allowFailure: true }).stdout.trim(), "");
      assert.notEqual(inSystem(system, "id roomguard", { allowFailure: true }).status, 0);
      assert.notEqual(inSystem(system, "getent group roomguard", { allowFailure: true }).status, 0, "nor its group, which pi was in");
      assert.equal(existsSync(path.join(system.root, "opt/roomguard")), false);
      assert.equal(existsSync(path.join(system.root, "usr/local/bin/roomguard")), false);
      assert.equal(existsSync(path.join(system.root, "etc/roomguard/config.yaml")), true);
      assert.doesNotMatch(readFileSync(path.join(system.root, "boot/firmware/config.txt"), "utf8"), /roomguard/);
      assert.equal(unitProcesses(system), "");
    });

    it("push.sh copies a checkout over ssh and installs it: on a Debian that is not a Pi, with simulated hardware", async () => {
      // The container has no network: the downloads and the pnpm store come from the test's cache.
      inSystem(system, "ln -sfn /var/cache/roomguard-test /var/cache/roomguard");
      const key = path.join(system.dir, "key");
      const ssh = `-i ${key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
      // ssh from here into the booted system's own network, as from a laptop to a Pi.
      const { stdout } = run("nsenter", ["-t", String(system.init), "-n", path.join(REPO, "deploy/push.sh"), "root@127.0.0.1", "pushed"], {
        env: cleanEnv({ RG_SSH_OPTIONS: ssh }),
      });
      assert.match(stdout, /^roomguard: copying .* to root@127\.0\.0\.1:pushed$/m);
      assert.match(stdout, /platform: not a Raspberry Pi \(Debian GNU\/Linux 12 \(bookworm\), .*\): installing with simulated hardware/);
      assert.ok(existsSync(path.join(system.root, "root/pushed/deploy/install.sh")), "the checkout arrived");
      assert.equal(inSystem(system, "systemctl is-active roomguard").stdout.trim(), "active");
      await untilAllRunning(system);
    });
  },
);
