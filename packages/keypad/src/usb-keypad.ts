import { spawn, type ChildProcess, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { numLockOffName, type RoomguardConfig } from "@roomguard/config";
import { backoffDelay, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { EV, InputEventDecoder, KEY_NUMLOCK, KEY_VALUE, LED_NUML, resolveEventSize, SYN_DROPPED, type InputEvent } from "./input-event.js";
import type { KeyEvents } from "./key-events.js";

export type UsbConfig = RoomguardConfig["keypad"]["usb"];

export interface UsbKeypadOptions {
  usb: UsbConfig;
  /** Where presses and releases go (the key reporter: hold and repeat as in the other modes). */
  events: KeyEvents;
  clock: Clock;
  log: Logger;
  /** Called whenever `problem()` may have changed (the heartbeat's problemMayHaveChanged). */
  onProblemChange?: () => void;
  /** Default `process.arch`: chooses the event size when keypad.usb.eventSize is `auto`. */
  arch?: string;
  /** The perl program. Default `perl` on the PATH. */
  perl?: string;
}

/** Between tries to open a device that is not there (unplugged, or not yet plugged in), in ms. */
export const REOPEN_BACKOFF: Backoff = { first: 250, max: 2000 };

/** EVIOCGRAB = _IOW('E', 0x90, int): the same number on arm, arm64 and x86 Linux. */
export const EVIOCGRAB = 0x40044590;

/** The Linux key codes of a keypad's digits and dot (KP7…KP0, KPDOT), sent with Num Lock on. */
const DIGIT_CODES = new Set([71, 72, 73, 75, 76, 77, 79, 80, 81, 82, 83]);
/** What keypads that switch Num Lock themselves send instead (Home…Del), with it off. */
const NAVIGATION_CODES = new Set([102, 103, 104, 105, 106, 107, 108, 109, 110, 111]);

/**
 * The device's reader: the system's perl (perl-base is Essential on Debian and Raspberry Pi OS),
 * given the device opened by the keypad as its fd 3. It takes the device alone when asked
 * (EVIOCGRAB: Node has no ioctl, and no maintained addon does it; the grab belongs to the open
 * file, so it lasts while perl holds it) and copies what the device gives to its stdout.
 *
 * Why not read in Node: a character device cannot be watched by Node's event loop (net.Socket
 * takes pipes and sockets only), a blocking read sits in libuv's thread pool where nothing ends
 * it and process.exit then waits for it for ever (measured), and polling a non-blocking one every
 * 10 ms cost 5 % of a core here. perl waits in select(), costs nothing while no key is pressed,
 * and ends within a second of the keypad process (its parent) ending, releasing the grab. fd 3,
 * not stdin: libuv makes a child's fds 0-2 blocking, a flag of the open file shared with perl.
 *
 * stderr: `grabbed` or `grab failed: <reason>` once, then the reason it ends (`No such device`
 * when unplugged); exit 0 at the end of the file.
 */
export const READER_PERL = `
my ($grab) = @ARGV;
open(my $device, "<&=", 3) or die "$!\\n";
my $parent = getppid();
if ($grab) { print STDERR (ioctl($device, ${EVIOCGRAB}, 1) ? "grabbed\\n" : "grab failed: $!\\n"); }
my $watch = "";
vec($watch, fileno($device), 1) = 1;
while (1) {
  my $ready = select(my $readable = $watch, undef, undef, 1);
  exit 0 if getppid() != $parent;
  next if $ready <= 0;
  my $got = sysread($device, my $bytes, 4096);
  if (!defined $got) { next if $!{EAGAIN} || $!{EINTR}; die "$!\\n"; }
  exit 0 if $got == 0;
  syswrite(STDOUT, $bytes) // exit 0;
}
`;

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
  private reader: ChildProcess | undefined;
  private readerError = "";
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
    // The reader ends, and with it the open file and the grab.
    this.reader?.kill("SIGTERM");
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

  /**
   * Opens the device and reads it (through {@link READER_PERL}) until it goes; true when it was
   * there. A character device (a real keypad) is there once open; a FIFO (tests) once it gives bytes.
   */
  private async session(): Promise<boolean> {
    const { usb, perl = "perl" } = this.options;
    let handle: FileHandle;
    let isDevice: boolean;
    try {
      handle = await open(usb.device, constants.O_RDONLY | constants.O_NONBLOCK);
      isDevice = (await handle.stat()).isCharacterDevice();
    } catch (error) {
      this.lost(describeError(error));
      return false;
    }
    if (this.stopped) {
      await handle.close().catch(() => undefined);
      return false;
    }
    const decoder = new InputEventDecoder(resolveEventSize(usb.eventSize, this.options.arch));
    this.decoder = decoder;
    this.readerError = "";
    let wasOpen = false;
    const reader = spawn(perl, ["-e", READER_PERL, usb.grab ? "1" : "0"], { stdio: ["ignore", "pipe", "pipe", handle.fd] });
    this.reader = reader;
    // perl has its own copy now: the open file (and a grab) lasts while it holds it.
    await handle.close().catch(() => undefined);
    if (isDevice) wasOpen = this.present();
    let partLine = "";
    const { stdout, stderr } = reader as ChildProcessByStdio<null, Readable, Readable>;
    stderr.setEncoding("utf8");
    stderr.on("data", (text: string) => {
      const lines = (partLine + text).split("\n");
      partLine = lines.pop() ?? "";
      for (const line of lines) this.readerSaid(line);
    });
    stdout.on("data", (chunk: Buffer) => {
      if (!wasOpen) wasOpen = this.present();
      for (const event of decoder.push(chunk)) this.handle(event);
    });
    const ended = await new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((resolve) => {
      reader.once("error", (error: NodeJS.ErrnoException) => resolve({ code: null, error }));
      reader.once("close", (code) => resolve({ code }));
    });
    this.reader = undefined;
    this.decoder = undefined;
    this.releaseAll();
    if (this.stopped) return wasOpen;
    if (ended.error) this.lost(`cannot run ${perl}, which reads the device: ${ended.error.code ?? ended.error.message}`);
    else if (ended.code === 0) this.lost("the device went away (end of file)");
    else if (/No such device/.test(this.readerError)) this.lost("the device went away (unplugged)");
    else this.lost(this.readerError || `its reader ended with ${ended.code ?? "a signal"}`);
    return wasOpen;
  }

  /** A line of the reader's stderr: the grab's outcome, or why it ends. */
  private readerSaid(line: string): void {
    if (line === "grabbed") this.grabbed(undefined);
    else if (line.startsWith("grab failed: ")) this.grabbed(line.slice("grab failed: ".length));
    else if (line.trim() !== "") this.readerError = line.trim();
  }

  private grabbed(reason: string | undefined): void {
    if (reason !== undefined && reason !== this.grabFailure)
      this.options.log.warn("cannot take the USB keypad for roomguard alone: its keys may also reach a console (hardware/keypad.md)", {
        device: this.options.usb.device,
        reason,
      });
    this.grabFailure = reason;
    this.options.onProblemChange?.();
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
