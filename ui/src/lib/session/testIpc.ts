import { mockIPC } from '@tauri-apps/api/mocks';
import type { Right } from '../bindings/Right';

export type Handler = (args: Record<string, unknown>) => unknown;

/** Answers the window's commands from `handlers` and records every call; an unexpected command fails. */
export function ipc(handlers: Record<string, Handler>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const handler = handlers[cmd];
    if (!handler) throw new Error(`unexpected command ${cmd}`);
    return handler((args ?? {}) as Record<string, unknown>);
  });
  return calls;
}

/** Every right: what a main user may do (A9). */
export const ALL_RIGHTS: Right[] = ['requests', 'shop', 'bank'];
