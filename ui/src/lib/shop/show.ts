// How the shop's screens write names, amounts and filled forms.
import { i18n, t } from '../i18n/index.svelte';
import { formatMoney } from '../format';

/** A service's or item's name in the user's language. */
export const name = (s: { name_it: string; name_en: string }) => (i18n.lang === 'en' ? s.name_en : s.name_it);

export const money = (amount: string) => formatMoney(amount, i18n.locale);

/** A filled form in one line: its values, the cadastral register in words. */
export function summary(form: Partial<Record<string, string>>): string {
  return Object.entries(form)
    .map(([key, v]) => (key.endsWith('.register') && (v === 'urban' || v === 'land') ? t(`shop.register.${v}`) : v))
    .join(' · ');
}
