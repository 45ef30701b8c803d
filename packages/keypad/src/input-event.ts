/**
 * Linux input events as an evdev device file (`/dev/input/eventN`) gives them: `struct
 * input_event` from linux/input.h — a `struct timeval` (seconds, microseconds: two longs), then
 * `__u16 type`, `__u16 code`, `__s32 value`. A long is the reading process's: 8 bytes for a 64-bit
 * Node (24-byte events), 4 for a 32-bit one (16-byte events; a 32-bit process on a 64-bit kernel
 * gets the 16-byte form too). Little-endian on every Raspberry Pi.
 */

/** Event types and codes used here (linux/input-event-codes.h). */
export const EV = { SYN: 0x00, KEY: 0x01, MSC: 0x04, LED: 0x11 } as const;
export const SYN_DROPPED = 3;
export const LED_NUML = 0x00;
export const KEY_NUMLOCK = 69;
/** The highest key code (KEY_MAX). */
export const KEY_MAX = 0x2ff;

/** A key's value: released, pressed, or the kernel's auto-repeat while held. */
export const KEY_VALUE = { released: 0, pressed: 1, repeat: 2 } as const;

export type EventSize = 16 | 24;

export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

/**
 * The size of `struct input_event` for a Node of this processor architecture (`process.arch`):
 * 16 on 32-bit ones (arm, ia32, and the other 32-bit ones Node names), 24 on 64-bit ones.
 */
export function eventSizeFor(arch: string): EventSize {
  return ["arm", "ia32", "mips", "mipsel", "ppc", "s390"].includes(arch) ? 16 : 24;
}

/** keypad.usb.eventSize: `auto` → {@link eventSizeFor} this process's architecture. */
export function resolveEventSize(setting: "auto" | 16 | 24, arch: string = process.arch): EventSize {
  return setting === "auto" ? eventSizeFor(arch) : setting;
}

/** One event as the device file holds it (for tests and the sim): the time is zero. */
export function encodeInputEvent(event: InputEvent, size: EventSize): Buffer {
  const buffer = Buffer.alloc(size);
  const at = size - 8;
  buffer.writeUInt16LE(event.type, at);
  buffer.writeUInt16LE(event.code, at + 2);
  buffer.writeInt32LE(event.value, at + 4);
  return buffer;
}

/**
 * Cuts the bytes read from a device file into events. A read may end inside an event (a FIFO or
 * a short read): the rest waits for the next chunk.
 */
export class InputEventDecoder {
  private rest: Buffer = Buffer.alloc(0);

  constructor(readonly size: EventSize) {}

  /** The whole events in what came so far. */
  push(chunk: Buffer): InputEvent[] {
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    const events: InputEvent[] = [];
    // The time (8 or 16 bytes) is not used: the keypad keeps its own clock for holds.
    const at = this.size - 8;
    let offset = 0;
    for (; offset + this.size <= data.length; offset += this.size) {
      events.push({
        type: data.readUInt16LE(offset + at),
        code: data.readUInt16LE(offset + at + 2),
        value: data.readInt32LE(offset + at + 4),
      });
    }
    // A copy: `data` may be the reader's buffer, which the next read overwrites.
    this.rest = Buffer.from(data.subarray(offset));
    return events;
  }

  /** Bytes of an event begun and not finished. */
  get pending(): number {
    return this.rest.length;
  }

  /** Forgets a part event (the device went away). */
  reset(): void {
    this.rest = Buffer.alloc(0);
  }
}
