import { t, type MessageKey } from '../../i18n/index.svelte';
import it from '../../i18n/it';

/** The user's-language text for a field problem code, from the form or the server. */
export function fieldText(problem: string): string {
  const key = `field.${problem}`;
  return key in it ? t(key as MessageKey) : t('field.invalid');
}
