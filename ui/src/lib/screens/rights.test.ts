import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import SelfServicePage from './SelfServicePage.svelte';
import { errorText } from '../session/errors';
import { IpcError } from '../ipc';
import { i18n } from '../i18n/index.svelte';

const context = {
  current_address: 'Via Roma 1, 20121 Milano MI',
  contracts: [{ id: 1, contract_no: '84963', product: 'Leasing strumentale', current_iban: 'IT60X0542811101000000123456' }],
  request_types: [{ code: 'other', title: 'Altro' }],
};

beforeEach(() => {
  i18n.lang = 'it';
  mockIPC((cmd) => (cmd === 'self_service' ? context : null));
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('A sub-user’s rights in the window', () => {
  it('shows the forms it may use and says why the others are closed', async () => {
    render(SelfServicePage, { props: { form: 'iban_change', rights: ['requests'] } });
    expect(await screen.findByTestId('right-missing')).toHaveTextContent(
      'Il tuo utente non può cambiare le coordinate bancarie né chiedere l’estinzione anticipata',
    );
    expect(screen.queryByTestId('iban-new')).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByTestId('tab-free'));
    expect(screen.queryByTestId('right-missing')).toBeNull();
    await user.click(screen.getByTestId('tab-early_termination'));
    expect(screen.getByTestId('right-missing')).toBeInTheDocument();
  });

  it('gives a view-only user no form, and a main user every form', async () => {
    render(SelfServicePage, { props: { form: 'address_change', rights: [] } });
    expect(await screen.findByTestId('right-missing')).toHaveTextContent('Il tuo utente non può inviare richieste');
    cleanup();
    render(SelfServicePage, { props: { form: 'iban_change', rights: ['requests', 'shop', 'bank'] } });
    expect(await screen.findByTestId('iban-new')).toBeInTheDocument();
    expect(screen.queryByTestId('right-missing')).toBeNull();
  });

  it('turns the server’s refusal into the missing right, in the user’s language', () => {
    const refused = new IpcError({ code: 'forbidden', message: 'your user may not do this (shop)', fields: { right: 'shop' } });
    expect(errorText(refused)).toBe('Il tuo utente non può acquistare servizi: chiedi all’utente principale di darti il permesso.');
    i18n.lang = 'en';
    expect(errorText(refused)).toBe('Your user may not buy services: ask the main user to give you the right.');
    expect(errorText(new IpcError({ code: 'forbidden', message: 'x' }))).toBe('Your user may not do this.');
  });
});
