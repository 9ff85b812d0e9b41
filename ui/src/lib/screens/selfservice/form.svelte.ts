// The state every self-service form shares: which problems to show (after a
// send attempt, or once the field was touched), the server's field errors,
// the sending flag and the outcome.
import type { Outcome } from './submit';

export function requestForm<F extends string>(problems: () => Record<F, string | null>) {
  let tried = $state(false);
  let touched = $state<Record<string, boolean>>({});
  let server = $state<Record<string, string>>({});
  let busy = $state(false);
  let outcome = $state<Outcome | null>(null);

  return {
    get busy() {
      return busy;
    },
    get outcome() {
      return outcome;
    },
    /** The problem to show beside a field: the server's first, then the form's own. */
    show(field: F): string | null {
      return server[field] ?? (tried || touched[field] ? problems()[field] : null);
    },
    touch(field: F) {
      touched[field] = true;
      delete server[field];
    },
    /** Sends when every check passes; true once the server has it or will have it. */
    async submit(send: () => Promise<Outcome>): Promise<boolean> {
      tried = true;
      server = {};
      if (Object.values<string | null>(problems()).some((p) => p !== null)) return false;
      busy = true;
      outcome = await send();
      busy = false;
      if (outcome.state === 'rejected') server = outcome.error.fields;
      const done = outcome.state === 'sent' || outcome.state === 'queued';
      if (done) {
        tried = false;
        touched = {};
      }
      return done;
    },
  };
}
