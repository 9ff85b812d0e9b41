import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import RequestsPanel from './RequestsPanel.svelte';
import Shell from '../shell/Shell.svelte';
import { i18n } from '../i18n/index.svelte';
import type { RequestsPanel as Panel } from '../bindings/RequestsPanel';
import type { SyncView } from '../bindings/SyncView';
import { ALL_RIGHTS } from '../session/testIpc';

const panel: Panel = {
  latest: [
    { id: 7, code: 'RIC-2026-000007', kind: 'iban_change', title: 'Cambio IBAN - contratto 84963/1', status: 'waiting_customer', last_action_at: '2026-11-20T10:00:00Z' },
  ],
  waiting: [
    { id: 1, kind: 'request', state: 'queued', error: null, attempts: 1, created_at: '2026-11-21T09:00:00Z', body: { kind: 'early_termination' } },
    { id: 2, kind: 'request', state: 'rejected', error: { code: 'bad_request', message: 'x' }, attempts: 1, created_at: '2026-11-21T09:00:00Z', body: { kind: 'free' } },
  ],
};

beforeEach(() => {
  i18n.lang = 'it';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('RequestsPanel', () => {
  it('lists what waits to be sent, what was refused, and the latest requests', () => {
    render(RequestsPanel, { props: { panel } });
    const [queued, rejected] = screen.getAllByTestId('waiting-request');
    expect(queued).toHaveTextContent('Estinzione anticipata');
    expect(queued).toHaveTextContent('In attesa di invio');
    expect(rejected).toHaveTextContent('Non accettata: da correggere');
    expect(rejected).toHaveTextContent('Controlla i dati inseriti.');
    const request = screen.getByTestId('request');
    expect(request).toHaveTextContent('RIC-2026-000007');
    expect(request).toHaveTextContent('In attesa di tue informazioni');
    expect(request).toHaveTextContent('Ultima operazione: 20/11/2026');
  });

  it('says when there are no requests, in English too', () => {
    i18n.lang = 'en';
    render(RequestsPanel, { props: { panel: { latest: [], waiting: [] } } });
    expect(screen.getByTestId('no-requests')).toHaveTextContent('No requests in progress');
  });
});

describe('The window and the background sync', () => {
  const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio', language: 'it', must_change_password: false, rights: ALL_RIGHTS };

  it('shows since when it is offline, in Italian time', async () => {
    const view: SyncView = {
      status: { online: false, offline_since: '2026-07-01T12:32:00Z', last_sync: null, progress: null, needs_login: false },
      version: 0,
      open: null,
    };
    mockIPC((cmd) => (cmd === 'sync_view' ? view : cmd === 'requests_panel' ? panel : null));
    render(Shell, { props: { me, onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('offline')).toHaveTextContent('Offline dalle 14:32');
    expect(await within(screen.getByTestId('requests')).findByTestId('request')).toHaveTextContent('RIC-2026-000007');
  });

  it('asks to log in again when the session ended, keeping what was written', async () => {
    const view: SyncView = {
      status: { online: true, offline_since: null, last_sync: null, progress: null, needs_login: true },
      version: 0,
      open: null,
    };
    mockIPC((cmd) => (cmd === 'sync_view' ? view : null));
    const onLoggedOut = vi.fn();
    render(Shell, { props: { me, onLoggedOut } });
    await vi.waitFor(() => expect(onLoggedOut).toHaveBeenCalled());
    expect(onLoggedOut.mock.calls[0]?.[0]?.code).toBe('session_expired');
  });
});
