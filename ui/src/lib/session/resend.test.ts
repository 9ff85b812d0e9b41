import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { ipc } from './testIpc';
import CodePage from './CodePage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { LoginChallenge } from '../bindings/LoginChallenge';

const first: LoginChallenge = { challenge_id: 'ch-1', expires_at: '2026-11-21T10:10:00Z', factor: 'email_code', sent_to: 'm***@pec.it' };
const second: LoginChallenge = { ...first, challenge_id: 'ch-2' };

beforeEach(() => {
  i18n.lang = 'it';
  vi.useFakeTimers();
});

afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
});

function renderCode(handlers: Parameters<typeof ipc>[0], challenge = first) {
  const calls = ipc(handlers);
  render(CodePage, { props: { challenge, onLoggedIn: vi.fn(), onBack: vi.fn() } });
  return { calls, user: userEvent.setup({ advanceTimers: vi.advanceTimersByTime }) };
}

async function seconds(n: number) {
  await act(() => vi.advanceTimersByTime(n * 1000));
}

describe('CodePage: send the code again', () => {
  it('offers a new code once 30 seconds have passed, and then checks the new one', async () => {
    const { calls, user } = renderCode({ resend_code: () => second, verify_code: () => Promise.reject({ code: 'invalid_code', message: 'x', fields: {} }) });
    expect(screen.getByTestId('code-resend-wait')).toHaveTextContent('tra 30 s');
    expect(screen.queryByTestId('code-resend')).toBeNull();
    await seconds(12);
    expect(screen.getByTestId('code-resend-wait')).toHaveTextContent('tra 18 s');
    await seconds(18);
    await user.click(screen.getByRole('button', { name: 'Non è arrivato? Invia un nuovo codice' }));
    expect(calls).toEqual([{ cmd: 'resend_code', args: { challengeId: 'ch-1' } }]);
    expect(await screen.findByTestId('code-resent')).toHaveTextContent('nuovo codice a m***@pec.it: il precedente non vale più');
    // The wait starts again, and the code typed next is checked against the new challenge.
    expect(screen.getByTestId('code-resend-wait')).toHaveTextContent('tra 30 s');
    await user.type(screen.getByLabelText('Codice di 6 cifre'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verifica' }));
    expect(calls.at(-1)).toEqual({ cmd: 'verify_code', args: { challengeId: 'ch-2', code: '123456' } });
  });

  it('waits as long as the server says when it is asked too often', async () => {
    const { user } = renderCode({ resend_code: () => Promise.reject({ code: 'rate_limited', message: 'slow down', fields: { retry_after: '600' } }) });
    await seconds(30);
    await user.click(screen.getByTestId('code-resend'));
    expect(await screen.findByRole('alert')).toHaveTextContent('10 minuti');
    expect(screen.getByTestId('code-resend-wait')).toHaveTextContent('tra 600 s');
    expect(screen.queryByTestId('code-resent')).toBeNull();
  });

  it('after the login ended, only a new login helps', async () => {
    const { user } = renderCode({ resend_code: () => Promise.reject({ code: 'code_expired', message: 'expired', fields: {} }) });
    await seconds(30);
    await user.click(screen.getByTestId('code-resend'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Il codice è scaduto');
    expect(screen.queryByTestId('code-resend')).toBeNull();
    expect(screen.getByLabelText('Codice di 6 cifre')).toBeDisabled();
  });

  it('is not offered for an authenticator’s code, and speaks English', async () => {
    renderCode({}, { ...first, factor: 'authenticator', sent_to: null });
    await seconds(30);
    expect(screen.queryByTestId('code-resend')).toBeNull();
    cleanup();
    i18n.lang = 'en';
    renderCode({});
    await seconds(30);
    expect(screen.getByTestId('code-resend')).toHaveTextContent('Didn’t get it? Send a new code');
  });
});
