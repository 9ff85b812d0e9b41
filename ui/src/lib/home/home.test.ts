import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import HomePage from './HomePage.svelte';
import Shell from '../shell/Shell.svelte';
import { i18n } from '../i18n/index.svelte';
import { router } from '../shell/route.svelte';
import type { Home } from '../bindings/Home';
import { askHomeEarly } from './early';
import { ALL_RIGHTS } from '../session/testIpc';

// The idle preload of the other sections' chunks would outlive the test file
// and load modules after its environment is gone; the window's own test is e2e.
vi.mock('../shell/screens', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../shell/screens')>()),
  preloadScreens: () => {},
}));

const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio Rossi S.r.l.', language: 'it', must_change_password: false, rights: ALL_RIGHTS };
const home: Home = {
  me,
  situation: { today: '2024-04-05', overdue_total: '0.00', next_due_on: '2024-04-30', next_payment: '2316.38', advances_paid: '9754.10' },
  contracts: {
    active_count: 1,
    contracts: [{ id: 1, contract_no: '84963', module_no: '1', product: 'Leasing strumentale', assets_count: 5, amount: '25150.00', signed_on: '2016-05-15' }],
  },
  payee: { beneficiary: 'Sportello Leasing S.p.A.', iban: 'IT60X0542811101000000123456' },
};

beforeEach(() => {
  i18n.lang = 'it';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('HomePage', () => {
  it('shows the situation and the contracts like the manual, in Italian formats', async () => {
    mockIPC((cmd) => (cmd === 'home' ? home : null));
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('overdue-total')).toHaveTextContent('0,00 €');
    expect(screen.getByTestId('today')).toHaveTextContent('venerdì 5 aprile 2024');
    expect(screen.getByTestId('next-due')).toHaveTextContent('30/04/2024');
    expect(screen.getByTestId('next-payment')).toHaveTextContent('2.316,38 €');
    expect(screen.getByTestId('advances-paid')).toHaveTextContent('9.754,10 €');
    const contract = screen.getByTestId('contract');
    expect(within(contract).getByTestId('contract-assets')).toHaveTextContent('5');
    expect(within(contract).getByTestId('contract-amount')).toHaveTextContent('25.150,00 €');
    expect(within(contract).getByTestId('contract-signed')).toHaveTextContent('15/05/2016');
  });

  it('paints the figures asked for at start-up without asking again, then tells the app once', async () => {
    // An earlier test's page may still have a frame to come.
    await new Promise((done) => requestAnimationFrame(() => done(null)));
    (globalThis as { sportelloHomeShown?: boolean }).sportelloHomeShown = undefined;
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      return cmd === 'home' ? home : null;
    });
    await askHomeEarly();
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('overdue-total')).toHaveTextContent('0,00 €');
    await vi.waitFor(() => expect(calls).toContain('first_screen_shown'));
    expect(calls.filter((cmd) => cmd === 'home')).toHaveLength(1);
    // A later visit of the home page asks the app again, and does not tell it twice.
    cleanup();
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('overdue-total')).toBeInTheDocument();
    await vi.waitFor(() => expect(calls.filter((cmd) => cmd === 'home')).toHaveLength(2));
    await new Promise((done) => requestAnimationFrame(() => done(null)));
    expect(calls.filter((cmd) => cmd === 'first_screen_shown')).toHaveLength(1);
  });

  it('lists the latest contracts of a fleet and links to all of them', async () => {
    const latest = Array.from({ length: 5 }, (_, i) => ({ ...home.contracts.contracts[0]!, id: i + 1, contract_no: `9000${i}` }));
    mockIPC((cmd) => (cmd === 'home' ? { ...home, contracts: { active_count: 1200, contracts: latest } } : null));
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('active-count')).toHaveTextContent('1200 in totale');
    expect(screen.getAllByTestId('contract')).toHaveLength(5);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Vedi tutti i 1200 contratti' }));
    expect(router.route).toEqual({ name: 'contracts' });
  });

  it('has no link to the full list when every contract is shown', async () => {
    mockIPC((cmd) => (cmd === 'home' ? home : null));
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    expect(await screen.findByTestId('contract')).toBeInTheDocument();
    expect(screen.queryByTestId('all-contracts')).toBeNull();
  });

  it('shows a retry banner when the server is unreachable, and retries', async () => {
    let calls = 0;
    mockIPC((cmd) => {
      if (cmd !== 'home') return null;
      calls += 1;
      return calls === 1 ? Promise.reject({ code: 'server_unreachable', message: 'down' }) : home;
    });
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut: vi.fn() } });
    const banner = await screen.findByTestId('error-banner');
    await userEvent.setup().click(within(banner).getByRole('button', { name: 'Riprova' }));
    expect(await screen.findByTestId('next-payment')).toHaveTextContent('2.316,38 €');
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('goes back to the login when the session ended', async () => {
    mockIPC((cmd) => (cmd === 'home' ? Promise.reject({ code: 'session_expired', message: 'x' }) : null));
    const onLoggedOut = vi.fn();
    render(HomePage, { props: { me, notifications: null, onRead: vi.fn(), onLoggedOut } });
    await vi.waitFor(() => expect(onLoggedOut).toHaveBeenCalled());
    expect(onLoggedOut.mock.calls[0]![0].code).toBe('session_expired');
  });

  it('asks for confirmation before logging out', async () => {
    const commands: string[] = [];
    mockIPC((cmd) => {
      commands.push(cmd);
      return cmd === 'home' ? home : null;
    });
    const onLoggedOut = vi.fn();
    render(Shell, { props: { me, onLoggedOut } });
    expect(screen.getByTestId('avatar')).toHaveTextContent('MR');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Esci' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('Vuoi uscire?');
    await user.click(within(dialog).getByRole('button', { name: 'Annulla' }));
    await vi.waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(commands).not.toContain('logout');
    expect(onLoggedOut).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Esci' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Esci' }));
    await vi.waitFor(() => expect(onLoggedOut).toHaveBeenCalledWith());
    expect(commands).toContain('logout');
  });
});
