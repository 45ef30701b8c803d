import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readStat, statusBytes } from "@roomguard/runtime";

/** One line of a benchmark's table: what, the figure, the target and whether it was met. */
export interface BenchRow {
  measure: string;
  value: string;
  target: string;
  /** null: no target. */
  ok: boolean | null;
}

/** A Markdown table of benchmark rows, aligned for reading as plain text too. */
export function benchTable(rows: BenchRow[]): string {
  const header = ["measure", "measured", "target", ""];
  const cells = rows.map((row) => [row.measure, row.value, row.target, row.ok === null ? "" : row.ok ? "✓" : "✗ missed"]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => (cell[i] ?? "").length)));
  const line = (cell: string[]): string => `| ${cell.map((text, i) => text.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

/** Rewrites this benchmark's own section of docs/performance.md (between its markers). */
export function writePerformanceSection(repo: string, name: string, markdown: string): void {
  const file = path.join(repo, "docs", "performance.md");
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = "# Performance\n\nFigures measured by `pnpm bench`. Each section is rewritten by its benchmark.\n";
  }
  const section = `${start}\n${markdown}\n${end}`;
  text = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}

/** A number for a table: thousands separated, `digits` decimals. */
export const formatNumber = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** CPU time (user + system, ms) and resident memory (bytes) of a process, from /proc. Throws when it is gone. */
export function processUsage(pid: number): { cpuMs: number; rssBytes: number } {
  const stat = readStat(pid);
  const rssBytes = statusBytes(pid, "VmRSS");
  if (stat === null || rssBytes === null) throw new Error(`no process ${pid} to measure`);
  return { cpuMs: stat.userMs + stat.systemMs, rssBytes };
}

/** The value at quantile q (0..1) of ascending samples. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/**
 * The two lines under a benchmark's heading: how to run it again, when, and on what machine.
 * `part` names the benchmark (`router`); `script` is its path from the repository root.
 */
export function benchProvenance(part: string, script: string, quick: boolean): string[] {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.arch();
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  return [
    `Command: \`pnpm bench\` (${part} part: \`node ${script}${quick ? " --quick" : ""}\`), run ${when} UTC`,
    `on ${os.cpus().length} × ${cpuModel}, ${formatNumber(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${os.release()}.`,
  ];
}

export interface BenchReport {
  /** The section heading, e.g. `Router`. */
  title: string;
  /** The benchmark's compiled script from the repository root, for the rerun command. */
  script: string;
  quick: boolean;
  rows: BenchRow[];
  /** What was measured and how, printed under the table. */
  notes: string[];
}

/**
 * Prints a benchmark's section, rewrites it in docs/performance.md, and sets a failing exit
 * code when a target was missed.
 */
export function publishBenchReport(repo: string, part: string, report: BenchReport): void {
  const markdown = [
    `## ${report.title}`,
    "",
    ...benchProvenance(part, report.script, report.quick),
    "",
    benchTable(report.rows),
    "",
    ...report.notes,
  ].join("\n");
  process.stdout.write(`\n${markdown}\n`);
  writePerformanceSection(repo, part, markdown);
  process.stderr.write("wrote docs/performance.md\n");
  if (report.rows.some((row) => row.ok === false)) process.exitCode = 1;
}
