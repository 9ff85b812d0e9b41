import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import MessagesPage from './MessagesPage.svelte';
import { router } from '../shell/route.svelte';
import { i18n } from '../i18n/index.svelte';
import type { Notification } from '../bindings/Notification';
import type { MessageFilter } from '../bindings/MessageFilter';
import type { Window } from '../bindings/Window';

const long = 'Gentile cliente, dal 1° gennaio cambiano le coordinate bancarie. '.repeat(60).trim();

function message(id: number, fields: Partial<Notification>): Notification {
  return { id, kind: 'broadcast', subject: `Avviso ${id}`, body: `Testo ${id}`, request_id: null, order_id: null, quote_id: null, invoice_id: null, contract_id: null, created_at: '2026-11-22T09:00:00Z', read: true, ...fields };
}

/** 25 messages, newest first; the local copy's filters, as the Rust side applies them. */
let inbox: Notification[];
let calls: { cmd: string; args: Record<string, unknown> }[];

function kindOf(n: Notification) {
  return n.kind === 'shop' ? (n.quote_id !== null ? 'quote' : 'order') : n.kind;
}

beforeEach(() => {
  i18n.lang = 'it';
  router.go({ name: 'messages' });
  inbox = [
    message(25, { subject: 'Sportello Leasing S.p.A. – Nuove coordinate', body: long, read: false }),
    message(24, { kind: 'desk', subject: 'RIC-2026-000001 – Copia documenti', request_id: 1, read: false }),
    message(23, { kind: 'shop', subject: 'Ordine ORD-2026-000004 evaso', order_id: 4 }),
    message(22, { kind: 'shop', subject: 'Preventivo PRV-2026-000002 pronto', quote_id: 2 }),
    message(21, { kind: 'invoice', subject: 'Nuova fattura FB2026/0000001', invoice_id: 9 }),
    message(20, { kind: 'payment', subject: 'Pagamento registrato' }),
    message(19, { kind: 'document', subject: 'Sportello Leasing S.p.A. – Nuovo documento del contratto 84963/1', contract_id: 4 }),
    ...Array.from({ length: 18 }, (_, i) => message(18 - i, {})),
  ];
  calls = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    if (cmd === 'messages') {
      const { filter, window } = a as { filter: MessageFilter; window: Window };
      const rows = inbox.filter((n) => (!filter.unread_only || !n.read) && (!filter.kind || kindOf(n) === filter.kind));
      return { total: rows.length, unread: inbox.filter((n) => !n.read).length, rows: rows.slice(window.offset, window.offset + window.limit) };
    }
    if (cmd === 'message') return inbox.find((n) => n.id === a.id);
    if (cmd === 'mark_read') {
      inbox = inbox.map((n) => (a.id === null || n.id === a.id ? { ...n, read: true } : n));
      return null;
    }
    return null;
  });
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('MessagesPage', () => {
  it('shows each message in full, newest first, a page at a time', async () => {
    render(MessagesPage, { props: {} });
    await screen.findAllByTestId('messages-item');
    const first = screen.getAllByTestId('messages-item')[0]!;
    expect(first.querySelector('[data-testid="message-body"]')!.textContent).toBe(long);
    expect(first).toHaveAttribute('data-read', 'false');
    expect(first).toHaveTextContent('Comunicazione della società');
    expect(screen.getAllByTestId('messages-item')).toHaveLength(20);
    expect(screen.getByTestId('messages-count')).toHaveTextContent('25 messaggi, 2 da leggere in tutto');
    await userEvent.setup().click(screen.getByTestId('messages-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('messages-item')).toHaveLength(25));
    expect(screen.queryByTestId('messages-more')).toBeNull();
    const ids = screen.getAllByTestId('messages-item').map((m) => Number(m.getAttribute('data-id')));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('filters by kind and unread, with an icon per kind', async () => {
    render(MessagesPage, { props: {} });
    await screen.findAllByTestId('messages-item');
    const kinds = screen.getAllByTestId('messages-item').slice(0, 7).map((m) => m.querySelector('svg')!.getAttribute('data-kind'));
    expect(kinds).toEqual(['broadcast', 'desk', 'order', 'quote', 'invoice', 'payment', 'document']);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId('messages-kind'), 'quote');
    await vi.waitFor(() => expect(screen.getAllByTestId('messages-item')).toHaveLength(1));
    expect(screen.getByTestId('messages-item')).toHaveAttribute('data-id', '22');
    await user.selectOptions(screen.getByTestId('messages-kind'), '');
    await user.click(screen.getByTestId('messages-unread-only'));
    await vi.waitFor(() => expect(screen.getAllByTestId('messages-item')).toHaveLength(2));
    await user.selectOptions(screen.getByTestId('messages-kind'), 'payment');
    await screen.findByTestId('messages-empty');
    expect(screen.getByTestId('messages-empty')).toHaveTextContent('Nessun messaggio con questi filtri.');
  });

  it('marks one read, opens what each is about, and marks all read', async () => {
    render(MessagesPage, { props: {} });
    await screen.findAllByTestId('messages-item');
    const user = userEvent.setup();
    await user.click(screen.getAllByTestId('message-mark-read')[0]!);
    expect(calls).toContainEqual({ cmd: 'mark_read', args: { id: 25 } });
    await vi.waitFor(() => expect(screen.getAllByTestId('messages-item')[0]).toHaveAttribute('data-read', 'true'));
    const open = (id: number) => screen.getAllByTestId('messages-item').find((m) => m.getAttribute('data-id') === String(id))!.querySelector<HTMLButtonElement>('[data-testid="message-open"]')!;
    expect(open(25)).toBeNull();
    await user.click(open(22));
    expect(router.route).toEqual({ name: 'shop', view: 'quotes', id: 2 });
    router.go({ name: 'messages' });
    await user.click(open(21));
    await vi.waitFor(() => expect(calls).toContainEqual({ cmd: 'open_invoice', args: { id: 9, format: 'pdf' } }));
    expect(open(19)).toHaveTextContent('Apri il contratto');
    await user.click(open(19));
    expect(router.route).toEqual({ name: 'contracts', id: 4 });
    router.go({ name: 'messages' });
    await user.click(open(24));
    expect(calls).toContainEqual({ cmd: 'mark_read', args: { id: 24 } });
    expect(router.route).toEqual({ name: 'requests', id: 1 });
    await user.click(screen.getByTestId('messages-mark-all'));
    expect(calls).toContainEqual({ cmd: 'mark_read', args: { id: null } });
  });

  it('opens on the message a desktop notice named, even an old one, and says so in English', async () => {
    i18n.lang = 'en';
    inbox[24] = { ...inbox[24]!, read: false };
    render(MessagesPage, { props: { id: inbox[24]!.id } });
    await vi.waitFor(() => expect(document.querySelector('.message.chosen')).not.toBeNull());
    const chosen = document.querySelector('.message.chosen')!;
    expect(chosen).toHaveAttribute('data-id', String(inbox[24]!.id));
    expect(calls).toContainEqual({ cmd: 'mark_read', args: { id: inbox[24]!.id } });
    expect(screen.getByTestId('messages-count')).toHaveTextContent('25 messages');
    expect(screen.getByTestId('messages-more')).toHaveTextContent('Show more');
  });
});
