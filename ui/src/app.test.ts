import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import App from './App.svelte';
import LanguageSwitch from './lib/ui/LanguageSwitch.svelte';
import { ipc, ALL_RIGHTS } from './lib/session/testIpc';
import { i18n } from './lib/i18n/index.svelte';

const temporary = { username: '30001', display_name: 'Ferramenta Bianchi', customer_name: 'Ferramenta Bianchi', must_change_password: true, rights: ALL_RIGHTS };
const start = {
  watch_links: () => null,
  desktop_settings: () => Promise.reject({ code: 'internal', message: 'no settings' }),
};

beforeEach(() => {
  i18n.lang = 'it';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('App', () => {
  it('sends a user on a temporary password to the definitive one, in the language of the profile', async () => {
    ipc({ ...start, session_status: () => ({ state: 'logged_in', me: { ...temporary, language: 'en' } }) });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Choose your definitive password' })).toBeInTheDocument();
    expect(i18n.lang).toBe('en');
  });

  it('goes from the code to the definitive password after a login with a temporary one', async () => {
    const calls = ipc({
      ...start,
      session_status: () => ({ state: 'logged_out' }),
      login: () => ({ challenge_id: 'ch', expires_at: '2026-12-06T10:10:00Z', factor: 'email_code', sent_to: 'u***@pec.it' }),
      verify_code: () => ({ ...temporary, language: 'it' }),
    });
    render(App);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Nome utente'), '30001');
    await user.type(screen.getByLabelText('Password'), 'Temp-password-1');
    await user.click(screen.getByRole('button', { name: 'Accedi' }));
    await user.type(await screen.findByLabelText('Codice di 6 cifre'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(await screen.findByRole('heading', { name: 'Scegli la password definitiva' })).toBeInTheDocument();
    expect(screen.getByLabelText('Password temporanea')).toBeInTheDocument();
    expect(calls.map((c) => c.cmd)).not.toContain('home');
  });

  it('opens each account page from the login page and comes back', async () => {
    ipc({ ...start, session_status: () => ({ state: 'logged_out' }) });
    render(App);
    const user = userEvent.setup();
    for (const [link, title] of [
      ['Password dimenticata?', 'Password dimenticata'],
      ['Login bloccata?', 'Login bloccata'],
      ['Non hai ancora un accesso? Registrati', 'Registrati'],
    ]) {
      await user.click(await screen.findByRole('button', { name: link }));
      expect(await screen.findByRole('heading', { name: title })).toBeInTheDocument();
      await user.click(screen.getByRole('button', { name: 'Torna all’accesso' }));
      expect(await screen.findByRole('heading', { name: 'Accedi' })).toBeInTheDocument();
    }
  });
});

describe('LanguageSwitch', () => {
  it('reports a change of language once, not a click on the language already shown', async () => {
    const onChange = vi.fn();
    render(LanguageSwitch, { props: { onChange } });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('lang-it'));
    await user.click(screen.getByTestId('lang-en'));
    await user.click(screen.getByTestId('lang-en'));
    expect(onChange.mock.calls).toEqual([['en']]);
    expect(i18n.lang).toBe('en');
  });
});
