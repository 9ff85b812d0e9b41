//! Every operation of the HTTP API, declared once: its method, its path
//! (relative to [`PREFIX`], `{name}` for a path parameter), and the types of
//! its query, its body and its reply. The server's router and its OpenAPI
//! document take each path from here (the handler's `#[utoipa::path]` names
//! the constant), a test of the server checks that the document serves
//! exactly [`ALL`], each with its method, query, body and reply, and the
//! desktop's client calls through these constants, so the type of what it
//! sends and reads is the declared one.

mod wire;

pub use wire::*;

/// One declared operation, by name, for the checks that walk them all.
pub struct Declared {
    pub name: &'static str,
    pub op: Operation,
    pub shape: fn() -> Shape,
}

macro_rules! declared {
    ($($module:ident :: $name:ident),* $(,)?) => {
        &[$(Declared {
            name: concat!(stringify!($module), "::", stringify!($name)),
            op: $module::$name.op,
            shape: $module::$name.shape(),
        }),*]
    };
}

/// Registration, recovery, password, profile, sessions, privacy and sub-users.
pub mod accounts {
    use super::*;
    use crate::api::accounts::*;
    use crate::api::auth::SessionInfo;
    pub const REGISTER: Endpoint<Nothing, RegisterByContract, Registered> = post("/auth/register");
    pub const REGISTER_BY_CATEGORY: Endpoint<Nothing, RegisterByCategory, Registered> =
        post("/auth/register-by-category");
    pub const RECOVER: Endpoint<Nothing, RecoverRequest, ResetStarted> = post("/auth/recover");
    pub const REQUEST_RESET: Endpoint<Nothing, ResetRequest, ResetStarted> = post("/auth/password-reset");
    pub const COMPLETE_RESET: Endpoint<Nothing, CompleteReset, Nothing> = post("/auth/password-reset/complete");
    pub const CHANGE_PASSWORD: Endpoint<Nothing, ChangePassword, Nothing> = post("/me/password");
    pub const PROFILE: Endpoint<Nothing, Nothing, Profile> = get("/profile");
    pub const UPDATE_PROFILE: Endpoint<Nothing, ProfileUpdate, Profile> = patch("/profile");
    pub const START_EMAIL_CHANGE: Endpoint<Nothing, EmailChange, EmailChangeStarted> = post("/profile/email");
    pub const CONFIRM_EMAIL_CHANGE: Endpoint<Nothing, EmailChangeConfirm, Profile> = post("/profile/email/confirm");
    pub const LIST_SUB_USERS: Endpoint<SubUsersQuery, Nothing, SubUserPage> = get("/sub-users");
    pub const CREATE_SUB_USER: Endpoint<Nothing, SubUserForm, SubUser> = post("/sub-users");
    pub const UPDATE_SUB_USER: Endpoint<Nothing, SubUserForm, SubUser> = put("/sub-users/{username}");
    pub const DELETE_SUB_USER: Endpoint<Nothing, Nothing, Nothing> = delete("/sub-users/{username}");
    pub const LIST_SESSIONS: Endpoint<Nothing, Nothing, Vec<SessionInfo>> = get("/me/sessions");
    pub const END_SESSION: Endpoint<Nothing, Nothing, Nothing> = delete("/me/sessions/{id}");
    pub const END_ALL_SESSIONS: Endpoint<Nothing, Nothing, Nothing> = post("/me/sessions/end-all");
    pub const PRIVACY: Endpoint<Nothing, Nothing, Privacy> = get("/profile/privacy");
    pub const DECIDE_CONSENT: Endpoint<Nothing, ConsentUpdate, Privacy> = put("/profile/privacy");
}

/// Leased assets (C3).
pub mod assets {
    use super::*;
    use crate::api::assets::*;
    pub const LIST: Endpoint<AssetsQuery, Nothing, AssetPage> = get("/assets");
    pub const ITEM: Endpoint<Nothing, Nothing, AssetItem> = get("/assets/{id}");
}

/// The second factor by authenticator app.
pub mod authenticator {
    use super::*;
    use crate::api::auth::*;
    pub const STATUS: Endpoint<Nothing, Nothing, AuthenticatorStatus> = get("/me/authenticator");
    pub const SETUP: Endpoint<Nothing, StepUp, AuthenticatorSetup> = post("/me/authenticator/setup");
    pub const ENABLE: Endpoint<Nothing, EnableAuthenticator, RecoveryCodes> = post("/me/authenticator/enable");
    pub const DISABLE: Endpoint<Nothing, StepUp, Nothing> = post("/me/authenticator/disable");
    pub const RENEW_CODES: Endpoint<Nothing, StepUp, RecoveryCodes> = post("/me/authenticator/recovery-codes");
}

/// Contracts and their plans (C1, C2).
pub mod contracts {
    use super::*;
    use crate::api::contracts::*;
    pub const LIST: Endpoint<ContractsQuery, Nothing, ContractPage> = get("/contracts");
    pub const DETAIL: Endpoint<Nothing, Nothing, ContractDetail> = get("/contracts/{id}");
    pub const PLAN: Endpoint<PlanQuery, Nothing, PlanPage> = get("/contracts/{id}/plan");
}

/// Invoices and their documents (B2).
pub mod invoices {
    use super::*;
    use crate::api::invoices::*;
    pub const LIST: Endpoint<InvoicesQuery, Nothing, InvoicePage> = get("/invoices");
    pub const ITEM: Endpoint<Nothing, Nothing, InvoiceItem> = get("/invoices/{id}");
    pub const PDF: Endpoint<Nothing, Nothing, Pdf> = get("/invoices/{id}/pdf");
    pub const XML: Endpoint<Nothing, Nothing, Xml> = get("/invoices/{id}/xml");
}

/// The bell, the change feed and the live events.
pub mod notifications {
    use super::*;
    use crate::api::notifications::*;
    use crate::api::sync::*;
    pub const LIST: Endpoint<NotificationsQuery, Nothing, NotificationList> = get("/notifications");
    pub const MARK_READ: Endpoint<Nothing, Nothing, Nothing> = post("/notifications/{id}/read");
    pub const MARK_ALL_READ: Endpoint<Nothing, Nothing, Nothing> = post("/notifications/read-all");
    pub const CHANGES: Endpoint<ChangesQuery, Nothing, ChangePage> = get("/changes");
    pub const SUMMARY: Endpoint<Nothing, Nothing, SyncSummary> = get("/sync/summary");
    pub const EVENTS: Endpoint<ChangesQuery, Nothing, EventStream> = get("/events");
}

/// The company's operators: desk, decisions, invoices, the book.
pub mod ops {
    use super::*;
    use crate::api::ops::*;
    use crate::api::requests::{AttachmentInfo, RequestDetail, RequestMessage, RequestPage, RequestsQuery};
    pub const LOGIN: Endpoint<Nothing, OperatorLogin, OperatorSession> = post("/ops/login");
    pub const LOGOUT: Endpoint<Nothing, Nothing, Nothing> = post("/ops/logout");
    pub const DISABLE_OPERATOR: Endpoint<Nothing, Nothing, Nothing> = post("/ops/operators/{username}/disable");
    pub const INVITE: Endpoint<Nothing, Invitation, Invited> = post("/ops/invitations");
    pub const REGISTRATIONS: Endpoint<PendingQuery, Nothing, PendingPage> = get("/ops/registrations");
    pub const DECIDE_REGISTRATION: Endpoint<Nothing, Decision, Nothing> = post("/ops/registrations/{id}/decision");
    pub const AGREEMENT_REQUESTS: Endpoint<PendingQuery, Nothing, PendingPage> = get("/ops/agreement-requests");
    pub const DECIDE_AGREEMENT: Endpoint<Nothing, Decision, Nothing> = post("/ops/agreement-requests/{id}/decision");
    pub const LIST_REQUESTS: Endpoint<RequestsQuery, Nothing, RequestPage> = get("/ops/requests");
    pub const REQUEST_DETAIL: Endpoint<Nothing, Nothing, RequestDetail> = get("/ops/requests/{id}");
    pub const REPLY: Endpoint<Nothing, DeskReply, RequestMessage> = post("/ops/requests/{id}/replies");
    pub const SET_STATUS: Endpoint<Nothing, StatusChange, Nothing> = post("/ops/requests/{id}/status");
    pub const UPLOAD: Endpoint<OpsUploadQuery, Bytes, AttachmentInfo> = post("/ops/attachments");
    pub const DOWNLOAD: Endpoint<Nothing, Nothing, File> = get("/ops/attachments/{id}");
    pub const BROADCAST: Endpoint<Nothing, Broadcast, i64> = post("/ops/broadcasts");
    pub const PUBLISH_INVOICE: Endpoint<Nothing, PublishInvoice, Published> = post("/ops/invoices");
    pub const PUBLISH_DOCUMENT: Endpoint<
        crate::api::documents::PublishDocumentQuery,
        Bytes,
        crate::api::documents::ContractDocument,
    > = post("/ops/contract-documents");
    pub const IMPORT_BOOK: Endpoint<ImportQuery, Text, ImportReport> = post("/ops/book/import");
    pub const AUDIT: Endpoint<AuditQuery, Nothing, Vec<AuditEntry>> = get("/ops/audit");
}

/// Self-service requests, their messages and attachments (S1–S5).
pub mod requests {
    use super::*;
    use crate::api::requests::*;
    pub const CONTEXT: Endpoint<Nothing, Nothing, SelfServiceContext> = get("/self-service");
    pub const TYPES: Endpoint<Nothing, Nothing, Vec<RequestType>> = get("/requests/types");
    pub const PAYOFF: Endpoint<Nothing, Nothing, PayoffQuote> = get("/contracts/{id}/payoff");
    pub const CREATE: Endpoint<Nothing, NewRequest, RequestDetail> = post("/requests");
    pub const LIST: Endpoint<RequestsQuery, Nothing, RequestPage> = get("/requests");
    pub const DETAIL: Endpoint<Nothing, Nothing, RequestDetail> = get("/requests/{id}");
    pub const ADD_MESSAGE: Endpoint<Nothing, NewMessage, RequestMessage> = post("/requests/{id}/messages");
    pub const UPLOAD: Endpoint<UploadQuery, Bytes, AttachmentInfo> = post("/attachments");
    pub const DOWNLOAD: Endpoint<Nothing, Nothing, File> = get("/attachments/{id}");
}

/// Logging in and out, and who is logged in.
pub mod session {
    use super::*;
    use crate::api::auth::*;
    pub const LOGIN: Endpoint<Nothing, LoginRequest, LoginChallenge> = post("/auth/login");
    pub const VERIFY: Endpoint<Nothing, VerifyCodeRequest, TokenPair> = post("/auth/verify");
    pub const RESEND: Endpoint<Nothing, ResendCodeRequest, LoginChallenge> = post("/auth/resend");
    pub const REFRESH: Endpoint<Nothing, RefreshRequest, TokenPair> = post("/auth/refresh");
    pub const LOGOUT: Endpoint<Nothing, RefreshRequest, Nothing> = post("/auth/logout");
    pub const ME: Endpoint<Nothing, Nothing, Me> = get("/me");
}

/// New versions of the desktop (X1, X2): the company publishes and stages
/// them, every desktop's updater asks for them and downloads them.
pub mod releases {
    use super::*;
    use crate::api::releases::*;
    pub const LIST: Endpoint<Nothing, Nothing, Vec<ReleaseInfo>> = get("/ops/releases");
    pub const CREATE: Endpoint<Nothing, NewRelease, ReleaseInfo> = post("/ops/releases");
    pub const ADD_BUNDLE: Endpoint<BundleQuery, Bytes, BundleInfo> = put("/ops/releases/{version}/bundles/{target}");
    pub const SHARE: Endpoint<Nothing, ShareChange, ReleaseInfo> = post("/ops/releases/{version}/share");
    pub const WITHDRAW: Endpoint<Nothing, Nothing, ReleaseInfo> = post("/ops/releases/{version}/withdraw");
    pub const CHECK: Endpoint<Nothing, Nothing, UpdateOffer> =
        get("/updates/{os}/{arch}/{installer}/{current_version}");
    pub const BUNDLE: Endpoint<Nothing, Nothing, File> = get("/updates/bundles/{version}/{target}");
}

/// The home page (H1, H2).
pub mod home {
    use super::*;
    use crate::api::home::Home;
    pub const HOME: Endpoint<Nothing, Nothing, Home> = get("/home");
}

/// The payment schedule (B1).
pub mod schedule {
    use super::*;
    use crate::api::schedule::*;
    pub const LIST: Endpoint<ScheduleQuery, Nothing, SchedulePage> = get("/schedule");
    pub const ITEM: Endpoint<Nothing, Nothing, ScheduleItem> = get("/schedule/{id}");
    pub const REPORT: Endpoint<Nothing, ReportPayment, Nothing> = post("/schedule/reported");
}

/// Services, quotes, orders and payment proofs, for customers and operators.
pub mod shop {
    use super::*;
    use crate::api::ops::Decision;
    use crate::api::requests::UploadQuery;
    use crate::api::shop::*;
    use crate::shop::layout::RecordLayout;
    use std::collections::BTreeMap;
    pub const CATALOGUE: Endpoint<Nothing, Nothing, Catalogue> = get("/shop/catalogue");
    pub const JOIN_AGREEMENT: Endpoint<Nothing, JoinAgreement, Nothing> = post("/shop/agreements");
    pub const WALLET: Endpoint<Nothing, Nothing, Wallet> = get("/shop/wallet");
    pub const SUBMIT_PROOF: Endpoint<Nothing, NewPaymentProof, PaymentProof> = post("/shop/payment-proofs");
    pub const PLACE_ORDER: Endpoint<Nothing, NewOrder, Order> = post("/shop/orders");
    pub const ORDERS: Endpoint<OrdersQuery, Nothing, OrderPage> = get("/shop/orders");
    pub const ORDER: Endpoint<Nothing, Nothing, Order> = get("/shop/orders/{id}");
    pub const REQUEST_QUOTE: Endpoint<Nothing, NewQuote, Quote> = post("/shop/quotes");
    pub const QUOTES: Endpoint<QuotesQuery, Nothing, QuotePage> = get("/shop/quotes");
    pub const QUOTE: Endpoint<Nothing, Nothing, Quote> = get("/shop/quotes/{id}");
    pub const ACCEPT_QUOTE: Endpoint<Nothing, AcceptQuote, Order> = post("/shop/quotes/{id}/accept");
    pub const DECLINE_QUOTE: Endpoint<Nothing, Nothing, Quote> = post("/shop/quotes/{id}/decline");
    pub const OPS_ORDERS: Endpoint<OrdersQuery, Nothing, OrderPage> = get("/ops/orders");
    pub const FULFIL_PDF: Endpoint<UploadQuery, Pdf, Order> = post("/ops/order-items/{id}/pdf");
    pub const FULFIL_RECORD: Endpoint<Nothing, BTreeMap<String, String>, Order> = post("/ops/order-items/{id}/record");
    pub const OPS_QUOTES: Endpoint<QuotesQuery, Nothing, QuotePage> = get("/ops/quotes");
    pub const PRICE_QUOTE: Endpoint<Nothing, QuotePrice, Quote> = post("/ops/quotes/{id}/price");
    pub const OPS_PROOFS: Endpoint<ProofsQuery, Nothing, ProofPage> = get("/ops/payment-proofs");
    pub const DECIDE_PROOF: Endpoint<Nothing, Decision, PaymentProof> = post("/ops/payment-proofs/{id}/decision");
    pub const SET_LAYOUT: Endpoint<Nothing, RecordLayout, Nothing> = put("/ops/customers/{code}/record-layout");
}

/// Every operation, named as above.
pub const ALL: &[Declared] = declared![
    accounts::REGISTER,
    accounts::REGISTER_BY_CATEGORY,
    accounts::RECOVER,
    accounts::REQUEST_RESET,
    accounts::COMPLETE_RESET,
    accounts::CHANGE_PASSWORD,
    accounts::PROFILE,
    accounts::UPDATE_PROFILE,
    accounts::START_EMAIL_CHANGE,
    accounts::CONFIRM_EMAIL_CHANGE,
    accounts::LIST_SUB_USERS,
    accounts::CREATE_SUB_USER,
    accounts::UPDATE_SUB_USER,
    accounts::DELETE_SUB_USER,
    accounts::LIST_SESSIONS,
    accounts::END_SESSION,
    accounts::END_ALL_SESSIONS,
    accounts::PRIVACY,
    accounts::DECIDE_CONSENT,
    assets::LIST,
    assets::ITEM,
    authenticator::STATUS,
    authenticator::SETUP,
    authenticator::ENABLE,
    authenticator::DISABLE,
    authenticator::RENEW_CODES,
    contracts::LIST,
    contracts::DETAIL,
    contracts::PLAN,
    invoices::LIST,
    invoices::ITEM,
    invoices::PDF,
    invoices::XML,
    notifications::LIST,
    notifications::MARK_READ,
    notifications::MARK_ALL_READ,
    notifications::CHANGES,
    notifications::SUMMARY,
    notifications::EVENTS,
    ops::LOGIN,
    ops::LOGOUT,
    ops::DISABLE_OPERATOR,
    ops::INVITE,
    ops::REGISTRATIONS,
    ops::DECIDE_REGISTRATION,
    ops::AGREEMENT_REQUESTS,
    ops::DECIDE_AGREEMENT,
    ops::LIST_REQUESTS,
    ops::REQUEST_DETAIL,
    ops::REPLY,
    ops::SET_STATUS,
    ops::UPLOAD,
    ops::DOWNLOAD,
    ops::BROADCAST,
    ops::PUBLISH_INVOICE,
    ops::PUBLISH_DOCUMENT,
    ops::IMPORT_BOOK,
    ops::AUDIT,
    requests::CONTEXT,
    requests::TYPES,
    requests::PAYOFF,
    requests::CREATE,
    requests::LIST,
    requests::DETAIL,
    requests::ADD_MESSAGE,
    requests::UPLOAD,
    requests::DOWNLOAD,
    session::LOGIN,
    session::VERIFY,
    session::RESEND,
    releases::LIST,
    releases::CREATE,
    releases::ADD_BUNDLE,
    releases::SHARE,
    releases::WITHDRAW,
    releases::CHECK,
    releases::BUNDLE,
    session::REFRESH,
    session::LOGOUT,
    session::ME,
    home::HOME,
    schedule::LIST,
    schedule::ITEM,
    schedule::REPORT,
    shop::CATALOGUE,
    shop::JOIN_AGREEMENT,
    shop::WALLET,
    shop::SUBMIT_PROOF,
    shop::PLACE_ORDER,
    shop::ORDERS,
    shop::ORDER,
    shop::REQUEST_QUOTE,
    shop::QUOTES,
    shop::QUOTE,
    shop::ACCEPT_QUOTE,
    shop::DECLINE_QUOTE,
    shop::OPS_ORDERS,
    shop::FULFIL_PDF,
    shop::FULFIL_RECORD,
    shop::OPS_QUOTES,
    shop::PRICE_QUOTE,
    shop::OPS_PROOFS,
    shop::DECIDE_PROOF,
    shop::SET_LAYOUT,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_in_order_and_encoded() {
        assert_eq!(contracts::PLAN.at(&[&42]), "/contracts/42/plan");
        assert_eq!(
            accounts::UPDATE_SUB_USER.at(&[&"anna rossi/2"]),
            "/sub-users/anna%20rossi%2F2"
        );
        assert_eq!(contracts::LIST.plain(), "/contracts");
        assert_eq!(
            requests::ADD_MESSAGE.parse("/requests/42/messages"),
            Some(vec!["42".to_owned()])
        );
        assert_eq!(requests::ADD_MESSAGE.parse("/requests/42/replies"), None);
        assert_eq!(requests::ADD_MESSAGE.parse("/requests//messages"), None);
        assert_eq!(requests::CREATE.parse("/requests"), Some(vec![]));
        assert_eq!(requests::CREATE.parse("/requests/1"), None);
    }

    #[test]
    #[should_panic(expected = "a parameter is missing")]
    fn a_missing_parameter_is_a_bug() {
        contracts::PLAN.at(&[]);
    }

    #[test]
    fn every_operation_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for Declared { name, op, .. } in ALL {
            assert!(seen.insert((op.verb, op.path)), "{name} is declared twice");
            assert!(op.path.starts_with('/') && !op.path.starts_with(PREFIX), "{name}");
        }
    }
}
