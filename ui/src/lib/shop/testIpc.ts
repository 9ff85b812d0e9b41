import { mockIPC } from '@tauri-apps/api/mocks';

export type Answers = Record<string, (args: Record<string, unknown>) => unknown>;

/** The shop's commands answered from `fixed` unless `overrides` answers them; every call recorded. */
export function shopIpc(fixed: Record<string, unknown>, overrides: Answers = {}) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd in overrides) return overrides[cmd]!(args as Record<string, unknown>);
    return fixed[cmd] ?? null;
  });
  return calls;
}
