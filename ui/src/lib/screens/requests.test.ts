import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import RequestsPage from './RequestsPage.svelte';
import { i18n } from '../i18n/index.svelte';
import type { RequestDetail } from '../bindings/RequestDetail';
import type { PayoffFigure } from '../bindings/PayoffFigure';

const statement = { id: 'aaaabbbbcccc1111', file_name: 'prospetto.pdf', content_type: 'application/pdf', size_bytes: 48213 };
const photo = { id: 'ddddeeeeffff2222', file_name: 'foto.png', content_type: 'image/png', size_bytes: 820 };

function request(payoff: PayoffFigure | null): RequestDetail {
  return {
    id: 5, code: 'RIC-2026-000005', kind: 'early_termination', title: 'Estinzione anticipata - contratto 91207/1', status: 'in_progress',
    last_action_at: '2026-12-06T10:00:00Z', created_at: '2026-12-05T09:00:00Z',
    details: { kind: 'early_termination', contract_no: '91207/1', outstanding_principal: '18000.00', as_of: '2026-12-05', last_installment_no: 24, last_installment_due: '2027-01-15' },
    messages: [
      { id: 9, author: 'customer', author_name: 'Mario Rossi', body: 'Ecco la mia foto del bene.', created_at: '2026-12-05T09:00:00Z', attachments: [photo], payoff: null },
      { id: 10, author: 'operator', author_name: 'Anna Neri', body: 'Ecco il conteggio.', created_at: '2026-12-06T10:00:00Z', attachments: payoff ? [statement] : [], payoff },
    ],
  };
}

const figure: PayoffFigure = { amount: '18234.56', valid_until: '2099-01-31', installment_no: 24, installment_due: '2027-01-15' };

function desk(detail: RequestDetail, openFails = false) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd === 'requests') return [detail];
    if (cmd === 'orders') return [];
    if (cmd === 'request') return detail;
    if (cmd === 'open_attachment' && openFails) throw { code: 'internal', message: 'no viewer for the file' };
    return null;
  });
  return calls;
}

beforeEach(() => {
  i18n.lang = 'it';
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('RequestsPage thread', () => {
  it("shows the desk's payoff figure with its statement, and opens every attachment", async () => {
    const calls = desk(request(figure));
    render(RequestsPage, { props: { id: 5 } });
    const answer = await screen.findByTestId('payoff-answer');
    expect(within(answer).getByTestId('payoff-amount')).toHaveTextContent('18.234,56 €');
    expect(within(answer).getByTestId('payoff-valid-until')).toHaveTextContent('31/01/2099');
    expect(answer).toHaveTextContent('n. 24 con scadenza 15/01/2027');
    expect(answer).toHaveAttribute('data-expired', 'false');
    const user = userEvent.setup();
    await user.click(within(answer).getByTestId('payoff-statement'));
    expect(calls.filter((c) => c.cmd === 'open_attachment').map((c) => c.args)).toEqual([{ requestId: 5, attachmentId: statement.id }]);
    const files = screen.getAllByTestId('attachment');
    expect(files.map((f) => f.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['foto.png (820 B)', 'prospetto.pdf (48 kB)']);
    await user.click(files[0]!);
    expect(calls.filter((c) => c.cmd === 'open_attachment').at(-1)!.args).toEqual({ requestId: 5, attachmentId: photo.id });
  });

  it('says when the figure no longer holds, and before the desk answered', async () => {
    desk(request({ ...figure, valid_until: '2020-01-31' }));
    render(RequestsPage, { props: { id: 5 } });
    const answer = await screen.findByTestId('payoff-answer');
    expect(answer).toHaveAttribute('data-expired', 'true');
    expect(answer).toHaveTextContent('non è più valido');
    cleanup();
    clearMocks();
    i18n.lang = 'en';
    desk(request(null));
    render(RequestsPage, { props: { id: 5 } });
    expect(await screen.findByTestId('payoff-waiting')).toHaveTextContent('final payoff amount');
    expect(screen.queryByTestId('payoff-answer')).toBeNull();
  });

  it('says so when an attachment cannot be opened', async () => {
    desk(request(figure), true);
    render(RequestsPage, { props: { id: 5 } });
    await userEvent.setup().click((await screen.findAllByTestId('attachment'))[1]!);
    await vi.waitFor(() => expect(screen.getByRole('alert')).toBeInTheDocument());
  });
});
