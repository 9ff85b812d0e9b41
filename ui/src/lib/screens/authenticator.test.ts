import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import AuthenticatorCard from './profile/AuthenticatorCard.svelte';
import { ipc } from '../session/testIpc';
import { i18n } from '../i18n/index.svelte';
import type { AuthenticatorStatus } from '../bindings/AuthenticatorStatus';
import type { AuthenticatorEnrolment } from '../bindings/AuthenticatorEnrolment';

const off: AuthenticatorStatus = { enabled: false, enabled_at: null, recovery_codes_left: 0 };
const on: AuthenticatorStatus = { enabled: true, enabled_at: '2026-12-06T09:15:00Z', recovery_codes_left: 10 };
const enrolment: AuthenticatorEnrolment = {
  secret: 'KNIE 6USU IVGE YT2P',
  uri: 'otpauth://totp/Sportello:10093?secret=KNIE6USUIVGEYT2P',
  qr: { size: 29, path: 'M4 4h1v1h-1zM5 4h1v1h-1z' },
};
const codes = Array.from({ length: 10 }, (_, i) => `abcd${i}-efgh${i}`);
const wrongPassword = { code: 'bad_request', message: 'the password is wrong', fields: { current_password: 'wrong' } };

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('AuthenticatorCard', () => {
  it('turns the app on: password, QR code and key, first code, then the recovery codes once', async () => {
    let status = off;
    let setups = 0;
    const calls = ipc({
      authenticator: () => status,
      authenticator_setup: (args) => {
        setups += 1;
        return args.currentPassword === 'la mia password' ? enrolment : Promise.reject(wrongPassword);
      },
      authenticator_enable: (args) => {
        if (args.code !== '123456') {
          return Promise.reject({ code: 'bad_request', message: 'wrong code', fields: { code: 'wrong' } });
        }
        status = on;
        return { codes };
      },
    });
    render(AuthenticatorCard);
    const user = userEvent.setup();
    expect(await screen.findByTestId('totp-off')).toHaveTextContent('codice inviato per e-mail');
    await user.click(screen.getByRole('button', { name: 'Usa un’app di autenticazione' }));
    await user.click(screen.getByRole('button', { name: 'Continua' }));
    expect(screen.getByTestId('totp-password-error')).toHaveTextContent('Campo obbligatorio.');
    expect(setups).toBe(0);
    await user.type(screen.getByLabelText('Password attuale (per conferma)'), 'sbagliata');
    await user.click(screen.getByRole('button', { name: 'Continua' }));
    expect(await screen.findByTestId('totp-password-error')).toHaveTextContent('La password non è corretta.');
    await user.clear(screen.getByLabelText('Password attuale (per conferma)'));
    await user.type(screen.getByLabelText('Password attuale (per conferma)'), 'la mia password');
    await user.click(screen.getByRole('button', { name: 'Continua' }));

    const qr = await screen.findByRole('img', { name: 'Codice QR da inquadrare con l’app di autenticazione' });
    expect(qr).toHaveAttribute('viewBox', '0 0 29 29');
    expect(qr.querySelector('path')).toHaveAttribute('d', enrolment.qr.path);
    expect(screen.getByTestId('totp-secret')).toHaveTextContent('KNIE 6USU IVGE YT2P');
    await user.type(screen.getByLabelText('Codice di 6 cifre mostrato dall’app'), '999999');
    await user.click(screen.getByRole('button', { name: 'Attiva' }));
    expect(await screen.findByTestId('totp-code-error')).toHaveTextContent('Il codice non è giusto');
    await user.clear(screen.getByLabelText('Codice di 6 cifre mostrato dall’app'));
    await user.type(screen.getByLabelText('Codice di 6 cifre mostrato dall’app'), '123456');
    await user.click(screen.getByRole('button', { name: 'Attiva' }));

    const list = await screen.findByTestId('totp-codes');
    expect(list.querySelectorAll('li')).toHaveLength(10);
    expect(list).toHaveTextContent('abcd0-efgh0');
    await user.click(screen.getByRole('button', { name: 'Li ho salvati' }));
    expect(await screen.findByTestId('totp-on')).toHaveTextContent('Attiva dal 06/12/2026, 10:15');
    expect(screen.getByText(/Restano 10 codici di recupero/)).toBeInTheDocument();
    expect(screen.queryByTestId('totp-codes')).toBeNull();
    expect(calls.map((c) => c.cmd)).toEqual([
      'authenticator',
      'authenticator_setup',
      'authenticator_setup',
      'authenticator_enable',
      'authenticator_enable',
      'authenticator',
    ]);
  });

  it('makes new recovery codes and turns the app off, each after the password, in English', async () => {
    i18n.lang = 'en';
    let status: AuthenticatorStatus = { ...on, recovery_codes_left: 2 };
    const calls = ipc({
      authenticator: () => status,
      authenticator_new_codes: () => ({ codes }),
      authenticator_disable: () => {
        status = off;
        return null;
      },
    });
    render(AuthenticatorCard);
    const user = userEvent.setup();
    expect(await screen.findByText(/2 recovery codes left/)).toHaveTextContent('You have few recovery codes left');
    await user.click(screen.getByRole('button', { name: 'New recovery codes' }));
    await user.type(screen.getByLabelText('Current password (to confirm)'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByTestId('totp-codes')).toHaveTextContent('abcd9-efgh9');
    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    await user.click(await screen.findByRole('button', { name: 'Turn off' }));
    await user.type(screen.getByLabelText('Current password (to confirm)'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByTestId('totp-notice')).toHaveTextContent('Two-step verification is off');
    expect(await screen.findByTestId('totp-off')).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd !== 'authenticator')).toEqual([
      { cmd: 'authenticator_new_codes', args: { currentPassword: 'my password' } },
      { cmd: 'authenticator_disable', args: { currentPassword: 'my password' } },
    ]);
  });
});
