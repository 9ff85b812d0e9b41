import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import ShopPage from './ShopPage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { Order } from '../bindings/Order';
import type { Wallet } from '../bindings/Wallet';
import type { PaymentSlip } from '../bindings/PaymentSlip';
import { ALL_RIGHTS } from '../session/testIpc';
import { shopIpc, type Answers } from './testIpc';

const billing = { name: 'Studio Rossi S.r.l.', tax_code: '01234560587', street: 'Via Nazionale 212', postcode: '00184', city: 'Roma', province: 'RM', sdi_code: '0000000', pec: 'studio@pec.example.it' };
const wallet: Wallet = {
  methods: [
    { method: 'prepaid_credit', status: 'enabled' },
    { method: 'advance_payment', status: 'enabled' },
    { method: 'advance_on_consumption', status: 'enabled' },
    { method: 'subscription', status: 'enabled' },
  ],
  credit: '50.00', advance: '100.00', consumed: '146.40', balance: '46.40',
  subscription: { from: '2026-01-10', until: '2027-01-09', status: 'expiring' },
  proofs: [], billing,
};
const awaiting: Order = {
  id: 9, code: 'ORD-2026-000009', status: 'awaiting_payment', payment_method: 'advance_payment', billing, net: '12.00', vat: '2.64', total: '14.64',
  quote_id: null, created_at: '2026-12-07T09:00:00Z', updated_at: '2026-12-07T09:00:00Z', items: [],
};
const slip = (amount: string, remittance: string): PaymentSlip => ({
  beneficiary: 'Sportello Leasing S.p.A.', iban: 'IT60X0542811101000000123456', amount, remittance, qr: { size: 53, path: 'M4 4h1v1h-1z' }, lines: [],
});

const fixed = {
  catalogue: { categories: [], services: [], price_list: 'STD', price_list_name: 'Listino standard', agreements: [], open_agreements: [] },
  cart_view: { lines: [], net: '0.00', vat: '0.00', total: '0.00' },
  wallet,
  orders: [awaiting],
  quotes: [],
};
const shop = (overrides: Answers = {}) => shopIpc(fixed, overrides);

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Wallet (E8)', () => {
  it('shows how to pay a top-up by transfer with its QR code, and refuses a bad amount on its field', async () => {
    const calls = shop({
      shop_slip: (args) => {
        const request = args.request as { kind: string; amount?: string };
        if (request.amount === '0') return Promise.reject({ code: 'bad_request', message: 'x', fields: { amount: 'invalid' } });
        return request.kind === 'final_balance' ? slip('46.40', 'Saldo finale anticipo consumi - Studio Rossi S.r.l.') : slip('61.00', 'Ricarica credito prepagato - Studio Rossi S.r.l.');
      },
    });
    render(ShopPage, { props: { view: 'wallet', rights: ALL_RIGHTS } });
    const user = userEvent.setup();
    const methods = await screen.findByTestId('slip-method');
    expect([...methods.querySelectorAll('option')].map((o) => o.value)).toEqual(['prepaid_credit', 'advance_on_consumption', 'subscription']);
    await user.type(screen.getByTestId('slip-amount'), '0');
    await user.click(screen.getByTestId('slip-show'));
    expect(await screen.findByTestId('slip-amount-error')).toHaveTextContent('Valore non valido.');
    expect(screen.queryByTestId('payment-slip')).toBeNull();

    await user.clear(screen.getByTestId('slip-amount'));
    await user.type(screen.getByTestId('slip-amount'), '50,00');
    await user.click(screen.getByTestId('slip-show'));
    expect(await screen.findByTestId('payment-amount')).toHaveTextContent('61,00 €');
    expect(screen.getByTestId('payment-remittance')).toHaveTextContent('Ricarica credito prepagato - Studio Rossi S.r.l.');
    expect(screen.queryByTestId('payment-report')).toBeNull();
    expect(screen.getByTestId('payment-slip')).toHaveTextContent('Poi invia la ricevuta del bonifico');
    expect(calls.filter((c) => c.cmd === 'shop_slip').at(-1)!.args.request).toEqual({ kind: 'method', method: 'prepaid_credit', amount: '50.00' });

    await user.click(screen.getByTestId('pay-balance'));
    expect(await screen.findByTestId('payment-amount')).toHaveTextContent('46,40 €');
    expect(calls.filter((c) => c.cmd === 'shop_slip').at(-1)!.args.request).toEqual({ kind: 'final_balance' });
  });

  it('shows the subscription’s term and offers to renew it before it ends', async () => {
    shop();
    render(ShopPage, { props: { view: 'wallet', rights: ALL_RIGHTS } });
    const term = await screen.findByTestId('subscription-term');
    expect(term).toHaveAttribute('data-status', 'expiring');
    expect(term).toHaveTextContent('In scadenza il 09/01/2027');
    await userEvent.setup().click(screen.getByTestId('subscription-renew'));
    expect((screen.getByTestId('slip-method') as HTMLSelectElement).value).toBe('subscription');
  });

  it('an order paid in advance shows how to pay its total, and its proof names it with that total', async () => {
    const calls = shop({
      shop_slip: () => slip('14.64', 'Pagamento anticipato ordine ORD-2026-000009 - Studio Rossi S.r.l.'),
      upload: () => ({ id: 'f9', file_name: 'bonifico.pdf', content_type: 'application/pdf', size_bytes: 10 }),
      submit_proof: () => ({ id: 1 }),
    });
    const { unmount } = render(ShopPage, { props: { view: 'orders', rights: ALL_RIGHTS } });
    const user = userEvent.setup();
    expect(await screen.findByTestId('order-status')).toHaveTextContent('In attesa del pagamento');
    await user.click(screen.getByTestId('order-pay'));
    expect(await screen.findByTestId('payment-remittance')).toHaveTextContent('Pagamento anticipato ordine ORD-2026-000009');
    expect(calls.find((c) => c.cmd === 'shop_slip')!.args.request).toEqual({ kind: 'order', order_id: 9 });
    unmount();

    render(ShopPage, { props: { view: 'wallet', id: 9, rights: ALL_RIGHTS } });
    const order = (await screen.findByTestId('proof-order')) as HTMLSelectElement;
    await vi.waitFor(() => expect((screen.getByTestId('proof-amount') as HTMLInputElement).value).toBe('14.64'));
    expect(order.value).toBe('9');
    await user.type(screen.getByTestId('proof-reference'), 'TRN1');
    await user.upload(screen.getByTestId('proof-file'), new File(['%PDF-1.4'], 'bonifico.pdf', { type: 'application/pdf' }));
    await user.click(screen.getByTestId('proof-submit'));
    expect(await screen.findByTestId('proof-sent')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'submit_proof')!.args.proof).toEqual({
      method: 'advance_payment', order_id: 9, amount: '14.64', attachment_id: 'f9', reference: 'TRN1',
    });
  });
});
