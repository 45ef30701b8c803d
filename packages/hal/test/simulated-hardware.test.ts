import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSimulatedHardware, type Board } from "../src/index.js";

const laptop: Board = { model: null, isRaspberryPi: false, isPi5: false };
const pi4: Board = { model: "Raspberry Pi 4 Model B Rev 1.4", isRaspberryPi: true, isPi5: false };
const pi5: Board = { model: "Raspberry Pi 5 Model B Rev 1.0", isRaspberryPi: true, isPi5: true };

describe("isSimulatedHardware", () => {
  it("sim is simulated anywhere; auto only off a Pi; a named real backend is real even off a Pi", () => {
    const answers = [laptop, pi4, pi5].map((board) =>
      (["auto", "sim", "onoff", "rpio"] as const).map((backend) => isSimulatedHardware(backend, board)),
    );
    assert.deepEqual(answers, [
      [true, true, false, false],
      [false, true, false, false],
      [false, true, false, false],
    ]);
  });

  it("reads the board itself when none is given (this machine's answer is chooseBackend's)", () => {
    assert.equal(isSimulatedHardware("sim"), true);
    assert.equal(isSimulatedHardware("onoff"), false);
  });
});
