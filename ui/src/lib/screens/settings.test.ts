import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import SettingsPage from './SettingsPage.svelte';
import { ipc } from '../session/testIpc';
import { i18n } from '../i18n/index.svelte';
import type { SettingsView } from '../bindings/SettingsView';

const view = (over: Partial<SettingsView> = {}): SettingsView => ({
  settings: { server_url: null, keep_in_tray: false, last_page: null, keep_copy: false },
  server_url: 'https://sportello.example.it',
  default_server_url: 'https://sportello.example.it',
  from_environment: false,
  rejected_server: null,
  ...over,
});

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Settings', () => {
  it('keeps a copy on this computer only when the user turns it on', async () => {
    const calls = ipc({
      desktop_settings: () => view(),
      start_at_login: () => false,
      set_keep_copy: (args) => view({ settings: { ...view().settings, keep_copy: args.keep === true } }),
    });
    render(SettingsPage);
    const box = (await screen.findByTestId('settings-keep-copy')) as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(screen.getByText(/uscendo vengono rimossi da questo computer/)).toBeInTheDocument();
    await userEvent.setup().click(box);
    expect(calls.filter((c) => c.cmd === 'set_keep_copy')).toEqual([{ cmd: 'set_keep_copy', args: { keep: true } }]);
    expect(((await screen.findByTestId('settings-keep-copy')) as HTMLInputElement).checked).toBe(true);
  });

  it('says which configured address could not be used and why, in English too', async () => {
    i18n.lang = 'en';
    const rejected = { address: 'http://leasing.example.it', from_environment: true, reason: 'https_required' };
    ipc({ desktop_settings: () => view({ rejected_server: rejected }), start_at_login: () => false });
    render(SettingsPage);
    const notice = await screen.findByTestId('server-rejected');
    expect(notice.textContent).toContain('http://leasing.example.it (set by the installation) cannot be used.');
    expect(notice.textContent).toContain('An https address is required');
    expect(notice.textContent).toContain('connected to https://sportello.example.it meanwhile');
  });
});
