// What the self-service forms check as the user types. The server checks
// everything again; these give the answer before the user presses Send.
import { BBAN_FORMATS, CIN_EVEN, CIN_ODD } from '../../bindings/ibanRules';

export const MESSAGE_MAX = 500;

/** The problem codes the server uses too, so one translation serves both. */
export type Problem = 'required' | 'invalid' | 'too_long' | 'in_the_past' | 'italian_iban' | 'foreign_not_flagged';

/** A problem of the IBAN form: the field to mark (as the server names it) and its code. */
export type IbanProblem = { field: 'new_iban' | 'foreign'; code: string };

// Group separators people type or banks print (as the server's rules drop them).
const SEPARATORS = /[\s\-\u2010-\u2014.\u00B7]/gu;

/** What people paste, as an IBAN is written: full-width characters as ASCII, no separators, upper case. */
export function compactIban(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(SEPARATORS, '')
    .toUpperCase();
}

type Kind = 'n' | 'a' | 'c';

function parts(format: string): [number, Kind][] {
  return [...format.matchAll(/(\d+)!([nac])/g)].map((m) => [Number(m[1]), (m[2] ?? 'c') as Kind]);
}

const KINDS: Record<Kind, RegExp> = { n: /^[0-9]*$/, a: /^[A-Z]*$/, c: /^[0-9A-Z]*$/ };

function follows(bban: string, format: string): boolean {
  let rest = bban;
  for (const [n, kind] of parts(format)) {
    const part = rest.slice(0, n);
    rest = rest.slice(n);
    if (part.length !== n || !KINDS[kind].test(part)) return false;
  }
  return rest === '';
}

/** ISO 13616: the number read with letters as 10..35 is ≡ 1 (mod 97). */
function mod97(iban: string): number {
  let rest = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const value = parseInt(ch, 36);
    rest = value < 10 ? (rest * 10 + value) % 97 : (rest * 100 + value) % 97;
  }
  return rest;
}

/** The Italian CIN: odd positions through one table, even ones through the other, modulo 26. */
function cinLetter(text: string): string {
  let sum = 0;
  [...text].forEach((c, i) => (sum += (i % 2 === 0 ? CIN_ODD : CIN_EVEN)[c] ?? NaN));
  return String.fromCharCode(65 + (sum % 26));
}

/** What is wrong with a compact IBAN, as the server's `IbanError::code` says it; null when nothing. */
export function ibanError(iban: string): string | null {
  if (!/^[0-9A-Z]*$/.test(iban)) return 'iban_characters';
  if (!/^[A-Z]{2}[0-9]{2}/.test(iban)) return 'iban_format';
  const format = BBAN_FORMATS[iban.slice(0, 2)];
  if (format === undefined) return 'iban_country';
  if (iban.length !== 4 + parts(format).reduce((sum, [n]) => sum + n, 0)) return 'iban_length';
  if (!follows(iban.slice(4), format)) return 'iban_structure';
  if (mod97(iban) !== 1) return 'iban_check_digits';
  const domestic = iban.startsWith('IT') || iban.startsWith('SM');
  if (domestic && cinLetter(iban.slice(5)) !== iban[4]) return 'iban_cin';
  return null;
}

/** S1's new IBAN and its "foreign IBAN" flag, checked in the order and with the words of the server. */
export function ibanProblem(text: string, foreign: boolean): IbanProblem | null {
  const iban = compactIban(text);
  if (iban === '') return { field: 'new_iban', code: 'required' };
  const error = ibanError(iban);
  if (error !== null) return { field: 'new_iban', code: error };
  const domestic = iban.startsWith('IT') || iban.startsWith('SM');
  if (!domestic && !foreign) return { field: 'new_iban', code: 'foreign_not_flagged' };
  if (domestic && foreign) return { field: 'foreign', code: 'italian_iban' };
  return null;
}

/** `today` is the ISO date in Italy. */
export function dateProblem(value: string, today: string): Problem | null {
  if (value === '') return 'required';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'invalid';
  return value < today ? 'in_the_past' : null;
}

export function messageProblem(text: string): Problem | null {
  return [...text].length > MESSAGE_MAX ? 'too_long' : null;
}

export function requiredProblem(text: string): Problem | null {
  return text.trim() === '' ? 'required' : null;
}

/** Today's date in Italy, as the server counts days. */
export function todayInRome(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
