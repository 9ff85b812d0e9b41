// X2: the window's side of new versions. It asks the company's server at
// start and once a day (Settings asks on demand); an offer stays until the
// user installs it or puts it off ("later" hides it until the next check).
import { i18n } from '../i18n/index.svelte';
import { asIpcError, ipc, type IpcError } from '../ipc';
import type { UpdateOffer } from '../bindings/UpdateOffer';
import type { UpdatePolicy } from '../bindings/UpdatePolicy';
import type { UpdateProgress } from '../bindings/UpdateProgress';

export const DAY_MS = 24 * 60 * 60 * 1000;

type Phase = 'idle' | 'checking' | 'offered' | 'downloading' | 'installing';

class Updates {
  phase = $state<Phase>('idle');
  offer = $state<UpdateOffer | null>(null);
  progress = $state<UpdateProgress | null>(null);
  error = $state<IpcError | null>(null);
  /** The user put this version off: no banner until a check finds another. */
  laterFor = $state<string | null>(null);
  /** When the last check answered, for Settings' "checked at". */
  checkedAt = $state<Date | null>(null);
  /** Offered to install, or only told (Settings). */
  policy = $state<UpdatePolicy>('install');

  /** The saved policy, read once the window starts. */
  async loadPolicy(): Promise<void> {
    try {
      this.policy = (await ipc.desktopSettings()).settings.updates;
    } catch {
      this.policy = 'install';
    }
  }

  async setPolicy(policy: UpdatePolicy): Promise<void> {
    this.policy = (await ipc.setUpdatePolicy(policy)).settings.updates;
  }

  get shown(): boolean {
    return this.offer !== null && this.laterFor !== this.offer.version;
  }

  /** Asks the server; `quiet` keeps a failure out of sight (the daily check, offline). */
  async check(quiet = false): Promise<UpdateOffer | null> {
    if (this.phase === 'downloading' || this.phase === 'installing') return this.offer;
    this.phase = 'checking';
    this.error = null;
    try {
      this.offer = await ipc.updateCheck(i18n.lang);
      this.checkedAt = new Date();
      if (!quiet) this.laterFor = null;
    } catch (e) {
      if (!quiet) this.error = asIpcError(e);
    } finally {
      this.phase = this.offer ? 'offered' : 'idle';
    }
    return this.offer;
  }

  /** Downloads and installs; on success the app restarts and this never returns. */
  async install(): Promise<void> {
    this.error = null;
    this.progress = { done: 0, total: null };
    this.phase = 'downloading';
    try {
      const installed = await ipc.updateInstall((step) => {
        this.progress = step;
        if (step.total !== null && step.done >= step.total) this.phase = 'installing';
      });
      // Installed, the app restarts before this answers; here it was cancelled.
      if (!installed) this.phase = 'offered';
    } catch (e) {
      this.error = asIpcError(e);
      this.phase = 'offered';
    }
    this.progress = null;
  }

  async cancel(): Promise<void> {
    await ipc.updateCancel();
  }

  later(): void {
    this.laterFor = this.offer?.version ?? null;
    this.error = null;
  }
}

export const updates = new Updates();

/** Checks now and every day while the window is open; returns the stop. */
export function checkDaily(): () => void {
  void updates.loadPolicy();
  void updates.check(true);
  const timer = setInterval(() => void updates.check(true), DAY_MS);
  return () => clearInterval(timer);
}
