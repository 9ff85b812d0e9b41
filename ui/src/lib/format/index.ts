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

/** An amount as whole cents, read digit by digit from its exact string (never through a float). */
export function cents(amount: string): number {
  const match = MONEY.exec(amount.trim());
  if (!match) throw new Error(`not a money amount: ${amount}`);
  const [, sign, units = '0', fraction = ''] = match;
  const whole = Number(units) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -whole : whole;
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

/** "05/04/2024, 14:32" in Italy's time. */
export function formatDateTime(instant: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Europe/Rome',
  }).format(new Date(instant));
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.345],
  ['month', 12],
  ['year', Infinity],
];

/** "2 sec ago", "yesterday", "3 weeks ago": how long before `now` an instant was. */
export function formatRelative(instant: string, locale: string, now: Date = new Date()): string {
  let amount = (new Date(instant).getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return format.format(Math.round(amount), unit);
    amount /= size;
  }
  return format.format(Math.round(amount), 'year');
}

/** Cuts a title to `max` characters, ending in "..." as the manual shows. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join('').trimEnd()}...`;
}

/** "820 B", "14 kB", "1,2 MB": a file's size as a reader takes it in. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}
