import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import SetPasswordPage from './SetPasswordPage.svelte';
import { passwordProblem } from './password';
import { i18n } from '../i18n/index.svelte';
import type { DeepLink } from '../bindings/DeepLink';

const invite: DeepLink = { kind: 'invite', username: '30001', token: 'spi_abc' };

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('passwordProblem', () => {
  it('applies the server rules, counting characters', () => {
    expect(passwordProblem('short pass!', null)).toBe('too_short');
    expect(passwordProblem('àèìòùàèìòùàè', null)).toBeNull();
    expect(passwordProblem('x'.repeat(129), null)).toBe('too_long');
    expect(passwordProblem('Il mio 30001 segreto', '30001')).toBe('contains_username');
    expect(passwordProblem('Il mio 123 segreto', '123')).toBeNull();
  });
});

describe('SetPasswordPage', () => {
  function renderPage(link: DeepLink = invite) {
    const done: (string | null)[] = [];
    render(SetPasswordPage, { link, onDone: (u: string | null) => done.push(u), onCancel: () => {} });
    return done;
  }

  async function fill(password: string, confirm = password) {
    await userEvent.type(screen.getByLabelText('Nuova password'), password);
    await userEvent.type(screen.getByLabelText('Ripeti la nuova password'), confirm);
    await userEvent.click(screen.getByRole('button', { name: 'Salva la password' }));
  }

  it('refuses a short or mismatched password without calling the server', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => void calls.push(cmd));
    renderPage();
    expect(screen.getByTestId('set-password-intro').textContent?.trim()).toBe(
      'Scegli la password definitiva per l’utente 30001.',
    );
    await fill('breve');
    expect(screen.getByText('La password deve avere almeno 12 caratteri.')).toBeTruthy();
    expect(screen.getByLabelText('Nuova password').getAttribute('aria-invalid')).toBe('true');
    cleanup();
    renderPage();
    await fill('Una password lunga', 'Una password diversa');
    expect(screen.getByText('Le due password non coincidono.')).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it('sends the link token with the new password and reports success', async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'complete_reset') sent.push(args);
      return null;
    });
    const done = renderPage();
    await fill('Una password lunga');
    await expect.poll(() => done).toEqual(['30001']);
    expect(sent).toEqual([{ reset: { token: 'spi_abc', new_password: 'Una password lunga' } }]);
  });

  it('shows the server refusal on its field and an expired link in words', async () => {
    let answer: unknown = { code: 'bad_request', message: 'common', fields: { new_password: 'common' } };
    mockIPC(() => {
      throw answer;
    });
    const done = renderPage({ kind: 'reset', token: 'spx_abc' });
    expect(screen.getByRole('heading', { name: 'Reimposta la password' })).toBeTruthy();
    await fill('passwordpassword');
    expect((await screen.findByTestId('password-refused')).textContent).toBe(
      'Questa password è troppo comune: scegline un’altra.',
    );
    answer = { code: 'code_expired', message: 'expired' };
    await userEvent.click(screen.getByRole('button', { name: 'Salva la password' }));
    const error = await screen.findByTestId('set-password-error');
    expect(error.textContent?.trim()).toBe('Il link è scaduto o è già stato usato: chiedine uno nuovo con «Password dimenticata?».');
    expect(done).toEqual([]);
  });
});
