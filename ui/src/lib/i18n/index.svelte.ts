import it, { type MessageKey } from './it';
import en from './en';

export type Lang = 'it' | 'en';
export type { MessageKey };

const dictionaries: Record<Lang, Record<MessageKey, string>> = { it, en };
const STORAGE_KEY = 'sportello.language';

function initial(): Lang {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return saved === 'en' ? 'en' : 'it';
}

let current = $state<Lang>(initial());

export const i18n = {
  get lang(): Lang {
    return current;
  },
  set lang(lang: Lang) {
    current = lang;
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
    document.documentElement.lang = lang;
  },
  /** The BCP 47 locale whose formats the user sees: Italian, or English with European dates. */
  get locale(): string {
    return current === 'it' ? 'it-IT' : 'en-GB';
  },
};

type Params = Record<string, string | number>;

/** Numbers read as the locale writes them: 60.000 in Italian, 60,000 in English. */
function shown(value: string | number, locale: string): string {
  return typeof value === 'number' ? new Intl.NumberFormat(locale).format(value) : value;
}

/** Replaces `{name}` and ICU-style `{count, plural, one {…} other {…}}` (with `#`). */
function interpolate(template: string, params: Params, locale: string): string {
  const plural = /\{(\w+), plural, one \{([^}]*)\} other \{([^}]*)\}\}/g;
  const withPlurals = template.replace(plural, (_, name: string, one: string, other: string) => {
    const count = Number(params[name] ?? 0);
    const form = new Intl.PluralRules(locale).select(count) === 'one' ? one : other;
    return form.replace('#', shown(count, locale));
  });
  return withPlurals.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? shown(params[name]!, locale) : whole));
}

export function t(key: MessageKey, params: Params = {}): string {
  return interpolate(dictionaries[current][key], params, i18n.locale);
}

