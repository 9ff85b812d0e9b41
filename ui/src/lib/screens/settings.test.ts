import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import SettingsPage from './SettingsPage.svelte';
import { ipc } from '../session/testIpc';
import { i18n } from '../i18n/index.svelte';
import type { SettingsView } from '../bindings/SettingsView';

const view = (over: Partial<SettingsView> = {}): SettingsView => ({
  settings: { server_url: null, keep_in_tray: false, last_page: null, keep_copy: false, updates: 'install' },
  server_url: 'https://sportello.example.it',
  default_server_url: 'https://sportello.example.it',
  from_environment: false,
  rejected_server: null,
  version: '0.1.0',
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

  it('sets the due-date reminders from 0 to 30 days ahead, refusing anything else before asking', async () => {
    const calls = ipc({
      desktop_settings: () => view(),
      start_at_login: () => false,
      reminder_days: () => 3,
      set_reminder_days: (args) => args.days,
    });
    render(SettingsPage);
    const field = (await screen.findByLabelText('Promemoria delle scadenze: giorni di anticipo')) as HTMLInputElement;
    expect(field.value).toBe('3');
    const user = userEvent.setup();
    await user.clear(field);
    await user.type(field, '45');
    await user.click(screen.getByTestId('settings-reminders-save'));
    expect(await screen.findByTestId('reminder-days-error')).toHaveTextContent('da 0 a 30');
    expect(calls.filter((c) => c.cmd === 'set_reminder_days')).toEqual([]);

    await user.clear(field);
    await user.type(field, '7');
    await user.click(screen.getByTestId('settings-reminders-save'));
    expect(await screen.findByTestId('reminder-days-saved')).toHaveTextContent('Promemoria 7 giorni prima di ogni scadenza.');
    await user.clear(field);
    await user.type(field, '0');
    await user.click(screen.getByTestId('settings-reminders-save'));
    expect(await screen.findByTestId('reminder-days-saved')).toHaveTextContent('disattivati');
    expect(calls.filter((c) => c.cmd === 'set_reminder_days').map((c) => c.args.days)).toEqual([7, 0]);
  });

  it('shows no reminder setting without an account logged in', async () => {
    ipc({
      desktop_settings: () => view(),
      start_at_login: () => false,
      reminder_days: () => Promise.reject({ code: 'session_expired', message: 'not logged in' }),
    });
    render(SettingsPage);
    await screen.findByTestId('settings-keep-copy');
    expect(screen.queryByTestId('settings-reminders')).toBeNull();
  });

  it('tells a customer in plain words that the installation fixed the server, naming no variable', async () => {
    ipc({ desktop_settings: () => view({ from_environment: true }), start_at_login: () => false, reminder_days: () => 3 });
    render(SettingsPage);
    const help = await screen.findByText(/fissato dall’installazione di questo computer/);
    expect(help.textContent).not.toMatch(/SPORTELLO_/);
    expect(screen.getByTestId('settings-server-save')).toBeDisabled();
  });
});
