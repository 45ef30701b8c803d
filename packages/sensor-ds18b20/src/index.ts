import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineSensor, SensorError, v, type Reading } from "@roomguard/sensor-kit";
import { crc8, parseW1Slave } from "./w1-slave.js";

export { crc8, parseW1Slave, type Scratchpad } from "./w1-slave.js";

const ENABLE_W1_HINT =
  "enable 1-Wire: dtoverlay=w1-gpio in /boot/firmware/config.txt (data on BCM 4, 4.7 kΩ pull-up to 3.3 V), then reboot";
/** The scratchpad a DS18B20 holds after power-on, before any conversion: +85 °C (datasheet, "Operation"). */
const POWER_ON_BYTES = [0x50, 0x05];

/**
 * Maxim DS18B20 on the 1-Wire bus, read through the kernel's w1_therm driver
 * (`<w1Root>/28-…/w1_slave`). Every reading's CRC is checked (the kernel's verdict and our
 * own), and the power-on value 85 °C is refused: it means the conversion never ran.
 */
export const sensor = defineSensor({
  kind: "ds18b20",
  aliases: ["onewire-temperature"],
  description: "DS18B20 1-Wire thermometer → SENSOR: <id> {temperature_c}",
  options: v.strictObject({
    /** The device's id (`28-0316a2795eff`); optional when exactly one DS18B20 is on the bus. */
    address: v.optional(v.pipe(v.string(), v.regex(/^28-[0-9a-f]{12}$/, "expected a DS18B20 id like 28-0316a2795eff"))),
    w1Root: v.optional(v.pipe(v.string(), v.minLength(1)), "/sys/bus/w1/devices"),
  }),
  defaultIntervalS: 30,
  measures: { temperature_c: { name: "temperature", deviceClass: "temperature", unit: "°C" } },
  // The kernel's 1-Wire driver reads the bus; its overlay's default pin is BCM 4.
  hardware: () => [{ kind: "1-wire", pin: 4, purpose: "DS18B20", key: "" }],
  create(options, context) {
    let file: string | undefined;
    return {
      async start() {
        let names: string[];
        try {
          names = await readdir(options.w1Root);
        } catch (error) {
          throw new SensorError("NO_W1", `no 1-Wire bus at ${options.w1Root} (${ENABLE_W1_HINT})`, { cause: error });
        }
        const found = names.filter((name) => /^28-[0-9a-f]{12}$/.test(name)).sort();
        const address = options.address ?? (found.length === 1 ? found[0] : undefined);
        if (address === undefined) {
          throw new SensorError(
            "NO_DEVICE",
            found.length === 0
              ? `no DS18B20 (28-…) under ${options.w1Root}: check its wiring and pull-up`
              : `several DS18B20s under ${options.w1Root}: set address to one of ${found.join(", ")}`,
          );
        }
        if (!found.includes(address))
          throw new SensorError("NO_DEVICE", `no DS18B20 ${address} under ${options.w1Root}; found: ${found.join(", ") || "none"}`);
        file = join(options.w1Root, address, "w1_slave");
        context.log.debug("DS18B20 found", { file });
      },
      async read(): Promise<Reading> {
        if (!file) throw new SensorError("NOT_STARTED", "read before start");
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (error) {
          throw new SensorError("NO_DEVICE", `cannot read ${file}: the DS18B20 is gone (wiring?)`, { cause: error });
        }
        let scratchpad;
        try {
          scratchpad = parseW1Slave(text);
        } catch (error) {
          throw new SensorError("BAD_DATA", error instanceof Error ? error.message : String(error));
        }
        const expected = crc8(scratchpad.bytes.slice(0, 8));
        if (!scratchpad.kernelCrcOk || expected !== scratchpad.bytes[8]) {
          throw new SensorError(
            "CRC",
            `1-Wire CRC failure on ${file} (kernel: ${scratchpad.kernelCrcOk ? "YES" : "NO"}, ours: 0x${expected.toString(16)} vs 0x${(scratchpad.bytes[8] ?? 0).toString(16)}): noise or a long cable`,
          );
        }
        if (scratchpad.bytes[0] === POWER_ON_BYTES[0] && scratchpad.bytes[1] === POWER_ON_BYTES[1]) {
          throw new SensorError(
            "POWER_ON",
            "85 °C is the DS18B20's power-on value: the conversion did not run (parasite power or a weak supply?)",
          );
        }
        const celsius = scratchpad.milliCelsius / 1000;
        if (!(celsius >= -55 && celsius <= 125))
          throw new SensorError("RANGE", `${celsius} °C is outside the DS18B20's range -55 to 125 °C`);
        return { temperature_c: celsius };
      },
      stop() {
        file = undefined;
        return Promise.resolve();
      },
    };
  },
});
