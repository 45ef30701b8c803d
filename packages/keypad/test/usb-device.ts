import { execFileSync } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import { EV, encodeInputEvent, type EventSize, type InputEvent } from "../src/input-event.js";

/**
 * A USB keypad as its device file looks to the keypad: a FIFO the keypad opens as keypad.usb.device,
 * into which the test writes `struct input_event` records. Closing the writer is an unplug (the
 * keypad reads the end of the file), opening it again a replug.
 */
export class FakeUsbKeypad {
  private handle: FileHandle | undefined;

  constructor(
    readonly path: string,
    readonly size: EventSize,
  ) {}

  /** Makes the FIFO (the device node appearing). */
  create(): void {
    execFileSync("mkfifo", [this.path]);
  }

  /** Opens the writing end: resolves once the keypad has the FIFO open for reading. */
  async plug(): Promise<void> {
    this.handle = await open(this.path, "w");
  }

  async unplug(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Writes events as the kernel would: each key change followed by a SYN_REPORT. */
  async write(bytes: Buffer): Promise<void> {
    if (!this.handle) throw new Error("the fake keypad is not plugged in");
    await this.handle.write(bytes);
  }

  async events(...events: InputEvent[]): Promise<void> {
    await this.write(Buffer.concat(events.map((event) => encodeInputEvent(event, this.size))));
  }

  /** A key's press (1), release (0) or auto-repeat (2), and the SYN_REPORT after it. */
  async key(code: number, value: 0 | 1 | 2): Promise<void> {
    await this.events(keyEvent(code, value), SYN_REPORT);
  }

  /** Press and release. */
  async tap(code: number): Promise<void> {
    await this.events(keyEvent(code, 1), SYN_REPORT, keyEvent(code, 0), SYN_REPORT);
  }
}

export const SYN_REPORT: InputEvent = { type: EV.SYN, code: 0, value: 0 };

export function keyEvent(code: number, value: number): InputEvent {
  return { type: EV.KEY, code, value };
}
