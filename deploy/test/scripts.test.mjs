// The deploy scripts themselves: shellcheck finds nothing in any of them, and the boot-config
// block is written, replaced and removed without touching the rest of config.txt.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { BEGIN, bootLines, END, groupsFor, withBlock } from "../boot-config.mjs";
import { REPO, run } from "./rootfs.mjs";

describe("the deploy scripts", () => {
  it("pass shellcheck with no findings, .ci/run included", () => {
    const scripts = readdirSync(path.join(REPO, "deploy"))
      .filter((file) => file.endsWith(".sh"))
      .map((file) => path.join(REPO, "deploy", file));
    assert.ok(scripts.length >= 5, `the deploy scripts: ${scripts.join(", ")}`);
    const { stdout, status } = run("shellcheck", ["--severity=style", ...scripts, path.join(REPO, ".ci/run")], { allowFailure: true });
    assert.equal(stdout, "");
    assert.equal(status, 0);
  });
});

/** Runs install.sh's check_platform in a shell where `uname -m`, `id -u` and the files say what a test wants. */
function checkPlatform({ machine = "aarch64", uid = 0, model = "", os = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"' } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-platform-"));
  writeFileSync(path.join(dir, "model"), `${model}\0`);
  writeFileSync(path.join(dir, "os-release"), os);
  const script = `source deploy/install.sh
    uname() { echo ${machine}; }
    id() { echo ${uid}; }
    MODEL_FILE=${dir}/model OS_RELEASE=${dir}/os-release
    check_platform`;
  return run("bash", ["-c", script], { cwd: REPO, allowFailure: true });
}

describe("install.sh's platform check", () => {
  it("refuses a 32-bit ARM system, saying why and the way out", () => {
    const { status, stderr } = checkPlatform({ machine: "armv7l", model: "Raspberry Pi 3 Model B Rev 1.2" });
    assert.equal(status, 1);
    assert.match(
      stderr,
      /32-bit ARM system \(armv7l\)\. roomguard needs a 64-bit OS: its message bus \(zeromq\.js\) ships no 32-bit ARM build/,
    );
    assert.match(stderr, /Way out: write 'Raspberry Pi OS \(64-bit\)'/);
  });

  it("takes a Pi with a 64-bit Raspberry Pi OS or Debian 12/13", () => {
    const pi = checkPlatform({
      model: "Raspberry Pi 5 Model B Rev 1.0",
      os: 'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"',
    });
    assert.equal(pi.status, 0, pi.stderr);
    assert.match(pi.stdout, /^roomguard: platform: Raspberry Pi 5 Model B Rev 1\.0, Debian GNU\/Linux 13 \(trixie\), aarch64$/m);
  });

  it("installs on a Debian that is not a Pi with simulated hardware, and says so", () => {
    const laptop = checkPlatform({ machine: "x86_64" });
    assert.equal(laptop.status, 0, laptop.stderr);
    assert.match(laptop.stdout, /not a Raspberry Pi \(Debian 12, x86_64\): installing with simulated hardware/);
  });

  it("refuses another OS or a user who is not root, saying what to do", () => {
    const ubuntu = checkPlatform({ os: 'ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04"' });
    assert.equal(ubuntu.status, 1);
    assert.match(
      ubuntu.stderr,
      /supported: Raspberry Pi OS or Debian 12 \(bookworm\) or 13 \(trixie\); this is Ubuntu 24\.04\. RG_ANY_OS=1 tries anyway/,
    );
    const user = checkPlatform({ uid: 1000 });
    assert.equal(user.status, 1);
    assert.match(user.stderr, /run me as root: sudo/);
  });
});

describe("install.sh's groups from the config", () => {
  /** Runs ensure_config_groups with this config, users and groups played by shell functions. */
  function ensureConfigGroups(configText, { groups = "roomguard gpio i2c audio", hasInput = true } = {}) {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-groups-"));
    writeFileSync(path.join(dir, "config.yaml"), configText);
    const script = `source deploy/install.sh
      getent() { [ "$2" != input ] || ${hasInput ? "true" : "false"}; }
      id() { echo "${groups}"; }
      usermod() { echo "usermod $*"; }
      NODE=${JSON.stringify(process.execPath)} release=${JSON.stringify(REPO)} ETC=${JSON.stringify(dir)} changed=0
      ensure_config_groups`;
    return run("bash", ["-c", script], { cwd: REPO, allowFailure: true });
  }

  it("adds the roomguard user to input for a USB keypad, once; not for GPIO keys; warns without the group", () => {
    const usb = ensureConfigGroups("keypad:\n  mode: usb\n");
    assert.equal(usb.status, 0, usb.stderr);
    assert.equal(usb.stdout, "usermod -aG input roomguard\nroomguard: added roomguard to the input group (the config's USB keypad)\n");
    const already = ensureConfigGroups("keypad:\n  mode: usb\n", { groups: "roomguard gpio i2c audio input" });
    assert.equal(already.stdout, "");
    const buttons = ensureConfigGroups("keypad:\n  mode: buttons\n");
    assert.equal(buttons.stdout, "");
    const none = ensureConfigGroups("keypad:\n  mode: usb\n", { hasInput: false });
    assert.match(none.stdout, /^roomguard: warning: no 'input' group on this system: the keypad cannot read its device/);
  });
});

describe("the config.txt block", () => {
  it("turns hardware needs into config.txt lines: I2C, 1-Wire, pulls in one line each, sorted", () => {
    assert.deepEqual(
      bootLines([{ pullUp: [21, 5] }, { pullUp: [25], i2c: true }, { oneWirePins: [4] }, { pullDown: [17] }, { pullUp: [5] }]),
      ["dtparam=i2c_arm=on", "dtoverlay=w1-gpio,gpiopin=4", "gpio=5,21,25=ip,pu", "gpio=17=ip,pd"],
    );
    assert.deepEqual(bootLines([]), []);
    assert.throws(() => bootLines([{ pullUp: [17] }, { pullDown: [17] }]), /BCM 17: wanted with a pull-up and a pull-down at once/);
  });

  it("the input group only for a USB keypad (keypad.mode: usb), from the release's own config loader", () => {
    assert.deepEqual(groupsFor({ keypad: { mode: "usb" } }), ["input"]);
    assert.deepEqual(groupsFor({ keypad: { mode: "matrix" } }), []);
    assert.deepEqual(groupsFor({}), []);
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-groups-"));
    const groups = (text) => {
      writeFileSync(path.join(dir, "config.yaml"), text);
      const args = [path.join(REPO, "deploy/boot-config.mjs"), "--release", REPO, "--config", path.join(dir, "config.yaml"), "--groups"];
      return run(process.execPath, args).stdout;
    };
    assert.equal(groups("keypad:\n  mode: usb\n"), "input\n");
    assert.equal(groups("keypad:\n  mode: buttons\n"), "");
  });

  it("appends, replaces and removes only its own block", () => {
    const original = "# the Pi's settings\n[all]\ndtparam=audio=on";
    const once = withBlock(original, ["gpio=5=ip,pu"]);
    assert.equal(once, `${original}\n${BEGIN}\ngpio=5=ip,pu\n${END}\n`);
    const later = withBlock(`${once}# added by hand later\n`, ["gpio=6=ip,pu"]);
    assert.equal(later, `${original}\n${BEGIN}\ngpio=6=ip,pu\n${END}\n# added by hand later\n`);
    assert.equal(withBlock(later, ["gpio=6=ip,pu"]), later, "the same lines: the same file");
    assert.equal(withBlock(later, []), `${original}\n# added by hand later\n`);
  });
});
