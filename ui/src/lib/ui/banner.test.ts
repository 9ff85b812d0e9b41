import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import Banner from './Banner.svelte';
import InvoicesPage from '../screens/InvoicesPage.svelte';
import { IpcError } from '../ipc';
import { i18n } from '../i18n/index.svelte';
import { ipc } from '../session/testIpc';
import type { InvoiceItem } from '../bindings/InvoiceItem';

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

const noViewer = { code: 'no_viewer', message: 'no program on this computer opens this file', fields: { document: '2' } };

describe('a file no program opens', () => {
  it('says so and offers its folder or a copy saved elsewhere', async () => {
    let save = true;
    const calls = ipc({ reveal_document: () => null, save_document_as: () => save });
    render(Banner, { props: { error: new IpcError(noViewer as never) } });
    expect(screen.getByRole('alert')).toHaveTextContent('Nessun programma su questo computer apre questo file.');
    const user = userEvent.setup();
    await user.click(screen.getByTestId('reveal-document'));
    await user.click(screen.getByTestId('save-document'));
    expect(await screen.findByTestId('banner-outcome')).toHaveTextContent('Copia salvata.');
    expect(calls).toEqual([
      { cmd: 'reveal_document', args: { document: 2 } },
      { cmd: 'save_document_as', args: { document: 2, lang: 'it' } },
    ]);
    save = false;
    await user.click(screen.getByTestId('save-document'));
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId('banner-outcome')).toBeNull();
  });

  it('other errors offer no file actions', () => {
    render(Banner, { props: { error: new IpcError({ code: 'internal', message: 'x' }) } });
    expect(screen.queryByTestId('reveal-document')).toBeNull();
  });

  it('an invoice PDF that no program opens says so on the invoices screen, in English too', async () => {
    i18n.lang = 'en';
    const invoice: InvoiceItem = {
      id: 5, number: '2024/0001', kind: 'invoice', issued_on: '2024-05-01', due_on: '2024-05-31', contract_id: 1, contract_no: '84963',
      taxable: '100.00', vat: '22.00', total: '122.00', xml_file_name: 'IT01234567890_00001.xml',
    };
    ipc({
      contract_options: () => [],
      invoices: () => ({ total: 1, rows: [invoice] }),
      open_invoice: () => Promise.reject(noViewer),
    });
    render(InvoicesPage, { props: {} });
    await userEvent.setup().click(await screen.findByTestId('open-pdf'));
    expect(await screen.findByRole('alert')).toHaveTextContent('No program on this computer opens this file.');
    expect(screen.getByTestId('reveal-document')).toHaveTextContent('Show in folder');
  });
});
