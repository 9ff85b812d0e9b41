// The sections other than the home page, each its own chunk of the bundle: the
// window parses only what the home page needs before it paints, and fetches the
// rest once it is idle, so a section opens at once afterwards.
import type { Section } from './route.svelte';

export const screens = {
  payments: () => import('../screens/PaymentsPage.svelte'),
  invoices: () => import('../screens/InvoicesPage.svelte'),
  contracts: () => import('../screens/ContractsPage.svelte'),
  assets: () => import('../screens/AssetsPage.svelte'),
  self_service: () => import('../screens/SelfServicePage.svelte'),
  requests: () => import('../screens/RequestsPage.svelte'),
  messages: () => import('../screens/MessagesPage.svelte'),
  shop: () => import('../shop/ShopPage.svelte'),
  profile: () => import('../screens/ProfilePage.svelte'),
  help: () => import('../screens/HelpPage.svelte'),
  settings: () => import('../screens/SettingsPage.svelte'),
} satisfies Record<Exclude<Section, 'home'>, () => Promise<unknown>>;

/** After the first paint, when the window has nothing else to do. */
export function preloadScreens() {
  const load = () => Object.values(screens).forEach((screen) => void screen());
  if ('requestIdleCallback' in globalThis) requestIdleCallback(load, { timeout: 2000 });
  else setTimeout(load, 500);
}
