// X5: the user guide inside the app. One page per section of the window,
// each with what its fields and buttons mean, in Italian and English.

import type { Section } from '../shell/route.svelte';

/** A page of the guide: each section of the window has one, plus access and working offline. */
export type GuideTopic = Exclude<Section, 'help'> | 'access' | 'offline';

export interface GuideEntry {
  /** The field, button or question the entry explains. */
  term: string;
  text: string;
}

export interface GuidePage {
  topic: GuideTopic;
  title: string;
  intro: string;
  entries: GuideEntry[];
}

/** The guide's pages in the order the help page lists them. */
export const TOPICS: GuideTopic[] = [
  'access',
  'home',
  'payments',
  'invoices',
  'contracts',
  'assets',
  'self_service',
  'requests',
  'messages',
  'shop',
  'profile',
  'settings',
  'offline',
];

/** A match of the guide's search: the page and, when it is one entry's, which. */
export interface GuideHit {
  page: GuidePage;
  entry: GuideEntry | null;
}

/** Lower case, without accents: "Modalità" is found by "modalita". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The entries (or whole pages, by title) holding every word of `query`. */
export function search(pages: GuidePage[], query: string): GuideHit[] {
  const words = fold(query).split(/\s+/).filter((w) => w.length > 1);
  if (words.length === 0) return [];
  const hits: GuideHit[] = [];
  for (const page of pages) {
    const title = fold(`${page.title} ${page.intro}`);
    if (words.every((w) => title.includes(w))) hits.push({ page, entry: null });
    for (const entry of page.entries) {
      const text = fold(`${page.title} ${entry.term} ${entry.text}`);
      if (words.every((w) => text.includes(w))) hits.push({ page, entry });
    }
  }
  return hits;
}
