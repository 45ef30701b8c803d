import type { I2cBus } from "../types.js";

/** A simulated I2C chip, register by register, as its datasheet describes it. */
export interface SimI2cDevice {
  readRegister(register: number): number;
  writeRegister(register: number, value: number): void;
}

/**
 * A chip made of 256 byte registers with optional hooks: enough for most sensors, whose
 * models add behaviour in `onWrite` (start a conversion, reset) and `onRead`.
 */
export class RegisterMap implements SimI2cDevice {
  readonly bytes = new Uint8Array(256);

  constructor(
    initial: Readonly<Record<number, number>> = {},
    private readonly hooks: { onWrite?: (register: number, value: number) => void; onRead?: (register: number) => number | undefined } = {},
  ) {
    for (const [register, value] of Object.entries(initial)) this.bytes[Number(register)] = value;
  }

  readRegister(register: number): number {
    return this.hooks.onRead?.(register) ?? this.bytes[register & 0xff] ?? 0;
  }

  writeRegister(register: number, value: number): void {
    this.bytes[register & 0xff] = value & 0xff;
    this.hooks.onWrite?.(register & 0xff, value & 0xff);
  }
}

/** The error a real bus gives when nobody acknowledges the address. */
function noAcknowledge(busNumber: number, address: number): Error {
  return Object.assign(new Error(`EREMOTEIO: remote I/O error, no device at 0x${address.toString(16)} on I2C bus ${busNumber}`), {
    code: "EREMOTEIO",
    errno: -121,
  });
}

/**
 * An I2C bus with simulated chips attached by address. Block and raw transfers use the
 * register pointer and auto-increment, as most sensors do.
 */
export class SimI2cBus implements I2cBus {
  private readonly devices = new Map<number, SimI2cDevice>();
  private readonly pointers = new Map<number, number>();
  private closed = false;

  constructor(readonly busNumber = 1) {}

  /** Connects a chip at a 7-bit address (also after `detach`: the chip came back). */
  attach(address: number, device: SimI2cDevice): void {
    this.devices.set(address, device);
  }

  /** Whether a chip answers at this address. */
  has(address: number): boolean {
    return this.devices.has(address);
  }

  /** Disconnects the chip: transfers to it fail as on a real bus. */
  detach(address: number): void {
    this.devices.delete(address);
  }

  private device(address: number): SimI2cDevice {
    if (this.closed) throw Object.assign(new Error("bus is closed"), { code: "EBADF" });
    const device = this.devices.get(address);
    if (!device) throw noAcknowledge(this.busNumber, address);
    return device;
  }

  private readFrom(address: number, register: number, length: number, buffer: Buffer): number {
    const device = this.device(address);
    for (let i = 0; i < length; i++) buffer[i] = device.readRegister((register + i) & 0xff);
    this.pointers.set(address, (register + length) & 0xff);
    return length;
  }

  private writeTo(address: number, register: number, bytes: Uint8Array): void {
    const device = this.device(address);
    bytes.forEach((byte, i) => device.writeRegister((register + i) & 0xff, byte));
    this.pointers.set(address, (register + bytes.length) & 0xff);
  }

  readByte(address: number, command: number): Promise<number> {
    return settle(() => {
      const buffer = Buffer.alloc(1);
      this.readFrom(address, command, 1, buffer);
      return buffer[0] ?? 0;
    });
  }

  writeByte(address: number, command: number, byte: number): Promise<void> {
    return settle(() => this.writeTo(address, command, Uint8Array.of(byte)));
  }

  readWord(address: number, command: number): Promise<number> {
    return settle(() => {
      const buffer = Buffer.alloc(2);
      this.readFrom(address, command, 2, buffer);
      return buffer.readUInt16LE(0); // SMBus words are little-endian
    });
  }

  readI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    return settle(() => ({ bytesRead: this.readFrom(address, command, length, buffer), buffer }));
  }

  writeI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    return settle(() => {
      this.writeTo(address, command, buffer.subarray(0, length));
      return { bytesWritten: length, buffer };
    });
  }

  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    return settle(() => ({ bytesRead: this.readFrom(address, this.pointers.get(address) ?? 0, length, buffer), buffer }));
  }

  /** The first byte sets the register pointer; the rest are written from there. */
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    return settle(() => {
      this.device(address); // throws when nobody acknowledges
      const register = buffer[0] ?? 0;
      if (length === 1) this.pointers.set(address, register);
      else if (length > 1) this.writeTo(address, register, buffer.subarray(1, length));
      return { bytesWritten: length, buffer };
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /**
   * A handle of its own on this bus, as every `openI2c()` on Linux opens the device anew:
   * closing it (a sensor stopping) leaves the bus usable for the next opener.
   */
  open(): I2cBus {
    let closed = false;
    const check = (): void => {
      if (closed) throw Object.assign(new Error("I2C handle is closed"), { code: "EBADF" });
    };
    const wrap =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        settle(check).then(() => call(...args));
    return {
      readByte: wrap((address: number, command: number) => this.readByte(address, command)),
      writeByte: wrap((address: number, command: number, byte: number) => this.writeByte(address, command, byte)),
      readWord: wrap((address: number, command: number) => this.readWord(address, command)),
      readI2cBlock: wrap((address: number, command: number, length: number, buffer: Buffer) =>
        this.readI2cBlock(address, command, length, buffer),
      ),
      writeI2cBlock: wrap((address: number, command: number, length: number, buffer: Buffer) =>
        this.writeI2cBlock(address, command, length, buffer),
      ),
      i2cRead: wrap((address: number, length: number, buffer: Buffer) => this.i2cRead(address, length, buffer)),
      i2cWrite: wrap((address: number, length: number, buffer: Buffer) => this.i2cWrite(address, length, buffer)),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
  }
}

/** Runs a synchronous transfer as the promise API does: a throw becomes a rejection. */
function settle<T>(transfer: () => T): Promise<T> {
  try {
    return Promise.resolve(transfer());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
