import { HalError } from "./errors.js";
import { checkHeaderGpio, describePin } from "./header.js";

/** The pins one hal has open: each header GPIO once, released on close. */
export class PinRegistry {
  private readonly pins = new Map<number, { close(): void }>();

  /** Checks that `pin` is a header GPIO that this hal has not opened yet. */
  claim(pin: number): void {
    checkHeaderGpio(pin);
    if (this.pins.has(pin)) throw new HalError("PIN_BUSY", `${describePin(pin)} is already open in this process`);
  }

  /** Records an opened pin so that `closeAll` can release it. */
  opened(pin: number, handle: { close(): void }): void {
    this.pins.set(pin, handle);
  }

  released(pin: number): void {
    this.pins.delete(pin);
  }

  closeAll(): void {
    for (const handle of [...this.pins.values()]) handle.close();
  }
}
