/**
 * A list's column. `rem` is the narrowest it may get: columns share the width
 * the window gives beyond their minimums (`grow` shares, 1 by default), and
 * below the sum of the minimums the list scrolls sideways with its `sticky`
 * key columns (the first ones) kept in view.
 */
export type Column = { key: string; label: string; rem: number; align?: 'end' | 'start'; grow?: number; sticky?: boolean };
export type Page<R> = { total: number; rows: R[] };

/** Space between columns and at the row's ends, in rem: the table's CSS uses the same. */
export const GAP = 0.45;
export const PAD = 0.6;

/** The grid's tracks: each column from its minimum up to its share of what is left. */
export function template(columns: Column[]): string {
  return columns.map((c) => `minmax(${c.rem}rem, ${c.grow ?? 1}fr)`).join(' ');
}

/** The row's narrowest width: below it the list scrolls sideways. */
export function minWidth(columns: Column[]): string {
  const sum = columns.reduce((total, c) => total + c.rem, 0);
  return `${sum + GAP * Math.max(0, columns.length - 1) + 2 * PAD}rem`;
}

/**
 * Where each sticky column stops when the list scrolls sideways: after the
 * sticky columns before it. Only columns at the start may stick.
 */
export function stickyOffsets(columns: Column[]): (string | null)[] {
  let left = 0;
  let leading = true;
  return columns.map((c) => {
    leading = leading && c.sticky === true;
    if (!leading) return null;
    const at = `${left}rem`;
    left += c.rem + GAP;
    return at;
  });
}
