import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";

/** A value the splices write: strings, lists and mappings of them. */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

/** The file's layout is one the edit cannot make sense of, or the file is not YAML. */
export class YamlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlEditError";
  }
}

/** Which item of a list of mappings: the one whose scalar `key` `matches` accepts; `label` names it in messages. */
export interface ItemMatch {
  key: string;
  matches(value: string): boolean;
  label: string;
}

interface Splice {
  at: number;
  /** Characters removed from `at`. */
  remove: number;
  insert: string;
}

// Every edit below keeps every byte it does not change: comments, blank lines, quoting and order
// stay, because the new text is spliced into the source at the places the YAML parser's node
// ranges say, never re-rendered (the `yaml` package's own output moves a comment after `key:` to
// the next line). Missing sections and keys are added; an empty `key: []` becomes a block list.
// Each throws YamlEditError for a file that is not YAML or whose sections on the way are written
// in a form it does not edit.

/**
 * `text` with the item of the list at `listPath` (`["web", "users"]`) that `match` finds given the
 * scalar keys `set` (others kept, each replaced in place, a comment after it staying), or `added`
 * appended to the list when none matches, in the list's own style. Two matching items throw.
 */
export function setListItem(
  text: string,
  listPath: readonly string[],
  match: ItemMatch,
  set: Readonly<Record<string, string>>,
  added: { [key: string]: YamlValue },
): string {
  const { edit, doc } = start(text);
  const reached = reach(doc, edit, listPath, [added], "list");
  if ("made" in reached) return edit.apply(reached.made);
  const seq = reached.node as YAMLSeq;
  const existing = itemOf(seq, listPath, match);
  if (!existing) return edit.apply(edit.appendToSeq(seq, added));
  const where = `${listPath.join(".")}`;
  const splices = Object.entries(set).flatMap(([key, value]) =>
    scalarText(existing.get(key, true)) === value ? [] : edit.setInMap(existing, key, value, where),
  );
  return edit.apply(splices);
}

/**
 * `text` without the item of the list at `listPath` that `match` finds: its lines go (a comment on
 * them too), or its entry in a flow list; the last item of a block list leaves `key: []`. Throws
 * when there is no such item.
 */
export function removeListItem(text: string, listPath: readonly string[], match: ItemMatch): string {
  const { edit, doc } = start(text);
  const reached = reach(doc, edit, listPath, [], "list");
  const dotted = listPath.join(".");
  const existing = "made" in reached ? undefined : itemOf(reached.node, listPath, match);
  if ("made" in reached || !existing) throw new YamlEditError(`${dotted} has no ${match.label}`);
  return edit.apply(edit.removeFromSeq(reached.node, existing, reached.pair));
}

/** `text` with the scalar keys `values` set in the mapping at `mapPath` (`["web", "tls"]`), which is made where missing. */
export function setMapValues(text: string, mapPath: readonly string[], values: Readonly<Record<string, string>>): string {
  const { edit, doc } = start(text);
  const reached = reach(doc, edit, mapPath, { ...values }, "map");
  if ("made" in reached) return edit.apply(reached.made);
  const map = reached.node as YAMLMap;
  const where = mapPath.join(".");
  return edit.apply(
    Object.entries(values).flatMap(([key, value]) =>
      scalarText(map.get(key, true)) === value ? [] : edit.setInMap(map, key, value, where),
    ),
  );
}

function start(text: string): { edit: Editor; doc: Document.Parsed } {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error) throw new YamlEditError(`not valid YAML: ${error.message}`);
  return { edit: new Editor(text, indentUnit(doc.contents, text)), doc };
}

/**
 * Walks `path` from the top: the node at its end (a list or a mapping, as `kind` says) and the
 * pair holding it, or the splices that make what is missing on the way with `leaf` at the end.
 */
function reach(
  doc: Document.Parsed,
  edit: Editor,
  path: readonly string[],
  leaf: YamlValue,
  kind: "list" | "map",
): { made: Splice[] } | { node: YAMLMap | YAMLSeq; pair: Pair } {
  const nest = (from: number): YamlValue => path.slice(from).reduceRight<YamlValue>((value, key) => ({ [key]: value }), leaf);
  const root = doc.contents;
  if (isEmpty(root)) {
    // A file of comments only, or `{}`: the `{}` goes, the section comes at the end.
    const [begin, end] = root ? rangeOf(root) : [0, 0];
    const top = nest(0) as { [key: string]: YamlValue };
    return { made: [{ at: begin, remove: end - begin, insert: "" }, edit.appendBlock(edit.length, 0, top)] };
  }
  if (!isMap(root)) throw new YamlEditError("expected the file to be sections of key: value lines");
  let map: YAMLMap = root;
  let indent = 0;
  for (const [i, key] of path.entries()) {
    const dotted = path.slice(0, i + 1).join(".");
    const pair = pairOf(map, key);
    if (!pair) return { made: edit.addToMap(map, indent, key, nest(i + 1)) };
    const value = pair.value as Node | null;
    if (isEmpty(value)) return { made: edit.fill(pair, nest(i + 1)) };
    if (i === path.length - 1 && kind === "list") {
      if (!isSeq(value)) throw new YamlEditError(`expected ${dotted} to be a list`);
      return { node: value, pair };
    }
    if (!isMap(value)) throw new YamlEditError(`expected ${dotted} to be a mapping (${dotted}:, then its keys indented below)`);
    if (i === path.length - 1) return { node: value, pair };
    indent = edit.column(pair.key as Node) + edit.unit;
    map = value;
  }
  throw new YamlEditError("expected a path of at least one key");
}

function itemOf(seq: YAMLSeq, listPath: readonly string[], match: ItemMatch): YAMLMap | undefined {
  const same = seq.items.filter((item): item is YAMLMap => {
    if (!isMap(item)) return false;
    const value = scalarText(item.get(match.key, true));
    return value !== undefined && match.matches(value);
  });
  if (same.length > 1) throw new YamlEditError(`${listPath.join(".")} holds ${match.label} ${same.length} times: remove all but one first`);
  return same[0];
}

/** Builds splices from node ranges: `[start, valueEnd, nodeEnd]`, the end of a block collection being the start of the line after it. */
class Editor {
  constructor(
    private readonly text: string,
    /** The file's indentation step. */
    readonly unit: number,
  ) {}

  get length(): number {
    return this.text.length;
  }

  apply(splices: Splice[]): string {
    let result = this.text;
    // From the end, so that each splice's position is still the source's; of two at one place the later one first, so that they read in order.
    const ordered = splices.map((splice, index) => ({ splice, index })).sort((a, b) => b.splice.at - a.splice.at || b.index - a.index);
    for (const { splice } of ordered) result = result.slice(0, splice.at) + splice.insert + result.slice(splice.at + splice.remove);
    return result;
  }

  /** The column a node starts at. */
  column(node: Node): number {
    const start = rangeOf(node)[0];
    return start - (this.text.lastIndexOf("\n", start - 1) + 1);
  }

  /** `key: value` written after the line where `at` is, indented `indent`. */
  appendBlock(at: number, indent: number, entries: { [key: string]: YamlValue }): Splice {
    const lineEnd = this.lineAfter(at);
    const newline = lineEnd > 0 && this.text[lineEnd - 1] !== "\n" ? "\n" : "";
    return { at: lineEnd, remove: 0, insert: newline + blockLines(entries, indent, this.unit).join("\n") + "\n" };
  }

  /** A new key in a mapping: a line below its last one, or `, key: value` in a flow mapping. */
  addToMap(map: YAMLMap, indent: number, key: string, value: YamlValue): Splice[] {
    const last = map.items.at(-1);
    if (map.flow) {
      if (!last) return [{ at: rangeOf(map)[0] + 1, remove: 0, insert: ` ${key}: ${flowText(value)} ` }];
      return [{ at: rangeOf((last.value ?? last.key) as Node)[1], remove: 0, insert: `, ${key}: ${flowText(value)}` }];
    }
    return [this.appendBlock(rangeOf(map)[1], last ? this.column(last.key as Node) : indent, { [key]: value })];
  }

  /** `key:` with nothing after it (or `[]`, `{}`, `null`): the value below it, as a block one step further in. */
  fill(pair: Pair, value: YamlValue): Splice[] {
    const key = pair.key as Node;
    const indent = this.column(key) + this.unit;
    const colon = this.colonAfter(key);
    const old = pair.value as Node | null;
    const splices: Splice[] = [];
    // `users: []` loses the `[]` (and the space before it); a comment after it stays on the key's line.
    if (old && rangeOf(old)[1] > rangeOf(old)[0]) splices.push({ at: colon + 1, remove: rangeOf(old)[1] - colon - 1, insert: "" });
    if (Array.isArray(value) && value.length === 0) {
      splices.push({ at: colon + 1, remove: 0, insert: " []" });
      return splices;
    }
    const lines = Array.isArray(value)
      ? seqLines(value, indent, this.unit)
      : typeof value === "string"
        ? [`${" ".repeat(indent)}${scalar(value)}`]
        : blockLines(value, indent, this.unit);
    const lineEnd = this.lineAfter(colon);
    const newline = lineEnd > 0 && this.text[lineEnd - 1] !== "\n" ? "\n" : "";
    splices.push({ at: lineEnd, remove: 0, insert: newline + lines.join("\n") + "\n" });
    return splices;
  }

  /** A new item at the end of a list, in the list's own style (a flow mapping per line when its first item is one). */
  appendToSeq(seq: YAMLSeq, item: YamlValue): Splice[] {
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
    const isFlowItem = (isMap(first) || isSeq(first)) && first.flow === true;
    const lines =
      typeof item === "string" || Array.isArray(item) || isFlowItem
        ? [`${" ".repeat(dashColumn + contentOffset)}${flowText(item)}`]
        : blockLines(item, dashColumn + contentOffset, this.unit);
    lines[0] = `${" ".repeat(dashColumn)}-${" ".repeat(contentOffset - 1)}${(lines[0] ?? "").trimStart()}`;
    const at = this.lineAfter(rangeOf(seq)[1]);
    const newline = at > 0 && this.text[at - 1] !== "\n" ? "\n" : "";
    return [{ at, remove: 0, insert: newline + lines.join("\n") + "\n" }];
  }

  /** An item out of a list: its lines from the dash to the end of the item (and a comment after it), or its entry in a flow list. */
  removeFromSeq(seq: YAMLSeq, item: Node, pair: Pair): Splice[] {
    const index = seq.items.indexOf(item);
    const [begin, valueEnd, end] = rangeOf(item);
    if (seq.flow) {
      const next = seq.items[index + 1] as Node | undefined;
      const previous = seq.items[index - 1] as Node | undefined;
      // `[a, b, c]` without b: from the item to the next one's start; the last one: from the previous one's end.
      if (next) return [{ at: begin, remove: rangeOf(next)[0] - begin, insert: "" }];
      if (previous) return [{ at: rangeOf(previous)[1], remove: valueEnd - rangeOf(previous)[1], insert: "" }];
      return [{ at: begin, remove: valueEnd - begin, insert: "" }];
    }
    const dash = this.text.lastIndexOf("-", begin - 1);
    const lineStart = this.text.lastIndexOf("\n", dash - 1) + 1;
    const splices: Splice[] = [{ at: lineStart, remove: this.lineAfter(end) - lineStart, insert: "" }];
    // A list left empty would read as null, which no list setting takes.
    if (seq.items.length === 1) splices.push({ at: this.colonAfter(pair.key as Node) + 1, remove: 0, insert: " []" });
    return splices;
  }

  /** Sets a scalar key of a mapping: its value replaced in place (a comment after it stays), or the key added. `where` names the mapping in messages. */
  setInMap(map: YAMLMap, key: string, value: string, where: string): Splice[] {
    const pair = pairOf(map, key);
    if (!pair) return this.addToMap(map, 0, key, value);
    const old = pair.value as Node | null;
    if (!old || (isScalar(old) && rangeOf(old)[1] === rangeOf(old)[0])) {
      // `pin:` with no value: the value goes after the colon.
      return [{ at: this.colonAfter(pair.key as Node) + 1, remove: 0, insert: ` ${scalar(value)}` }];
    }
    if (!isScalar(old)) throw new YamlEditError(`expected ${key} in ${where} to be a single value`);
    const [start, end] = rangeOf(old);
    return [{ at: start, remove: end - start, insert: scalar(value) }];
  }

  private colonAfter(key: Node): number {
    return this.text.indexOf(":", rangeOf(key)[1]);
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

function blockLines(entries: { [key: string]: YamlValue }, indent: number, unit: number): string[] {
  const pad = " ".repeat(indent);
  return Object.entries(entries).flatMap(([key, value]) => {
    if (typeof value === "string") return [`${pad}${key}: ${scalar(value)}`];
    if (Array.isArray(value)) return value.length === 0 ? [`${pad}${key}: []`] : [`${pad}${key}:`, ...seqLines(value, indent + unit, unit)];
    return [`${pad}${key}:`, ...blockLines(value, indent + unit, unit)];
  });
}

function seqLines(items: YamlValue[], indent: number, unit: number): string[] {
  return items.flatMap((item) => {
    if (typeof item === "string" || Array.isArray(item)) return [`${" ".repeat(indent)}- ${flowText(item)}`];
    const lines = blockLines(item, indent + 2, unit);
    lines[0] = `${" ".repeat(indent)}- ${(lines[0] ?? "").trimStart()}`;
    return lines;
  });
}

function flowText(value: YamlValue): string {
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
