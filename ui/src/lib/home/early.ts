// The home page's figures, asked for as soon as the session is known at start-up:
// the window then lays out and paints the home page once, with its figures,
// instead of an empty frame first and the figures a layout later.
import { ipc } from '../ipc';
import type { Home } from '../bindings/Home';

let early: Promise<Home> | null = null;

/** Asks for the figures ahead of the page; settles when they are there (or failed). */
export function askHomeEarly(): Promise<void> {
  early = ipc.home();
  return early.then(
    () => {},
    () => {},
  );
}

/** The figures asked for early, taken once; afterwards each call asks the app again. */
export function homeFigures(): Promise<Home> {
  const figures = early ?? ipc.home();
  early = null;
  return figures;
}
