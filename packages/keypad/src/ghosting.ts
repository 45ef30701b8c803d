/** A key by its row and column. */
export type Cell = readonly [row: number, column: number];

/**
 * Keys whose state a matrix without diodes cannot know: with three corners of a rectangle
 * pressed, the fourth reads pressed too, so every key on a rectangle of pressed readings is
 * ambiguous. `pressed[r][c]` is the reading.
 */
export function ambiguousKeys(pressed: readonly (readonly boolean[])[]): Set<string> {
  const ambiguous = new Set<string>();
  for (let r1 = 0; r1 < pressed.length; r1++) {
    for (let r2 = r1 + 1; r2 < pressed.length; r2++) {
      const shared: number[] = [];
      const a = pressed[r1] ?? [];
      const b = pressed[r2] ?? [];
      for (let c = 0; c < a.length; c++) if (a[c] && b[c]) shared.push(c);
      if (shared.length < 2) continue;
      for (const c of shared) {
        ambiguous.add(cellKey([r1, c]));
        ambiguous.add(cellKey([r2, c]));
      }
    }
  }
  return ambiguous;
}

export function cellKey(cell: Cell): string {
  return `${cell[0]},${cell[1]}`;
}
