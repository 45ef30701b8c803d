// The deploy scripts themselves: shellcheck finds nothing in any of them, and the boot-config
// block is written, replaced and removed without touching the rest of config.txt.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { BEGIN, bootLines, END, withBlock } from "../boot-config.mjs";
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

describe("the config.txt block", () => {
  it("turns hardware needs into config.txt lines: I2C, 1-Wire, pulls in one line each, sorted", () => {
    assert.deepEqual(
      bootLines([{ pullUp: [21, 5] }, { pullUp: [25], i2c: true }, { oneWirePin: 4 }, { pullDown: [17] }, { pullUp: [5] }]),
      ["dtparam=i2c_arm=on", "dtoverlay=w1-gpio,gpiopin=4", "gpio=5,21,25=ip,pu", "gpio=17=ip,pd"],
    );
    assert.deepEqual(bootLines([]), []);
    assert.throws(() => bootLines([{ pullUp: [17] }, { pullDown: [17] }]), /BCM 17: wanted with a pull-up and a pull-down at once/);
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
