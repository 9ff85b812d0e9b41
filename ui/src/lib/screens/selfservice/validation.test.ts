import { describe, expect, it } from 'vitest';
import { compactIban, dateProblem, ibanError, ibanProblem, messageProblem, todayInRome } from './validation';
import verdicts from '../../bindings/ibanVerdicts.json';

describe('self-service checks', () => {
  it('checks IBAN digits and the foreign flag, naming the field as the server does', () => {
    expect(ibanError('IT51W0306912011000000123456')).toBeNull();
    expect(ibanError('IT52W0306912011000000123456')).toBe('iban_check_digits');
    expect(ibanError('IT51W030691201100000012345')).toBe('iban_length');
    expect(ibanProblem('it51 w030 6912 0110 0000 0123 456', false)).toBeNull();
    expect(ibanProblem('IT51W0306912011000000123456', true)).toEqual({ field: 'foreign', code: 'italian_iban' });
    expect(ibanProblem('DE89370400440532013000', false)).toEqual({ field: 'new_iban', code: 'foreign_not_flagged' });
    expect(ibanProblem('DE89370400440532013000', true)).toBeNull();
    expect(ibanProblem('  ', false)).toEqual({ field: 'new_iban', code: 'required' });
    expect(ibanProblem('US64SVBKUS6S3300958879', true)).toEqual({ field: 'new_iban', code: 'iban_country' });
  });

  it('gives the verdict of the server on every input its rules wrote down', () => {
    expect(verdicts.length).toBeGreaterThan(500);
    for (const v of verdicts) {
      const problem = ibanProblem(v.text, v.foreign);
      const expected = 'iban' in v ? null : { field: v.field, code: v.code };
      expect(problem, JSON.stringify(v)).toEqual(expected);
      if ('iban' in v) expect(compactIban(v.text)).toBe(v.iban);
    }
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
