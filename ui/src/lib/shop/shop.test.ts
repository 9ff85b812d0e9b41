import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import ShopPage from './ShopPage.svelte';
import RequestsPage from '../screens/RequestsPage.svelte';
import type { Order } from '../bindings/Order';
import { i18n } from '../i18n/index.svelte';
import type { Catalogue } from '../bindings/Catalogue';
import type { CartView } from '../bindings/CartView';
import type { Wallet } from '../bindings/Wallet';
import type { OutboxEntry } from '../bindings/OutboxEntry';
import { ALL_RIGHTS } from '../session/testIpc';
import { shopIpc, type Answers } from './testIpc';

const catalogue: Catalogue = {
  categories: [{ code: 'cadastral', name_it: 'Visure catastali', name_en: 'Cadastral searches' }, { code: 'property', name_it: 'Perizie', name_en: 'Appraisals' }],
  services: [
    {
      code: 'VIS-IMM', category: 'cadastral', name_it: 'Visura catastale per immobile', name_en: 'Cadastral search by property',
      description_it: 'Visura attuale o storica.', description_en: 'Current or historical search.', pricing: 'fixed', price: '1234.50', vat_rate: '22', subscription: false,
      form: [
        { key: 'immobile', label_it: 'Immobile', label_en: 'Property', kind: 'cadastral', required: true, choices: [] },
        { key: 'tipo', label_it: 'Tipo di visura', label_en: 'Kind of search', kind: 'choice', required: true, choices: ['attuale', 'storica'] },
      ],
    },
    {
      code: 'PER-STIMA', category: 'property', name_it: 'Perizia di stima', name_en: 'Valuation report',
      description_it: 'Su preventivo.', description_en: 'On quotation.', pricing: 'quote', price: null, vat_rate: '22', subscription: false, form: [],
    },
  ],
  price_list: 'STD', price_list_name: 'Listino standard', agreements: [], open_agreements: [],
};
const billing = { name: 'Studio Rossi S.r.l.', tax_code: '01234560587', street: 'Via Nazionale 212', postcode: '00184', city: 'Roma', province: 'RM', sdi_code: '0000000', pec: 'studio@pec.example.it' };
const wallet: Wallet = {
  methods: [{ method: 'prepaid_credit', status: 'enabled' }, { method: 'advance_on_consumption', status: 'available' }],
  credit: '50.00', advance: '0.00', consumed: '0.00', balance: '0.00', subscription: null, proofs: [], billing,
};
const line = { id: 7, kind: 'order' as const, service_code: 'VIS-IMM', form: { 'immobile.sheet': '42', tipo: 'attuale' }, added_at: '2026-11-22T09:00:00Z' };
const cart: CartView = { lines: [{ line, name_it: 'Visura catastale per immobile', name_en: 'Cadastral search by property', price: '1234.50' }], net: '1234.50', vat: '271.59', total: '1506.09' };
const queued: OutboxEntry = { id: 3, kind: 'order', state: 'queued', error: null, attempts: 0, created_at: '2026-11-22T09:00:00Z', body: {} };

function shop(overrides: Answers = {}) {
  return shopIpc({ catalogue, cart_view: cart, wallet, orders: [], quotes: [] }, overrides);
}

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('ShopPage', () => {
  it('lists the services by category at the customer’s prices, in either language', async () => {
    shop();
    render(ShopPage, { props: { view: 'catalogue', rights: ALL_RIGHTS } });
    const services = await screen.findAllByTestId('service');
    expect(services).toHaveLength(2);
    expect(within(services[0]!).getByTestId('service-price')).toHaveTextContent('1.234,50 € + IVA');
    expect(within(services[1]!).getByTestId('service-price')).toHaveTextContent('Prezzo su preventivo');
    expect(screen.getByTestId('price-list')).toHaveTextContent('Listino: Listino standard');
    expect(screen.getByTestId('shop-tab-cart')).toHaveTextContent('Carrello (1)');
    cleanup();
    i18n.lang = 'en';
    render(ShopPage, { props: { view: 'catalogue', rights: ALL_RIGHTS } });
    expect(within((await screen.findAllByTestId('service'))[0]!).getByTestId('service-price')).toHaveTextContent('€1,234.50 + VAT');
  });

  it('sends the service’s form to the cart and shows a refusal on the field it concerns', async () => {
    let refuse = true;
    const calls = shop({
      add_to_cart: () => {
        if (refuse) throw { code: 'bad_request', message: 'x', fields: { 'form.immobile.sheet': 'invalid', 'form.tipo': 'required' } };
        return [];
      },
    });
    render(ShopPage, { props: { view: 'service', code: 'VIS-IMM', rights: ALL_RIGHTS } });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('svc-immobile-municipality'), 'Piacenza');
    await user.selectOptions(screen.getByTestId('svc-immobile-register'), 'urban');
    await user.type(screen.getByTestId('svc-immobile-sheet'), '4a');
    await user.click(screen.getByTestId('service-submit'));
    expect(await screen.findByTestId('svc-immobile-sheet-error')).toHaveTextContent('Valore non valido.');
    expect(screen.getByTestId('svc-tipo-error')).toHaveTextContent('Campo obbligatorio.');
    const sent = calls.find((c) => c.cmd === 'add_to_cart')!.args;
    expect(sent).toEqual({ kind: 'order', item: { service_code: 'VIS-IMM', form: { 'immobile.municipality': 'Piacenza', 'immobile.register': 'urban', 'immobile.sheet': '4a' } } });
    refuse = false;
    await user.clear(screen.getByTestId('svc-immobile-sheet'));
    await user.type(screen.getByTestId('svc-immobile-sheet'), '42');
    await user.selectOptions(screen.getByTestId('svc-tipo'), 'storica');
    await user.click(screen.getByTestId('service-submit'));
    expect(await screen.findByTestId('service-added')).toBeInTheDocument();
  });

  it('offers only the methods proven, and a refused order goes back to the cart with its reason', async () => {
    const calls = shop({
      place_order: () => queued,
      outbox: () => [{ ...queued, state: 'rejected', error: { code: 'insufficient_credit', message: 'x' } }],
      restore_cart: () => [],
    });
    render(ShopPage, { props: { view: 'checkout', rights: ALL_RIGHTS } });
    const user = userEvent.setup();
    expect(await screen.findByTestId('method-advance_on_consumption')).toBeDisabled();
    expect(screen.getByTestId('method-prepaid_credit')).toBeChecked();
    expect(screen.getByTestId('checkout')).toHaveTextContent('Credito disponibile: 50,00 €');
    await user.clear(screen.getByTestId('b-postcode'));
    await user.type(screen.getByTestId('b-postcode'), '00185');
    await user.click(screen.getByTestId('complete'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Il credito prepagato non basta per questo ordine');
    const placed = calls.find((c) => c.cmd === 'place_order')!.args;
    expect(placed).toEqual({ method: 'prepaid_credit', billing: { ...billing, postcode: '00185' } });
    expect(calls.find((c) => c.cmd === 'restore_cart')!.args).toEqual({ outboxId: 3 });
  });
});

describe('RequestsPage', () => {
  it('lists the services bought with their outcome beside the requests', async () => {
    const order: Order = {
      id: 4, code: 'ORD-2026-000004', status: 'in_progress', payment_method: 'prepaid_credit', billing, net: '24.00', vat: '5.28', total: '29.28',
      quote_id: null, created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T10:00:00Z',
      items: [
        { id: 1, service_code: 'VIS-IMM', name_it: 'Visura catastale per immobile', name_en: 'Cadastral search by property', form: {}, net: '12.00', vat_rate: '22', status: 'fulfilled', invoice_id: null,
          outcome: { kind: 'pdf', file: { id: 'f1', file_name: 'visura.pdf', content_type: 'application/pdf', size_bytes: 10 }, delivered_at: '2026-11-22T10:00:00Z' } },
        { id: 2, service_code: 'VIS-IMM', name_it: 'Visura catastale per immobile', name_en: 'Cadastral search by property', form: {}, net: '12.00', vat_rate: '22', status: 'pending', invoice_id: null, outcome: null },
      ],
    };
    const calls = shop({ requests: () => [], orders: () => [order] });
    render(RequestsPage, { props: {} });
    const rows = await screen.findAllByTestId('purchase-row');
    expect(rows.map((r) => r.dataset.status)).toEqual(['fulfilled', 'pending']);
    expect(rows[0]).toHaveTextContent('ORD-2026-000004');
    expect(within(rows[1]!).queryByTestId('purchase-outcome')).toBeNull();
    await userEvent.setup().click(within(rows[0]!).getByTestId('purchase-outcome'));
    expect(calls.find((c) => c.cmd === 'open_outcome')!.args).toEqual({ orderId: 4, itemId: 1 });
  });
});
