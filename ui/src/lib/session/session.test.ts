import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { ipc, type Handler, ALL_RIGHTS } from './testIpc';
import LoginPage from './LoginPage.svelte';
import CodePage from './CodePage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { LoginChallenge } from '../bindings/LoginChallenge';

const challenge: LoginChallenge = {
  challenge_id: 'ch-1',
  expires_at: '2026-11-21T10:10:00Z',
  factor: 'email_code',
  sent_to: 'm***@pec.it',
};
const byApp: LoginChallenge = { challenge_id: 'ch-2', expires_at: '2026-11-21T10:10:00Z', factor: 'authenticator', sent_to: null };

beforeEach(() => {
  i18n.lang = 'it';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('LoginPage', () => {
  async function submit(password = 'secret password') {
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Nome utente'), '10093');
    await user.type(screen.getByLabelText('Password'), password);
    await user.click(screen.getByRole('button', { name: 'Accedi' }));
  }

  it('sends the credentials and hands over the challenge', async () => {
    const calls = ipc({ login: () => challenge });
    const onChallenge = vi.fn();
    render(LoginPage, { props: { onChallenge } });
    await submit();
    expect(calls).toEqual([{ cmd: 'login', args: { username: '10093', password: 'secret password' } }]);
    expect(onChallenge).toHaveBeenCalledWith(challenge);
  });

  it('says the credentials are wrong, in Italian, and clears the password', async () => {
    ipc({ login: () => Promise.reject({ code: 'invalid_credentials', message: 'wrong username or password' }) });
    render(LoginPage, { props: { onChallenge: vi.fn() } });
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Nome utente o password non corretti.');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('');
  });

  it('says how long a paused login waits and how to recover it now', async () => {
    ipc({ login: () => Promise.reject({ code: 'rate_limited', message: 'paused', fields: { retry_after: '61' } }) });
    render(LoginPage, { props: { onChallenge: vi.fn() } });
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Troppi tentativi: riprova tra 2 minuti.');
    expect(screen.getByTestId('login-paused-hint')).toHaveTextContent('«Login bloccata?»');
  });

  it('shows a banner when the server is unreachable and keeps the password', async () => {
    ipc({ login: () => Promise.reject({ code: 'server_unreachable', message: 'connection refused' }) });
    render(LoginPage, { props: { onChallenge: vi.fn() } });
    await submit();
    const banner = await screen.findByTestId('error-banner');
    expect(banner).toHaveTextContent('Impossibile raggiungere il server');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('secret password');
  });

  it('speaks English when asked', async () => {
    i18n.lang = 'en';
    ipc({ login: () => Promise.reject({ code: 'invalid_credentials', message: 'x' }) });
    render(LoginPage, { props: { onChallenge: vi.fn() } });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Username'), '10093');
    await user.type(screen.getByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
  });
});

describe('CodePage', () => {
  function renderCode(handlers: Record<string, Handler>) {
    const calls = ipc(handlers);
    const onLoggedIn = vi.fn();
    const onBack = vi.fn();
    render(CodePage, { props: { challenge, onLoggedIn, onBack } });
    return { calls, onLoggedIn, onBack, user: userEvent.setup(), field: screen.getByLabelText<HTMLInputElement>('Codice di 6 cifre') };
  }

  it('keeps only digits and does not send an incomplete code', async () => {
    const { calls, user, field } = renderCode({});
    await user.type(field, '12a34');
    expect(field.value).toBe('1234');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(screen.getByText('Il codice è di 6 cifre.')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(calls).toEqual([]);
  });

  it('logs in with a right code', async () => {
    const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio', language: 'it', must_change_password: false, rights: ALL_RIGHTS };
    const { calls, onLoggedIn, user, field } = renderCode({ verify_code: () => me });
    await user.type(field, '123456');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(calls[0]).toEqual({ cmd: 'verify_code', args: { challengeId: 'ch-1', code: '123456' } });
    expect(onLoggedIn).toHaveBeenCalledWith(me);
  });

  it('counts the tries left after a wrong code', async () => {
    const { user, field } = renderCode({
      verify_code: () => Promise.reject({ code: 'invalid_code', message: 'wrong code', fields: { attempts_left: '3' } }),
    });
    await user.type(field, '000000');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Codice non corretto. Tentativi rimasti: 3.');
  });

  it('after an expired code, only a new login helps', async () => {
    const { onBack, user, field } = renderCode({
      verify_code: () => Promise.reject({ code: 'code_expired', message: 'expired' }),
    });
    await user.type(field, '000000');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Il codice è scaduto');
    expect(field).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Verifica' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Torna all’accesso' }));
    expect(onBack).toHaveBeenCalled();
  });
});

describe('CodePage with an authenticator', () => {
  const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio', language: 'it', must_change_password: false, rights: ALL_RIGHTS };

  it('asks for the app’s code, not an e-mailed one, and sends it', async () => {
    const calls = ipc({ verify_code: () => me });
    const onLoggedIn = vi.fn();
    render(CodePage, { props: { challenge: byApp, onLoggedIn, onBack: vi.fn() } });
    expect(screen.getByTestId('code-intro')).toHaveTextContent('Apri l’app di autenticazione');
    expect(screen.queryByText(/Abbiamo inviato/)).toBeNull();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Codice dell’app di autenticazione'), '654321');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(calls).toEqual([{ cmd: 'verify_code', args: { challengeId: 'ch-2', code: '654321' } }]);
    expect(onLoggedIn).toHaveBeenCalledWith(me);
  });

  it('takes a recovery code in place of the app’s, letters and dash kept', async () => {
    const calls = ipc({ verify_code: () => me });
    render(CodePage, { props: { challenge: byApp, onLoggedIn: vi.fn(), onBack: vi.fn() } });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Non hai il telefono? Usa un codice di recupero' }));
    const field = screen.getByLabelText<HTMLInputElement>('Codice di recupero');
    await user.type(field, 'k3m9');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(screen.getByText('Un codice di recupero ha 10 lettere e cifre, come k3m9p-x2q7r.')).toBeInTheDocument();
    expect(calls).toEqual([]);
    await user.type(field, 'p-x2q7r');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(calls).toEqual([{ cmd: 'verify_code', args: { challengeId: 'ch-2', code: 'k3m9p-x2q7r' } }]);
    await user.click(screen.getByRole('button', { name: 'Usa il codice dell’app' }));
    expect(screen.getByLabelText('Codice dell’app di autenticazione')).toBeInTheDocument();
  });

  it('says it in English and never offers a recovery code for an e-mailed code', () => {
    i18n.lang = 'en';
    ipc({});
    render(CodePage, { props: { challenge: byApp, onLoggedIn: vi.fn(), onBack: vi.fn() } });
    expect(screen.getByTestId('code-intro')).toHaveTextContent('Open the authenticator app on your phone');
    cleanup();
    render(CodePage, { props: { challenge, onLoggedIn: vi.fn(), onBack: vi.fn() } });
    expect(screen.queryByTestId('code-switch')).toBeNull();
  });
});
