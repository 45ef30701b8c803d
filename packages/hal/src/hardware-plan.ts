import { describePin, hexAddress, I2C_PINS, isHeaderGpio, physicalPin, PWM_CHANNELS } from "./header.js";

/**
 * One piece of hardware a config entry uses. `purpose` says what it is for people reading the
 * plan ("button LEFT", "siren"); `key` is the config key that chose it (`keypad.buttons.LEFT`).
 */
export type HardwareUse =
  /** A GPIO read (`in`) or driven (`out`); `pull` is the resistor it needs, set at boot on a Pi. */
  | { kind: "gpio"; pin: number; direction: "in" | "out"; pull: "up" | "down" | "none"; purpose: string; key: string }
  /** A hardware PWM output (BCM 12/18 are PWM0, 13/19 PWM1). */
  | { kind: "pwm"; pin: number; purpose: string; key: string }
  /** A chip on the I2C bus (BCM 2 and 3), by its 7-bit address. */
  | { kind: "i2c"; address: number; purpose: string; key: string }
  /** The kernel's 1-Wire bus on a pin (shared by every device on it). */
  | { kind: "1-wire"; pin: number; purpose: string; key: string };

/** A use and the service it belongs to. */
export type HardwareClaim = HardwareUse & { owner: string };

/** One line of the pin plan. */
export interface PinAssignment {
  bcm: number;
  /** The header pin, 1-40. */
  physical: number;
  owner: string;
  key: string;
  /** `in`/`out` for a GPIO, else the bus or function: `pwm`, `i2c`, `1-wire`. */
  use: "in" | "out" | "pwm" | "i2c" | "1-wire";
  /** The resistor it needs at boot; `board` where the Pi has one fitted (I2C), `external` where the wiring must bring it (1-Wire). */
  pull: "up" | "down" | "none" | "board" | "external";
  purpose: string;
}

/** A claim the plan refuses, with the owner whose entry is wrong. */
export interface PlanIssue {
  owner: string;
  key: string;
  message: string;
}

/** Every pin and I2C address the config uses, and what cannot be. */
export interface HardwarePlan {
  /** By BCM number. */
  pins: PinAssignment[];
  /** I2C devices, by address. */
  i2c: Array<{ address: number; owner: string; key: string; purpose: string }>;
  issues: PlanIssue[];
}

/**
 * Lays every claim of the whole config onto the header. Buses come first (their pins are
 * wired where the Pi puts them; a button can move), then PWM, then GPIOs in claim order: of two
 * claims on one pin, the later one is refused, naming the first. Pins off the header, the HAT
 * EEPROM's BCM 0/1, and a PWM on a pin without PWM are refused by name.
 */
export function planHardware(claims: readonly HardwareClaim[]): HardwarePlan {
  const pins = new Map<number, PinAssignment>();
  const i2c = new Map<number, HardwarePlan["i2c"][number]>();
  const issues: PlanIssue[] = [];
  const refuse = (claim: HardwareClaim, message: string): void => void issues.push({ owner: claim.owner, key: claim.key, message });
  const onHeader = (claim: HardwareClaim & { pin: number }): boolean => {
    if (isHeaderGpio(claim.pin) && claim.pin >= 2) return true;
    const why = claim.pin === 0 || claim.pin === 1 ? ": BCM 0 and 1 are reserved for the HAT ID EEPROM" : "";
    refuse(claim, `expected a BCM GPIO on the 40-pin header (2-27), got ${claim.pin}${why}`);
    return false;
  };
  const take = (claim: HardwareClaim, bcm: number, assignment: Omit<PinAssignment, "bcm" | "physical">): void => {
    const holder = pins.get(bcm);
    if (holder) {
      const bus = holder.use === "i2c" ? "the I2C bus, " : holder.use === "1-wire" ? "the 1-Wire bus, " : "already ";
      refuse(claim, `${describePin(bcm)} is ${bus}used by ${holder.key}: each pin can do one job; choose another`);
      return;
    }
    pins.set(bcm, { bcm, physical: physicalPin(bcm) ?? 0, ...assignment });
  };

  const order = (claim: HardwareClaim): number => (claim.kind === "i2c" || claim.kind === "1-wire" ? 0 : claim.kind === "pwm" ? 1 : 2);
  const sorted = claims.toSorted((a, b) => order(a) - order(b)); // stable: claims of one rank keep their order
  const pwmChannels = new Map<string, HardwareClaim>();
  for (const claim of sorted) {
    switch (claim.kind) {
      case "i2c": {
        if (!Number.isInteger(claim.address) || claim.address < 0x03 || claim.address > 0x77) {
          refuse(claim, `expected a 7-bit I2C address from 0x03 to 0x77, got ${claim.address}`);
          break;
        }
        const holder = i2c.get(claim.address);
        if (holder) {
          refuse(claim, `I2C address ${hexAddress(claim.address)} is already used by ${holder.key}: two chips cannot answer one address`);
          break;
        }
        i2c.set(claim.address, { address: claim.address, owner: claim.owner, key: claim.key, purpose: claim.purpose });
        const [sda, scl] = I2C_PINS;
        const first = pins.get(sda);
        if (first?.use === "i2c") break; // the bus is already laid out; more chips share it
        for (const [bcm, line] of [
          [sda, "SDA"],
          [scl, "SCL"],
        ] as const)
          take(claim, bcm, { owner: claim.owner, key: claim.key, use: "i2c", pull: "board", purpose: `I2C ${line}` });
        break;
      }
      case "1-wire": {
        if (!onHeader(claim)) break;
        const holder = pins.get(claim.pin);
        if (holder?.use === "1-wire") break; // one bus, many devices
        take(claim, claim.pin, { owner: claim.owner, key: claim.key, use: "1-wire", pull: "external", purpose: "1-Wire bus" });
        break;
      }
      case "pwm": {
        if (!onHeader(claim)) break;
        const channel = PWM_CHANNELS[claim.pin];
        if (channel === undefined) {
          refuse(claim, `${describePin(claim.pin)} has no hardware PWM: use BCM 12 or 18 (PWM0), 13 or 19 (PWM1)`);
          break;
        }
        const sharer = pwmChannels.get(channel);
        if (sharer) {
          refuse(claim, `${describePin(claim.pin)} is on ${channel}, already driven by ${sharer.key}: use the other channel`);
          break;
        }
        pwmChannels.set(channel, claim);
        take(claim, claim.pin, { owner: claim.owner, key: claim.key, use: "pwm", pull: "none", purpose: claim.purpose });
        break;
      }
      case "gpio":
        if (!onHeader(claim)) break;
        take(claim, claim.pin, { owner: claim.owner, key: claim.key, use: claim.direction, pull: claim.pull, purpose: claim.purpose });
        break;
    }
  }
  return {
    pins: [...pins.values()].sort((a, b) => a.bcm - b.bcm),
    i2c: [...i2c.values()].sort((a, b) => a.address - b.address),
    issues,
  };
}

/** Boot-time settings a piece of hardware needs (config.txt lines on a Raspberry Pi). */
interface BootNeeds {
  /** BCM pins that need the internal pull-up (`gpio=N=ip,pu`). */
  pullUp?: readonly number[];
  /** BCM pins that need the internal pull-down (`gpio=N=ip,pd`). */
  pullDown?: readonly number[];
  /** The I2C bus (`dtparam=i2c_arm=on`). */
  i2c?: boolean;
  /** A 1-Wire bus on each of these BCM pins (`dtoverlay=w1-gpio,gpiopin=N`). */
  oneWirePins?: readonly number[];
}

/** What the plan needs from the Pi's boot config, by owner: pulls (sysfs cannot set them), I2C, 1-Wire. */
export function bootNeedsOf(plan: HardwarePlan): Array<BootNeeds & { for: string }> {
  const byOwner = new Map<string, { pullUp: number[]; pullDown: number[]; i2c: boolean; oneWirePins: number[] }>();
  const of = (owner: string) => {
    let needs = byOwner.get(owner);
    if (!needs) byOwner.set(owner, (needs = { pullUp: [], pullDown: [], i2c: false, oneWirePins: [] }));
    return needs;
  };
  for (const pin of plan.pins) {
    if (pin.pull === "up") of(pin.owner).pullUp.push(pin.bcm);
    if (pin.pull === "down") of(pin.owner).pullDown.push(pin.bcm);
    if (pin.use === "1-wire") of(pin.owner).oneWirePins.push(pin.bcm);
  }
  for (const device of plan.i2c) of(device.owner).i2c = true;
  return [...byOwner].map(([owner, needs]) => ({
    for: owner,
    ...(needs.pullUp.length > 0 ? { pullUp: needs.pullUp } : {}),
    ...(needs.pullDown.length > 0 ? { pullDown: needs.pullDown } : {}),
    ...(needs.i2c ? { i2c: true } : {}),
    ...(needs.oneWirePins.length > 0 ? { oneWirePins: needs.oneWirePins } : {}),
  }));
}
