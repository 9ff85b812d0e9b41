// Where the window is: one section and, for some, the item it shows. Kept in
// a rune so any component can read it and move to another section.

import type { GuideTopic } from '../guide/types';

export type FormKind = 'iban_change' | 'address_change' | 'free' | 'early_termination';

/** The shop's screens: catalogue, a service page, the carts, checkout, orders, quotes, payments. */
export type ShopView = 'catalogue' | 'service' | 'cart' | 'checkout' | 'orders' | 'quotes' | 'wallet';

export type Route =
  | { name: 'home' }
  | { name: 'payments'; contractId?: number }
  | { name: 'invoices'; contractId?: number }
  | { name: 'contracts'; id?: number }
  | { name: 'assets'; contractId?: number }
  | { name: 'self_service'; form?: FormKind; contractId?: number }
  | { name: 'requests'; id?: number }
  | { name: 'messages'; id?: number }
  | { name: 'shop'; view?: ShopView; code?: string; lineId?: number; id?: number }
  | { name: 'profile' }
  | { name: 'help'; topic?: GuideTopic }
  | { name: 'settings' };

export type Section = Route['name'];

/** The menu, in the order the header shows it. */
export const SECTIONS: Section[] = [
  'home',
  'payments',
  'invoices',
  'contracts',
  'assets',
  'self_service',
  'requests',
  'shop',
  'profile',
  'help',
  'settings',
];

let current = $state<Route>({ name: 'home' });
/** Moves whenever the background sync changed the local copy. */
let version = $state(0);

/** Told when the section changes, so the next start reopens it. */
let remember: (section: Section) => void = () => {};

export const router = {
  get route(): Route {
    return current;
  },
  go(route: Route) {
    if (route.name !== current.name) remember(route.name);
    current = route;
  },
  /** Where to report section changes (the desktop's settings). */
  rememberWith(report: (section: Section) => void) {
    remember = report;
  },
};

export function isSection(name: string | null | undefined): name is Section {
  return SECTIONS.includes(name as Section);
}

export const live = {
  get version(): number {
    return version;
  },
  set version(value: number) {
    version = value;
  },
};
