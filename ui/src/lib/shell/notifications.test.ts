import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import NotificationList from './NotificationList.svelte';
import { router } from './route.svelte';
import { i18n } from '../i18n/index.svelte';
import type { Notification } from '../bindings/Notification';

const now = new Date('2026-11-22T10:00:00Z');
const items: Notification[] = [
  { id: 3, kind: 'desk', subject: 'RIC-2026-000001 – Copia documenti contrattuali con un titolo molto lungo che non sta nella riga', body: '', request_id: 1, order_id: null, quote_id: null, invoice_id: null, contract_id: null, created_at: '2026-11-22T09:59:58Z', read: false },
  { id: 2, kind: 'broadcast', subject: 'Sportello Leasing S.p.A. – Uffici chiusi', body: '', request_id: null, order_id: null, quote_id: null, invoice_id: null, contract_id: null, created_at: '2026-11-21T09:00:00Z', read: true },
];

beforeEach(() => {
  i18n.lang = 'it';
  router.go({ name: 'home' });
});
afterEach(cleanup);

describe('NotificationList', () => {
  it('shows relative times, cut titles and unread marks, and opens the request of a clicked one', async () => {
    const onRead = vi.fn();
    render(NotificationList, { props: { items, onRead, now } });
    const [unread, read] = screen.getAllByTestId('notification');
    expect(unread).toHaveAttribute('data-read', 'false');
    expect(unread!.className).toContain('unread');
    expect(unread).toHaveTextContent('...');
    expect(unread).toHaveTextContent('2 sec. fa');
    expect(read).toHaveTextContent('ieri');
    await userEvent.setup().click(unread!.querySelector('button')!);
    expect(onRead).toHaveBeenCalledWith(3);
    expect(router.route).toEqual({ name: 'requests', id: 1 });
    await userEvent.setup().click(screen.getByTestId('mark-all-read'));
    expect(onRead).toHaveBeenLastCalledWith(null);
  });

  it('opens the payments for a collection, the PDF of a new invoice and the list for several', async () => {
    const opened: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'open_invoice') opened.push(args);
      return null;
    });
    const payment: Notification = { id: 5, kind: 'payment', subject: 'Sportello Leasing S.p.A. – Pagamento registrato', body: 'Abbiamo registrato 463,97 €', request_id: null, order_id: null, quote_id: null, invoice_id: null, contract_id: null, created_at: '2026-11-22T09:00:00Z', read: false };
    const invoice: Notification = { ...payment, id: 6, kind: 'invoice', subject: 'Sportello Leasing S.p.A. – Nuova fattura FB2026/0000001', invoice_id: 9 };
    const several: Notification = { ...invoice, id: 7, subject: 'Sportello Leasing S.p.A. – 5 nuovi documenti', invoice_id: null };
    render(NotificationList, { props: { items: [several, invoice, payment], onRead: vi.fn(), now } });
    const [many, one, collected] = screen.getAllByTestId('notification');
    expect(collected!.querySelector('svg')).toHaveAttribute('data-kind', 'payment');
    expect(one).toHaveTextContent('Fattura');
    await userEvent.setup().click(collected!.querySelector('button')!);
    expect(router.route).toEqual({ name: 'payments' });
    await userEvent.setup().click(one!.querySelector('button')!);
    await vi.waitFor(() => expect(opened).toEqual([{ id: 9, format: 'pdf' }]));
    await userEvent.setup().click(many!.querySelector('button')!);
    expect(router.route).toEqual({ name: 'invoices' });
    await userEvent.setup().click(screen.getByTestId('all-messages'));
    expect(router.route).toEqual({ name: 'messages' });
    clearMocks();
  });

  it('speaks English and says when there is nothing', () => {
    i18n.lang = 'en';
    render(NotificationList, { props: { items: [items[1]!], onRead: vi.fn(), now } });
    expect(screen.getByTestId('notification-time')).toHaveTextContent('yesterday');
    cleanup();
    render(NotificationList, { props: { items: [], onRead: vi.fn(), now } });
    expect(screen.getByTestId('notifications-empty')).toHaveTextContent('No notifications.');
  });
});
