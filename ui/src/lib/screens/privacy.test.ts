import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import PrivacyCard from './profile/PrivacyCard.svelte';
import { ipc } from '../session/testIpc';
import { i18n } from '../i18n/index.svelte';
import type { Privacy } from '../bindings/Privacy';

const never: Privacy = {
  consents: [
    { kind: 'marketing', granted: false, decided_at: null },
    { kind: 'profiling', granted: false, decided_at: null },
    { kind: 'third_parties', granted: false, decided_at: null },
  ],
  history: [],
};
const given: Privacy = {
  consents: [{ kind: 'marketing', granted: true, decided_at: '2026-12-06T09:15:00Z' }, never.consents[1]!, never.consents[2]!],
  history: [{ kind: 'marketing', granted: true, decided_at: '2026-12-06T09:15:00Z' }],
};

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('PrivacyCard', () => {
  it('shows each consent with its state, gives one and shows its date and history', async () => {
    const calls = ipc({ privacy: () => never, decide_consent: () => given });
    render(PrivacyCard);
    expect(await screen.findByTestId('consent-profiling-state')).toHaveTextContent('Consenso mai espresso.');
    await userEvent.setup().click(screen.getByRole('switch', { name: 'Offerte commerciali della società' }));
    expect(await screen.findByTestId('consent-marketing-state')).toHaveTextContent('Consenso dato il 06/12/2026, 10:15.');
    expect(screen.getByRole('switch', { name: 'Offerte commerciali della società' })).toBeChecked();
    expect(screen.getByTestId('consent-history')).toHaveTextContent('Storico delle modifiche (1)');
    expect(calls.filter((c) => c.cmd === 'decide_consent')).toEqual([
      { cmd: 'decide_consent', args: { update: { kind: 'marketing', granted: true } } },
    ]);
  });

  it('says when the server cannot be reached, in English', async () => {
    i18n.lang = 'en';
    ipc({ privacy: () => Promise.reject({ code: 'server_unreachable', message: 'offline' }) });
    render(PrivacyCard);
    expect(await screen.findByTestId('error-banner')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Privacy and consents' })).toBeInTheDocument();
  });
});
