import { t } from '../i18n/index.svelte';
import type { IpcError } from '../ipc';

/** The user's-language text for an error, from its code alone. */
export function errorText(error: IpcError): string {
  if (error.code === 'invalid_code' && error.fields.attempts_left !== undefined) {
    return t('error.invalid_code_left', { left: error.fields.attempts_left });
  }
  return t(`error.${error.code}`);
}

/** Errors about the surroundings (network, keyring) go in a banner; the rest beside the form. */
export function isBannerError(error: IpcError): boolean {
  return error.code === 'server_unreachable' || error.code === 'keyring_unavailable';
}
