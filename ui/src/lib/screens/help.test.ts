import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import HelpPage from './HelpPage.svelte';
import Header from '../shell/Header.svelte';
import { router } from '../shell/route.svelte';
import { i18n } from '../i18n/index.svelte';
import { guideEn } from '../guide/en';
import { guideIt } from '../guide/it';
import { fold, search, TOPICS } from '../guide/types';
import { SECTIONS } from '../shell/route.svelte';
import type { Me } from '../bindings/Me';

beforeEach(() => {
  i18n.lang = 'it';
  mockIPC(() => null);
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('the user guide (X5)', () => {
  it('has a page for every section of the window and for access, in both languages, entry for entry', () => {
    for (const section of SECTIONS.filter((s) => s !== 'help')) expect(TOPICS).toContain(section);
    for (const guide of [guideIt, guideEn]) {
      expect(guide.map((p) => p.topic)).toEqual(TOPICS);
      for (const page of guide) expect(page.entries.length).toBeGreaterThanOrEqual(4);
    }
    guideIt.forEach((page, i) => expect(page.entries.length, page.topic).toBe(guideEn[i]!.entries.length));
  });

  it('finds entries by every word, without minding case or accents', () => {
    expect(fold('Modalità di PAGAMENTO')).toBe('modalita di pagamento');
    const qr = search(guideIt, 'codice qr');
    expect(qr.map((h) => h.page.topic)).toContain('payments');
    expect(qr.map((h) => h.page.topic)).toContain('shop');
    expect(search(guideIt, 'modalita').length).toBeGreaterThan(0);
    expect(search(guideIt, 'iban abbonamento zzz')).toEqual([]);
    expect(search(guideIt, 'a')).toEqual([]); // one letter is no search
  });

  it('opens at the page it is asked for, searches, and opens a result at its entry', async () => {
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    render(HelpPage, { props: { topic: 'payments' } });
    const page = screen.getByTestId('guide-page');
    expect(page).toHaveAttribute('data-topic', 'payments');
    expect(page).toHaveTextContent('Ho fatto il bonifico: segnalalo');
    const user = userEvent.setup();
    await user.type(screen.getByTestId('guide-search'), 'password temporanea');
    const hits = await screen.findAllByTestId('guide-hit');
    expect(hits[0]).toHaveTextContent('Accesso, registrazione e recupero');
    await user.click(within(hits[0]!).getByRole('button'));
    expect(screen.getByTestId('guide-page')).toHaveAttribute('data-topic', 'access');
    await vi.waitFor(() => expect(scrolled).toHaveBeenCalled());

    await user.type(screen.getByTestId('guide-search'), 'zzzz');
    expect(await screen.findByTestId('guide-no-results')).toHaveTextContent('Nessun risultato per «zzzz»');
    await user.clear(screen.getByTestId('guide-search'));
    await user.click(screen.getByTestId('guide-topic-shop'));
    expect(screen.getByTestId('guide-page')).toHaveTextContent('Abbonamento: scadenza e rinnovo');
    await user.click(screen.getByTestId('guide-go'));
    expect(router.route).toEqual({ name: 'shop' });
  });

  it('is in English when the window is', async () => {
    i18n.lang = 'en';
    render(HelpPage, { props: { topic: 'invoices' } });
    expect(screen.getByTestId('guide-page')).toHaveTextContent('FatturaPA XML');
    await userEvent.setup().type(screen.getByTestId('guide-search'), 'reminders');
    expect((await screen.findAllByTestId('guide-hit'))[0]).toHaveTextContent('Settings');
  });

  it('the header’s “?” opens the guide at the page of the screen on view', async () => {
    const me = { username: '10093', display_name: 'Mario Rossi', customer_name: 'Studio Rossi', language: 'it', rights: [] } as unknown as Me;
    router.go({ name: 'contracts', id: 4 });
    render(Header, { props: { me, notifications: null, onRead: () => {}, onLoggedOut: () => {} } });
    await userEvent.setup().click(screen.getByTestId('screen-help'));
    expect(router.route).toEqual({ name: 'help', topic: 'contracts' });
  });
});
