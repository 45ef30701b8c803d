import { configSchema } from "./schema.js";

/** One key of the config, as documented. */
export interface ConfigKey {
  /** Dotted path, e.g. `router.journal.dir`. */
  path: string;
  /** What values it takes, e.g. `whole number 64–16777216`. */
  type: string;
  default: unknown;
  description: string;
}

interface SchemaNode {
  type?: string;
  entries?: Record<string, SchemaNode>;
  wrapped?: SchemaNode;
  default?: unknown;
  pipe?: SchemaNode[];
  options?: unknown[];
  requirement?: unknown;
  description?: string;
  message?: unknown;
}

/** Every key of the config with its type, default and description, from the schema itself. */
export function configKeys(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const walk = (schema: SchemaNode, prefix: string): void => {
    for (const [name, entry] of Object.entries(schema.entries ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const inner = entry.wrapped ?? entry;
      if (inner.entries) {
        walk(inner, path);
        continue;
      }
      const actions = flatten(inner);
      keys.push({
        path,
        type: describeType(actions),
        default: entry.default,
        description: actions.find((action) => action.type === "description")?.description ?? "",
      });
    }
  };
  walk(configSchema as unknown as SchemaNode, "");
  return keys;
}

/** A schema and its validations as one list: pipes may nest (`setting(wholeNumber(…))`). */
function flatten(node: SchemaNode): SchemaNode[] {
  if (!node.pipe) return [node];
  return node.pipe.flatMap(flatten);
}

function describeType(actions: SchemaNode[]): string {
  const base = actions[0];
  const find = (type: string): SchemaNode | undefined => actions.find((action) => action.type === type);
  const min = find("min_value")?.requirement as number | undefined;
  const max = find("max_value")?.requirement as number | undefined;
  const range = min !== undefined && max !== undefined ? ` ${String(min)}–${String(max)}` : "";
  switch (base?.type) {
    case "number":
      return (find("integer") ? "whole number" : "number") + range;
    case "boolean":
      return "true / false";
    case "picklist":
      return (base.options ?? []).map((option) => `\`${String(option)}\``).join(" / ");
    case "string":
      return find("regex") ? String(find("regex")?.message) : "text";
    case "array":
      return "list";
    case "record":
      return "map";
    default:
      return base?.type ?? "?";
  }
}

/** The reference part of docs/configuration.md: a table per section. */
export function configReference(): string {
  const sections = new Map<string, ConfigKey[]>();
  for (const key of configKeys()) {
    const section = key.path.split(".")[0] ?? "";
    sections.set(section, [...(sections.get(section) ?? []), key]);
  }
  const cell = (text: string): string => text.replace(/\|/g, "\\|");
  const lines: string[] = [];
  for (const [section, keys] of sections) {
    lines.push(`### \`${section}\``, "", "| key | values | default | what it does |", "|---|---|---|---|");
    for (const key of keys) {
      lines.push(
        `| \`${key.path}\` | ${cell(key.type)} | ${key.default === undefined ? "(see description)" : `\`${JSON.stringify(key.default)}\``} | ${cell(key.description)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}
