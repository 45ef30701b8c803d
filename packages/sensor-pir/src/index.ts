import { defineSensor, pinOption, v, type DigitalInput } from "@roomguard/sensor-kit";
import type { TimerHandle } from "@roomguard/runtime";

/**
 * A PIR motion sensor (HC-SR501, AM312): its output goes high while it sees motion. `MOTION: <id>
 * on` when it does; `off` once it has stayed low for `holdS`, so a person standing still for a
 * moment is not a new event every few seconds.
 */
export const sensor = defineSensor({
  kind: "pir",
  aliases: ["hc-sr501", "am312", "motion"],
  description: "PIR motion sensor → MOTION: <id> on|off",
  options: v.strictObject({
    pin: pinOption,
    holdS: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(3600)), 30),
  }),
  binary: { deviceClass: "motion" },
  // The module drives its output push-pull; the pull-down only keeps a loose wire quiet.
  hardware: (options) => [{ kind: "gpio", pin: options.pin, direction: "in", pull: "down", purpose: "PIR", key: "pin" }],
  // A simulated module starts idle: its push-pull output low, until `SIM: gpio <pin> 1` is motion.
  simulate(options, board) {
    board.gpio.drive(options.pin, 0);
  },
  create(options, context) {
    let input: DigitalInput | undefined;
    let offTimer: TimerHandle | undefined;
    let motion = false;
    const cancelOff = (): void => {
      if (offTimer) context.clock.clearTimeout(offTimer);
      offTimer = undefined;
    };
    const seen = (level: 0 | 1): void => {
      if (level === 1) {
        cancelOff();
        if (!motion) context.event({ topic: "MOTION", state: "on" });
        motion = true;
        return;
      }
      cancelOff();
      offTimer = context.clock.setTimeout(() => {
        offTimer = undefined;
        motion = false;
        context.event({ topic: "MOTION", state: "off" });
      }, options.holdS * 1000);
    };
    return {
      start() {
        // The module drives its output push-pull; the pull-down only keeps a loose wire quiet.
        input = context.hal.openInput(options.pin, { pull: "down" });
        motion = input.read() === 1;
        context.event({ topic: "MOTION", state: motion ? "on" : "off" });
        input.watch(seen);
        return Promise.resolve();
      },
      stop() {
        cancelOff();
        input?.close();
        input = undefined;
        return Promise.resolve();
      },
    };
  },
});
