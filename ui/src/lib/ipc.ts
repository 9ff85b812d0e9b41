// The one door to the desktop's Rust side. Every rejection becomes an
// IpcError carrying the wire's `code`, which the UI translates; messages are
// never matched.
import { invoke } from '@tauri-apps/api/core';
import type { ApiError } from './bindings/ApiError';
import type { ErrorCode } from './bindings/ErrorCode';
import type { Home } from './bindings/Home';
import type { LoginChallenge } from './bindings/LoginChallenge';
import type { Me } from './bindings/Me';
import type { SessionStatus } from './bindings/SessionStatus';
import type { SyncView } from './bindings/SyncView';
import type { NewRequest } from './bindings/NewRequest';
import type { OutboxEntry } from './bindings/OutboxEntry';
import type { RequestsPanel } from './bindings/RequestsPanel';

export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string>;

  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.fields = (error.fields ?? {}) as Record<string, string>;
  }
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (rejection) {
    if (isApiError(rejection)) throw new IpcError(rejection);
    throw new IpcError({ code: 'internal', message: String(rejection) });
  }
}

export const ipc = {
  sessionStatus: () => call<SessionStatus>('session_status'),
  login: (username: string, password: string) => call<LoginChallenge>('login', { username, password }),
  verifyCode: (challengeId: string, code: string) => call<Me>('verify_code', { challengeId, code }),
  home: () => call<Home>('home'),
  logout: () => call<null>('logout'),
  syncView: () => call<SyncView>('sync_view'),
  fileRequest: (request: NewRequest) => call<OutboxEntry>('file_request', { request }),
  outbox: () => call<OutboxEntry[]>('outbox'),
  requestsPanel: () => call<RequestsPanel>('requests_panel'),
};

export function asIpcError(error: unknown): IpcError {
  return error instanceof IpcError ? error : new IpcError({ code: 'internal', message: String(error) });
}
