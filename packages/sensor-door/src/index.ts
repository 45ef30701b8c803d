import { defineSensor, pinOption, v, type DigitalInput } from "@roomguard/sensor-kit";

/**
 * A reed switch on a door or window: a magnet on the door closes the switch when the door is
 * shut. Wired between the pin and ground with the pull-up on, the pin reads low when shut
 * and high when open (`openWhen: high`); a normally-closed switch reads the other way round.
 */
export const sensor = defineSensor({
  kind: "door",
  aliases: ["reed", "reed-switch", "window"],
  description: "door or window reed switch → DOOR: <id> open|closed",
  options: v.strictObject({
    pin: pinOption,
    openWhen: v.optional(v.picklist(["high", "low"], "expected high or low"), "high"),
    debounceMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5000)), 50),
  }),
  binary: { deviceClass: "door" },
  // The switch closes to ground: the pin needs its pull-up, which only the boot config can set.
  hardware: (options) => [{ kind: "gpio", pin: options.pin, direction: "in", pull: "up", purpose: "door switch", key: "pin" }],
  // A simulated door starts shut, as a real one with its magnet does: the contact holds the pin
  // at its "closed" level until `SIM: gpio <pin> <level>` opens the door.
  simulate(options, board) {
    board.gpio.drive(options.pin, options.openWhen === "high" ? 0 : 1);
  },
  create(options, context) {
    let input: DigitalInput | undefined;
    const state = (level: 0 | 1): "open" | "closed" => ((level === 1) === (options.openWhen === "high") ? "open" : "closed");
    return {
      start() {
        input = context.hal.openInput(options.pin, { pull: "up", debounceMs: options.debounceMs });
        context.event({ topic: "DOOR", state: state(input.read()) });
        input.watch((level) => context.event({ topic: "DOOR", state: state(level) }));
        return Promise.resolve();
      },
      stop() {
        input?.close();
        input = undefined;
        return Promise.resolve();
      },
    };
  },
});
