// What the self-service forms check as the user types. The server checks
// everything again; these give the answer before the user presses Send.

export const MESSAGE_MAX = 500;

/** The problem codes the server uses too, so one translation serves both. */
export type Problem = 'required' | 'invalid' | 'too_long' | 'in_the_past' | 'italian_iban' | 'foreign_not_flagged';

const LENGTHS: Record<string, number> = { IT: 27, SM: 27, DE: 22, FR: 27, ES: 24, AT: 20, CH: 21, GB: 22, NL: 18, BE: 16 };

export function compactIban(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616: the number read with letters as 10..35 is ≡ 1 (mod 97). */
export function ibanChecks(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = parseInt(ch, 36);
    rest = value < 10 ? (rest * 10 + value) % 97 : (rest * 100 + value) % 97;
  }
  return rest === 1;
}

export function ibanProblem(text: string, foreign: boolean): Problem | null {
  const iban = compactIban(text);
  if (iban === '') return 'required';
  if (!ibanChecks(iban)) return 'invalid';
  const italian = iban.startsWith('IT') || iban.startsWith('SM');
  if (foreign && italian) return 'italian_iban';
  if (!foreign && !italian) return 'foreign_not_flagged';
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
