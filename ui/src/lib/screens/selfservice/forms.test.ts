import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import IbanForm from './IbanForm.svelte';
import TerminationForm from './TerminationForm.svelte';
import { i18n } from '../../i18n/index.svelte';
import type { OutboxEntry } from '../../bindings/OutboxEntry';

const contracts = [{ id: 1, contract_no: '84963', product: 'Leasing strumentale', current_iban: 'IT60X0542811101000000123456' }];
const queued: OutboxEntry = { id: 9, kind: 'request', state: 'queued', error: null, attempts: 0, created_at: '2026-11-22T09:00:00Z', body: {} };

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('IbanForm', () => {
  it('checks as the user types and sends nothing while a field is wrong', async () => {
    const sent: string[] = [];
    mockIPC((cmd) => {
      sent.push(cmd);
      return null;
    });
    render(IbanForm, { props: { contracts, contractId: 1 } });
    const user = userEvent.setup();
    expect(screen.getByTestId('current-iban')).toHaveTextContent('IT60X0542811101000000123456');
    await user.type(screen.getByTestId('iban-new'), 'IT52W0306912011000000123456');
    expect(screen.getByTestId('iban-new-error')).toHaveTextContent('Le cifre di controllo non tornano: un carattere è sbagliato.');
    await user.clear(screen.getByTestId('iban-new'));
    await user.type(screen.getByTestId('iban-new'), 'IT60X0542811101000000123456');
    expect(screen.getByTestId('iban-new-error')).toHaveTextContent("È l'IBAN già registrato sul contratto.");
    await user.click(screen.getByTestId('iban-submit'));
    expect(screen.getByTestId('iban-effective-error')).toHaveTextContent('Campo obbligatorio.');
    expect(sent).not.toContain('file_request');
  });

  it('marks the foreign flag, not the IBAN, when an Italian IBAN is flagged foreign; a pasted IBAN is read', async () => {
    mockIPC(() => null);
    render(IbanForm, { props: { contracts, contractId: 1 } });
    const user = userEvent.setup();
    await user.type(screen.getByTestId('iban-new'), 'it51-w030.6912 0110 0000 0123 456');
    expect(screen.queryByTestId('iban-new-error')).toBeNull();
    await user.click(screen.getByTestId('iban-foreign'));
    expect(screen.getByTestId('iban-foreign-error')).toHaveTextContent('È un IBAN italiano: togli la spunta “IBAN estero”.');
    expect(screen.getByTestId('iban-foreign')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByTestId('iban-new-error')).toBeNull();
    await user.click(screen.getByTestId('iban-foreign'));
    expect(screen.queryByTestId('iban-foreign-error')).toBeNull();
  });

  it('asks the password again and shows the server refusal on the field it concerns', async () => {
    const sent: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'change_iban') return null;
      sent.push(args as Record<string, unknown>);
      const password = (args as { currentPassword: string }).currentPassword;
      const fields = password === 'sbagliata' ? { current_password: 'wrong' } : { effective_from: 'in_the_past' };
      return Promise.reject({ code: 'bad_request', message: 'x', fields });
    });
    render(IbanForm, { props: { contracts, contractId: 1 } });
    const user = userEvent.setup();
    await user.type(screen.getByTestId('iban-new'), 'IT51W0306912011000000123456');
    await user.type(screen.getByTestId('iban-effective'), '01/01/2099');
    await user.type(screen.getByTestId('iban-message'), 'è'.repeat(3));
    expect(screen.getByTestId('iban-message-count')).toHaveTextContent('3/500 caratteri');
    await user.click(screen.getByTestId('iban-submit'));
    expect(screen.getByTestId('iban-password-error')).toHaveTextContent('Campo obbligatorio.');
    expect(sent).toEqual([]);
    await user.type(screen.getByTestId('iban-password'), 'sbagliata');
    await user.click(screen.getByTestId('iban-submit'));
    expect(await screen.findByTestId('iban-password-error')).toHaveTextContent('La password non è corretta.');
    expect(screen.getByTestId('iban-password')).toHaveValue('');
    await user.type(screen.getByTestId('iban-password'), 'la mia password');
    await user.click(screen.getByTestId('iban-submit'));
    expect(await screen.findByTestId('iban-effective-error')).toHaveTextContent('La data non può essere nel passato.');
    expect(sent[1]).toEqual({
      request: { kind: 'iban_change', contract_id: 1, new_iban: 'IT51W0306912011000000123456', foreign: false, effective_from: '2099-01-01', message: 'èèè' },
      currentPassword: 'la mia password',
    });
  });

  it('says it is sent, in English too, and that offline it waits for the connection', async () => {
    i18n.lang = 'en';
    let online = false;
    mockIPC((cmd) => {
      if (cmd !== 'change_iban') return null;
      return online ? { id: 7 } : Promise.reject({ code: 'server_unreachable', message: 'offline' });
    });
    render(IbanForm, { props: { contracts, contractId: 1 } });
    const user = userEvent.setup();
    await user.type(screen.getByTestId('iban-new'), 'IT51W0306912011000000123456');
    await user.type(screen.getByTestId('iban-effective'), '01/01/2099');
    await user.type(screen.getByTestId('iban-password'), 'my password');
    await user.click(screen.getByTestId('iban-submit'));
    expect(await screen.findByTestId('iban-online-only')).toHaveTextContent('sent only while connected');
    expect(screen.getByTestId('iban-new')).toHaveValue('IT51W0306912011000000123456');
    online = true;
    await user.type(screen.getByTestId('iban-password'), 'my password');
    await user.click(screen.getByTestId('iban-submit'));
    expect(await screen.findByTestId('form-sent')).toHaveTextContent('Request sent.');
    expect(screen.getByTestId('iban-new')).toHaveValue('');
  });
});

describe('TerminationForm', () => {
  it('shows the outstanding principal as soon as the contract is chosen', async () => {
    mockIPC((cmd) => {
      if (cmd === 'contract_options') return [{ id: 1, contract_no: '84963', product: 'Leasing strumentale', status: 'active', end_on: '2027-05-31' }];
      if (cmd === 'payoff')
        return { contract_id: 1, as_of: '2026-11-22', outstanding_principal: '12345.67', installments: [{ number: 31, due_on: '2026-12-01', amount: '420.00' }] };
      return null;
    });
    render(TerminationForm, { props: { contractId: 1 } });
    expect(await screen.findByTestId('payoff-outstanding')).toHaveTextContent('12.345,67 €');
    expect(screen.getByTestId('payoff')).toHaveTextContent('Capitale residuo al 22/11/2026');
    expect(screen.getByRole('option', { name: /^Rata 31 del 01\/12\/2026 · 420,00\s€$/ })).toBeInTheDocument();
  });
});

describe('DateInput', () => {
  it('reads dd/mm/yyyy whatever the system locale, and calls a non-date invalid', async () => {
    mockIPC(() => null);
    render(IbanForm, { props: { contracts, contractId: 1 } });
    const user = userEvent.setup();
    const field = screen.getByTestId('iban-effective');
    expect(field).toHaveAttribute('placeholder', 'gg/mm/aaaa');
    await user.type(field, '31/02/2099');
    await user.tab();
    expect(screen.getByTestId('iban-effective-error')).toHaveTextContent('Valore non valido.');
    await user.clear(field);
    await user.type(field, '01/01/2001');
    expect(screen.getByTestId('iban-effective-error')).toHaveTextContent('La data non può essere nel passato.');
  });
});
