import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import UpdateBanner from './UpdateBanner.svelte';
import UpdateSettings from './UpdateSettings.svelte';
import { updates } from './updates.svelte';
import { i18n } from '../i18n/index.svelte';
import type { UpdateOffer } from '../bindings/UpdateOffer';
import type { UpdateProgress } from '../bindings/UpdateProgress';

const offer = (lang: string): UpdateOffer => ({
  version: '0.2.0',
  current: '0.1.0',
  notes: lang === 'en' ? 'New: the plan as a chart.' : 'Novità: il piano in grafico.',
  date: '2026-12-07 10:00:00 +00:00:00',
});

type Calls = { cmd: string; args: Record<string, unknown> }[];

/** The updater's commands: `install` decides how the download ends, once the test says so. */
function mockUpdater(found: UpdateOffer | null | 'offline', install: () => unknown = () => true) {
  const calls: Calls = [];
  let progress: Channel<UpdateProgress> | undefined;
  let finish: () => void = () => {};
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd === 'update_check') {
      if (found === 'offline') return Promise.reject({ code: 'server_unreachable', message: 'offline' });
      return found && offer((args as { lang: string }).lang);
    }
    if (cmd === 'update_install') {
      progress = (args as { progress: Channel<UpdateProgress> }).progress;
      return new Promise((resolve, reject) => {
        finish = () => {
          try {
            resolve(install());
          } catch (e) {
            reject(e);
          }
        };
      });
    }
    if (cmd === 'update_cancel') {
      finish();
      return null;
    }
    if (cmd === 'set_update_policy') {
      const policy = (args as { policy: string }).policy;
      return { settings: { server_url: null, keep_in_tray: false, last_page: null, keep_copy: false, updates: policy } };
    }
    return null;
  });
  return { calls, step: (done: number, total: number | null) => progress!.onmessage({ done, total }), finish: () => finish() };
}

beforeEach(() => {
  i18n.lang = 'it';
  updates.offer = null;
  updates.laterFor = null;
  updates.error = null;
  updates.phase = 'idle';
  updates.policy = 'install';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('UpdateBanner', () => {
  it('shows a new version with its notes, downloads it with progress, and installs', async () => {
    const m = mockUpdater(offer('it'));
    render(UpdateBanner, { daily: false });
    await updates.check(true);
    const banner = await screen.findByTestId('update-banner');
    expect(banner).toHaveTextContent('È disponibile Sportello 0.2.0');
    expect(banner).toHaveTextContent('Stai usando la versione 0.1.0.');
    expect(screen.getByTestId('update-notes')).toHaveTextContent('Novità: il piano in grafico.');
    expect(m.calls[0]).toEqual({ cmd: 'update_check', args: { lang: 'it' } });

    await userEvent.setup().click(screen.getByRole('button', { name: 'Aggiorna e riavvia' }));
    m.step(3_000_000, 12_000_000);
    expect(await screen.findByText(/Scaricato 25%/)).toBeInTheDocument();
    expect(screen.getByRole('progressbar')).toHaveAttribute('value', '25');
    m.step(12_000_000, 12_000_000);
    expect(await screen.findByText('Installazione in corso: Sportello si riavvierà da solo.')).toBeInTheDocument();
    expect(screen.getByTestId('update-cancel')).toBeDisabled();
  });

  it('cancels a download and offers it again; "later" hides it until the next check', async () => {
    const m = mockUpdater(offer('it'), () => false);
    render(UpdateBanner, { daily: false });
    await updates.check(true);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('update-install'));
    m.step(1_000, null);
    expect(await screen.findByText('Download della nuova versione…')).toBeInTheDocument();
    await user.click(screen.getByTestId('update-cancel'));
    expect(await screen.findByTestId('update-install')).toBeInTheDocument();
    expect(m.calls.map((c) => c.cmd)).toContain('update_cancel');

    await user.click(screen.getByTestId('update-later'));
    expect(screen.queryByTestId('update-banner')).toBeNull();
    await updates.check(true);
    expect(screen.queryByTestId('update-banner')).toBeNull();
    await updates.check();
    expect(await screen.findByTestId('update-banner')).toBeInTheDocument();
  });

  it('says a refused signature plainly, in English too, and keeps this version', async () => {
    i18n.lang = 'en';
    const m = mockUpdater(offer('en'), () => {
      throw { code: 'update_unverified', message: 'the signature does not match' };
    });
    render(UpdateBanner, { daily: false });
    await updates.check(true);
    expect(await screen.findByTestId('update-notes')).toHaveTextContent('New: the plan as a chart.');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Update and restart' }));
    m.finish();
    const error = await screen.findByTestId('update-error');
    expect(error).toHaveAttribute('data-code', 'update_unverified');
    expect(error).toHaveTextContent('does not carry the company’s signature and was not installed');
    expect(screen.getByTestId('update-install')).toBeInTheDocument();
  });

  it('only tells when the computer’s administrator installs programs, and stays quiet offline', async () => {
    mockUpdater(offer('it'));
    updates.policy = 'notify';
    render(UpdateBanner, { daily: false });
    await updates.check(true);
    expect(await screen.findByTestId('update-managed')).toHaveTextContent('chiedi a lui di installare');
    expect(screen.queryByTestId('update-install')).toBeNull();
    cleanup();
    updates.offer = null;
    mockUpdater('offline');
    render(UpdateBanner, { daily: false });
    await updates.check(true);
    expect(screen.queryByTestId('update-banner')).toBeNull();
    expect(updates.error).toBeNull();
  });
});

describe('UpdateSettings', () => {
  it('shows the version, checks on demand and saves the policy', async () => {
    const m = mockUpdater(null);
    render(UpdateSettings, { version: '0.1.0' });
    expect(screen.getByTestId('settings-version')).toHaveTextContent('Versione in uso: 0.1.0');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Controlla ora' }));
    expect(await screen.findByTestId('settings-update-answer')).toHaveTextContent(/Sportello è aggiornato \(controllato alle \d\d:\d\d\)/);
    await user.click(screen.getByTestId('settings-update-notify'));
    expect(m.calls.filter((c) => c.cmd === 'set_update_policy')).toEqual([{ cmd: 'set_update_policy', args: { policy: 'notify' } }]);
    expect(updates.policy).toBe('notify');
  });

  it('says what a check on demand found, or why it failed', async () => {
    mockUpdater('offline');
    render(UpdateSettings, { version: '0.1.0' });
    await userEvent.setup().click(screen.getByTestId('settings-check-update'));
    expect(await screen.findByTestId('settings-update-answer')).toHaveTextContent('Impossibile raggiungere il server');
  });
});
