// The colour theme: the system's, or one the user picked. Applied as
// `data-theme` on <html>, which the style sheet reads.

export type Theme = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'sportello.theme';

function saved(): Theme {
  const value = globalThis.localStorage?.getItem(STORAGE_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

let choice = $state<Theme>(saved());

function systemDark(): boolean {
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

function apply() {
  const dark = choice === 'dark' || (choice === 'system' && systemDark());
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export const theme = {
  get choice(): Theme {
    return choice;
  },
  set choice(value: Theme) {
    choice = value;
    globalThis.localStorage?.setItem(STORAGE_KEY, value);
    apply();
  },
  /** Applies the saved choice and follows the system while it is "system". */
  start() {
    apply();
    globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', apply);
  },
};
