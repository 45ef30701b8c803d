import { checkHeaderGpio } from "../header.js";
import type { Level } from "../types.js";

/** How the hal configured a pin. */
export type SimPinMode =
  { kind: "unused" } | { kind: "input"; pull: "up" | "down" | "none" } | { kind: "output"; level: Level } | { kind: "released" }; // an open-drain output not driving: high impedance

/** A short circuit: pins driven to different levels joined by closed switches. */
export interface Short {
  pins: number[];
}

/**
 * The wires around a simulated Pi: what the hal drives, what the outside world drives, and
 * switches (buttons, matrix keys) joining pins together. Levels are physical (0 V = 0).
 *
 * A pin's level is worked out like a circuit: every pin joined to it by closed switches forms
 * one net; a net with something driving 0 reads 0, else with something driving 1 reads 1,
 * else it follows a pull-up or pull-down, else it floats at 0. So a matrix keypad without
 * diodes ghosts here exactly as it does on a bench.
 *
 * It has the header's GPIOs and no others: a pin it does not have is refused, never remembered
 * (every change recomputes every pin it knows, so a board grown by 20,000 pins takes minutes).
 */
export class SimGpio {
  private readonly modes = new Map<number, SimPinMode>();
  /** Levels forced from outside (`drive`), e.g. a sensor's output or a button to ground. */
  private readonly external = new Map<number, Level>();
  private readonly switches = new Map<number, Set<number>>();
  private readonly levels = new Map<number, Level>();
  private readonly listeners = new Map<number, Set<() => void>>();
  /** Shorts seen since the start; a correct scan never makes one. */
  readonly shorts: Short[] = [];

  /** The physical level of a pin now. */
  level(pin: number): Level {
    return this.levels.get(pin) ?? this.compute(pin);
  }

  mode(pin: number): SimPinMode {
    return this.modes.get(pin) ?? { kind: "unused" };
  }

  /** Used by the sim hal when it opens, writes or releases a pin. */
  setMode(pin: number, mode: SimPinMode): void {
    checkHeaderGpio(pin);
    this.modes.set(pin, mode);
    this.update();
  }

  /** The outside world drives `pin` to `level` (a button to ground is `drive(pin, 0)`). */
  drive(pin: number, level: Level): void {
    checkHeaderGpio(pin);
    this.external.set(pin, level);
    this.update();
  }

  /** The outside world lets go of `pin`: it follows its pull again. */
  release(pin: number): void {
    checkHeaderGpio(pin);
    this.external.delete(pin);
    this.update();
  }

  /** Closes a switch between two pins (a matrix key joins a row and a column). */
  connect(a: number, b: number): void {
    this.link(a, b, true);
    this.update();
  }

  /** Opens the switch between two pins. */
  disconnect(a: number, b: number): void {
    this.link(a, b, false);
    this.update();
  }

  /** Calls `listener` whenever the level of `pin` changes. Returns a function that stops it. */
  onChange(pin: number, listener: () => void): () => void {
    checkHeaderGpio(pin);
    const set = this.listeners.get(pin) ?? new Set();
    set.add(listener);
    this.listeners.set(pin, set);
    return () => set.delete(listener);
  }

  private link(a: number, b: number, closed: boolean): void {
    checkHeaderGpio(a);
    checkHeaderGpio(b);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const set = this.switches.get(from) ?? new Set<number>();
      if (closed) set.add(to);
      else set.delete(to);
      this.switches.set(from, set);
    }
  }

  private net(pin: number): number[] {
    const seen = new Set([pin]);
    const queue = [pin];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      for (const other of this.switches.get(next) ?? []) {
        if (!seen.has(other)) {
          seen.add(other);
          queue.push(other);
        }
      }
    }
    return [...seen];
  }

  private compute(pin: number): Level {
    const net = this.net(pin);
    const driven = new Set<Level>();
    let pull: Level | undefined;
    for (const member of net) {
      const mode = this.mode(member);
      const outside = this.external.get(member);
      if (mode.kind === "output") driven.add(mode.level);
      if (outside !== undefined) driven.add(outside);
      if (mode.kind === "input" && mode.pull !== "none") pull = mode.pull === "up" ? 1 : 0;
    }
    if (driven.size === 2) this.recordShort(net);
    if (driven.has(0)) return 0;
    if (driven.has(1)) return 1;
    return pull ?? 0;
  }

  private recordShort(net: number[]): void {
    const pins = net.sort((a, b) => a - b);
    if (!this.shorts.some((short) => short.pins.join() === pins.join())) this.shorts.push({ pins });
  }

  /** Recomputes every known pin and tells the listeners of those that changed. */
  private update(): void {
    const pins = new Set([...this.modes.keys(), ...this.external.keys(), ...this.switches.keys(), ...this.listeners.keys()]);
    const changed: number[] = [];
    for (const pin of pins) {
      const before = this.levels.get(pin);
      const after = this.compute(pin);
      this.levels.set(pin, after);
      if (before !== undefined && before !== after) changed.push(pin);
    }
    for (const pin of changed) for (const listener of this.listeners.get(pin) ?? []) listener();
  }
}
