import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import ContractsPage from './ContractsPage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { ContractView } from '../bindings/ContractView';
import type { ContractOption } from '../bindings/ContractOption';
import type { PlanEntry } from '../bindings/PlanEntry';

const options: ContractOption[] = [
  { id: 1, contract_no: '84963', product: 'Leasing strumentale', status: 'active', end_on: '2027-05-31' },
  { id: 2, contract_no: '70001', product: 'Leasing auto', status: 'extinct', end_on: '2020-01-31' },
];

function row(n: number, kind: PlanEntry['kind'] = 'installment'): PlanEntry {
  return {
    number: kind === 'indexation' ? 0 : n,
    kind,
    due_on: `2024-${String((n % 12) + 1).padStart(2, '0')}-01`,
    amount: '1000.00',
    principal: '900.00',
    interest: '100.00',
    outstanding: `${(60 - n) * 900}.00`,
    accrual_start: '2024-01-01',
    accrual_end: '2024-01-31',
    payment_method: 'sepa_direct_debit',
    collected_on: null,
  };
}

const view: ContractView = {
  contract: {
    id: 1, contract_no: '84963', module_no: '1', product: 'Leasing strumentale', status: 'active', assets_count: 5,
    signed_on: '2016-05-15', start_on: '2016-06-01', end_on: '2027-05-31', beneficiary_code: 'B-1', beneficiary: 'Studio Rossi',
    iban: 'IT60X0542811101000000123456', reference_rate: 'Euribor 3 m.l. (div.360)', subsidy: '', amount: '25150.00',
    advance: '2515.00', residual_value: '251.50', outstanding_today: '12345.67', periodicity: 'monthly', installments: 60,
    installment_amount: '420.00', duration_months: 60, documents: [],
  },
  plan: [...Array.from({ length: 30 }, (_, i) => row(i + 1)), row(31, 'indexation')],
};

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('ContractsPage', () => {
  it('shows the first contract, every group, and pages the plan 25 rows at a time', async () => {
    const asked: number[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'contract_options') return options;
      if (cmd === 'contract') {
        asked.push((args as { id: number }).id);
        return view;
      }
      return null;
    });
    render(ContractsPage, { props: {} });
    const detail = await screen.findByTestId('contract-detail');
    expect(asked).toEqual([1]);
    expect(within(detail).getByTestId('c-outstanding')).toHaveTextContent('12.345,67 €');
    expect(detail).toHaveTextContent('Euribor 3 m.l. (div.360)');
    expect(detail).toHaveTextContent('Mensile');
    // Each fact once, the IBAN as printed, the reference rate explained.
    const terms = [...detail.querySelectorAll('dt')].map((d) => d.textContent);
    expect(terms.length).toBe(new Set(terms).size);
    expect(within(detail).getByTestId('c-number')).toHaveTextContent('84963/1');
    expect(within(detail).getByTestId('c-iban')).toHaveTextContent('IT60 X054 2811 1010 0000 0123 456');
    expect(within(detail).getByTestId('c-rate-hint')).toHaveTextContent('l’Euribor a tre mesi');
    expect(detail.textContent!.match(/Prodotto/g)).toBeNull();
    expect(screen.getAllByTestId('plan-row')).toHaveLength(25);
    expect(screen.getByTestId('plan-page')).toHaveTextContent('1 - 25 di 31');
    await userEvent.setup().click(screen.getByTestId('plan-next'));
    expect(screen.getByTestId('plan-page')).toHaveTextContent('26 - 31 di 31');
    const rows = screen.getAllByTestId('plan-row');
    expect(rows).toHaveLength(6);
    expect(rows[5]).toHaveAttribute('data-kind', 'indexation');
    expect(rows[5]!.className).toContain('indexation');
    expect(screen.getByTestId('plan-next')).toBeDisabled();
  });

  it('labels contracts as "<product> - <status> - expires <date>", active ones first', async () => {
    mockIPC((cmd) => (cmd === 'contract_options' ? options : cmd === 'contract' ? view : null));
    i18n.lang = 'en';
    render(ContractsPage, { props: { id: 1 } });
    const select = await screen.findByTestId('contracts-select');
    // The catalogue's products read in English; the number is the book's, as given.
    await screen.findByText(/84963 · Equipment lease - Active - expires 31\/05\/2027/);
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toContain('70001 · Car lease - Extinguished - expires 31/01/2020');
  });

  it("lists the contract's documents newest first and opens one, saying so when it cannot", async () => {
    const opened: unknown[] = [];
    const file = (id: string) => ({ id, file_name: 'documento.pdf', content_type: 'application/pdf', size_bytes: 1000 });
    const documents = [
      { id: 8, kind: 'insurance' as const, title: 'Certificato assicurativo 2026', issued_on: '2026-01-10', file: file('f8') },
      { id: 3, kind: 'sepa_mandate' as const, title: 'Mandato SEPA', issued_on: '2016-05-15', file: file('f3') },
    ];
    let fail = false;
    mockIPC((cmd, args) => {
      if (cmd === 'contract_options') return options;
      if (cmd === 'contract') return { ...view, contract: { ...view.contract, documents } };
      if (cmd === 'open_contract_document') {
        opened.push(args);
        if (fail) return Promise.reject({ code: 'server_unreachable', message: 'offline' });
      }
      return null;
    });
    render(ContractsPage, { props: { id: 1 } });
    const rows = await screen.findAllByTestId('contract-document');
    expect(rows.map((r) => r.dataset.kind)).toEqual(['insurance', 'sepa_mandate']);
    expect(rows[0]).toHaveTextContent('10/01/2026');
    expect(rows[0]).toHaveTextContent('Certificato assicurativo');
    expect(rows[1]).toHaveTextContent('Mandato SEPA');
    expect(screen.getByTestId('link-documents')).toHaveAttribute('href', '#documents');
    const user = userEvent.setup();
    await user.click(within(rows[1]!).getByTestId('open-document'));
    expect(opened).toEqual([{ contractId: 1, documentId: 3 }]);
    fail = true;
    await user.click(within(rows[0]!).getByTestId('open-document'));
    expect(await within(screen.getByTestId('contract-documents')).findByRole('alert')).toBeInTheDocument();
  });

  it('says when a contract has no documents yet', async () => {
    mockIPC((cmd) => (cmd === 'contract_options' ? options : cmd === 'contract' ? view : null));
    i18n.lang = 'en';
    render(ContractsPage, { props: { id: 1 } });
    expect(await screen.findByTestId('documents-empty')).toHaveTextContent('No documents published for this contract.');
  });
});
