// The period presets of the invoice list (and of the accountant's bundle).

export type Period = 'all' | 'this_year' | 'last_year' | 'last_quarter' | 'last_month' | 'custom';
export type Range = { from: string | null; to: string | null };

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);

/** The dates a preset covers, relative to `today` (Italian calendar days). */
export function periodRange(period: Period, today: Date): Range {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (period) {
    case 'this_year':
      return { from: iso(y, 0, 1), to: iso(y, 11, 31) };
    case 'last_year':
      return { from: iso(y - 1, 0, 1), to: iso(y - 1, 11, 31) };
    case 'last_quarter': {
      const start = Math.floor(m / 3) * 3 - 3;
      return { from: iso(y, start, 1), to: iso(y, start + 3, 0) };
    }
    case 'last_month':
      return { from: iso(y, m - 1, 1), to: iso(y, m, 0) };
    default:
      return { from: null, to: null };
  }
}
