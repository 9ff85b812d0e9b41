// H4: what a message is about and what opening it does, shared by the bell's
// preview and the messages page so a click means the same in both.
import { ipc } from '../ipc';
import type { MessageKey } from '../i18n/index.svelte';
import { router } from './route.svelte';
import type { MessageKind } from '../bindings/MessageKind';
import type { Notification } from '../bindings/Notification';

/** The kind the messages page files it under (mirrors `MessageKind::of`). */
export function kindOf(n: Notification): MessageKind {
  if (n.kind === 'shop') return n.quote_id !== null ? 'quote' : 'order';
  return n.kind;
}

/** The label of the button that opens it, or null when it opens nothing. */
export function openLabel(n: Notification): MessageKey | null {
  if (n.request_id !== null) return 'messages.open.request';
  if (n.order_id !== null) return 'messages.open.order';
  if (n.quote_id !== null) return 'messages.open.quote';
  if (n.kind === 'invoice') return n.invoice_id !== null ? 'messages.open.invoice' : 'messages.open.invoices';
  if (n.kind === 'payment') return 'messages.open.payments';
  if (n.kind === 'document' && n.contract_id !== null) return 'messages.open.contract';
  return null;
}

/** Opens what the message is about: its request, order, quote, invoice (the PDF) or contract, or its list. */
export async function openItem(n: Notification): Promise<void> {
  if (n.request_id !== null) router.go({ name: 'requests', id: n.request_id });
  else if (n.order_id !== null) router.go({ name: 'shop', view: 'orders', id: n.order_id });
  else if (n.quote_id !== null) router.go({ name: 'shop', view: 'quotes', id: n.quote_id });
  else if (n.kind === 'invoice' && n.invoice_id !== null) await ipc.openInvoice(n.invoice_id, 'pdf');
  else if (n.kind === 'invoice') router.go({ name: 'invoices' });
  else if (n.kind === 'payment') router.go({ name: 'payments' });
  else if (n.kind === 'document' && n.contract_id !== null) router.go({ name: 'contracts', id: n.contract_id });
  else router.go({ name: 'messages', id: n.id });
}
