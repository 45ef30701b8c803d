import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { keypadKeyNames, USB_CODE_ENTRY_KEYS } from "@roomguard/config";
import { keypadConfigIssues, keypadHardware } from "../src/check-config.js";
import { EV, eventSizeFor, InputEventDecoder, resolveEventSize, type EventSize, type InputEvent } from "../src/input-event.js";
import { configWith } from "./helpers.js";

/** A record as the kernel writes it, time included: `struct timeval` of two longs, then type, code, value. */
function record(size: EventSize, event: InputEvent, seconds = 1_790_000_000, micros = 654_321): Buffer {
  const buffer = Buffer.alloc(size);
  if (size === 24) {
    buffer.writeBigInt64LE(BigInt(seconds), 0);
    buffer.writeBigInt64LE(BigInt(micros), 8);
  } else {
    buffer.writeUInt32LE(seconds, 0);
    buffer.writeUInt32LE(micros, 4);
  }
  buffer.writeUInt16LE(event.type, size - 8);
  buffer.writeUInt16LE(event.code, size - 6);
  buffer.writeInt32LE(event.value, size - 4);
  return buffer;
}

const EVENTS: InputEvent[] = [
  { type: EV.MSC, code: 4, value: 0x70059 }, // MSC_SCAN, as USB keyboards send before a key
  { type: EV.KEY, code: 79, value: 1 },
  { type: EV.SYN, code: 0, value: 0 },
  { type: EV.KEY, code: 79, value: 2 },
  { type: EV.KEY, code: 79, value: 0 },
  { type: EV.LED, code: 0, value: 1 },
  { type: 0xffff, code: 0xffff, value: -1 },
];

/** lala-pi's keypad.py: its key map, code for code. */
const LALAPI_KEYPAD_PY: Record<number, string> = {
  69: "NL",
  79: "1",
  80: "2",
  81: "3",
  75: "4",
  76: "5",
  77: "6",
  71: "7",
  72: "8",
  73: "9",
  82: "0",
  83: ".",
  28: "ENTER",
  78: "+",
  74: "-",
  14: "BS",
  55: "*",
  98: "/",
  111: "_.",
  110: "_0",
  107: "_1",
  108: "_2",
  109: "_3",
  105: "_4",
  106: "_6",
  102: "_7",
  103: "_8",
  104: "_9",
};

/** The names issue 18 lists for lala-pi's keypad. */
const ISSUE_NAMES = [
  ..."0123456789".split(""),
  ".",
  "ENTER",
  "+",
  "-",
  "BS",
  "*",
  "/",
  "NL",
  ..."0123456789".split("").map((digit) => `_${digit}`),
  "_.",
];

describe("Linux input events", () => {
  it("the event size follows Node's architecture: 16 bytes on 32-bit arm and ia32, 24 on arm64 and x64; eventSize overrides", () => {
    assert.deepEqual(
      ["arm", "ia32", "arm64", "x64"].map((arch) => eventSizeFor(arch)),
      [16, 16, 24, 24],
    );
    assert.equal(resolveEventSize("auto", "arm"), 16);
    assert.equal(resolveEventSize("auto", "arm64"), 24);
    assert.equal(resolveEventSize(16, "arm64"), 16);
    assert.equal(resolveEventSize(24, "arm"), 24);
    assert.equal(configWith({}).keypad.usb.eventSize, "auto");
  });

  for (const size of [16, 24] as const) {
    it(`${size}-byte records: type, code and value after the timeval, whatever the time`, () => {
      const bytes = Buffer.concat(EVENTS.map((event, i) => record(size, event, 1_790_000_000 + i, 999_999 - i)));
      assert.deepEqual(new InputEventDecoder(size).push(bytes), EVENTS);
    });

    it(`${size}-byte records split anywhere between reads come out whole and in order`, () => {
      const bytes = Buffer.concat(EVENTS.map((event) => record(size, event)));
      for (let cut = 0; cut <= bytes.length; cut++) {
        for (const second of [cut, Math.min(bytes.length, cut + 7)]) {
          const decoder = new InputEventDecoder(size);
          const events = [
            ...decoder.push(bytes.subarray(0, cut)),
            ...decoder.push(bytes.subarray(cut, second)),
            ...decoder.push(bytes.subarray(second)),
          ];
          assert.deepEqual(events, EVENTS, `cut at ${cut} and ${second}`);
          assert.equal(decoder.pending, 0);
        }
      }
    });
  }

  it("one byte at a time, a part event is kept until it is whole; reset forgets it", () => {
    const decoder = new InputEventDecoder(24);
    const bytes = record(24, { type: EV.KEY, code: 28, value: 1 });
    for (let i = 0; i < 23; i++) assert.deepEqual(decoder.push(bytes.subarray(i, i + 1)), []);
    assert.equal(decoder.pending, 23);
    assert.deepEqual(decoder.push(bytes.subarray(23)), [{ type: EV.KEY, code: 28, value: 1 }]);
    decoder.push(bytes.subarray(0, 5));
    decoder.reset();
    assert.equal(decoder.pending, 0);
  });
});

describe("keypad.mode: usb config", () => {
  it("the default key map is lala-pi's, code for code, and 96 (KP Enter) is ENTER too", () => {
    const keys = configWith({ keypad: { mode: "usb" } }).keypad.usb.keys;
    const expected = Object.fromEntries(Object.entries(LALAPI_KEYPAD_PY).map(([code, name]) => [code, name]));
    assert.deepEqual({ ...keys }, { ...expected, "96": "ENTER" });
  });

  it("hardware/keypad.md's table of lala-pi's names is the default key map", () => {
    const doc = readFileSync(new URL("../../../../hardware/keypad.md", import.meta.url), "utf8");
    const section = doc.split("### Keys: lala-pi's names")[1]?.split("\n\n")[2] ?? "";
    const documented: Record<string, string> = {};
    for (const row of section.split("\n").slice(2)) {
      const [, , codes = "", names = "", off = ""] = row.split("|").map((cell) => cell.trim());
      const nameList = [...names.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
      const codeList = codes.split(/[ ,]+/);
      codeList.forEach((code, i) => (documented[code] = nameList[Math.min(i, nameList.length - 1)] ?? ""));
      for (const [, code = "", name = ""] of off.matchAll(/(\d+) → `([^`]+)`/g)) documented[code] = name;
    }
    assert.deepEqual(documented, { ...configWith({ keypad: { mode: "usb" } }).keypad.usb.keys });
  });

  it("its names are the ones issue 18 lists for lala-pi; _5 only where Num Lock is tracked here", () => {
    // lala-pi's keypad sends nothing for 5 with its Num Lock off (keypad.py: "notice the missing N5").
    const keypad = configWith({ keypad: { mode: "usb" } }).keypad;
    assert.deepEqual(keypadKeyNames(keypad).toSorted(), ISSUE_NAMES.filter((name) => name !== "_5").toSorted());
    const tracked = configWith({ keypad: { mode: "usb", usb: { numLock: "track" } } }).keypad;
    assert.deepEqual(keypadKeyNames(tracked).toSorted(), ISSUE_NAMES.toSorted());
  });

  it("code entry's keys are a numeric keypad's in usb mode, unless the config sets them", () => {
    const usb = configWith({ keypad: { mode: "usb" } }).keypad.codeEntry;
    assert.deepEqual([usb.armAway, usb.armHome, usb.armNight, usb.disarm, usb.clear, usb.panic], ["ENTER", "+", "/", "-", "BS", "* HOLD"]);
    assert.deepEqual(USB_CODE_ENTRY_KEYS, { armAway: "ENTER", armHome: "+", armNight: "/", disarm: "-", clear: "BS" });
    const set = configWith({ keypad: { mode: "usb", codeEntry: { armAway: "+", armHome: "*" } } }).keypad.codeEntry;
    assert.deepEqual([set.armAway, set.armHome, set.disarm], ["+", "*", "-"]);
    const matrix = configWith({ keypad: { mode: "matrix" } }).keypad.codeEntry;
    assert.deepEqual([matrix.armAway, matrix.disarm, matrix.clear], ["A", "#", "*"]);
  });

  it("the defaults pass the keypad's check; it uses no pin", () => {
    const keypad = configWith({ keypad: { mode: "usb" } }).keypad;
    assert.deepEqual(keypadConfigIssues(keypad), []);
    assert.deepEqual(keypadHardware(keypad), []);
  });

  it("the check names a device that is not a path (and how to find one), a code Linux has not, a bad name, a code entry key not on the keypad", () => {
    const issues = keypadConfigIssues(
      configWith({ keypad: { mode: "usb", usb: { device: "ORTEK", keys: { "79": "1", "800": "X", "80": "two words" } } } }).keypad,
    );
    assert.deepEqual(issues, [
      {
        path: "keypad.usb.device",
        message:
          'expected the keypad\'s input device, a path such as /dev/input/by-id/usb-<maker>_<model>-event-kbd (ls /dev/input/by-id/ lists them; the one ending in -event-kbd is the keys), got "ORTEK"',
      },
      { path: "keypad.usb.keys.80", message: 'expected a key name of letters, digits or * # + - . / _ (no spaces), got "two words"' },
      { path: "keypad.usb.keys.800", message: "expected a Linux key code from 0 to 767, got 800" },
    ]);
    const entry = keypadConfigIssues(configWith({ keypad: { mode: "usb", usb: { keys: { "79": "1", "28": "ENTER" } } } }).keypad);
    assert.deepEqual(
      entry.map((issue) => issue.path),
      [
        "keypad.codeEntry.armHome",
        "keypad.codeEntry.armNight",
        "keypad.codeEntry.disarm",
        "keypad.codeEntry.clear",
        "keypad.codeEntry.panic",
      ],
    );
    assert.match(entry[0]?.message ?? "", /^expected a key of the keypad \(keypad\.usb\.keys: ENTER 1\), got "\+"$/);
  });

  it("the schema refuses a key code that is not a number and an event size other than auto, 16, 24", () => {
    assert.throws(() => configWith({ keypad: { mode: "usb", usb: { keys: { KP1: "1" } } } }), /keypad\.usb\.keys/);
    assert.throws(() => configWith({ keypad: { mode: "usb", usb: { eventSize: 32 } } }), /keypad\.usb\.eventSize/);
  });

  it("numLock track adds the _ names of the digits and dot", () => {
    const keypad = configWith({ keypad: { mode: "usb", usb: { numLock: "track", keys: { "79": "1", "83": ".", "69": "NL" } } } }).keypad;
    assert.deepEqual(keypadKeyNames(keypad), ["NL", "1", ".", "_1", "_."]);
  });
});
