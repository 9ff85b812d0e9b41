// The one door to the desktop's Rust side. Every rejection becomes an
// IpcError carrying the wire's `code`, which the UI translates; messages are
// never matched.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { ApiError } from './bindings/ApiError';
import type { ErrorCode } from './bindings/ErrorCode';
import type { Home } from './bindings/Home';
import type { LoginChallenge } from './bindings/LoginChallenge';
import type { UpdateOffer } from './bindings/UpdateOffer';
import type { UpdatePolicy } from './bindings/UpdatePolicy';
import type { UpdateProgress } from './bindings/UpdateProgress';
import type { Me } from './bindings/Me';
import type { AuthenticatorStatus } from './bindings/AuthenticatorStatus';
import type { AuthenticatorEnrolment } from './bindings/AuthenticatorEnrolment';
import type { RecoveryCodes } from './bindings/RecoveryCodes';
import type { SessionStatus } from './bindings/SessionStatus';
import type { SyncView } from './bindings/SyncView';
import type { NewRequest } from './bindings/NewRequest';
import type { OutboxEntry } from './bindings/OutboxEntry';
import type { CartLine } from './bindings/CartLine';
import type { RequestsPanel } from './bindings/RequestsPanel';
import type { ScheduleFilter } from './bindings/ScheduleFilter';
import type { ScheduleView } from './bindings/ScheduleView';
import type { InvoiceFilter } from './bindings/InvoiceFilter';
import type { InvoicesView } from './bindings/InvoicesView';
import type { AssetsView } from './bindings/AssetsView';
import type { ContractOption } from './bindings/ContractOption';
import type { ContractView } from './bindings/ContractView';
import type { PayoffQuote } from './bindings/PayoffQuote';
import type { SelfServiceContext } from './bindings/SelfServiceContext';
import type { RequestSummary } from './bindings/RequestSummary';
import type { RequestDetail } from './bindings/RequestDetail';
import type { NewMessage } from './bindings/NewMessage';
import type { AttachmentInfo } from './bindings/AttachmentInfo';
import type { NotificationsView } from './bindings/NotificationsView';
import type { MessageFilter } from './bindings/MessageFilter';
import type { MessagesView } from './bindings/MessagesView';
import type { Notification } from './bindings/Notification';
import type { Profile } from './bindings/Profile';
import type { ProfileUpdate } from './bindings/ProfileUpdate';
import type { SubUser } from './bindings/SubUser';
import type { EmailChangeStarted } from './bindings/EmailChangeStarted';
import type { SubUserForm } from './bindings/SubUserForm';
import type { Window } from './bindings/Window';
import type { InvoiceFormat } from './bindings/InvoiceFormat';
import type { ExportRequest } from './bindings/ExportRequest';
import type { ExportLang } from './bindings/ExportLang';
import type { ExportProgress } from './bindings/ExportProgress';
import type { ExportDone } from './bindings/ExportDone';
import type { DeepLink } from './bindings/DeepLink';
import type { CompleteReset } from './bindings/CompleteReset';
import type { ChangePassword } from './bindings/ChangePassword';
import type { SessionInfo } from './bindings/SessionInfo';
import type { Privacy } from './bindings/Privacy';
import type { ConsentUpdate } from './bindings/ConsentUpdate';
import type { RecoverRequest } from './bindings/RecoverRequest';
import type { RegisterByContract } from './bindings/RegisterByContract';
import type { RegisterByCategory } from './bindings/RegisterByCategory';
import type { Registered } from './bindings/Registered';
import type { ResetRequest } from './bindings/ResetRequest';
import type { ResetStarted } from './bindings/ResetStarted';
import type { SettingsView } from './bindings/SettingsView';
import type { Catalogue } from './bindings/Catalogue';
import type { Wallet } from './bindings/Wallet';
import type { Order } from './bindings/Order';
import type { Quote } from './bindings/Quote';
import type { CartView } from './bindings/CartView';
import type { CartKind } from './bindings/CartKind';
import type { CartItem } from './bindings/CartItem';
import type { BillingData } from './bindings/BillingData';
import type { ShopPaymentMethod } from './bindings/ShopPaymentMethod';
import type { NewPaymentProof } from './bindings/NewPaymentProof';
import type { PaymentProof } from './bindings/PaymentProof';
import type { PaymentSlip } from './bindings/PaymentSlip';
import type { ShopSlipRequest } from './bindings/ShopSlipRequest';

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

async function call<T>(
  command: string,
  args?: Record<string, unknown> | Uint8Array,
  headers?: Record<string, string>,
): Promise<T> {
  try {
    return await invoke<T>(command, args, headers ? { headers } : undefined);
  } catch (rejection) {
    if (isApiError(rejection)) throw new IpcError(rejection);
    throw new IpcError({ code: 'internal', message: String(rejection) });
  }
}

export const ipc = {
  sessionStatus: () => call<SessionStatus>('session_status'),
  login: (username: string, password: string) => call<LoginChallenge>('login', { username, password }),
  verifyCode: (challengeId: string, code: string) => call<Me>('verify_code', { challengeId, code }),
  resendCode: (challengeId: string) => call<LoginChallenge>('resend_code', { challengeId }),
  home: () => call<Home>('home'),
  logout: () => call<null>('logout'),
  /** The first screen is painted from the local copy: the network refresh may start. */
  firstScreenShown: () => call<null>('first_screen_shown'),
  syncView: () => call<SyncView>('sync_view'),
  fileRequest: (request: NewRequest) => call<OutboxEntry>('file_request', { request }),
  /** S1: sent at once with the password typed again; offline it fails with server_unreachable. */
  changeIban: (request: NewRequest, currentPassword: string) =>
    call<RequestDetail>('change_iban', { request, currentPassword }),
  outbox: () => call<OutboxEntry[]>('outbox'),
  requestsPanel: () => call<RequestsPanel>('requests_panel'),
  schedule: (filter: ScheduleFilter, window: Window) => call<ScheduleView>('schedule', { filter, window }),
  /** How to pay a line by bank transfer: account, remittance text and EPC QR code. */
  paymentSlip: (lineId: number) => call<PaymentSlip>('payment_slip', { lineId }),
  /** The same for the overdue total: every contract's, or one contract's. */
  overdueSlip: (contractId: number | null) => call<PaymentSlip>('overdue_slip', { contractId }),
  reportPaid: (lines: number[]) => call<null>('report_paid', { lines }),
  reminderDays: () => call<number>('reminder_days'),
  setReminderDays: (days: number) => call<number>('set_reminder_days', { days }),
  invoices: (filter: InvoiceFilter, window: Window) => call<InvoicesView>('invoices', { filter, window }),
  assets: (contractId: number | null, window: Window) => call<AssetsView>('assets', { contractId, window }),
  contractOptions: () => call<ContractOption[]>('contract_options'),
  contract: (id: number) => call<ContractView>('contract', { id }),
  payoff: (contractId: number) => call<PayoffQuote>('payoff', { contractId }),
  selfService: () => call<SelfServiceContext>('self_service'),
  requests: () => call<RequestSummary[]>('requests'),
  request: (id: number) => call<RequestDetail>('request', { id }),
  reply: (requestId: number, message: NewMessage) => call<OutboxEntry>('reply', { requestId, message }),
  discard: (outboxId: number) => call<boolean>('discard', { outboxId }),
  /** The file goes as raw bytes; its name, percent-encoded, in a header. */
  upload: (name: string, bytes: Uint8Array) =>
    call<AttachmentInfo>('upload', bytes, { 'x-file-name': encodeURIComponent(name) }),
  openInvoice: (id: number, format: InvoiceFormat) => call<null>('open_invoice', { id, format }),
  openAttachment: (requestId: number, attachmentId: string) => call<null>('open_attachment', { requestId, attachmentId }),
  openContractDocument: (contractId: number, documentId: number) => call<null>('open_contract_document', { contractId, documentId }),
  /** Asks where to save, then writes the export; `null` when the user closes the dialog. */
  exportList: (request: ExportRequest, lang: ExportLang, onProgress: (step: ExportProgress) => void) => {
    const progress = new Channel<ExportProgress>();
    progress.onmessage = onProgress;
    return call<ExportDone | null>('export', { request, lang, progress });
  },
  cancelExport: () => call<null>('cancel_export'),
  /** A kept file no program opened (`fields.document` of a `no_viewer` error), in its folder. */
  revealDocument: (document: number) => call<null>('reveal_document', { document }),
  /** The same file copied where the user chooses; false when the dialog was closed. */
  saveDocumentAs: (document: number, lang: ExportLang) => call<boolean>('save_document_as', { document, lang }),
  /** `sportello://` links the app is opened with, now and from later launches. */
  watchLinks: (onLink: (link: DeepLink) => void) => {
    const on = new Channel<DeepLink>();
    on.onmessage = onLink;
    return call<null>('watch_links', { on });
  },
  completeReset: (reset: CompleteReset) => call<null>('complete_reset', { reset }),
  register: (form: RegisterByContract) => call<Registered>('register', { form }),
  registerByCategory: (form: RegisterByCategory) => call<Registered>('register_by_category', { form }),
  requestReset: (request: ResetRequest) => call<ResetStarted>('request_reset', { request }),
  recover: (request: RecoverRequest) => call<ResetStarted>('recover', { request }),
  /** Changes the password of the user logged in; after a temporary one, the sync then starts. */
  changePassword: (change: ChangePassword) => call<Me>('change_password', { change }),
  sessions: () => call<SessionInfo[]>('sessions'),
  /** Ends a session; ending this computer's own logs out (the list comes back empty). */
  endSession: (id: string) => call<SessionInfo[]>('end_session', { id }),
  endAllSessions: () => call<null>('end_all_sessions'),
  privacy: () => call<Privacy>('privacy'),
  decideConsent: (update: ConsentUpdate) => call<Privacy>('decide_consent', { update }),
  authenticator: () => call<AuthenticatorStatus>('authenticator'),
  /** Step 1 of turning the authenticator on: after the password, the secret and its QR code. */
  authenticatorSetup: (currentPassword: string) =>
    call<AuthenticatorEnrolment>('authenticator_setup', { currentPassword }),
  /** Step 2: the app's first code; the recovery codes come back, shown once. */
  authenticatorEnable: (code: string) => call<RecoveryCodes>('authenticator_enable', { code }),
  authenticatorDisable: (currentPassword: string) => call<null>('authenticator_disable', { currentPassword }),
  authenticatorNewCodes: (currentPassword: string) =>
    call<RecoveryCodes>('authenticator_new_codes', { currentPassword }),
  desktopSettings: () => call<SettingsView>('desktop_settings'),
  /** Checks the address, asks the server, saves it; the app then restarts on it. */
  setServerUrl: (url: string | null) => call<SettingsView>('set_server_url', { url }),
  setKeepInTray: (keep: boolean) => call<SettingsView>('set_keep_in_tray', { keep }),
  setKeepCopy: (keep: boolean) => call<SettingsView>('set_keep_copy', { keep }),
  setLastPage: (page: string) => call<null>('set_last_page', { page }),
  setUpdatePolicy: (policy: UpdatePolicy) => call<SettingsView>('set_update_policy', { policy }),
  /** A newer version from the company's server, with its notes in `lang`; null when this one is the newest. */
  updateCheck: (lang: ExportLang) => call<UpdateOffer | null>('update_check', { lang }),
  /** Downloads, verifies and installs the offer, then the app restarts; false when cancelled. */
  updateInstall: (onProgress: (step: UpdateProgress) => void) => {
    const progress = new Channel<UpdateProgress>();
    progress.onmessage = onProgress;
    return call<boolean>('update_install', { progress });
  },
  updateCancel: () => call<null>('update_cancel'),
  diagnostics: () => call<string>('diagnostics'),
  startAtLogin: () => call<boolean>('start_at_login'),
  setStartAtLogin: (on: boolean) => call<boolean>('set_start_at_login', { on }),
  openExport: (id: number) => call<null>('open_export', { id }),
  revealExport: (id: number) => call<null>('reveal_export', { id }),
  catalogue: () => call<Catalogue>('catalogue'),
  wallet: () => call<Wallet>('wallet'),
  orders: () => call<Order[]>('orders'),
  quotes: () => call<Quote[]>('quotes'),
  cartView: () => call<CartView>('cart_view'),
  addToCart: (kind: CartKind, item: CartItem) => call<CartLine[]>('add_to_cart', { kind, item }),
  updateCartLine: (id: number, form: Record<string, string>) => call<CartLine[]>('update_cart_line', { id, form }),
  removeCartLine: (id: number) => call<CartLine[]>('remove_cart_line', { id }),
  /** A refused order or quote request goes back to its cart. */
  restoreCart: (outboxId: number) => call<CartLine[]>('restore_cart', { outboxId }),
  placeOrder: (method: ShopPaymentMethod, billing: BillingData) => call<OutboxEntry>('place_order', { method, billing }),
  requestQuote: (message: string | null) => call<OutboxEntry>('request_quote', { message }),
  acceptQuote: (id: number, method: ShopPaymentMethod, billing: BillingData) =>
    call<OutboxEntry>('accept_quote', { id, accept: { payment_method: method, billing } }),
  declineQuote: (id: number) => call<Quote>('decline_quote', { id }),
  joinAgreement: (code: string) => call<Catalogue>('join_agreement', { code }),
  submitProof: (proof: NewPaymentProof) => call<PaymentProof>('submit_proof', { proof }),
  shopSlip: (request: ShopSlipRequest) => call<PaymentSlip>('shop_slip', { request }),
  openOutcome: (orderId: number, itemId: number) => call<null>('open_outcome', { orderId, itemId }),
  notifications: () => call<NotificationsView>('notifications'),
  messages: (filter: MessageFilter, window: Window) => call<MessagesView>('messages', { filter, window }),
  message: (id: number) => call<Notification>('message', { id }),
  markRead: (id: number | null) => call<null>('mark_read', { id }),
  profile: () => call<Profile>('profile'),
  updateProfile: (update: ProfileUpdate) => call<Profile>('update_profile', { update }),
  /** Step-up: the password is asked again for a new primary address. */
  startEmailChange: (email: string, password: string) =>
    call<EmailChangeStarted>('start_email_change', { change: { email, current_password: password } }),
  confirmEmailChange: (changeId: string, code: string) =>
    call<Profile>('confirm_email_change', { confirm: { change_id: changeId, code } }),
  subUsers: () => call<SubUser[]>('sub_users'),
  saveSubUser: (username: string | null, form: SubUserForm) => call<SubUser[]>('save_sub_user', { username, form }),
  deleteSubUser: (username: string) => call<SubUser[]>('delete_sub_user', { username }),
};

export function asIpcError(error: unknown): IpcError {
  return error instanceof IpcError ? error : new IpcError({ code: 'internal', message: String(error) });
}
