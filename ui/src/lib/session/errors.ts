import { t } from '../i18n/index.svelte';
import { asIpcError, type IpcError } from '../ipc';

/** The user's-language text for an error, from its code alone. */
export function errorText(error: IpcError): string {
  if (error.code === 'invalid_code' && error.fields.attempts_left !== undefined) {
    return t('error.invalid_code_left', { left: error.fields.attempts_left });
  }
  if (error.code === 'rate_limited' && error.fields.retry_after !== undefined) {
    const minutes = Math.max(1, Math.ceil(Number(error.fields.retry_after) / 60));
    return t('error.rate_limited_in', { minutes });
  }
  const right = error.fields.right;
  if (error.code === 'forbidden' && (right === 'requests' || right === 'shop' || right === 'bank')) {
    return t(`rights.refused.${right}`);
  }
  return t(`error.${error.code}`);
}

/** Errors about the surroundings (network, keyring) go in a banner; the rest beside the form. */
export function isBannerError(error: IpcError): boolean {
  return error.code === 'server_unreachable' || error.code === 'keyring_unavailable';
}

/** A refusal of a form that asks the password again (step-up), split for the form to show: the password's problem, another field's, or an error for a banner. */
export function splitStepUp(e: unknown): { password: string | null; field: string | null; error: IpcError | null } {
  const failure = asIpcError(e);
  const { current_password, ...others } = failure.fields;
  const field = Object.values(others)[0] ?? null;
  const password = current_password ?? null;
  return { password, field, error: password === null && field === null ? failure : null };
}
