// The plan's charts as numbers: scales, axis ticks and the yearly table that
// stands in for the pictures. Amounts are whole cents (exact integers); a
// figure the user reads is formatted back from cents, never from a float.
import { cents } from '../format';
import type { PlanEntry } from '../bindings/PlanEntry';

/** The drawing's size in SVG units, and the margins its axes' labels take. */
export const SIZE = { width: 560, height: 220, left: 66, right: 12, top: 12, bottom: 28 };

/** Round steps for an axis from 0 to at least `max` in about `count` steps: 1, 2, 2.5 or 5 times a power of ten. */
export function ticks(max: number, count = 4): number[] {
  if (max <= 0) return [0];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(Math.round(v));
  return out;
}

/** Where value `v` (0 … `top`) is drawn, from the bottom of the plotting area up. */
export function yOf(v: number, top: number): number {
  const { height, top: t, bottom } = SIZE;
  return height - bottom - (v / Math.max(1, top)) * (height - t - bottom);
}

/** Where the `i`-th of `n` points (or the centre of the `i`-th of `n` bars) is drawn. */
export function xOf(i: number, n: number, bars = false): number {
  const { width, left, right } = SIZE;
  const span = width - left - right;
  if (bars) return left + ((i + 0.5) * span) / Math.max(1, n);
  return left + (n <= 1 ? span / 2 : (i * span) / (n - 1));
}

/** The index nearest to horizontal position `x` (SVG units) among `n` points or bars. */
export function indexAt(x: number, n: number, bars = false): number {
  const { width, left, right } = SIZE;
  const span = width - left - right;
  const at = bars ? ((x - left) / span) * n - 0.5 : ((x - left) / span) * (n - 1);
  return Math.min(n - 1, Math.max(0, Math.round(at)));
}

/** Whole cents back to the API's decimal string ("-1234.05"). */
export function centsToMoney(c: number): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The first index of each year among `dates`, for the time axis's labels. */
export function yearStarts(dates: string[]): { index: number; year: string }[] {
  const out: { index: number; year: string }[] = [];
  dates.forEach((date, index) => {
    const year = date.slice(0, 4);
    if (out.at(-1)?.year !== year) out.push({ index, year });
  });
  // More than eight years would crowd the axis: every other one.
  return out.length > 8 ? out.filter((_, k) => k % 2 === 0) : out;
}

export type YearRow = { year: string; principal: string; interest: string; outstanding: string };

/** The charts' data by year: principal and interest falling due in it, and what is left at its end. */
export function byYear(plan: PlanEntry[]): YearRow[] {
  const years = new Map<string, { principal: number; interest: number; outstanding: string }>();
  for (const row of plan) {
    if (row.kind === 'indexation') continue;
    const year = row.due_on.slice(0, 4);
    const sum = years.get(year) ?? { principal: 0, interest: 0, outstanding: row.outstanding };
    sum.principal += cents(row.principal);
    sum.interest += cents(row.interest);
    sum.outstanding = row.outstanding;
    years.set(year, sum);
  }
  return [...years].map(([year, s]) => ({
    year,
    principal: centsToMoney(s.principal),
    interest: centsToMoney(s.interest),
    outstanding: s.outstanding,
  }));
}
