import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig, type RoomguardConfig } from "@roomguard/config";
import {
  dashboardUrl,
  defaultNodeId,
  type DashboardAddress,
  discoveryMessages,
  discoveryTopicFilter,
  staleDiscoveryTopics,
  type DiscoveryInput,
  type DiscoveryMessage,
  type SensorDeclaration,
} from "../src/discovery.js";

// ---------------------------------------------------------------------------------------------
// The keys Home Assistant documents for each MQTT component, from its configuration blocks:
//   https://www.home-assistant.io/integrations/alarm_control_panel.mqtt/
//   https://www.home-assistant.io/integrations/sensor.mqtt/
//   https://www.home-assistant.io/integrations/binary_sensor.mqtt/
// (source/_integrations/<component>.mqtt.markdown in home-assistant/home-assistant.io, the
// versions with `default_entity_id`: `object_id` stopped working in Home Assistant 2026.4), and
// `origin` from https://www.home-assistant.io/integrations/mqtt/#discovery-messages. Full names
// only: the abbreviations (`stat_t`, `dev`…) are accepted by Home Assistant but not used here.
// `platform` is left out on purpose: it belongs to device discovery messages only.
// ---------------------------------------------------------------------------------------------

type KeyType = "string" | "boolean" | "integer" | "list" | "map" | "template" | "icon" | "string-or-list";
interface KeySpec {
  type: KeyType;
  required?: true;
  /** For a map, or a list of maps: the keys inside. */
  keys?: Record<string, KeySpec>;
  /** The values allowed (each item's, for a list). */
  oneOf?: readonly string[];
}

const AVAILABILITY_ITEM: Record<string, KeySpec> = {
  payload_available: { type: "string" },
  payload_not_available: { type: "string" },
  topic: { type: "string", required: true },
  value_template: { type: "template" },
};

const DEVICE: Record<string, KeySpec> = {
  configuration_url: { type: "string" },
  connections: { type: "list" },
  hw_version: { type: "string" },
  identifiers: { type: "string-or-list" },
  manufacturer: { type: "string" },
  model: { type: "string" },
  model_id: { type: "string" },
  name: { type: "string" },
  serial_number: { type: "string" },
  suggested_area: { type: "string" },
  sw_version: { type: "string" },
  via_device: { type: "string" },
};

const ORIGIN: Record<string, KeySpec> = {
  name: { type: "string", required: true },
  sw_version: { type: "string" },
  support_url: { type: "string" },
};

/** On every component's page. */
const COMMON: Record<string, KeySpec> = {
  availability: { type: "list", keys: AVAILABILITY_ITEM },
  availability_mode: { type: "string", oneOf: ["all", "any", "latest"] },
  availability_template: { type: "template" },
  availability_topic: { type: "string" },
  default_entity_id: { type: "string" },
  device: { type: "map", keys: DEVICE },
  enabled_by_default: { type: "boolean" },
  encoding: { type: "string" },
  entity_category: { type: "string", oneOf: ["config", "diagnostic"] },
  entity_picture: { type: "string" },
  icon: { type: "icon" },
  json_attributes_template: { type: "template" },
  json_attributes_topic: { type: "string" },
  name: { type: "string" },
  origin: { type: "map", keys: ORIGIN },
  payload_available: { type: "string" },
  payload_not_available: { type: "string" },
  qos: { type: "integer" },
  unique_id: { type: "string" },
  value_template: { type: "template" },
};

/** Home Assistant's binary sensor device classes (home-assistant.io/integrations/binary_sensor/#device-class). */
const BINARY_SENSOR_CLASSES = [
  "battery",
  "battery_charging",
  "carbon_monoxide",
  "cold",
  "connectivity",
  "door",
  "garage_door",
  "gas",
  "heat",
  "light",
  "lock",
  "moisture",
  "motion",
  "moving",
  "occupancy",
  "opening",
  "plug",
  "power",
  "presence",
  "problem",
  "running",
  "safety",
  "smoke",
  "sound",
  "tamper",
  "update",
  "vibration",
  "window",
] as const;

/**
 * The sensor device classes this test knows, with the units Home Assistant accepts for each
 * (home-assistant.io/integrations/sensor/#device-class). A class missing here fails the test:
 * add it with its units from that page.
 */
const SENSOR_CLASS_UNITS: Readonly<Record<string, readonly string[]>> = {
  temperature: ["°C", "°F", "K"],
  humidity: ["%"],
  atmospheric_pressure: ["cbar", "bar", "hPa", "mmHg", "inHg", "kPa", "mbar", "Pa", "psi"],
  pressure: ["cbar", "bar", "hPa", "mmHg", "inHg", "kPa", "mbar", "Pa", "psi"],
  illuminance: ["lx"],
  carbon_dioxide: ["ppm"],
  voltage: ["mV", "V", "kV", "µV", "MV"],
};

const SCHEMA: Readonly<Record<string, Record<string, KeySpec>>> = {
  alarm_control_panel: {
    ...COMMON,
    code: { type: "string" },
    code_arm_required: { type: "boolean" },
    code_disarm_required: { type: "boolean" },
    code_trigger_required: { type: "boolean" },
    command_template: { type: "template" },
    command_topic: { type: "string", required: true },
    payload_arm_away: { type: "string" },
    payload_arm_home: { type: "string" },
    payload_arm_night: { type: "string" },
    payload_arm_vacation: { type: "string" },
    payload_arm_custom_bypass: { type: "string" },
    payload_disarm: { type: "string" },
    payload_trigger: { type: "string" },
    retain: { type: "boolean" },
    state_topic: { type: "string", required: true },
    supported_features: {
      type: "list",
      oneOf: ["arm_home", "arm_away", "arm_night", "arm_vacation", "arm_custom_bypass", "trigger"],
    },
  },
  sensor: {
    ...COMMON,
    device_class: { type: "string", oneOf: Object.keys(SENSOR_CLASS_UNITS) },
    expire_after: { type: "integer" },
    force_update: { type: "boolean" },
    last_reset_value_template: { type: "template" },
    options: { type: "list" },
    suggested_display_precision: { type: "integer" },
    state_class: { type: "string", oneOf: ["measurement", "measurement_angle", "total", "total_increasing"] },
    state_topic: { type: "string", required: true },
    unit_of_measurement: { type: "string" },
  },
  binary_sensor: {
    ...COMMON,
    device_class: { type: "string", oneOf: BINARY_SENSOR_CLASSES },
    expire_after: { type: "integer" },
    force_update: { type: "boolean" },
    off_delay: { type: "integer" },
    payload_off: { type: "string" },
    payload_on: { type: "string" },
    state_topic: { type: "string", required: true },
  },
};

/**
 * Home Assistant's discovery topic after its prefix (TOPIC_MATCHER of
 * homeassistant/components/mqtt/discovery.py, matched against the topic with the prefix removed).
 */
const TOPIC_MATCHER = /^(?<component>\w+)\/(?:(?<node>[a-zA-Z0-9_-]+)\/)?(?<object>[a-zA-Z0-9_-]+)\/config$/;
/** A discovery topic's parts as Home Assistant sees them; undefined when it would not see it at all. */
function parseTopic(topic: string, prefix = "homeassistant"): { component: string; node: string; object: string } | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const groups = TOPIC_MATCHER.exec(topic.slice(prefix.length + 1))?.groups;
  return groups ? { component: groups.component ?? "", node: groups.node ?? "", object: groups.object ?? "" } : undefined;
}
/** Home Assistant's VALID_ENTITY_ID (homeassistant/core.py). */
const VALID_ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

/** Every problem of `value` against `keys`, with dotted paths; [] when it conforms. */
function problems(value: Record<string, unknown>, keys: Record<string, KeySpec>, path: string): string[] {
  const found: string[] = [];
  for (const key of Object.keys(value)) if (!(key in keys)) found.push(`${path}${key}: not a documented key`);
  for (const [key, spec] of Object.entries(keys)) {
    const item = value[key];
    const at = `${path}${key}`;
    if (item === undefined) {
      if (spec.required) found.push(`${at}: required, missing`);
      continue;
    }
    found.push(...typeProblems(item, spec, at));
  }
  return found;
}

function typeProblems(item: unknown, spec: KeySpec, at: string): string[] {
  const isMap = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  switch (spec.type) {
    case "string":
    case "template":
    case "icon": {
      if (typeof item !== "string" || item === "") return [`${at}: expected a non-empty string, got ${JSON.stringify(item)}`];
      if (spec.type === "icon" && !/^mdi:[a-z0-9-]+$/.test(item)) return [`${at}: expected an icon like mdi:alert, got ${item}`];
      if (spec.type === "template" && !item.includes("{{")) return [`${at}: expected a template, got ${item}`];
      if (spec.oneOf && !spec.oneOf.includes(item)) return [`${at}: expected one of ${spec.oneOf.join(", ")}, got ${item}`];
      return [];
    }
    case "boolean":
      return typeof item === "boolean" ? [] : [`${at}: expected a boolean, got ${JSON.stringify(item)}`];
    case "integer":
      return Number.isInteger(item) ? [] : [`${at}: expected an integer, got ${JSON.stringify(item)}`];
    case "string-or-list":
      return typeof item === "string" || (Array.isArray(item) && item.length > 0 && item.every((x) => typeof x === "string" && x !== ""))
        ? []
        : [`${at}: expected a string or a list of strings, got ${JSON.stringify(item)}`];
    case "map":
      return isMap(item) ? problems(item, spec.keys ?? {}, `${at}.`) : [`${at}: expected a map`];
    case "list": {
      if (!Array.isArray(item) || item.length === 0) return [`${at}: expected a non-empty list`];
      const { keys, oneOf } = spec;
      return item.flatMap((entry, index) => {
        if (keys) return isMap(entry) ? problems(entry, keys, `${at}[${index}].`) : [`${at}[${index}]: expected a map`];
        if (oneOf && !(typeof entry === "string" && oneOf.includes(entry)))
          return [`${at}[${index}]: expected one of ${oneOf.join(", ")}, got ${JSON.stringify(entry)}`];
        return [];
      });
    }
  }
}

/**
 * Renders the few template forms the payloads use, as Home Assistant's Jinja would:
 * `{{ name.path | lower | tojson }}` with the filters lower and tojson.
 */
function render(template: string, variables: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    const [path = "", ...filters] = expression.split("|").map((part) => part.trim());
    let value: unknown = path
      .split(".")
      .reduce<unknown>((object, key) => (object as Record<string, unknown> | undefined)?.[key], variables);
    for (const filter of filters) {
      if (filter === "lower") value = String(value).toLowerCase();
      else if (filter === "tojson") value = JSON.stringify(value);
      else throw new Error(`the test's renderer has no filter ${filter}`);
    }
    return String(value);
  });
}

// ---------------------------------------------------------------------------------------------
// The inputs: a flat's config, and the declarations as the four sensor packages make them (the
// packages' own declarations are checked against their readings in packages/sensors/test).
// ---------------------------------------------------------------------------------------------

const DECLARATIONS: Readonly<Record<string, SensorDeclaration>> = {
  bme280: {
    measures: {
      temperature_c: { name: "temperature", deviceClass: "temperature", unit: "°C" },
      humidity_pct: { name: "humidity", deviceClass: "humidity", unit: "%" },
      pressure_hpa: { name: "pressure", deviceClass: "atmospheric_pressure", unit: "hPa" },
    },
  },
  ds18b20: { measures: { temperature_c: { name: "temperature", deviceClass: "temperature", unit: "°C" } } },
  door: { measures: {}, binary: { deviceClass: "door" } },
  pir: { measures: {}, binary: { deviceClass: "motion" } },
};

const FLAT = {
  sensors: [
    { id: "front", kind: "door", pin: 25 },
    { id: "hall", kind: "pir", pin: 24 },
    { id: "window", kind: "door", pin: 23 },
    { id: "sirenbox", kind: "door", pin: 26 },
    { id: "living", kind: "bme280", i2cAddress: 0x76 },
    { id: "outside", kind: "ds18b20" },
  ],
  alarm: {
    zones: [
      { sensor: "front", type: "entry" },
      { sensor: "hall", type: "follower", modes: ["away"] },
      { sensor: "window", name: "living-window", type: "instant" },
      { sensor: "sirenbox", type: "tamper" },
    ],
  },
  web: { listen: "0.0.0.0:8443", tls: { cert: "cert.pem", key: "key.pem" } },
  mqtt: { url: "mqtt://broker:1883", homeassistant: { nodeId: "flat" } },
};

function configOf(document: Record<string, unknown>): RoomguardConfig {
  const result = validateConfig(document);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return result.config;
}

/** The `mqtt` section's keys discovery reads, with the schema's defaults. */
interface MqttPart {
  url?: string;
  baseTopic?: string;
  homeassistant?: { prefix?: string; nodeId?: string };
}

function inputFor(document: Record<string, unknown> & { mqtt?: MqttPart }, declarations = DECLARATIONS): DiscoveryInput {
  const { mqtt = {}, ...rest } = document;
  const config = {
    ...configOf(rest),
    mqtt: { baseTopic: mqtt.baseTopic ?? "roomguard", homeassistant: { prefix: mqtt.homeassistant?.prefix ?? "homeassistant" } },
  };
  return {
    config,
    nodeId: mqtt.homeassistant?.nodeId ?? defaultNodeId("pi-hall"),
    hostname: "pi-hall",
    swVersion: "0.1.0",
    declarationOf: (kind) => declarations[kind],
  };
}

const componentOf = (message: DiscoveryMessage): string => parseTopic(message.topic)?.component ?? "";
const byObject = (messages: DiscoveryMessage[], objectId: string): DiscoveryMessage => {
  const found = messages.find((message) => parseTopic(message.topic)?.object === objectId);
  assert.ok(found, `no entity ${objectId} among ${messages.map((m) => m.topic).join(", ")}`);
  return found;
};

describe("Home Assistant discovery", () => {
  const messages = discoveryMessages(inputFor(FLAT));

  it("announces the alarm, its troubles and last event, each zone, each declared quantity and the music", () => {
    assert.deepEqual(
      messages.map((message) => message.topic),
      [
        "homeassistant/alarm_control_panel/flat/alarm/config",
        "homeassistant/sensor/flat/alarm_troubles/config",
        "homeassistant/sensor/flat/alarm_last_event/config",
        "homeassistant/binary_sensor/flat/zone_front/config",
        "homeassistant/binary_sensor/flat/zone_hall/config",
        "homeassistant/binary_sensor/flat/zone_living-window/config",
        "homeassistant/binary_sensor/flat/zone_sirenbox/config",
        "homeassistant/sensor/flat/sensor_living__temperature_c/config",
        "homeassistant/sensor/flat/sensor_living__humidity_pct/config",
        "homeassistant/sensor/flat/sensor_living__pressure_hpa/config",
        "homeassistant/sensor/flat/sensor_outside__temperature_c/config",
        "homeassistant/sensor/flat/music_state/config",
      ],
    );
  });

  it("puts in every payload only keys Home Assistant documents for its component, with their types, and the required ones", () => {
    for (const message of messages) {
      const component = componentOf(message);
      const keys = SCHEMA[component];
      assert.ok(keys, `${message.topic}: not a component the schema knows`);
      assert.deepEqual(problems(message.payload, keys, ""), [], message.topic);
      // JSON on the wire: what is published is what was checked.
      assert.deepEqual(JSON.parse(JSON.stringify(message.payload)), message.payload);
    }
  });

  it("checks catch what they should: an unknown key, an abbreviation, a missing state topic, a wrong type", () => {
    const alarm = byObject(messages, "alarm").payload;
    const broken = { ...alarm, stat_t: "x", object_id: "flat_alarm", code_arm_required: "yes", state_topic: undefined };
    assert.deepEqual(problems(JSON.parse(JSON.stringify(broken)) as Record<string, unknown>, SCHEMA.alarm_control_panel ?? {}, "").sort(), [
      'code_arm_required: expected a boolean, got "yes"',
      "object_id: not a documented key",
      "stat_t: not a documented key",
      "state_topic: required, missing",
    ]);
  });

  it("uses topics Home Assistant matches, entity ids it accepts, and the device's id as node", () => {
    for (const message of messages) {
      const groups = parseTopic(message.topic);
      assert.ok(groups, `${message.topic}: not a discovery topic Home Assistant matches`);
      assert.equal(groups.node, "flat");
      const entityId = String(message.payload.default_entity_id);
      assert.match(entityId, VALID_ENTITY_ID, message.topic);
      assert.equal(entityId.split(".")[0], componentOf(message));
      assert.equal(message.payload.unique_id, `flat_${groups.object}`);
    }
    assert.equal(byObject(messages, "zone_living-window").payload.default_entity_id, "binary_sensor.flat_zone_living_window");
    assert.equal(byObject(messages, "sensor_living__temperature_c").payload.default_entity_id, "sensor.flat_sensor_living_temperature_c");
  });

  it("gives unique ids that are unique and the same on every build of the same config", () => {
    const ids = messages.map((message) => message.payload.unique_id);
    assert.equal(new Set(ids).size, ids.length);
    const again = discoveryMessages(inputFor(structuredClone(FLAT)));
    assert.deepEqual(again, messages);
    // A sensor added changes no other entity's id or topic.
    const more = discoveryMessages(inputFor({ ...FLAT, sensors: [{ id: "attic", kind: "ds18b20" }, ...FLAT.sensors] }));
    const kept = new Map(more.map((message) => [message.topic, message.payload.unique_id]));
    for (const message of messages) assert.equal(kept.get(message.topic), message.payload.unique_id);
  });

  it("keeps two sensors' quantities apart when their ids and keys share underscores", () => {
    const declarations = { ...DECLARATIONS, odd: { measures: { b_c: {}, c: {} } } };
    const odd = discoveryMessages(
      inputFor(
        {
          sensors: [
            { id: "a", kind: "odd" },
            { id: "a_b", kind: "odd" },
          ],
        },
        declarations,
      ),
    ).filter((message) => String(message.payload.unique_id).includes("sensor_a"));
    const ids = odd.map((message) => message.payload.unique_id);
    assert.deepEqual(ids, [
      "roomguard_pi-hall_sensor_a__b_c",
      "roomguard_pi-hall_sensor_a__c",
      "roomguard_pi-hall_sensor_a_b__b_c",
      "roomguard_pi-hall_sensor_a_b__c",
    ]);
    assert.equal(new Set(ids).size, 4);
  });

  it("makes the alarm a panel whose code Home Assistant sends to the bridge in Alarmo's JSON, checked by the alarm", () => {
    const alarm = byObject(messages, "alarm").payload;
    assert.equal(alarm.state_topic, "roomguard/alarm/state");
    assert.equal(alarm.command_topic, "roomguard/alarm/set");
    assert.equal(alarm.json_attributes_topic, "roomguard/alarm/attributes");
    assert.equal(alarm.code, "REMOTE_CODE");
    assert.equal(alarm.code_arm_required, true);
    assert.equal(alarm.code_disarm_required, true);
    assert.equal(alarm.code_trigger_required, false);
    const template = String(alarm.command_template);
    assert.deepEqual(JSON.parse(render(template, { action: "ARM_AWAY", code: "1234" })), { command: "arm_away", code: "1234" });
    assert.deepEqual(JSON.parse(render(template, { action: "DISARM", code: "0000" })), { command: "disarm", code: "0000" });
    // A code that is not digits stays inside its string.
    assert.deepEqual(JSON.parse(render(template, { action: "DISARM", code: '1","command":"x' })), {
      command: "disarm",
      code: '1","command":"x',
    });
  });

  it("offers in supported_features the modes configured, and trigger (panic)", () => {
    const features = (modes: string[]): unknown =>
      byObject(discoveryMessages(inputFor({ ...FLAT, alarm: { ...FLAT.alarm, modes } })), "alarm").payload.supported_features;
    assert.deepEqual(features(["away", "home", "night"]), ["arm_away", "arm_home", "arm_night", "trigger"]);
    assert.deepEqual(features(["away"]), ["arm_away", "trigger"]);
    assert.deepEqual(features(["night", "home"]), ["arm_home", "arm_night", "trigger"]);
  });

  it("makes each zone a binary sensor with its sensor's device class, tamper for a tamper zone", () => {
    const zone = (name: string): Record<string, unknown> => byObject(messages, `zone_${name}`).payload;
    assert.equal(zone("front").device_class, "door");
    assert.equal(zone("hall").device_class, "motion");
    assert.equal(zone("living-window").device_class, "door");
    assert.equal(zone("sirenbox").device_class, "tamper");
    assert.equal(zone("living-window").state_topic, "roomguard/zone/living-window/state");
    assert.equal(zone("front").payload_on, "ON");
    assert.equal(zone("front").payload_off, "OFF");
    // A zone whose sensor is not installed (lala-pi's bare DOOR: open) is there, without a class.
    const bare = discoveryMessages(inputFor({ alarm: { zones: [{ sensor: "door", type: "entry" }] } }));
    assert.equal(byObject(bare, "zone_door").payload.device_class, undefined);
  });

  it("makes each declared quantity a sensor whose template picks it from the reading", () => {
    const temperature = byObject(messages, "sensor_living__temperature_c").payload;
    assert.equal(temperature.state_topic, "roomguard/sensor/living/state");
    assert.equal(temperature.device_class, "temperature");
    assert.equal(temperature.unit_of_measurement, "°C");
    assert.equal(temperature.state_class, "measurement");
    const reading = { temperature_c: 21.5, humidity_pct: 40.25, pressure_hpa: 1013.2 };
    for (const [key, value] of Object.entries(reading)) {
      const payload = byObject(messages, `sensor_living__${key}`).payload;
      assert.equal(render(String(payload.value_template), { value_json: reading }), String(value));
    }
    for (const message of messages.filter((m) => m.payload.device_class && componentOf(m) === "sensor")) {
      const units = SENSOR_CLASS_UNITS[String(message.payload.device_class)] ?? [];
      assert.ok(units.includes(String(message.payload.unit_of_measurement)), `${message.topic}: a unit Home Assistant takes for its class`);
    }
  });

  it("announces troubles, the last event and the music with their attributes topics", () => {
    assert.equal(byObject(messages, "alarm_troubles").payload.state_topic, "roomguard/alarm/troubles");
    assert.equal(byObject(messages, "alarm_troubles").payload.json_attributes_topic, "roomguard/alarm/troubles/attributes");
    assert.equal(byObject(messages, "alarm_last_event").payload.state_topic, "roomguard/alarm/last_event");
    assert.equal(byObject(messages, "alarm_last_event").payload.json_attributes_topic, "roomguard/alarm/last_event/attributes");
    const music = byObject(messages, "music_state").payload;
    assert.equal(music.state_topic, "roomguard/music/state");
    assert.equal(render(String(music.value_template), { value_json: { state: "play", title: "So What" } }), "play");
  });

  it("puts one device on every entity, and availability from the bridge and the service behind it", () => {
    const device = {
      identifiers: ["flat"],
      name: "roomguard pi-hall",
      model: "roomguard",
      manufacturer: "roomguard",
      sw_version: "0.1.0",
      configuration_url: "https://pi-hall:8443/",
    };
    const serviceOf = (objectId: string): string =>
      objectId.startsWith("alarm") ? "alarm" : objectId.startsWith("music") ? "music-player" : "sensors";
    for (const message of messages) {
      assert.deepEqual(message.payload.device, device, message.topic);
      const objectId = parseTopic(message.topic)?.object ?? "";
      assert.deepEqual(
        message.payload.availability,
        [{ topic: "roomguard/availability" }, { topic: `roomguard/service/${serviceOf(objectId)}/availability` }],
        message.topic,
      );
      assert.equal(message.payload.availability_mode, "all");
    }
    // The zones follow the service the alarm trusts for its sensors.
    const other = discoveryMessages(inputFor({ ...FLAT, alarm: { ...FLAT.alarm, sensorsService: "sensors-b" } }));
    assert.deepEqual(byObject(other, "zone_front").payload.availability, [
      { topic: "roomguard/availability" },
      { topic: "roomguard/service/sensors-b/availability" },
    ]);
  });

  it("follows mqtt.baseTopic and homeassistant.prefix, and the host name without a nodeId", () => {
    const moved = discoveryMessages(
      inputFor({ ...FLAT, mqtt: { url: "mqtt://broker", baseTopic: "house/pi2", homeassistant: { prefix: "ha" } } }),
    );
    assert.equal(moved[0]?.topic, "ha/alarm_control_panel/roomguard_pi-hall/alarm/config");
    for (const message of moved) assert.ok(parseTopic(message.topic, "ha"), message.topic);
    assert.equal(moved[0]?.payload.state_topic, "house/pi2/alarm/state");
    assert.deepEqual((moved[0]?.payload.device as { identifiers: string[] }).identifiers, ["roomguard_pi-hall"]);
    assert.equal(defaultNodeId("Pi.Hall"), "roomguard_pi_hall");
    assert.equal(discoveryTopicFilter("ha", "flat"), "ha/+/flat/+/config");
  });

  it("links the dashboard as the device's configuration_url", () => {
    const web = (listen: string, cert: string | null = null): DashboardAddress => ({ listen, tls: { cert } });
    assert.equal(dashboardUrl(web("127.0.0.1:8080"), "pi"), "http://127.0.0.1:8080/");
    assert.equal(dashboardUrl(web("0.0.0.0:8443", "c.pem"), "pi"), "https://pi:8443/");
    assert.equal(dashboardUrl(web("[::1]:8080"), "pi"), "http://[::1]:8080/");
    assert.equal(dashboardUrl(web("[::]:8080"), "pi"), "http://pi:8080/");
    assert.equal(dashboardUrl(web("127.0.0.1:0"), "pi"), undefined);
    const none = discoveryMessages(inputFor({ ...FLAT, web: { listen: "127.0.0.1:0" } }));
    assert.equal((none[0]?.payload.device as Record<string, unknown>).configuration_url, undefined);
  });
});

describe("stale discovery configs", () => {
  const owner = { prefix: "homeassistant", nodeId: "flat" };
  const topics = (document: Record<string, unknown>): string[] => discoveryMessages(inputFor(document)).map((message) => message.topic);

  it("clears a zone removed from the config, and nothing else", () => {
    const before = topics(FLAT);
    const after = topics({ ...FLAT, alarm: { zones: FLAT.alarm.zones.filter((zone) => zone.sensor !== "hall") } });
    assert.deepEqual(staleDiscoveryTopics(before, after, owner), ["homeassistant/binary_sensor/flat/zone_hall/config"]);
  });

  it("clears a sensor's quantities when the sensor goes, and nothing when nothing changed", () => {
    const before = topics(FLAT);
    const after = topics({ ...FLAT, sensors: FLAT.sensors.filter((sensor) => sensor.id !== "living") });
    assert.deepEqual(staleDiscoveryTopics(before, after, owner), [
      "homeassistant/sensor/flat/sensor_living__humidity_pct/config",
      "homeassistant/sensor/flat/sensor_living__pressure_hpa/config",
      "homeassistant/sensor/flat/sensor_living__temperature_c/config",
    ]);
    assert.deepEqual(staleDiscoveryTopics(before, before, owner), []);
  });

  it("never clears another device's config, whatever was seen", () => {
    const seen = [
      "homeassistant/binary_sensor/flat/zone_old/config",
      "homeassistant/binary_sensor/flat/zone_old/config",
      "homeassistant/binary_sensor/flat2/zone_old/config",
      "homeassistant/sensor/0x00158d0001/temperature/config",
      "homeassistant/binary_sensor/zone_old/config",
      "other/binary_sensor/flat/zone_old/config",
      "homeassistant/binary_sensor/flat/zone_old/state",
    ];
    assert.deepEqual(staleDiscoveryTopics(seen, [], owner), ["homeassistant/binary_sensor/flat/zone_old/config"]);
  });
});
