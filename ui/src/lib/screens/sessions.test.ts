import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import Sessions from './profile/Sessions.svelte';
import { ipc } from '../session/testIpc';
import { i18n } from '../i18n/index.svelte';
import type { SessionInfo } from '../bindings/SessionInfo';

const here: SessionInfo = {
  id: 's-here', device: 'Ufficio-PC', address: '127.0.0.1', place: 'local',
  started_at: '2026-12-01T08:00:00Z', last_used_at: '2026-12-06T10:30:00Z', current: true,
};
const laptop: SessionInfo = {
  id: 's-laptop', device: 'Portatile', address: '203.0.113.7', place: null,
  started_at: '2026-11-20T16:05:00Z', last_used_at: '2026-12-05T19:00:00Z', current: false,
};

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Sessions', () => {
  it('lists each device with where and when, in Rome time, this one marked', async () => {
    ipc({ sessions: () => [here, laptop] });
    render(Sessions, { props: { onLoggedOut: vi.fn() } });
    const rows = await screen.findAllByTestId('session-row');
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent?.replace(/\s+/g, ' ').trim());
    expect(rows.map(cells)).toEqual([
      ['Ufficio-PC Questo dispositivo', 'Rete locale (127.0.0.1)', '01/12/2026, 09:00', '06/12/2026, 11:30', 'Esci da questo dispositivo'],
      ['Portatile', '203.0.113.7', '20/11/2026, 17:05', '05/12/2026, 20:00', 'Esci da quel dispositivo'],
    ]);
  });

  it('ends another device and keeps this one', async () => {
    const onLoggedOut = vi.fn();
    const calls = ipc({ sessions: () => [here, laptop], end_session: () => [here] });
    render(Sessions, { props: { onLoggedOut } });
    const rows = await screen.findAllByTestId('session-row');
    await userEvent.setup().click(within(rows[1]!).getByRole('button', { name: 'Esci da quel dispositivo' }));
    expect(await screen.findByTestId('session-ended')).toBeInTheDocument();
    expect(screen.getAllByTestId('session-row')).toHaveLength(1);
    expect(calls.filter((c) => c.cmd === 'end_session')).toEqual([{ cmd: 'end_session', args: { id: 's-laptop' } }]);
    expect(onLoggedOut).not.toHaveBeenCalled();
  });

  it('ending this device is a logout', async () => {
    const onLoggedOut = vi.fn();
    ipc({ sessions: () => [here, laptop], end_session: () => [] });
    render(Sessions, { props: { onLoggedOut } });
    const rows = await screen.findAllByTestId('session-row');
    await userEvent.setup().click(within(rows[0]!).getByRole('button', { name: 'Esci da questo dispositivo' }));
    await vi.waitFor(() => expect(onLoggedOut).toHaveBeenCalledOnce());
  });

  it('logs out everywhere only after confirming, in English too', async () => {
    i18n.lang = 'en';
    const onLoggedOut = vi.fn();
    const calls = ipc({ sessions: () => [here, laptop], end_all_sessions: () => null });
    render(Sessions, { props: { onLoggedOut } });
    await screen.findAllByTestId('session-row');
    const user = userEvent.setup({ pointerEventsCheck: 0 });
    await user.click(screen.getByRole('button', { name: 'Log out everywhere' }));
    const dialog = await screen.findByTestId('sessions-end-all-dialog');
    expect(dialog).toHaveTextContent('Every session, this one included, will end');
    expect(calls.map((c) => c.cmd)).not.toContain('end_all_sessions');
    await user.click(within(dialog).getByTestId('sessions-end-all-confirm'));
    await vi.waitFor(() => expect(onLoggedOut).toHaveBeenCalledOnce());
    expect(calls.map((c) => c.cmd)).toContain('end_all_sessions');
  });
});
