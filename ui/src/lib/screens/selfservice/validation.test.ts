import { describe, expect, it } from 'vitest';
import { dateProblem, ibanChecks, ibanProblem, messageProblem, todayInRome } from './validation';

describe('self-service checks', () => {
  it('checks IBAN digits and the foreign flag', () => {
    expect(ibanChecks('IT51W0306912011000000123456')).toBe(true);
    expect(ibanChecks('IT52W0306912011000000123456')).toBe(false);
    expect(ibanChecks('IT51W030691201100000012345')).toBe(false);
    expect(ibanProblem('it51 w030 6912 0110 0000 0123 456', false)).toBeNull();
    expect(ibanProblem('IT51W0306912011000000123456', true)).toBe('italian_iban');
    expect(ibanProblem('DE89370400440532013000', false)).toBe('foreign_not_flagged');
    expect(ibanProblem('DE89370400440532013000', true)).toBeNull();
    expect(ibanProblem('  ', false)).toBe('required');
  });

  it('refuses past dates by the Italian calendar and counts characters, not bytes', () => {
    expect(dateProblem('2026-11-21', '2026-11-22')).toBe('in_the_past');
    expect(dateProblem('2026-11-22', '2026-11-22')).toBeNull();
    expect(dateProblem('', '2026-11-22')).toBe('required');
    expect(messageProblem('è'.repeat(500))).toBeNull();
    expect(messageProblem('è'.repeat(501))).toBe('too_long');
    // 23:30 UTC on 21 November is already the 22nd in Rome.
    expect(todayInRome(new Date('2026-11-21T23:30:00Z'))).toBe('2026-11-22');
  });
});
