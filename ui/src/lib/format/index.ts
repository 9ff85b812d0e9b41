// Formats for the user's locale. Money arrives as an exact decimal string
// ("2316.38") and is never turned into a JS number: its digits are grouped
// here and laid into the locale's currency pattern taken from Intl.

const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

function currencyParts(locale: string): Intl.NumberFormatPart[] {
  // A sample number only tells where the sign, digits and symbol go.
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).formatToParts(-1234.5);
}

function groupDigits(digits: string, separator: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

export function formatMoney(amount: string, locale: string): string {
  const match = MONEY.exec(amount.trim());
  if (!match) throw new Error(`not a money amount: ${amount}`);
  const [, sign, units = '0', cents = ''] = match;
  const negative = sign === '-' && /[1-9]/.test(units + cents);
  const parts = currencyParts(locale);
  const group = parts.find((p) => p.type === 'group')?.value ?? '.';
  let integerDone = false;
  return parts
    .map((part) => {
      switch (part.type) {
        case 'minusSign':
          return negative ? part.value : '';
        case 'integer':
          if (integerDone) return '';
          integerDone = true;
          return groupDigits(units.replace(/^0+(?=\d)/, ''), group);
        case 'group':
          return '';
        case 'fraction':
          return cents.padEnd(2, '0');
        default:
          return part.value;
      }
    })
    .join('')
    .trim();
}

function toUtcDate(isoDate: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new Error(`not an ISO date: ${isoDate}`);
  const [, y, m, d] = match;
  return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
}

/** 05/04/2024 */
export function formatDate(isoDate: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(toUtcDate(isoDate));
}

/** venerdì 5 aprile 2024 */
export function formatLongDate(isoDate: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: 'UTC' }).format(toUtcDate(isoDate));
}

/** The time of an instant as people in Italy read it: "14:32" (Europe/Rome, 24 hours). */
export function formatTime(instant: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Rome' }).format(
    new Date(instant),
  );
}

/** "Mario Rossi" → "MR" */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return picked.map((w) => w!.charAt(0).toUpperCase()).join('');
}
