import type { RoomguardConfig } from "@roomguard/config";

// Home Assistant MQTT discovery: one retained config message per entity ("single component
// discovery", home-assistant.io/integrations/mqtt/#discovery-messages), at
// `<prefix>/<component>/<nodeId>/<objectId>/config`. Keys are spelled out, never abbreviated, as the
// component pages list them (alarm_control_panel.mqtt, sensor.mqtt, binary_sensor.mqtt); the test
// checks every payload against those lists. Pure: the bridge publishes what this returns.

/** What a sensor package says one quantity of its readings is (sensor-kit's `Measure`). */
export interface MeasureDeclaration {
  name?: string;
  deviceClass?: string;
  unit?: string;
  stateClass?: string;
}

/** What a sensor package declares (a sensor-kit `SensorDefinition` fits). */
export interface SensorDeclaration {
  readonly measures: Readonly<Record<string, MeasureDeclaration>>;
  readonly binary?: { readonly deviceClass: string };
}

/** The parts of the validated config discovery reads (a `RoomguardConfig` fits). */
export interface DiscoveryConfig {
  alarm: Pick<RoomguardConfig["alarm"], "modes" | "zones" | "sensorsService">;
  sensors: RoomguardConfig["sensors"];
  /** The dashboard's address, for the device's configuration_url. */
  web: DashboardAddress;
  mqtt: { baseTopic: string; homeassistant: { prefix: string } };
}

/** `web.listen` and whether the dashboard has a certificate (`web.tls.cert`). */
export interface DashboardAddress {
  listen: string;
  tls: { cert: string | null };
}

export interface DiscoveryInput {
  /** The validated config: alarm modes and zones, sensors, `mqtt` (baseTopic, homeassistant.prefix), `web` (the dashboard's address). */
  config: DiscoveryConfig;
  /** The appliance's id in topics and unique ids: `mqtt.homeassistant.nodeId`, else {@link defaultNodeId}. */
  nodeId: string;
  /** This machine's host name: the dashboard's address when `web.listen` is a wildcard, and the device's default name. */
  hostname: string;
  /** roomguard's version: the device's `sw_version` and the origin's. */
  swVersion: string;
  /** The device's name in Home Assistant. Default: `roomguard <hostname>`. */
  deviceName?: string;
  /**
   * The declarations of a sensor kind or alias (`catalog.resolve` of sensor-kit's
   * `loadInstalledSensors`); undefined for a kind not installed: that sensor gets no entity.
   */
  declarationOf(kind: string): SensorDeclaration | undefined;
}

/** One retained discovery message: publish `JSON.stringify(payload)` to `topic` with retain. */
export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** The components the bridge announces. */
export type Component = "alarm_control_panel" | "sensor" | "binary_sensor";

/** The service whose heartbeat vouches for an entity, besides the bridge itself. */
const ALARM_SERVICE = "alarm";
const MUSIC_SERVICE = "music-player";

/** roomguard's arm modes → Home Assistant's supported_features. */
const FEATURE_OF_MODE = { away: "arm_away", home: "arm_home", night: "arm_night" } as const;

/**
 * Home Assistant's command_template variables are `action` (the payload: `ARM_AWAY`, `DISARM`,
 * `TRIGGER`…) and `code`. `tojson` quotes them, so a code can never break out of its string.
 * The bridge gets Alarmo's form: `{"command":"arm_away","code":"1234"}`.
 */
const COMMAND_TEMPLATE = '{"command":{{ action | lower | tojson }},"code":{{ code | tojson }}}';

/** `roomguard_<hostname>` as a node id: lower case, other characters `_`. */
export function defaultNodeId(hostname: string): string {
  return `roomguard_${hostname.toLowerCase().replace(/[^a-z0-9_-]+/g, "_")}`;
}

/** The subscription that finds this appliance's retained discovery configs (at connect, to clear stale ones). */
export function discoveryTopicFilter(prefix: string, nodeId: string): string {
  return `${prefix}/+/${nodeId}/+/config`;
}

/**
 * The dashboard's URL for the device page's "Visit" link: `http(s)://host:port/` from
 * `web.listen` (https with `web.tls.cert`), the host name for a wildcard address; undefined
 * when the port is 0 (picked at start, so not known here).
 */
export function dashboardUrl(web: DashboardAddress, hostname: string): string | undefined {
  const at = web.listen.lastIndexOf(":");
  const host = web.listen.slice(0, at);
  const port = Number(web.listen.slice(at + 1));
  if (port === 0) return undefined;
  const shown = host === "0.0.0.0" || host === "[::]" || host === "::" ? hostname : host;
  return `${web.tls.cert ? "https" : "http"}://${shown}:${port}/`;
}

/**
 * Every discovery message for this config, in a stable order: the alarm panel, its troubles and
 * last event, each zone as a binary sensor, each declared quantity of each sensor, the music.
 * Unique ids are `<nodeId>_<objectId>` with no random part, so they survive restarts; a sensor's
 * quantity is `sensor_<id>__<quantity>` (a quantity has no `__`, so no two sensors' ids collide).
 */
export function discoveryMessages(input: DiscoveryInput): DiscoveryMessage[] {
  const { config, nodeId } = input;
  const prefix = config.mqtt.homeassistant.prefix;
  const base = config.mqtt.baseTopic;
  const configurationUrl = dashboardUrl(config.web, input.hostname);
  const device = {
    identifiers: [nodeId],
    name: input.deviceName ?? `roomguard ${input.hostname}`,
    model: "roomguard",
    manufacturer: "roomguard",
    sw_version: input.swVersion,
    ...(configurationUrl === undefined ? {} : { configuration_url: configurationUrl }),
  };
  const origin = { name: "roomguard", sw_version: input.swVersion };
  const messages: DiscoveryMessage[] = [];
  const entity = (component: Component, objectId: string, service: string, name: string, fields: Record<string, unknown>): void => {
    const uniqueId = `${nodeId}_${objectId}`;
    messages.push({
      topic: `${prefix}/${component}/${nodeId}/${objectId}/config`,
      payload: {
        name,
        unique_id: uniqueId,
        default_entity_id: `${component}.${entitySlug(uniqueId)}`,
        ...fields,
        availability: [{ topic: `${base}/availability` }, { topic: `${base}/service/${service}/availability` }],
        availability_mode: "all",
        device,
        origin,
      },
    });
  };

  entity("alarm_control_panel", "alarm", ALARM_SERVICE, "Alarm", {
    state_topic: `${base}/alarm/state`,
    command_topic: `${base}/alarm/set`,
    command_template: COMMAND_TEMPLATE,
    json_attributes_topic: `${base}/alarm/attributes`,
    // Checked by the alarm's request socket, never by Home Assistant or the bridge.
    code: "REMOTE_CODE",
    code_arm_required: true,
    code_disarm_required: true,
    // Panic needs no code, on the keypad as here; the bridge takes "trigger" as panic.
    code_trigger_required: false,
    supported_features: [...config.alarm.modes.map((mode) => FEATURE_OF_MODE[mode]).sort(), "trigger"],
  });
  entity("sensor", "alarm_troubles", ALARM_SERVICE, "Troubles", {
    state_topic: `${base}/alarm/troubles`,
    json_attributes_topic: `${base}/alarm/troubles/attributes`,
    state_class: "measurement",
    entity_category: "diagnostic",
    icon: "mdi:alert-circle-outline",
  });
  entity("sensor", "alarm_last_event", ALARM_SERVICE, "Last security event", {
    state_topic: `${base}/alarm/last_event`,
    json_attributes_topic: `${base}/alarm/last_event/attributes`,
    icon: "mdi:shield-alert-outline",
  });

  const kindOf = new Map(config.sensors.map((sensor) => [sensor.id, sensor.kind]));
  const sensorsService = config.alarm.sensorsService;
  for (const zone of config.alarm.zones) {
    const name = zone.name ?? zone.sensor;
    const kind = kindOf.get(zone.sensor);
    const deviceClass = zone.type === "tamper" ? "tamper" : kind === undefined ? undefined : input.declarationOf(kind)?.binary?.deviceClass;
    entity("binary_sensor", `zone_${name}`, sensorsService, name, {
      state_topic: `${base}/zone/${name}/state`,
      payload_on: "ON",
      payload_off: "OFF",
      ...(deviceClass === undefined ? {} : { device_class: deviceClass }),
    });
  }

  for (const sensor of config.sensors) {
    const declaration = input.declarationOf(sensor.kind);
    for (const [quantity, measure] of Object.entries(declaration?.measures ?? {})) {
      entity("sensor", `sensor_${sensor.id}__${quantity}`, sensorsService, `${sensor.id} ${measure.name ?? quantity}`, {
        state_topic: `${base}/sensor/${sensor.id}/state`,
        value_template: `{{ value_json.${quantity} }}`,
        ...(measure.deviceClass === undefined ? {} : { device_class: measure.deviceClass }),
        ...(measure.unit === undefined ? {} : { unit_of_measurement: measure.unit }),
        state_class: measure.stateClass ?? "measurement",
      });
    }
  }

  entity("sensor", "music_state", MUSIC_SERVICE, "Music", {
    state_topic: `${base}/music/state`,
    value_template: "{{ value_json.state }}",
    json_attributes_topic: `${base}/music/state`,
    icon: "mdi:music",
  });
  return messages;
}

/**
 * The retained configs to clear (publish an empty retained payload to each): those `published`
 * (seen under {@link discoveryTopicFilter} at connect) that `current` no longer has. Only this
 * appliance's own topics (`<prefix>/<component>/<nodeId>/<objectId>/config`) are ever returned,
 * whatever `published` holds, so another device's config is never cleared. Sorted, once each.
 */
export function staleDiscoveryTopics(
  published: Iterable<string>,
  current: Iterable<string>,
  owner: { prefix: string; nodeId: string },
): string[] {
  const keep = new Set(current);
  const ours = new RegExp(`^${escapeRegExp(owner.prefix)}/[a-z_]+/${escapeRegExp(owner.nodeId)}/[A-Za-z0-9_-]+/config$`);
  return [...new Set(published)].filter((topic) => ours.test(topic) && !keep.has(topic)).sort();
}

/** An entity id's object part as Home Assistant accepts it: `[a-z0-9_]`, no `__`, no `_` at either end. */
function entitySlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
