import { spawnSync } from "node:child_process";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { numLockOffName, type RoomguardConfig } from "@roomguard/config";
import { backoffDelay, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { EV, InputEventDecoder, KEY_NUMLOCK, KEY_VALUE, LED_NUML, resolveEventSize, SYN_DROPPED, type InputEvent } from "./input-event.js";
import type { KeyEvents } from "./key-events.js";

export type UsbConfig = RoomguardConfig["keypad"]["usb"];

/**
 * Takes the device for this process alone (EVIOCGRAB): the kernel's console keyboard and every
 * other reader then get none of its events. Returns why it could not, or undefined.
 */
export type GrabDevice = (fd: number) => string | undefined;

export interface UsbKeypadOptions {
  usb: UsbConfig;
  /** Where presses and releases go (the key reporter: hold and repeat as in the other modes). */
  events: KeyEvents;
  clock: Clock;
  log: Logger;
  /** Default: {@link grabWithPerl}. */
  grab?: GrabDevice;
  /** Called whenever `problem()` may have changed (the heartbeat's problemMayHaveChanged). */
  onProblemChange?: () => void;
  /** Default `process.arch`: chooses the event size when keypad.usb.eventSize is `auto`. */
  arch?: string;
}

/**
 * Milliseconds between reads while the device has nothing: it is opened non-blocking and read
 * again after this. A blocking read would sit in libuv's thread pool, where nothing can end it
 * (closing the file does not), and process.exit waits for that thread: the service could not stop.
 */
export const POLL_MS = 10;

/** Between tries to open a device that is not there (unplugged, or not yet plugged in), in ms. */
export const REOPEN_BACKOFF: Backoff = { first: 250, max: 2000 };

/** EVIOCGRAB = _IOW('E', 0x90, int): the same number on arm, arm64 and x86 Linux. */
export const EVIOCGRAB = 0x40044590;

/** The Linux key codes of a keypad's digits and dot (KP7…KP0, KPDOT), sent with Num Lock on. */
const DIGIT_CODES = new Set([71, 72, 73, 75, 76, 77, 79, 80, 81, 82, 83]);
/** What keypads that switch Num Lock themselves send instead (Home…Del), with it off. */
const NAVIGATION_CODES = new Set([102, 103, 104, 105, 106, 107, 108, 109, 110, 111]);

/**
 * EVIOCGRAB with the system's perl (perl-base is Essential on Debian and Raspberry Pi OS: always
 * there): Node has no ioctl, and no maintained addon does it. The grab belongs to the open file,
 * which perl shares as its fd 3: it lasts after perl exits, until this process closes the file.
 * Not as perl's stdin: libuv makes a child's fds 0-2 blocking, and the flag is the shared file's,
 * so this process's reads would block too.
 */
export function grabWithPerl(fd: number): string | undefined {
  const script = `open(my $device, "<&=", 3) or die "$!\\n"; ioctl($device, ${EVIOCGRAB}, 1) or die "$!\\n"`;
  const result = spawnSync("perl", ["-e", script], {
    stdio: ["ignore", "ignore", "pipe", fd],
    timeout: 5000,
    encoding: "utf8",
  });
  if (result.error) return `cannot run perl: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`;
  if (result.status !== 0) return result.stderr.trim() || `perl ended with ${result.status ?? result.signal ?? "?"}`;
  return undefined;
}

type DeviceState = "starting" | "open" | "missing";

/**
 * A USB keypad (keypad.mode: usb) read from its Linux input device: key presses and releases by
 * key code, named by keypad.usb.keys, go to the key reporter. The kernel's own auto-repeat
 * (value 2) is ignored: hold and repeat follow keypad.holdMs/repeatMs, as for GPIO keys.
 *
 * A device that is not there (not plugged in, unplugged: ENOENT, ENODEV, or the end of the file)
 * is a problem shown in the heartbeat, never a crash: the path is tried again with a backoff and
 * the keypad resumes when it comes back. Keys down when it goes are released.
 */
export class UsbKeypad {
  private state: DeviceState = "starting";
  private missingReason = "";
  private grabFailure: string | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private wake: (() => void) | undefined;
  /** Keys down: code → the name it was pressed as (Num Lock may change before the release). */
  private readonly down = new Map<number, string>();
  private numLock: "on" | "off" | "unknown";
  private readonly unknownCodes = new Set<number>();
  private decoder: InputEventDecoder | undefined;
  /** For STATUS: times the device was opened and read, and events read. */
  opened = 0;
  events = 0;

  constructor(private readonly options: UsbKeypadOptions) {
    this.numLock = options.usb.numLock === "track" ? "on" : "unknown";
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => this.options.log.error("the USB keypad's reader failed", { error }));
  }

  /** Stops reading and closes the device (which ends a grab). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** What is wrong, for the heartbeat: the device is not there, or could not be taken alone. */
  problem(): string | undefined {
    const { device } = this.options.usb;
    const problems = [
      ...(this.state === "missing" ? [`keypad.usb.device ${device}: ${this.missingReason}; waiting for it`] : []),
      ...(this.grabFailure !== undefined && this.state === "open"
        ? [`keypad.usb.grab: ${device} could not be taken for roomguard alone (${this.grabFailure}): its keys may also reach a console`]
        : []),
    ];
    return problems.length > 0 ? problems.join("; ") : undefined;
  }

  status(): Record<string, unknown> {
    return {
      device: this.options.usb.device,
      state: this.state,
      num_lock: this.numLock,
      grabbed: this.options.usb.grab && this.state === "open" && this.grabFailure === undefined,
      opened: this.opened,
      events: this.events,
      // Bytes of a record begun and not finished (a FIFO's writer may split one).
      partial_bytes: this.decoder?.pending ?? 0,
    };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const wasOpen = await this.session();
      if (this.stopped) break;
      failures = wasOpen ? 1 : failures + 1;
      await this.sleep(backoffDelay(failures, REOPEN_BACKOFF));
    }
  }

  /** Opens the device and reads it until it goes; true when it was read from. */
  private async session(): Promise<boolean> {
    const { usb } = this.options;
    let handle: FileHandle;
    try {
      handle = await open(usb.device, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      this.lost(describeError(error));
      return false;
    }
    const decoder = new InputEventDecoder(resolveEventSize(usb.eventSize, this.options.arch));
    this.decoder = decoder;
    // A whole number of events of either size: a device returns whole events only.
    const buffer = Buffer.alloc(decoder.size * 64);
    let wasOpen = false;
    try {
      if (usb.grab) this.grabbed(handle.fd);
      while (!this.stopped) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") {
            this.lost(describeError(error));
            return wasOpen;
          }
          if (!wasOpen) wasOpen = this.present();
          await this.sleep(POLL_MS);
          continue;
        }
        // The end of the file: a FIFO's writer closed (what a device cannot do: it says ENODEV).
        if (bytesRead === 0) {
          this.lost("the device went away (end of file)");
          return wasOpen;
        }
        if (!wasOpen) wasOpen = this.present();
        for (const event of decoder.push(buffer.subarray(0, bytesRead))) this.handle(event);
      }
      return wasOpen;
    } finally {
      this.decoder = undefined;
      this.releaseAll();
      await handle.close().catch(() => undefined);
    }
  }

  private grabbed(fd: number): void {
    const reason = (this.options.grab ?? grabWithPerl)(fd);
    if (reason !== undefined && reason !== this.grabFailure)
      this.options.log.warn("cannot take the USB keypad for roomguard alone: its keys may also reach a console (hardware/keypad.md)", {
        device: this.options.usb.device,
        reason,
      });
    this.grabFailure = reason;
  }

  /** The device answered a read: it is there. */
  private present(): true {
    this.state = "open";
    const { device, eventSize } = this.options.usb;
    const fields = { device, eventSize: resolveEventSize(eventSize, this.options.arch) };
    this.options.log.info(this.opened === 0 ? "reading the USB keypad" : "the USB keypad is back", fields);
    this.opened++;
    this.options.onProblemChange?.();
    return true;
  }

  private lost(reason: string): void {
    const before = this.state;
    this.state = "missing";
    this.missingReason = reason;
    this.releaseAll();
    const { device } = this.options.usb;
    if (before === "open") this.options.log.warn("the USB keypad went away: waiting for it to come back", { device, reason });
    else if (before === "starting")
      this.options.log.warn("no USB keypad: waiting for it (ls /dev/input/by-id/ lists the devices; keypad.usb.device)", {
        device,
        reason,
      });
    this.options.onProblemChange?.();
  }

  private handle(event: InputEvent): void {
    this.events++;
    if (event.type === EV.LED && event.code === LED_NUML) {
      // The keypad's LED, set by the console or the keypad: the truth about Num Lock when it is told.
      this.numLock = event.value !== 0 ? "on" : "off";
      return;
    }
    if (event.type === EV.SYN && event.code === SYN_DROPPED) {
      // The kernel's buffer overflowed and events were lost: releases may be among them.
      this.options.log.warn("the USB keypad's events overflowed: keys down are released");
      this.releaseAll();
      return;
    }
    if (event.type !== EV.KEY) return;
    if (event.value === KEY_VALUE.pressed) this.pressed(event.code);
    else if (event.value === KEY_VALUE.released) this.released(event.code);
    // KEY_VALUE.repeat: the kernel's auto-repeat; keypad.holdMs/repeatMs decide instead.
  }

  private pressed(code: number): void {
    const { usb, events, log } = this.options;
    const mapped = usb.keys[String(code)];
    if (usb.numLock === "track" && code === KEY_NUMLOCK) this.numLock = this.numLock === "off" ? "on" : "off";
    else if (usb.numLock === "keypad" && DIGIT_CODES.has(code)) this.numLock = "on";
    else if (usb.numLock === "keypad" && NAVIGATION_CODES.has(code)) this.numLock = "off";
    if (mapped === undefined) {
      if (!this.unknownCodes.has(code)) log.info("a key code that keypad.usb.keys does not name: ignored", { code });
      this.unknownCodes.add(code);
      return;
    }
    const name = usb.numLock === "track" && this.numLock === "off" ? numLockOffName(mapped) : mapped;
    this.down.set(code, name);
    events.pressed(name);
  }

  private released(code: number): void {
    const name = this.down.get(code);
    if (name === undefined) return;
    this.down.delete(code);
    // Two codes of one name (28 and 96 are both ENTER): released when the last one is.
    if (![...this.down.values()].includes(name)) this.options.events.released(name);
  }

  private releaseAll(): void {
    const names = new Set(this.down.values());
    this.down.clear();
    for (const name of names) this.options.events.released(name);
  }

  private sleep(ms: number): Promise<void> {
    const { clock } = this.options;
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = undefined;
        this.timer = undefined;
        resolve();
      };
      if (this.stopped) return done();
      this.timer = clock.setTimeout(done, ms);
      this.wake = () => {
        if (this.timer) clock.clearTimeout(this.timer);
        done();
      };
    });
  }
}

/** A failed open or read in words a person acts on. */
function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such device (not plugged in? ls /dev/input/by-id/)";
    case "ENODEV":
      return "the device went away (unplugged)";
    case "EACCES":
    case "EPERM":
      return "permission denied: the service's user needs the input group (sudo usermod -aG input roomguard)";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
