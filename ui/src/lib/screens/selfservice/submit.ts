// Sends a form through the outbox and follows it: sent, refused by the server
// (its field errors come back to the form), or kept for when the server is
// reachable again.
import { asIpcError, ipc, IpcError } from '../../ipc';
import type { NewRequest } from '../../bindings/NewRequest';
import type { NewMessage } from '../../bindings/NewMessage';
import type { OutboxEntry } from '../../bindings/OutboxEntry';

export type Outcome =
  | { state: 'sent' }
  | { state: 'queued' }
  | { state: 'rejected'; error: IpcError }
  | { state: 'failed'; error: IpcError };

const POLL_MS = 250;
/** After this the item stays queued and the form says it will go later. */
const WAIT_MS = 8000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the outbox to send `entry`; a refusal is settled by `settle` (by default, forgotten). */
export async function follow(entry: OutboxEntry, settle: (id: number) => Promise<unknown> = ipc.discard): Promise<Outcome> {
  for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
    const mine = (await ipc.outbox()).find((e) => e.id === entry.id);
    if (!mine) return { state: 'sent' };
    if (mine.state === 'rejected' && mine.error) {
      // The form shows the refusal; the outbox forgets it so it is not sent again.
      await settle(mine.id);
      return { state: 'rejected', error: new IpcError(mine.error) };
    }
    await sleep(POLL_MS);
  }
  return { state: 'queued' };
}

export async function submitRequest(request: NewRequest): Promise<Outcome> {
  try {
    return await follow(await ipc.fileRequest(request));
  } catch (e) {
    return { state: 'failed', error: asIpcError(e) };
  }
}

/** Sends at once, without the outbox (a request that carries the password): refused with its fields, or failed. */
export async function submitOnline(send: () => Promise<unknown>): Promise<Outcome> {
  try {
    await send();
    return { state: 'sent' };
  } catch (e) {
    const error = asIpcError(e);
    return Object.keys(error.fields).length > 0 ? { state: 'rejected', error } : { state: 'failed', error };
  }
}

export async function submitReply(requestId: number, message: NewMessage): Promise<Outcome> {
  try {
    return await follow(await ipc.reply(requestId, message));
  } catch (e) {
    return { state: 'failed', error: asIpcError(e) };
  }
}

/** Uploads the chosen file first; a refused file comes back as a refusal of the attachment field. */
export async function withAttachment(file: File | null, send: (ids: string[]) => Promise<Outcome>): Promise<Outcome> {
  let ids: string[] = [];
  try {
    if (file) ids = [(await ipc.upload(file.name, new Uint8Array(await file.arrayBuffer()))).id];
  } catch (e) {
    const error = asIpcError(e);
    return { state: 'rejected', error: new IpcError({ code: error.code, message: error.message, fields: { attachment_ids: error.code } }) };
  }
  return send(ids);
}
