import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import PaymentsPage from './PaymentsPage.svelte';
import AssetsPage from './AssetsPage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { ScheduleItem } from '../bindings/ScheduleItem';
import type { ScheduleFilter } from '../bindings/ScheduleFilter';
import type { Window } from '../bindings/Window';

const TOTAL = 60_000;

function line(i: number): ScheduleItem {
  return {
    id: i, status: i === 0 ? 'overdue' : 'due', contract_id: 1, contract_no: '84963', due_on: '2024-04-30', installment_no: i,
    reason: 'installment', payment_method: 'sepa_direct_debit', amount: '2316.38', paid: '0.00', balance: '2316.38',
    overdue_balance: i === 0 ? '2316.38' : '0.00', invoice_number: `2024/${i}`, invoice_id: 100 + i, reported_at: null,
  };
}

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('PaymentsPage', () => {
  it('draws a few dozen rows of 60,000 and asks the cache for pages with the filter', async () => {
    const asked: { filter: ScheduleFilter; window: Window }[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'contract_options') return [];
      if (cmd !== 'schedule') return null;
      const { filter, window } = args as { filter: ScheduleFilter; window: Window };
      asked.push({ filter, window });
      const total = filter.status === 'overdue' ? 1 : TOTAL;
      const rows = Array.from({ length: Math.min(window.limit, total - window.offset) }, (_, k) => line(window.offset + k));
      return { total, overdue_total: '2316.38', rows };
    });
    const { container } = render(PaymentsPage, { props: {} });
    await vi.waitFor(() => expect(screen.getByTestId('schedule-overdue-total')).toHaveTextContent('2.316,38 €'));
    await screen.findAllByTestId('schedule-row');
    const rows = screen.getAllByTestId('schedule-row');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(40);
    expect(container.querySelectorAll('*').length).toBeLessThan(1500);
    expect(screen.getByTestId('schedule')).toHaveAttribute('data-total', String(TOTAL));
    expect(screen.getByTestId('schedule-count')).toHaveTextContent('60.000 righe');
    expect(rows[0]).toHaveTextContent('Scaduto');
    expect(rows[0]).toHaveTextContent('30/04/2024');
    expect(rows[0]).toHaveTextContent('Addebito diretto SEPA');
    // B1: the list opens on what is owed first, in the order the cache keeps for it.
    expect(asked[0]).toEqual({ filter: { contract_id: null, status: null, sort: 'attention' }, window: { offset: 0, limit: 100 } });
    expect(screen.getByTestId('payments-sort')).toHaveValue('attention');

    await userEvent.setup().selectOptions(screen.getByTestId('payments-status'), 'overdue');
    await screen.findByText('1 riga');
    expect(asked.at(-1)!.filter.status).toBe('overdue');
    expect(screen.getAllByTestId('schedule-row')).toHaveLength(1);
  });

  it('shows an empty state and an error state with a retry', async () => {
    let fail = true;
    mockIPC((cmd) => {
      if (cmd !== 'schedule') return null;
      if (fail) {
        fail = false;
        return Promise.reject({ code: 'internal', message: 'x' });
      }
      return { total: 0, overdue_total: '0.00', rows: [] };
    });
    render(PaymentsPage, { props: {} });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Riprova' }));
    expect(await screen.findByTestId('schedule-empty')).toHaveTextContent('Nessuna scadenza per questa selezione.');
  });

  it('shows how to pay a line still owed: account, amount, reference and the QR code; a paid line offers nothing', async () => {
    const paid: ScheduleItem = { ...line(1), status: 'paid', paid: '2316.38', balance: '0.00' };
    const asked: number[] = [];
    let refuse = false;
    mockIPC((cmd, args) => {
      if (cmd === 'schedule') return { total: 2, overdue_total: '2316.38', rows: [line(0), paid] };
      if (cmd === 'overdue_slip') asked.push(-1, (args as { contractId: number | null }).contractId ?? 0);
      if (cmd !== 'payment_slip' && cmd !== 'overdue_slip') return null;
      if (cmd === 'payment_slip') asked.push((args as { lineId: number }).lineId);
      if (refuse) return Promise.reject({ code: 'bad_request', message: 'nothing is left to pay on this line' });
      return {
        beneficiary: 'Sportello Leasing S.p.A.', iban: 'IT60X0542811101000000123456', amount: '2316.38',
        remittance: 'Contratto 84963 rata 0 scadenza 30/04/2024', qr: { size: 53, path: 'M4 4h1v1h-1z' }, lines: [0],
      };
    });
    render(PaymentsPage, { props: {} });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('pay-0'));
    expect(screen.queryByTestId('pay-1')).toBeNull();
    expect(asked).toEqual([0]);
    const slip = await screen.findByTestId('payment-slip');
    expect(slip).toHaveTextContent('Paga con bonifico');
    expect(screen.getByTestId('payment-iban')).toHaveTextContent('IT60X0542811101000000123456');
    expect(screen.getByTestId('payment-amount')).toHaveTextContent('2.316,38 €');
    expect(screen.getByTestId('payment-remittance')).toHaveTextContent('Contratto 84963 rata 0 scadenza 30/04/2024');
    expect(screen.getByRole('img', { name: /Codice QR del bonifico/ })).toHaveAttribute('viewBox', '0 0 53 53');
    await user.click(screen.getByTestId('payment-slip-close'));
    expect(screen.queryByTestId('payment-slip')).toBeNull();
    await user.click(screen.getByTestId('pay-overdue'));
    expect(asked).toEqual([0, -1, 0]);
    expect(await screen.findByTestId('payment-slip')).toBeInTheDocument();
    await user.click(screen.getByTestId('payment-slip-close'));

    refuse = true;
    await user.click(screen.getByTestId('pay-0'));
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(screen.queryByTestId('payment-slip')).toBeNull();
  });

  it('reports a transfer made for the slip\'s lines, then shows them as reported until the payment arrives', async () => {
    const reported: number[][] = [];
    let stored: string | null = null;
    let refuse = true;
    mockIPC((cmd, args) => {
      if (cmd === 'schedule') return { total: 1, overdue_total: '2316.38', rows: [{ ...line(0), reported_at: stored }] };
      if (cmd === 'overdue_slip') {
        return {
          beneficiary: 'Sportello Leasing S.p.A.', iban: 'IT60X0542811101000000123456', amount: '4632.76',
          remittance: 'Contratto 84963 rate scadute', qr: { size: 53, path: 'M4 4h1v1h-1z' }, lines: [0, 7],
        };
      }
      if (cmd === 'report_paid') {
        if (refuse) return Promise.reject({ code: 'conflict', message: 'offline' });
        reported.push((args as { lines: number[] }).lines);
        stored = '2024-05-02T08:30:00Z';
      }
      return null;
    });
    render(PaymentsPage, { props: {} });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('pay-overdue'));
    await user.click(await screen.findByTestId('payment-report'));
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(screen.queryByTestId('payment-reported')).toBeNull();
    expect(screen.queryByTestId('reported-0')).toBeNull();

    refuse = false;
    await user.click(screen.getByTestId('payment-report'));
    expect(reported).toEqual([[0, 7]]);
    expect(await screen.findByTestId('payment-reported')).toHaveTextContent('Le 2 rate risultano segnalate');
    const badge = await screen.findByTestId('reported-0');
    expect(badge).toHaveTextContent('Segnalata');
    expect(badge).toHaveAttribute('title', 'Bonifico segnalato il 02/05/2024, 10:30: in attesa dell’incasso');
    expect(screen.queryByTestId('payment-report')).toBeNull();
  });

  it('exports the coming due dates as a calendar of the chosen contract', async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'contract_options') return [{ id: 4, contract_no: '84963', product: 'Leasing auto', status: 'active', end_on: '2027-05-31' }];
      if (cmd === 'schedule') return { total: 1, overdue_total: '0.00', rows: [line(1)] };
      if (cmd === 'export') asked.push((args as { request: unknown }).request);
      return null;
    });
    render(PaymentsPage, { props: { contractId: 4 } });
    await screen.findAllByTestId('schedule-row');
    const button = screen.getByRole('button', { name: 'Scadenze nel calendario (.ics)' });
    await userEvent.setup().click(button);
    expect(asked).toEqual([{ kind: 'calendar', contract_id: 4 }]);
  });

  it('opens the PDF of the invoice that billed a line (B2)', async () => {
    const opened: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'schedule') return { total: 2, overdue_total: '0.00', rows: [line(1), { ...line(2), invoice_id: null, invoice_number: null }] };
      if (cmd === 'open_invoice') opened.push(args);
      return null;
    });
    render(PaymentsPage, { props: {} });
    await userEvent.setup().click(await screen.findByTestId('schedule-invoice-1'));
    expect(opened).toEqual([{ id: 101, format: 'pdf' }]);
    expect(screen.getByTestId('schedule-invoice-1')).toHaveTextContent('2024/1');
    expect(screen.queryByTestId('schedule-invoice-2')).toBeNull();
  });
});

describe('AssetsPage', () => {
  it('filters by the contract it was opened for, with the L1 columns in English', async () => {
    i18n.lang = 'en';
    const asked: (number | null)[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'contract_options') return [{ id: 7, contract_no: '91207', product: 'Leasing targato', status: 'active', end_on: '2030-03-15' }];
      if (cmd !== 'assets') return null;
      asked.push((args as { contractId: number | null }).contractId);
      return {
        total: 1,
        rows: [{ id: 1, contract_id: 7, contract_no: '91207', code: '171204', asset_type: 'Autoveicolo', description: 'VOLKSWAGEN TIGUAN', financial_value: '36195.50', future_value: '361.96', lease_end: '2030-03-15' }],
      };
    });
    render(AssetsPage, { props: { contractId: 7 } });
    const [row] = await screen.findAllByTestId('assets-row');
    expect(asked).toEqual([7]);
    for (const header of ['Contract', 'Asset type', 'Amount', 'Residual value', 'Lease end', 'Description']) {
      expect(screen.getByRole('columnheader', { name: header })).toBeInTheDocument();
    }
    expect(row).toHaveTextContent('€36,195.50');
    expect(row).toHaveTextContent('15/03/2030');
  });
});
