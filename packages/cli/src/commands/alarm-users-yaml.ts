import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";

/** One user's code to set in `alarm.users`. */
export interface CodeChange {
  name: string;
  field: "pin" | "duressPin";
  /** The hash (hashSecret's form), never the code. */
  hash: string;
  /** The role to set; undefined keeps an existing user's and gives a new one `user`. */
  role?: "admin" | "user" | undefined;
}

/** The file's layout is one the edit cannot make sense of, or the file is not YAML. */
export class YamlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlEditError";
  }
}

type Value = string | Value[] | { [key: string]: Value };
interface Splice {
  at: number;
  /** Characters removed from `at`. */
  remove: number;
  insert: string;
}

/**
 * `text` with the change made in `alarm.users` and every other byte as it was: comments, blank
 * lines, quoting and order stay, because the new text is spliced into the source at the places
 * the YAML parser's node ranges say, never re-rendered (the `yaml` package's own output moves a
 * comment after `key:` to the next line). Adds `alarm:` and `users:` where missing; an empty
 * `users: []` becomes a block list. Throws {@link YamlEditError} for a file that is not YAML or
 * whose `alarm` section is written in a form it does not edit (say, a one-line flow mapping).
 */
export function setUserCode(text: string, change: CodeChange): string {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error) throw new YamlEditError(`not valid YAML: ${error.message}`);
  const unit = indentUnit(doc.contents, text);
  const edit = new Editor(text, unit);
  const user: Value = { name: change.name, [change.field]: change.hash, role: change.role ?? "user" };

  const root = doc.contents;
  if (isEmpty(root)) {
    // A file of comments only, or `{}`: the `{}` goes, the section comes at the end.
    const [start, end] = root ? rangeOf(root) : [0, 0];
    return edit.apply([{ at: start, remove: end - start, insert: "" }, edit.appendBlock(text.length, 0, { alarm: { users: [user] } })]);
  }
  if (!isMap(root)) throw new YamlEditError("expected the file to be sections of key: value lines");
  const alarmPair = pairOf(root, "alarm");
  if (!alarmPair) return edit.apply(edit.addToMap(root, 0, "alarm", { users: [user] }));
  const alarm = alarmPair.value as Node | null;
  if (isEmpty(alarm)) return edit.apply(edit.fill(alarmPair, { users: [user] }));
  if (!isMap(alarm)) throw new YamlEditError("expected alarm to be a mapping (alarm:, then its keys indented below)");

  const parentIndent = edit.column(alarmPair.key as Node);
  const usersPair = pairOf(alarm, "users");
  if (!usersPair) return edit.apply(edit.addToMap(alarm, parentIndent + unit, "users", [user]));
  const users = usersPair.value as Node | null;
  if (isEmpty(users)) return edit.apply(edit.fill(usersPair, [user]));
  if (!isSeq(users)) throw new YamlEditError("expected alarm.users to be a list");

  const same = users.items.filter((item) => isMap(item) && scalarText(item.get("name", true)) === change.name) as YAMLMap[];
  if (same.length > 1) throw new YamlEditError(`alarm.users holds ${change.name} ${same.length} times: remove all but one first`);
  const existing = same[0];
  if (!existing) return edit.apply(edit.appendToSeq(users, user));
  const splices = edit.setInMap(existing, change.field, change.hash);
  if (change.role !== undefined && scalarText(existing.get("role", true)) !== change.role)
    splices.push(...edit.setInMap(existing, "role", change.role));
  return edit.apply(splices);
}

/** Builds splices from node ranges: `[start, valueEnd, nodeEnd]`, the end of a block collection being the start of the line after it. */
class Editor {
  constructor(
    private readonly text: string,
    private readonly unit: number,
  ) {}

  apply(splices: Splice[]): string {
    let result = this.text;
    // From the end, so that each splice's position is still the source's.
    for (const splice of [...splices].sort((a, b) => b.at - a.at)) {
      result = result.slice(0, splice.at) + splice.insert + result.slice(splice.at + splice.remove);
    }
    return result;
  }

  /** The column a node starts at. */
  column(node: Node): number {
    const start = rangeOf(node)[0];
    return start - (this.text.lastIndexOf("\n", start - 1) + 1);
  }

  /** `key: value` written after the line where `at` is, indented `indent`. */
  appendBlock(at: number, indent: number, entries: { [key: string]: Value }): Splice {
    const lineEnd = this.lineAfter(at);
    const newline = lineEnd > 0 && this.text[lineEnd - 1] !== "\n" ? "\n" : "";
    return { at: lineEnd, remove: 0, insert: newline + blockLines(entries, indent, this.unit).join("\n") + "\n" };
  }

  /** A new key in a mapping: a line below its last one, or `, key: value` in a flow mapping. */
  addToMap(map: YAMLMap, indent: number, key: string, value: Value): Splice[] {
    const last = map.items.at(-1);
    if (map.flow) {
      if (!last) return [{ at: rangeOf(map)[0] + 1, remove: 0, insert: ` ${key}: ${flowText(value)} ` }];
      return [{ at: rangeOf((last.value ?? last.key) as Node)[1], remove: 0, insert: `, ${key}: ${flowText(value)}` }];
    }
    return [this.appendBlock(rangeOf(map)[1], last ? this.column(last.key as Node) : indent, { [key]: value })];
  }

  /** `key:` with nothing after it (or `[]`, `{}`, `null`): the value below it, as a block one step further in. */
  fill(pair: Pair, value: Value): Splice[] {
    const key = pair.key as Node;
    const indent = this.column(key) + this.unit;
    const colon = this.text.indexOf(":", rangeOf(key)[1]);
    const old = pair.value as Node | null;
    const splices: Splice[] = [];
    // `users: []` loses the `[]` (and the space before it); a comment after it stays on the key's line.
    if (old && rangeOf(old)[1] > rangeOf(old)[0]) splices.push({ at: colon + 1, remove: rangeOf(old)[1] - colon - 1, insert: "" });
    const lines = Array.isArray(value)
      ? seqLines(value, indent, this.unit)
      : blockLines(value as { [key: string]: Value }, indent, this.unit);
    const lineEnd = this.lineAfter(colon);
    const newline = lineEnd > 0 && this.text[lineEnd - 1] !== "\n" ? "\n" : "";
    splices.push({ at: lineEnd, remove: 0, insert: newline + lines.join("\n") + "\n" });
    return splices;
  }

  /** A new item at the end of a list, in the list's own style. */
  appendToSeq(seq: YAMLSeq, item: Value): Splice[] {
    const last = seq.items.at(-1) as Node | undefined;
    const first = seq.items[0] as Node | undefined;
    if (seq.flow || !last || !first) {
      if (!last) return [{ at: rangeOf(seq)[0] + 1, remove: 0, insert: flowText(item) }];
      return [{ at: rangeOf(last)[1], remove: 0, insert: `, ${flowText(item)}` }];
    }
    // The dash of the first item sets the column; its content may stand further right (`-   name:`).
    const start = rangeOf(first)[0];
    const dash = this.text.lastIndexOf("-", start - 1);
    const dashColumn = dash - (this.text.lastIndexOf("\n", dash - 1) + 1);
    const sameLine = !this.text.slice(dash, start).includes("\n");
    const contentOffset = sameLine ? start - dash : this.unit;
    const lines = blockLines(item as { [key: string]: Value }, dashColumn + contentOffset, this.unit);
    lines[0] = `${" ".repeat(dashColumn)}-${" ".repeat(contentOffset - 1)}${(lines[0] ?? "").trimStart()}`;
    const at = this.lineAfter(rangeOf(seq)[1]);
    const newline = at > 0 && this.text[at - 1] !== "\n" ? "\n" : "";
    return [{ at, remove: 0, insert: newline + lines.join("\n") + "\n" }];
  }

  /** Sets a scalar key of a mapping: its value replaced in place (a comment after it stays), or the key added. */
  setInMap(map: YAMLMap, key: string, value: string): Splice[] {
    const pair = pairOf(map, key);
    if (!pair) return this.addToMap(map, 0, key, value);
    const old = pair.value as Node | null;
    if (!old || (isScalar(old) && rangeOf(old)[1] === rangeOf(old)[0])) {
      // `pin:` with no value: the value goes after the colon.
      const colon = this.text.indexOf(":", rangeOf(pair.key as Node)[1]);
      return [{ at: colon + 1, remove: 0, insert: ` ${scalar(value)}` }];
    }
    if (!isScalar(old)) throw new YamlEditError(`expected ${key} in alarm.users to be a single value`);
    const [start, end] = rangeOf(old);
    return [{ at: start, remove: end - start, insert: scalar(value) }];
  }

  /** The start of the line after the one `at` is on; `at` itself when it already starts a line. */
  private lineAfter(at: number): number {
    if (at > 0 && this.text[at - 1] === "\n") return at;
    const newline = this.text.indexOf("\n", at);
    return newline < 0 ? this.text.length : newline + 1;
  }
}

function rangeOf(node: Node): [number, number, number] {
  if (!node.range) throw new YamlEditError("a node without a source position");
  return node.range;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => scalarText(pair.key) === key);
}

/** A scalar's value as text (`name: 1234` is the name "1234"); undefined for anything else. */
function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const { value } = node;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

/** Nothing there: no node, a null, or an empty flow collection. */
function isEmpty(node: unknown): boolean {
  if (node === null || node === undefined) return true;
  if (isScalar(node)) return node.value === null;
  return (isMap(node) || isSeq(node)) && node.flow === true && node.items.length === 0;
}

/** The file's indentation step: the column of the first key nested under a top-level key; else 2. */
function indentUnit(root: unknown, text: string): number {
  if (!isMap(root)) return 2;
  for (const pair of root.items) {
    const value = pair.value;
    if (isMap(value) && !value.flow && value.items[0]) {
      const start = rangeOf(value.items[0].key as Node)[0];
      const column = start - (text.lastIndexOf("\n", start - 1) + 1);
      if (column > 0) return column;
    }
  }
  return 2;
}

function blockLines(entries: { [key: string]: Value }, indent: number, unit: number): string[] {
  const pad = " ".repeat(indent);
  return Object.entries(entries).flatMap(([key, value]) => {
    if (typeof value === "string") return [`${pad}${key}: ${scalar(value)}`];
    if (Array.isArray(value)) return [`${pad}${key}:`, ...seqLines(value, indent + unit, unit)];
    return [`${pad}${key}:`, ...blockLines(value, indent + unit, unit)];
  });
}

function seqLines(items: Value[], indent: number, unit: number): string[] {
  return items.flatMap((item) => {
    if (typeof item === "string" || Array.isArray(item)) return [`${" ".repeat(indent)}- ${flowText(item)}`];
    const lines = blockLines(item, indent + 2, unit);
    lines[0] = `${" ".repeat(indent)}- ${(lines[0] ?? "").trimStart()}`;
    return lines;
  });
}

function flowText(value: Value): string {
  if (typeof value === "string") return scalar(value);
  if (Array.isArray(value)) return `[${value.map(flowText).join(", ")}]`;
  return `{ ${Object.entries(value)
    .map(([key, item]) => `${key}: ${flowText(item)}`)
    .join(", ")} }`;
}

/** A plain scalar where it cannot be read as anything but this string (in block and flow context), else double-quoted. */
function scalar(value: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9._$+/=-]*$/.test(value) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}
