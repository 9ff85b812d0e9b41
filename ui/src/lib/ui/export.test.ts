import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import ExportButton from './ExportButton.svelte';
import { i18n } from '../i18n/index.svelte';
import type { ExportProgress } from '../bindings/ExportProgress';
import type { ExportRequest } from '../bindings/ExportRequest';

type Calls = { cmd: string; args: Record<string, unknown> }[];

/** The export command answered by `answer`, after the test says so; every call recorded. */
function mockExport(answer: () => unknown) {
  const calls: Calls = [];
  let progress: Channel<ExportProgress> | undefined;
  let finish: () => void = () => {};
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd !== 'export') return null;
    progress = (args as { progress: Channel<ExportProgress> }).progress;
    return new Promise((resolve, reject) => {
      finish = () => {
        try {
          resolve(answer());
        } catch (e) {
          reject(e);
        }
      };
    });
  });
  return {
    calls,
    step: (done: number, total: number) => progress!.onmessage({ done, total }),
    finish: () => finish(),
  };
}

const request: ExportRequest = { kind: 'payments', filter: { contract_id: 7, status: 'overdue', sort: 'asc' } };

function renderButton() {
  render(ExportButton, { request: () => request, label: 'Esporta', testid: 'export-payments' });
}

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('ExportButton', () => {
  it('sends the screen filter, follows the progress, and opens the saved file by its number', async () => {
    const mock = mockExport(() => ({ id: 3, file_name: 'Pagamenti_84963_2026-11-22.xlsx', rows: 176, documents: 0 }));
    renderButton();
    await userEvent.click(screen.getByRole('button', { name: 'Esporta' }));
    expect(mock.calls[0]).toMatchObject({ cmd: 'export', args: { request, lang: 'it' } });
    expect(screen.getByText('Scegli dove salvare…')).toBeTruthy();

    mock.step(50, 200);
    const bar = await screen.findByRole('progressbar');
    await expect.poll(() => bar.getAttribute('value')).toBe('25');
    expect(screen.getByText('25%')).toBeTruthy();

    mock.finish();
    const saved = await screen.findByTestId('export-saved');
    expect(saved.textContent?.trim()).toBe('Pagamenti_84963_2026-11-22.xlsx salvato: 176 righe.');
    expect(screen.queryByRole('progressbar')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Apri' }));
    await userEvent.click(screen.getByRole('button', { name: 'Mostra nella cartella' }));
    expect(mock.calls.slice(1)).toEqual([
      { cmd: 'open_export', args: { id: 3 } },
      { cmd: 'reveal_export', args: { id: 3 } },
    ]);
  });

  it('cancels a running export and says that nothing was written', async () => {
    const mock = mockExport(() => {
      throw { code: 'cancelled', message: 'the export was cancelled' };
    });
    renderButton();
    await userEvent.click(screen.getByRole('button', { name: 'Esporta' }));
    mock.step(1, 10);
    await userEvent.click(await screen.findByRole('button', { name: 'Annulla' }));
    expect(mock.calls.map((c) => c.cmd)).toEqual(['export', 'cancel_export']);
    mock.finish();
    expect((await screen.findByTestId('export-cancelled')).textContent).toBe(
      'Esportazione annullata: nessun file è stato scritto.',
    );
    expect(screen.getByRole('button', { name: 'Esporta' })).toBeTruthy();
  });

  it('shows a failure in the user language and nothing when the dialog is closed', async () => {
    i18n.lang = 'en';
    const mock = mockExport(() => {
      throw { code: 'server_unreachable', message: 'cannot reach the server' };
    });
    render(ExportButton, { request: () => request, label: 'Export', testid: 'x' });
    await userEvent.click(screen.getByRole('button', { name: 'Export' }));
    mock.finish();
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.code).toBe('server_unreachable');
    expect(alert.textContent).not.toContain('cannot reach');

    cleanup();
    const closed = mockExport(() => null);
    render(ExportButton, { request: () => request, label: 'Export', testid: 'x' });
    await userEvent.click(screen.getByRole('button', { name: 'Export' }));
    closed.finish();
    await expect.poll(() => screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByTestId('export-saved')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
