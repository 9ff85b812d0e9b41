import { describe, expect, it } from 'vitest';
import { formatDate, formatLongDate, formatMoney, formatTime, initials } from './index';

describe('formatMoney', () => {
  it('formats Italian amounts like the manual', () => {
    expect(formatMoney('2316.38', 'it-IT')).toBe('2.316,38\u00a0€');
    expect(formatMoney('9754.10', 'it-IT')).toBe('9.754,10\u00a0€');
    expect(formatMoney('0.00', 'it-IT')).toBe('0,00\u00a0€');
    expect(formatMoney('1234567.89', 'it-IT')).toBe('1.234.567,89\u00a0€');
  });

  it('formats English amounts', () => {
    expect(formatMoney('2316.38', 'en-GB')).toBe('€2,316.38');
    expect(formatMoney('-5.5', 'en-GB')).toBe('-€5.50');
  });

  it('keeps every digit of amounts beyond float precision', () => {
    expect(formatMoney('90071992547409.93', 'it-IT')).toBe('90.071.992.547.409,93\u00a0€');
  });

  it('refuses what is not money', () => {
    expect(() => formatMoney('12,50', 'it-IT')).toThrow();
    expect(() => formatMoney('1.005', 'it-IT')).toThrow();
  });
});

describe('dates', () => {
  it('shows dd/mm/yyyy in both languages', () => {
    expect(formatDate('2024-04-30', 'it-IT')).toBe('30/04/2024');
    expect(formatDate('2024-04-30', 'en-GB')).toBe('30/04/2024');
  });

  it('writes the long date of the situation panel', () => {
    expect(formatLongDate('2024-04-05', 'it-IT')).toBe('venerdì 5 aprile 2024');
    expect(formatLongDate('2024-04-05', 'en-GB')).toMatch(/^Friday,? 5 April 2024$/);
  });

  it('never shifts a date across a time zone', () => {
    expect(formatDate('2024-01-01', 'it-IT')).toBe('01/01/2024');
  });
});

describe('initials', () => {
  it('takes the first and last name', () => {
    expect(initials('Mario Rossi')).toBe('MR');
    expect(initials('  anna maria  bianchi ')).toBe('AB');
    expect(initials('Studio')).toBe('S');
  });
});

describe('formatTime', () => {
  it('shows UTC instants in Italian time, summer and winter', () => {
    expect(formatTime('2026-07-01T12:32:00Z', 'it-IT')).toBe('14:32');
    expect(formatTime('2026-11-21T23:05:00Z', 'it-IT')).toBe('00:05');
    expect(formatTime('2026-11-21T13:05:00Z', 'en-GB')).toBe('14:05');
  });
});

describe('times and titles', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('says how long ago, in Italian and English', async () => {
    const { formatRelative } = await import('./index');
    expect(formatRelative('2026-11-22T09:59:58Z', 'it-IT', now)).toBe('2 sec. fa');
    expect(formatRelative('2026-11-21T10:00:00Z', 'it-IT', now)).toBe('ieri');
    expect(formatRelative('2026-11-21T10:00:00Z', 'en-GB', now)).toBe('yesterday');
    expect(formatRelative('2026-11-22T07:00:00Z', 'en-GB', now)).toBe('3 hr ago');
  });
  it('shows instants in Italian time and cuts long titles with "..."', async () => {
    const { formatDateTime, truncate } = await import('./index');
    expect(formatDateTime('2026-07-01T12:32:00Z', 'it-IT')).toBe('01/07/2026, 14:32');
    expect(truncate('abcdefghij', 8)).toBe('abcde...');
    expect(truncate('abc', 8)).toBe('abc');
  });
});

describe('cents', () => {
  it('reads exact whole cents from the string', async () => {
    const { cents } = await import('./index');
    expect(cents('2316.38')).toBe(231638);
    expect(cents('-0.05')).toBe(-5);
    expect(cents('12345678901.1')).toBe(1234567890110);
  });
});
