import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { validateConfig, type LoadedConfig } from "@roomguard/config";
import { checkWholeConfig, enabledServices, findServices, installationRoot, ownIssues, type ServiceEntry } from "../src/index.js";

const loadedWith = (document: Record<string, unknown>): LoadedConfig => {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.issues)}`);
  return { config: result.config, file: null, baseDir: process.cwd() };
};

const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-registry-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A root with these packages: name → package.json contents, plus files. */
function fakeRoot(packages: Record<string, { manifest: Record<string, unknown>; files?: Record<string, string> }>): string {
  const root = mkdtempSync(path.join(scratch, "root-"));
  writeFileSync(path.join(root, "pnpm-workspace.yaml"), "packages:\n  - packages/*\n");
  for (const [name, { manifest, files = {} }] of Object.entries(packages)) {
    const dir = path.join(root, "packages", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
  }
  return root;
}

describe("the service registry", () => {
  it("finds this checkout's services in start order, from their package.json alone", () => {
    const services = findServices();
    assert.deepEqual(
      services.map((service) => [service.name, service.always, service.enabledByDefault]),
      [
        ["router", true, false],
        ["alarm", false, true],
        ["keypad", false, true],
        ["sensors", false, true],
        ["music-player", false, true],
        ["web", false, true],
        ["mqtt-bridge", false, false],
        ["bridge", false, false],
      ],
    );
    const root = installationRoot();
    assert.equal(services[2]?.main, path.join(root, "packages/keypad/dist/src/main.js"));
    assert.equal(services[2]?.check, path.join(root, "packages/keypad/dist/src/check-config.js"));
    assert.equal(services[0]?.check, path.join(root, "packages/router/dist/src/check-config.js"));
  });

  it("names the package.json and key of a wrong declaration, and two packages claiming one name", () => {
    const wrong = (service: unknown): string => {
      const root = fakeRoot({ bad: { manifest: { name: "@roomguard/bad", roomguard: { service } } } });
      try {
        findServices(root);
      } catch (error) {
        return (error as Error).message.replace(root, "ROOT");
      }
      return "no error";
    };
    assert.equal(
      wrong({ main: "dist/main.js" }),
      'ROOT/packages/bad/package.json: roomguard.service.main: expected a path in the package such as "./dist/src/main.js", got "dist/main.js"',
    );
    assert.equal(
      wrong({ main: "./m.js", enabled: true }),
      "ROOT/packages/bad/package.json: roomguard.service: unknown key enabled; known: name, main, check, enabledByDefault, enabledWhen, startOrder, always",
    );
    assert.equal(
      wrong({ main: "./m.js", enabledWhen: "mqtt url" }),
      'ROOT/packages/bad/package.json: roomguard.service.enabledWhen: expected a config key such as "mqtt.url", got "mqtt url"',
    );
    assert.equal(
      wrong({ main: "./m.js", name: "Bad Name" }),
      'ROOT/packages/bad/package.json: roomguard.service.name: expected a service name like "music-player", got "Bad Name"',
    );
    const twice = fakeRoot({
      a: { manifest: { name: "a", roomguard: { service: { name: "same", main: "./m.js" } } } },
      b: { manifest: { name: "b", roomguard: { service: { name: "same", main: "./m.js" } } } },
    });
    assert.throws(() => findServices(twice), /two packages declare the service "same": .*packages\/a and .*packages\/b/);
  });

  it("runs the default services, or launcher.services as listed; unknown names are issues at their index", () => {
    const services = findServices();
    const names = (list: ServiceEntry[]): string[] => list.map((service) => service.name);
    assert.deepEqual(names(enabledServices(loadedWith({}).config, services).services), [
      "router",
      "alarm",
      "keypad",
      "sensors",
      "music-player",
      "web",
    ]);
    // A service on when its part of the config is set: off without mqtt.url, on with it.
    const bridged = [...services, { ...(services[1] as ServiceEntry), name: "bridge", enabledByDefault: false, enabledWhen: "mqtt.url" }];
    assert.ok(!names(enabledServices(loadedWith({}).config, bridged).services).includes("bridge"));
    assert.ok(names(enabledServices(loadedWith({ mqtt: { url: "mqtt://broker:1883" } }).config, bridged).services).includes("bridge"));
    // A list counts as set only when something is in it: the bridge's bridge.remotes.
    const remotes = [
      ...services,
      { ...(services[1] as ServiceEntry), name: "bridge", enabledByDefault: false, enabledWhen: "bridge.remotes" },
    ];
    assert.ok(!names(enabledServices(loadedWith({ bridge: { remotes: [] } }).config, remotes).services).includes("bridge"));
    const remote = {
      name: "bedroom",
      in: "tcp://192.168.1.21:5556",
      out: "tcp://192.168.1.21:5555",
      routerKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    };
    assert.ok(names(enabledServices(loadedWith({ bridge: { remotes: [remote] } }).config, remotes).services).includes("bridge"));
    const listed = enabledServices(loadedWith({ launcher: { services: ["music-player", "keypad"] } }).config, services);
    assert.deepEqual(names(listed.services), ["router", "music-player", "keypad"]);
    const wrong = enabledServices(loadedWith({ launcher: { services: ["keypad", "alarn", "router"] } }).config, services);
    assert.deepEqual(names(wrong.services), ["router", "keypad"]);
    assert.deepEqual(wrong.issues, [
      {
        path: "launcher.services[1]",
        message: 'unknown service "alarn"; installed: alarm, keypad, sensors, music-player, web, mqtt-bridge, bridge',
      },
      { path: "launcher.services[2]", message: "router always runs, first: leave it out of the list" },
    ]);
  });

  it("checks the whole config: every service's part, one pin plan across services, each issue with its owner", async () => {
    const clean = await checkWholeConfig(loadedWith({ sensors: [{ id: "front", kind: "door", pin: 25 }] }));
    assert.deepEqual(clean.issues, []);
    assert.deepEqual(
      clean.plan.pins.map((pin) => `${pin.bcm} ${pin.owner} ${pin.key}`),
      [
        "5 keypad keypad.buttons.LEFT",
        "6 keypad keypad.buttons.RIGHT",
        "16 keypad keypad.buttons.UP",
        "20 keypad keypad.buttons.DOWN",
        "21 keypad keypad.buttons.SELECT",
        "25 sensors sensors[front].pin",
      ],
    );

    const clash = loadedWith({
      keypad: { buttons: { LEFT: 25, "TWO WORDS": 6 } },
      sensors: [
        { id: "front", kind: "door", pin: 25 },
        { id: "bath", kind: "door" },
      ],
      launcher: { services: ["keypad", "sensors", "nope"] },
    });
    const check = await checkWholeConfig(clash);
    assert.deepEqual(
      check.issues.map((issue) => `${issue.owner}/${issue.foundBy} ${issue.path}: ${issue.message}`),
      [
        'launcher/check launcher.services[2]: unknown service "nope"; installed: alarm, keypad, sensors, music-player, web, mqtt-bridge, bridge',
        'keypad/check keypad.buttons.TWO WORDS: expected a key name of letters, digits or * # + - . / _ (no spaces), got "TWO WORDS"',
        "sensors/check sensors[bath]: pin: missing (required); door takes: pin (required), openWhen, debounceMs",
        "sensors/plan sensors[front].pin: BCM 25 (pin 22) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
      ],
    );
    // What each service checks at start: its own part only, so a wrong sensor entry stops no keypad.
    assert.deepEqual(await ownIssues(clash, "keypad", { services: findServices() }), [
      { path: "keypad.buttons.TWO WORDS", message: 'expected a key name of letters, digits or * # + - . / _ (no spaces), got "TWO WORDS"' },
    ]);
    assert.deepEqual(await ownIssues(clash, "sensors", { foundBy: "plan" }), [
      {
        path: "sensors[front].pin",
        message: "BCM 25 (pin 22) is already used by keypad.buttons.LEFT: each pin can do one job; choose another",
      },
    ]);
  });

  it("a service started by hand is checked with the enabled ones; a failing check module is its service's issue", async () => {
    const root = fakeRoot({
      router: { manifest: { name: "@roomguard/router", roomguard: { service: { main: "./m.js", always: true } } } },
      siren: {
        manifest: { name: "@roomguard/siren", roomguard: { service: { main: "./m.js", check: "./check.mjs" } } },
        files: {
          "check.mjs": `export const checkConfig = () => ({ issues: [], hardware: [{ kind: "gpio", pin: 17, direction: "out", pull: "none", purpose: "siren", key: "siren.pin" }] });`,
        },
      },
      broken: {
        manifest: { name: "@roomguard/broken", roomguard: { service: { main: "./m.js", check: "./check.mjs", enabledByDefault: true } } },
        files: { "check.mjs": `export const checkConfig = () => { throw new Error("boom"); };` },
      },
    });
    const services = findServices(root);
    const check = await checkWholeConfig(loadedWith({}), { services, include: "siren" });
    assert.deepEqual(
      check.services.map((service) => service.name),
      ["router", "broken", "siren"],
    );
    assert.deepEqual(check.issues, [{ owner: "broken", foundBy: "check", path: "", message: "its config check failed: boom" }]);
    assert.deepEqual(
      check.plan.pins.map((pin) => `${pin.bcm} ${pin.owner} ${pin.use}`),
      ["17 siren out"],
    );
  });
});
