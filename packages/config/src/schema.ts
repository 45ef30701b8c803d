import * as v from "valibot";
import { LALAPI_USB_KEYS } from "./keypad-keys.js";

/**
 * The schema of roomguard's config file: one section per concern, a description and a
 * default on every key, unknown keys refused (they are usually typos). docs/configuration.md
 * lists the same keys; keep the descriptions short and say the unit.
 *
 * valibot rather than a larger schema library: every roomguard process loads this, and on
 * a Raspberry Pi each megabyte of every process counts.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** A key with its type, default and description. */
function setting<S extends v.GenericSchema>(schema: S, fallback: v.InferOutput<S>, description: string) {
  return v.optional(v.pipe(schema, v.description(description)), fallback as never);
}

function wholeNumber(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}

function seconds(min: number, max: number) {
  return v.pipe(v.number(), v.minValue(min), v.maxValue(max));
}

/** A list in which nothing comes twice: `each <what> at most once`. */
function noRepeats<T>(what: string) {
  return v.check((list: T[]) => new Set(list).size === list.length, `each ${what} at most once`);
}

/** `tcp://host:port` or `ipc://path`; `*` as the port asks for a free one (tests). */
const endpoint = v.pipe(
  v.string(),
  v.regex(/^(tcp:\/\/[^\s:/]+:(\*|\d{1,5})|ipc:\/\/\S+)$/, "a ZeroMQ endpoint such as tcp://127.0.0.1:5556 or ipc:///run/roomguard/in"),
);

const bus = v.strictObject({
  in: setting(endpoint, "tcp://127.0.0.1:5556", "Where publishers send: the router binds it, services connect to it."),
  out: setting(endpoint, "tcp://127.0.0.1:5555", "Where subscribers listen: the router binds it, services connect to it."),
  keys: setting(
    v.pipe(v.string(), v.minLength(1)),
    "var/keys",
    "Directory of the CURVE keys (`roomguard keys init` makes them): the router's pair, this host's pair and allowed/ (the other clients let in). Used for every endpoint that is not loopback or ipc: such an endpoint is always encrypted and authenticated. Relative to the config file's directory.",
  ),
  lalapiPorts: setting(
    v.boolean(),
    false,
    "The router also listens on lala-pi's plain TCP ports, 127.0.0.1:5556 (publish) and 127.0.0.1:5555 (subscribe), beside bus.in/bus.out: for lala-pi-era programs that cannot use ipc. Any local user can then publish and subscribe (see docs/security.md).",
  ),
  maxMessageSize: setting(
    wholeNumber(64, 16 * MiB),
    64 * KiB,
    "Largest message in bytes. Clients refuse to send more; the router cuts a publisher that does.",
  ),
  heartbeatIntervalS: setting(seconds(0.1, 3600), 5, "Seconds between `HEARTBEAT:` messages of every service."),
  acceptStop: setting(
    v.boolean(),
    false,
    "Services stop on `CONTROL: <service> STOP` (or `all`) from the bus, as lala-pi's programs did; the launcher then leaves them stopped. Off: anyone on the bus could switch them off; `roomguard ctl stop <service>` stops one. The launcher never stops from the bus; the router follows `router.acceptDeath`.",
  ),
});

/** A bus topic: an upper-case letter, then upper-case letters, digits or `_` (`DOOR`, `KEY`). */
export const TOPIC_PATTERN = /^[A-Z][A-Z0-9_]*$/;

const journal = v.strictObject({
  enabled: setting(v.boolean(), true, "Record every forwarded message."),
  dir: setting(
    v.pipe(v.string(), v.minLength(1)),
    "var/journal",
    "Directory of the journal segments; relative to the config file's directory.",
  ),
  flushIntervalMs: setting(wholeNumber(10, 1000), 200, "Milliseconds between writes of buffered journal data to disk (at most a second)."),
  segmentBytes: setting(
    wholeNumber(64 * KiB, 1024 * MiB),
    8 * MiB,
    "A journal segment is closed and a new one started past this many bytes.",
  ),
  maxBytes: setting(
    wholeNumber(128 * KiB, 64 * 1024 * MiB),
    64 * MiB,
    "The whole journal's bound: the oldest segments are deleted while it is larger than this many bytes (protected topics' messages are kept apart first, see protectedTopics).",
  ),
  maxAgeDays: setting(
    wholeNumber(0, 36_500),
    90,
    "Messages older than this many days are deleted, a segment at a time (once its newest message is that old). 0: no age limit, only maxBytes.",
  ),
  protectedTopics: setting(
    v.pipe(v.array(v.pipe(v.string(), v.regex(TOPIC_PATTERN, "a topic such as DOOR"))), noRepeats<string>("topic")),
    ["ALARM", "DOOR", "MOTION", "KEY", "LAUNCHER", "CONTROL", "DEATH"],
    "Topics whose recent past a burst of other messages cannot push out: when a segment is deleted for room, their messages move into segments of their own, protectedTopicBytes for each topic.",
  ),
  protectedTopicBytes: setting(
    wholeNumber(16 * KiB, 1024 * MiB),
    2 * MiB,
    "Bytes each protected topic keeps (about 45,000 key presses), taken out of maxBytes; a flood of one protected topic pushes out only that topic's past.",
  ),
});

const router = v.strictObject({
  acceptDeath: setting(
    v.boolean(),
    false,
    "Stop the router on lala-pi's `DEATH` message (or `CONTROL: router STOP`). Off: any client could switch the appliance off.",
  ),
  statsIntervalS: setting(
    seconds(0.1, 3600),
    5,
    "Seconds between `ROUTER: stats` messages (and debug-level stats log lines; at info level, one a minute at most).",
  ),
  subscriberQueue: setting(
    wholeNumber(100, 10_000_000),
    500_000,
    "Messages queued for each subscriber before the router drops that subscriber's messages (ZeroMQ's send high-water mark). A subscriber that stops reading can hold this many in the router: about 64 bytes each up to 33-byte messages, 80 + size above.",
  ),
  publisherQueue: setting(
    wholeNumber(100, 10_000_000),
    10_000,
    "Messages read ahead from each publisher (ZeroMQ's receive high-water mark). Past it the publisher waits; nothing is lost.",
  ),
  journalQueue: setting(
    wholeNumber(1000, 10_000_000),
    1_000_000,
    "Messages queued for the journal while the router's own reader is behind (a busy CPU), before journal entries are lost. Memory as for subscriberQueue, used only while behind.",
  ),
  maxSubscriptionBytes: setting(
    wholeNumber(32, 64 * KiB),
    256,
    "Longest subscription (topic prefix) a subscriber may send, in bytes. A longer one makes libzmq cut that subscriber before any publisher sees it: every publisher keeps every subscription in memory.",
  ),
  maxSubscriptions: setting(
    wholeNumber(100, 1_000_000),
    1000,
    "Most distinct subscriptions the publishers are asked to keep (the appliance uses a few dozen). Past it the router cuts every subscriber, which makes the publishers forget them; subscribers reconnect by themselves. libzmq does not tell which subscriber sent what, so a per-subscriber limit cannot be had.",
  ),
  journal: v.optional(journal, {}),
});

const log = v.strictObject({
  level: setting(v.picklist(["debug", "info", "warn", "error"]), "info", "Least important level that is written."),
  format: setting(
    v.picklist(["auto", "json", "pretty"]),
    "auto",
    "`json`: one JSON object a line (journald). `pretty`: for people. `auto`: pretty on a terminal.",
  ),
});

const hardware = v.strictObject({
  backend: setting(
    v.picklist(["auto", "sim", "onoff", "rpio"]),
    "auto",
    "`auto`: real hardware on a Raspberry Pi (onoff for buttons, rpio for a matrix keypad; onoff on a Pi 5), simulated elsewhere. `sim`: in-memory pins driven by `roomguard sim`. `onoff`: sysfs GPIO with interrupts. `rpio`: /dev/gpiomem register access (Pi 1-4).",
  ),
  gpioSysfsRoot: setting(
    v.pipe(v.string(), v.minLength(1)),
    "/sys/class/gpio",
    "Where the onoff backend finds the GPIO chips and their base numbers.",
  ),
  rpioGpiomem: setting(v.boolean(), true, "rpio uses /dev/gpiomem (no root). false: /dev/mem, which needs root and allows PWM."),
  i2cBus: setting(wholeNumber(0, 31), 1, "I2C bus number: /dev/i2c-N. The header's SDA/SCL (BCM 2/3) are bus 1."),
});

/** A BCM GPIO number; whether it is on the header is checked with the pin map, naming the key. */
const bcm = v.pipe(v.number(), v.integer());
const keyName = v.pipe(v.string(), v.minLength(1));

const matrix = v.strictObject({
  rows: setting(v.array(bcm), [5, 6, 13, 19], "BCM pins of the rows, top to bottom: driven low one at a time."),
  columns: setting(v.array(bcm), [16, 20, 21, 26], "BCM pins of the columns, left to right: read, with pull-ups."),
  keys: setting(
    v.array(v.array(keyName)),
    [
      ["1", "2", "3", "A"],
      ["4", "5", "6", "B"],
      ["7", "8", "9", "C"],
      ["*", "0", "#", "D"],
    ],
    "Key names by row and column, as printed on the keypad (a 4x4 membrane pad by default).",
  ),
  scanIntervalMs: setting(wholeNumber(1, 1000), 10, "Milliseconds between scans of the whole matrix (10: 100 Hz)."),
});

const usb = v.strictObject({
  device: setting(
    v.pipe(v.string(), v.minLength(1)),
    "/dev/input/by-id/usb-ORTEK_USB_Keyboard_Hub-event-kbd",
    "The keypad's input device. A /dev/input/by-id/…-event-kbd path names the keypad whatever port or order it comes in (`ls /dev/input/by-id/` lists them); /dev/input/eventN numbers can change at boot. Default: lala-pi's ORTEK keypad.",
  ),
  keys: setting(
    v.record(v.pipe(v.string(), v.regex(/^\d{1,3}$/, "a Linux key code such as 79")), keyName),
    LALAPI_USB_KEYS,
    "Linux key code → key name (`evtest` or hardware/keypad.md shows the codes: KP1 is 79). Default: lala-pi's names, `_0`-`_9` and `_.` for the codes its keypad sends with Num Lock off, and 96 (KP Enter) as ENTER too.",
  ),
  numLock: setting(
    v.picklist(["keypad", "track"]),
    "keypad",
    "`keypad`: the keypad itself sends other codes with its Num Lock off (lala-pi's ORTEK), and the key map names them. `track`: for a keypad that always sends its digit codes: Num Lock is kept here (on at start, or as the keypad's LED reports) and while it is off `0`-`9` and `.` are published as `_0`-`_9` and `_.`.",
  ),
  grab: setting(
    v.boolean(),
    true,
    "Take the keypad for roomguard alone (EVIOCGRAB, done with the system's perl), so its keys do not also reach a console login on the Pi. false: share it.",
  ),
  eventSize: setting(
    v.picklist(["auto", 16, 24]),
    "auto",
    "Bytes of one Linux input event. `auto`: 24 for a 64-bit Node (arm64, x64), 16 for a 32-bit one (arm, ia32). Set it only for tests or an odd kernel.",
  ),
});

const keypad = v.strictObject({
  mode: setting(
    v.picklist(["buttons", "matrix", "both", "usb"]),
    "buttons",
    "`buttons`: one GPIO per key, to ground. `matrix`: a rows x columns keypad. `both`: the buttons and the matrix at once (a five-way pad for the music beside a 4x4 pad for the alarm's code), on pins that must not clash, with key names that differ. `usb`: a USB numeric keypad (keypad.usb), lala-pi's keypad.",
  ),
  buttons: setting(
    v.record(keyName, bcm),
    { LEFT: 5, RIGHT: 6, UP: 16, DOWN: 20, SELECT: 21 },
    "Key name → BCM pin, for `buttons` mode. Default: a five-way pad, the music player's controls.",
  ),
  matrix: v.optional(matrix, {}),
  usb: v.optional(usb, {}),
  debounceMs: setting(
    wholeNumber(0, 1000),
    20,
    "A key must be quiet this many milliseconds before its new state counts (GPIO keys; a USB keypad debounces itself).",
  ),
  holdMs: setting(wholeNumber(0, 60_000), 1000, "A key held this long publishes `KEY: <NAME> HOLD` once. 0: never."),
  repeatMs: setting(
    wholeNumber(0, 10_000),
    0,
    "While a key is held past holdMs, publish `KEY: <NAME>` again every this many milliseconds. 0: no auto-repeat.",
  ),
  codeEntry: v.optional(
    v.strictObject({
      enabled: setting(
        v.boolean(),
        true,
        "Digit keys (`0`-`9`) type an alarm code: they are kept in the keypad, never published, and go to the alarm's request socket with the command key. false: digits are published as `KEY: <digit>` like any key.",
      ),
      armAway: setting(keyName, "A", "After a code: arm away. In usb mode the default is `ENTER`."),
      armHome: setting(keyName, "B", "After a code: arm home. In usb mode the default is `+`."),
      armNight: setting(keyName, "C", "After a code: arm night. In usb mode the default is `/`."),
      disarm: setting(keyName, "#", "After a code: disarm. In usb mode the default is `-`."),
      clear: setting(keyName, "*", "Forgets the digits typed so far. In usb mode the default is `BS`."),
      panic: setting(
        v.nullable(keyName),
        "* HOLD",
        "Triggers the alarm at once, no code: a key name, or `<KEY> HOLD` for a key held keypad.holdMs. null: no panic key.",
      ),
      timeoutS: setting(seconds(1, 120), 10, "Digits typed are forgotten after this many seconds without a key."),
      maxDigits: setting(wholeNumber(4, 12), 8, "Longest code: further digits are ignored until the entry is cleared or sent."),
    }),
    {},
  ),
});

const nonEmpty = v.pipe(v.string(), v.minLength(1));
const volume = wholeNumber(0, 100);

const mpd = v.strictObject({
  spawn: setting(
    v.boolean(),
    true,
    "true: run a private mpd with a generated config and stop it on exit (the laptop default). false: use the system MPD (the deploy default).",
  ),
  binary: setting(nonEmpty, "mpd", "With spawn: the mpd program, a name on PATH or a path."),
  host: setting(nonEmpty, "127.0.0.1", "MPD's TCP address: where the private mpd listens, or where the system MPD is."),
  port: setting(wholeNumber(1, 65535), 6600, "MPD's TCP port."),
  socket: setting(
    v.string(),
    "",
    "Without spawn: MPD's local socket (Debian's system MPD has /run/mpd/socket). When set, the music player connects there rather than to host:port, which lets MPD play the siren and chime from outside its music directory. A private mpd always gets one in stateDir.",
  ),
  musicDir: setting(nonEmpty, "music", "With spawn: the private mpd's music directory; relative to the config file's directory."),
  stateDir: setting(
    nonEmpty,
    "var/mpd",
    "With spawn: where the private mpd keeps its database, queue, playlists and socket; relative to the config file's directory.",
  ),
  audioOutput: setting(
    v.picklist(["auto", "null", "alsa"]),
    "auto",
    "With spawn: `auto` is `null` (silent, in real time) when hardware.backend is `sim` or resolves to it, `alsa` otherwise.",
  ),
  alsaDevice: setting(v.string(), "", "With spawn and ALSA output: the device, such as `hw:0,0`; empty: ALSA's default."),
});

const sound = (what: string, volumeDefault: number) => ({
  file: setting(
    v.string(),
    "",
    `The ${what} sound file (any format MPD plays); relative to the config file's directory. Empty: the one shipped with roomguard.`,
  ),
  volume: setting(volume, volumeDefault, `MPD volume (0-100) while the ${what} plays.`),
});

const music = v.strictObject({
  mpd: v.optional(mpd, {}),
  keymap: setting(
    v.record(keyName, v.string()),
    {
      LEFT: "previous",
      RIGHT: "next",
      SELECT: "toggle",
      UP: "volume +5",
      DOWN: "volume -5",
      ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [String(n), `playlist ${n}`])),
    },
    "Key name → action: `previous`, `next`, `toggle` (play/pause), `play`, `pause`, `stop`, `volume +N`/`volume -N`, `playlist N` (the Nth stored playlist by name). Other keys are ignored. A keymap given here replaces the default one.",
  ),
  siren: v.optional(v.strictObject(sound("siren", 80)), {}),
  chime: v.optional(
    v.strictObject({
      enabled: setting(
        v.boolean(),
        true,
        'Play the door chime when the alarm says so (`ALARM: chime {"zone":…}`: a `chime` zone of alarm.zones opened while disarmed). false: never.',
      ),
      ...sound("door chime", 50),
    }),
    {},
  ),
});

/** Service names: lower case, digits and `-` (`router`, `music-player`). */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

const serviceName = v.pipe(v.string(), v.regex(SERVICE_NAME_PATTERN, 'a service name such as "music-player"'));

const launcher = v.strictObject({
  // No default here: the installed service packages say which of them run by default (the registry).
  services: v.optional(
    v.pipe(
      v.array(serviceName),
      noRepeats<string>("service"),
      v.description(
        "The services the launcher starts after the router, in this order (they stop in the reverse order). Not given: every installed service that is on by default, in its start order (`roomguard check` lists them). Leave one out to run it yourself, or not at all.",
      ),
    ),
  ),
  control: setting(
    endpoint,
    "tcp://127.0.0.1:5557",
    "Where the launcher answers `roomguard ctl` (a ZeroMQ request/reply socket). It can stop the appliance: an `ipc://` path (made mode 0660: its user and group) keeps other local users out; on `tcp://127.0.0.1` every local user reaches it.",
  ),
  serviceManager: setting(
    v.picklist(["none", "systemd"]),
    "none",
    "What runs the launcher. `systemd` (roomguard.service sets it): `roomguard ctl quit` is refused with `sudo systemctl stop roomguard`, since systemd would start a launcher that quits again.",
  ),
  stateDir: setting(
    v.pipe(v.string(), v.minLength(1)),
    "var/launcher",
    "Where the launcher keeps each service's output (<service>.log; the previous run's as .log.1), the identities of what it started (pids.json), so a new launcher adopts them, and its lock (launcher.lock: one launcher per directory); relative to the config file's directory.",
  ),
  missedHeartbeats: setting(
    wholeNumber(2, 100),
    3,
    "A service is hung, and replaced, after this many bus.heartbeatIntervalS without a heartbeat.",
  ),
  startGraceS: setting(seconds(1, 600), 15, "Seconds a starting service has to send its first heartbeat."),
  restartDelayS: setting(seconds(0.1, 600), 1, "Seconds before the first restart of a lost service; doubled for each loss in a row."),
  maxRestartDelayS: setting(seconds(0.1, 3600), 30, "The longest wait between restarts."),
  maxRestarts: setting(wholeNumber(0, 1000), 5, "Losses in a row after which a crash loop is given up and reported."),
  stableS: setting(seconds(1, 86_400), 60, "Seconds of running with heartbeats after which the losses in a row count from zero again."),
  stopTimeoutS: setting(
    seconds(0.5, 600),
    8,
    "A stop sends the service SIGTERM, and SIGKILL (its whole process group) this many seconds later.",
  ),
});

/**
 * One sensor: its id and kind; the rest are the sensor's own options, checked by the sensor
 * reader against that sensor's schema. Conventions other services rely on: a GPIO sensor's
 * pin is `pin`, an I2C sensor's address is `i2cAddress`.
 */
const sensor = v.looseObject({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]*$/, "an id of lower-case letters, digits, - and _")),
  kind: v.pipe(v.string(), v.minLength(1)),
});

const armMode = v.picklist(["away", "home", "night"]);
type ArmMode = v.InferOutput<typeof armMode>;

/** A secret as stored by `hashSecret` (@roomguard/runtime): scrypt's parameters, salt and hash. */
const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/;

/** A code as stored: scrypt's parameters, salt and hash (`roomguard alarm add-user` writes it), never the code. */
const codeHash = v.pipe(v.string(), v.regex(SCRYPT_HASH, "a code hash written by `roomguard alarm add-user` (scrypt$N$r$p$salt$hash)"));

const zoneName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]*$/, "a name of lower-case letters, digits, - and _"));

const alarmUser = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$/, "a name of up to 32 letters, digits, spaces, . _ -")),
  pin: v.pipe(codeHash, v.description("The user's code, hashed (`roomguard alarm add-user NAME` sets it).")),
  duressPin: v.optional(
    v.pipe(
      codeHash,
      v.description(
        "A second code that disarms like `pin` and silently publishes a duress event (`roomguard alarm add-user NAME --duress`).",
      ),
    ),
  ),
  role: setting(v.picklist(["admin", "user"]), "user", "`admin` may also bypass zones; `user` arms and disarms."),
});

const zone = v.strictObject({
  sensor: v.pipe(
    v.string(),
    v.regex(/^([a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9_-]*$/, "a sensor id, or <room>/<sensor id> for a bridged room's"),
    v.description(
      "The sensor id in `DOOR: <id> …` or `MOTION: <id> …` (lala-pi's bare `DOOR: open` is the sensor `door`); `<room>/<id>` for a sensor of another Pi joined by the bridge (docs/bridge.md).",
    ),
  ),
  name: v.optional(v.pipe(zoneName, v.description("The zone's name in states, events and the audit. Default: the sensor id."))),
  type: v.pipe(
    v.picklist(["entry", "follower", "instant", "24h", "tamper", "chime"]),
    v.description(
      "`entry`: starts the entry delay. `follower`: instant unless an entry delay runs. `instant`: triggers at once. `24h`/`tamper`: trigger in every state, disarmed included. `chime`: never triggers, chimes while disarmed.",
    ),
  ),
  modes: setting(
    v.pipe(v.array(armMode), noRepeats<ArmMode>("mode")),
    ["away", "home", "night"],
    "The arm modes in which the zone is watched.",
  ),
  entryDelayS: v.optional(v.pipe(seconds(0, 600), v.description("This zone's entry delay (type `entry`). Default alarm.entryDelayS."))),
});

const alarmOutput = (what: string, reference: string) =>
  v.strictObject({
    pin: setting(v.nullable(bcm), null, `BCM pin of the ${what} (${reference}); null: none.`),
    activeLow: setting(v.boolean(), false, `The ${what} is on when the pin is low.`),
  });

const alarm = v.strictObject({
  requests: setting(
    endpoint,
    "tcp://127.0.0.1:5558",
    "The alarm's request socket: arm, disarm and bypass with a code, status, panic; from the keypad, `roomguard alarm`, the dashboard. An `ipc://` path (made mode 0660) keeps other local users out.",
  ),
  stateDir: setting(
    v.pipe(v.string(), v.minLength(1)),
    "var/alarm",
    "Where the alarm keeps its state (state.json, written atomically on every change) and its audit trail (audit.jsonl); relative to the config file's directory.",
  ),
  modes: setting(v.pipe(v.array(armMode), v.minLength(1), noRepeats<ArmMode>("mode")), ["away", "home", "night"], "The arm modes offered."),
  exitDelayS: setting(seconds(0, 600), 30, "Seconds between arming and armed, to leave."),
  entryDelayS: setting(seconds(0, 600), 30, "Default entry delay of an `entry` zone: seconds to disarm after it opens."),
  sirenMaxS: setting(seconds(1, 3600), 180, "The siren stops after this many seconds triggered."),
  disarmAfterTrigger: setting(
    v.boolean(),
    false,
    "After the siren times out: false re-arms the mode it was in (zones still open are bypassed and said so); true disarms.",
  ),
  maxTriggersPerZone: setting(wholeNumber(1, 100), 3, "A zone triggers at most this many times per armed cycle (swinger shutdown)."),
  onCorruptState: setting(
    v.picklist(["arming_away", "armed_away", "triggered"]),
    "arming_away",
    "How the alarm starts when no state file is readable: never disarmed. `arming_away` runs the exit delay, so a person at home can still disarm with a code.",
  ),
  lockout: v.optional(
    v.strictObject({
      attempts: setting(wholeNumber(1, 100), 5, "Wrong codes in a row before code entry is locked."),
      baseS: setting(seconds(1, 3600), 30, "First lockout in seconds; doubled for each further wrong code."),
      maxS: setting(seconds(1, 86_400), 900, "Longest lockout in seconds."),
    }),
    {},
  ),
  users: setting(v.array(alarmUser), [], "Who may arm and disarm: `roomguard alarm add-user NAME` adds one, with the code hashed."),
  zones: setting(v.array(zone), [], "The zones, each a sensor of the sensor reader: see docs/alarm.md."),
  siren: v.optional(alarmOutput("siren", "through a switch module or a transistor: BCM 17 in the reference build"), {}),
  buzzer: v.optional(alarmOutput("buzzer", "beeps during the exit and entry delays: BCM 18 in the reference build"), {}),
  audit: v.optional(
    v.strictObject({
      keepDays: setting(wholeNumber(1, 3650), 90, "Days the audit trail is kept."),
      rotateBytes: setting(wholeNumber(4 * KiB, 256 * MiB), 1 * MiB, "The audit file is rotated at this size."),
      maxBytes: setting(
        wholeNumber(64 * KiB, 4096 * MiB),
        64 * MiB,
        "The audit trail's files together stay under this size: the oldest rotated files go first, before keepDays (a flood of events must not fill the SD card).",
      ),
    }),
    {},
  ),
  sensorsService: setting(
    serviceName,
    "sensors",
    "The service whose heartbeat vouches for the zones' sensors: while it is silent, every zone is in trouble.",
  ),
});

/** `host:port` of an HTTP listener; `[::1]:8080` for IPv6; port 0 asks for a free one (tests). */
const listenAddress = v.pipe(
  v.string(),
  v.regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):\d{1,5}$/, "host:port such as 127.0.0.1:8080 or [::1]:8080"),
  v.check((text) => Number(text.slice(text.lastIndexOf(":") + 1)) <= 65_535, "a port from 0 to 65535"),
);

const webUser = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, "a name of up to 32 letters, digits, . _ -")),
  role: v.pipe(
    v.picklist(["admin", "user", "viewer"]),
    v.description("`admin`: everything, the console included; `user`: arm, disarm and music; `viewer`: read only."),
  ),
  password: v.pipe(
    v.string(),
    v.regex(SCRYPT_HASH, "a password hash written by `roomguard web add-user` (scrypt$N$r$p$salt$hash)"),
    v.description("The user's password, hashed (`roomguard web add-user NAME --role ROLE` sets it)."),
  ),
});

const web = v.strictObject({
  listen: setting(
    listenAddress,
    "127.0.0.1:8080",
    "Where the dashboard listens (host:port). An address other than loopback needs `tls` or `insecure: true`.",
  ),
  tls: v.optional(
    v.strictObject({
      cert: setting(
        v.nullable(v.pipe(v.string(), v.minLength(1))),
        null,
        "The certificate file (PEM), relative to the config file's directory; `roomguard web make-cert` writes one. null: plain HTTP.",
      ),
      key: setting(v.nullable(v.pipe(v.string(), v.minLength(1))), null, "The certificate's private key file (PEM); null: plain HTTP."),
    }),
    {},
  ),
  insecure: setting(
    v.boolean(),
    false,
    "Serve plain HTTP on an address other than loopback: passwords and session cookies then cross the network readable. The page and the log warn about it.",
  ),
  hostnames: setting(
    v.array(v.pipe(v.string(), v.minLength(1))),
    [],
    "Extra names the page may be reached by (Host and Origin), e.g. behind a proxy; localhost and the machine's names and addresses are always allowed.",
  ),
  stateDir: setting(
    v.pipe(v.string(), v.minLength(1)),
    "var/web",
    "Where the dashboard keeps its sessions (hashed ids only, mode 0600); relative to the config file's directory.",
  ),
  users: setting(
    v.array(webUser),
    [],
    "Who may log in to the dashboard: `roomguard web add-user NAME --role ROLE` adds one, with the password hashed.",
  ),
  session: v.optional(
    v.strictObject({
      idleHours: setting(seconds(0.01, 8760), 12, "A session unused for this many hours ends."),
      maxDays: setting(seconds(0.01, 365), 30, "A session ends this many days after its login, used or not."),
    }),
    {},
  ),
  login: v.optional(
    v.strictObject({
      attempts: setting(wholeNumber(1, 100), 5, "Failed logins from one address before its logins are refused for a while."),
      baseS: setting(seconds(1, 3600), 30, "First wait in seconds; doubled for each further failure."),
      maxS: setting(seconds(1, 86_400), 900, "Longest wait in seconds."),
      trackedAddresses: setting(
        wholeNumber(1, 1_000_000),
        1000,
        "Addresses whose failures are remembered at once; beyond it the oldest is forgotten (the memory stays bounded).",
      ),
    }),
    {},
  ),
  clients: v.optional(
    v.strictObject({
      max: setting(wholeNumber(1, 1024), 64, "Open pages (WebSocket connections) at once; more are refused."),
      stallS: setting(
        seconds(1, 600),
        10,
        "A page whose frames have waited this many seconds (it stopped reading: a sleeping phone, a stuck tab) is disconnected; it reconnects and starts from a snapshot.",
      ),
      sensorFlushMs: setting(
        wholeNumber(0, 60_000),
        250,
        "Sensor readings, the music and the services' table reach a page at most this often (ms); the alarm and the zones at once.",
      ),
    }),
    {},
  ),
});

const nullableText = v.nullable(v.pipe(v.string(), v.minLength(1)));

const mqtt = v.strictObject({
  url: setting(
    v.nullable(
      v.pipe(
        v.string(),
        v.regex(
          /^(mqtts?|wss?):\/\/[^\s/]+(\/\S*)?$/,
          "an MQTT broker URL such as mqtt://homeassistant.local:1883, mqtts://…:8883 or ws://…",
        ),
      ),
    ),
    null,
    "The MQTT broker (`mqtt://`, `mqtts://`, `ws://`, `wss://`). Set: the launcher runs the MQTT bridge (docs/home-assistant.md). null: no bridge.",
  ),
  username: setting(nullableText, null, "The broker login's user name; null: no login."),
  password: setting(
    nullableText,
    null,
    "The broker login's password, inline. Prefer passwordFile or passwordEnv: this file is readable by the roomguard group.",
  ),
  passwordFile: setting(
    nullableText,
    null,
    "A file holding the broker password (its first line), relative to the config file's directory; keep it mode 0600.",
  ),
  passwordEnv: setting(
    nullableText,
    null,
    "An environment variable holding the broker password (for systemd's Environment= or a container).",
  ),
  clientId: setting(nullableText, null, "The MQTT client id; null: `roomguard-<hostname>`."),
  baseTopic: setting(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "topic levels of letters, digits, - and _, without wildcards")),
    "roomguard",
    "Where the bridge's topics live: `<baseTopic>/alarm/state`, `<baseTopic>/availability`… One per appliance on a shared broker.",
  ),
  tls: v.optional(
    v.strictObject({
      ca: setting(
        nullableText,
        null,
        "A CA certificate (PEM) to trust for `mqtts://`/`wss://`, relative to the config file's directory; null: the system's CAs.",
      ),
      rejectUnauthorized: setting(
        v.boolean(),
        true,
        "Refuse a broker whose certificate does not check out. false is for a test bench only.",
      ),
    }),
    {},
  ),
  homeassistant: v.optional(
    v.strictObject({
      enabled: setting(
        v.boolean(),
        true,
        "Publish Home Assistant discovery messages, so the appliance appears in Home Assistant by itself.",
      ),
      prefix: setting(
        v.pipe(v.string(), v.minLength(1)),
        "homeassistant",
        "Home Assistant's discovery prefix (its MQTT integration's setting).",
      ),
      nodeId: setting(
        v.nullable(v.pipe(v.string(), v.regex(/^[a-z0-9_-]+$/, "lower-case letters, digits, _ and -"))),
        null,
        "The appliance's id in discovery topics and unique ids; null: `roomguard_<hostname>`. Keep it when the hostname changes, or Home Assistant sees a new device.",
      ),
    }),
    {},
  ),
  mirror: v.optional(
    v.strictObject({
      topics: setting(
        v.array(v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]*:?$/, "a bus topic such as SENSOR or SENSOR:"))),
        [],
        "Bus topics mirrored to `<baseTopic>/bus/<TOPIC>/<subject>` for Node-RED and other tools (never CONTROL or SIM).",
      ),
      send: setting(
        v.array(v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]*:?$/, "a bus topic such as KEY"))),
        [],
        "Bus topics a message on `<baseTopic>/send` may carry onto the bus (e.g. KEY). Empty: `send` is off.",
      ),
    }),
    {},
  ),
});

/** A room's name: in bridged messages' subjects (`DOOR: bedroom/window open`), so no `/` and no spaces. */
const roomName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a room name of lower-case letters, digits and - such as "bedroom"'),
);
const bridgedTopics = (what: string) =>
  v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]*:$/, 'a bus topic with its colon, such as "DOOR:"'))),
    noRepeats<string>("topic"),
    v.description(what),
  );

const bridgeRemote = v.strictObject({
  name: v.pipe(
    roomName,
    v.description(
      "The remote's room: its messages arrive here as `DOOR: <name>/<sensor> …`, and a zone here names its sensors `<name>/<id>`.",
    ),
  ),
  in: v.pipe(
    endpoint,
    v.description("The remote router's IN endpoint as this Pi reaches it (tcp://192.168.1.21:5556): the bridge publishes there."),
  ),
  out: v.pipe(endpoint, v.description("The remote router's OUT endpoint (tcp://192.168.1.21:5555): the bridge subscribes there.")),
  routerKey: v.pipe(
    v.string(),
    v.regex(
      /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/,
      "a CURVE public key: 40 characters of Z85 (the remote's `roomguard keys list` shows it)",
    ),
    v.description("The remote router's public key (its router.key): the connection is always CURVE, and this is who the remote must be."),
  ),
  from: v.optional(
    bridgedTopics(
      "Topics taken from the remote, each under the remote's room name. Only topics whose messages start with a subject: SENSOR:, DOOR:, MOTION:, HEARTBEAT:.",
    ),
    ["SENSOR:", "DOOR:", "MOTION:", "HEARTBEAT:"],
  ),
  to: v.optional(bridgedTopics("Topics of this bus sent to the remote, each under bridge.room (same topics as `from`)."), []),
});

const bridge = v.strictObject({
  room: setting(
    v.nullable(roomName),
    null,
    "This appliance's room: its messages reach a remote as `DOOR: <room>/<sensor> …`. Needed when a remote's `to` lists topics.",
  ),
  remotes: setting(
    v.array(bridgeRemote),
    [],
    "Other roomguards joined to this bus, each `{ name, in, out, routerKey, from?, to? }` (docs/bridge.md). Set: the launcher runs the bridge.",
  ),
  maxMessagesPerS: setting(
    wholeNumber(1, 100_000),
    1000,
    "Messages per second the bridge passes from one remote (and to it); more are dropped and counted: a flood on one bus stays there.",
  ),
});

export const configSchema = v.strictObject({
  bus: v.optional(bus, {}),
  router: v.optional(router, {}),
  hardware: v.optional(hardware, {}),
  keypad: v.optional(keypad, {}),
  sensors: setting(
    v.array(sensor),
    [],
    "The sensors, each `{ id, kind, intervalS?, …options }`: see docs/adding-a-sensor.md and hardware/sensors.md. A GPIO sensor names its pin `pin`, an I2C sensor its address `i2cAddress`.",
  ),
  music: v.optional(music, {}),
  alarm: v.optional(alarm, {}),
  launcher: v.optional(launcher, {}),
  web: v.optional(web, {}),
  mqtt: v.optional(mqtt, {}),
  bridge: v.optional(bridge, {}),
  log: v.optional(log, {}),
});

/** The validated config every process receives. */
export type RoomguardConfig = v.InferOutput<typeof configSchema>;
