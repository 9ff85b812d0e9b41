//! Every operation of the HTTP API, declared once: its method and its path
//! (relative to [`PREFIX`], `{name}` for a path parameter). The server's
//! router and its OpenAPI document take each path from here (the handler's
//! `#[utoipa::path]` names the constant), the desktop's client calls
//! through it, and a test of the server checks that the document serves
//! exactly [`ALL`], each with its method.

use std::fmt::Display;

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }
}

/// One operation: a method on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    pub verb: Verb,
    pub path: &'static str,
}

impl Operation {
    const fn new(verb: Verb, path: &'static str) -> Operation {
        Operation { verb, path }
    }

    /// The path with its parameters filled in order, each percent-encoded
    /// as a path segment. Panics when the count differs: a caller's bug.
    pub fn at(&self, args: &[&(dyn Display + Sync)]) -> String {
        let mut out = String::with_capacity(self.path.len() + 16);
        let mut args = args.iter();
        let mut rest = self.path;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').expect("a parameter is closed") + open;
            out.push_str(&rest[..open]);
            let arg = args
                .next()
                .unwrap_or_else(|| panic!("{}: a parameter is missing", self.path));
            out.push_str(&segment(&arg.to_string()));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        assert!(args.next().is_none(), "{}: too many parameters", self.path);
        out
    }

    /// The operation with its parameters filled (see [`Operation::at`]).
    pub fn call(&self, args: &[&(dyn Display + Sync)]) -> Call {
        Call {
            verb: self.verb,
            path: self.at(args),
        }
    }

    /// The parameters of `path` if it is this operation's path (the
    /// inverse of [`Operation::at`], for paths kept before sending).
    pub fn parse(&self, path: &str) -> Option<Vec<String>> {
        let mut args = Vec::new();
        let mut rest = path;
        let mut template = self.path;
        while let Some(open) = template.find('{') {
            rest = rest.strip_prefix(&template[..open])?;
            let close = template[open..].find('}')? + open;
            template = &template[close + 1..];
            let end = if template.is_empty() {
                rest.len()
            } else {
                rest.find(template.split('{').next()?)?
            };
            if end == 0 || rest[..end].contains('/') {
                return None;
            }
            args.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        (rest == template).then_some(args)
    }

    /// The path of an operation without parameters.
    pub fn plain(&self) -> &'static str {
        debug_assert!(!self.path.contains('{'), "{} takes parameters", self.path);
        self.path
    }
}

/// An operation ready to send: its method and its filled path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub verb: Verb,
    pub path: String,
}

/// A path segment: unreserved characters as they are, the rest percent-encoded.
fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Registration, recovery, password, profile, sessions, privacy and sub-users.
pub mod accounts {
    use super::{Operation, Verb};
    pub const REGISTER: Operation = Operation::new(Verb::Post, "/auth/register");
    pub const REGISTER_BY_CATEGORY: Operation = Operation::new(Verb::Post, "/auth/register-by-category");
    pub const RECOVER: Operation = Operation::new(Verb::Post, "/auth/recover");
    pub const REQUEST_RESET: Operation = Operation::new(Verb::Post, "/auth/password-reset");
    pub const COMPLETE_RESET: Operation = Operation::new(Verb::Post, "/auth/password-reset/complete");
    pub const CHANGE_PASSWORD: Operation = Operation::new(Verb::Post, "/me/password");
    pub const PROFILE: Operation = Operation::new(Verb::Get, "/profile");
    pub const UPDATE_PROFILE: Operation = Operation::new(Verb::Patch, "/profile");
    pub const START_EMAIL_CHANGE: Operation = Operation::new(Verb::Post, "/profile/email");
    pub const CONFIRM_EMAIL_CHANGE: Operation = Operation::new(Verb::Post, "/profile/email/confirm");
    pub const LIST_SUB_USERS: Operation = Operation::new(Verb::Get, "/sub-users");
    pub const CREATE_SUB_USER: Operation = Operation::new(Verb::Post, "/sub-users");
    pub const UPDATE_SUB_USER: Operation = Operation::new(Verb::Put, "/sub-users/{username}");
    pub const DELETE_SUB_USER: Operation = Operation::new(Verb::Delete, "/sub-users/{username}");
    pub const LIST_SESSIONS: Operation = Operation::new(Verb::Get, "/me/sessions");
    pub const END_SESSION: Operation = Operation::new(Verb::Delete, "/me/sessions/{id}");
    pub const END_ALL_SESSIONS: Operation = Operation::new(Verb::Post, "/me/sessions/end-all");
    pub const PRIVACY: Operation = Operation::new(Verb::Get, "/profile/privacy");
    pub const DECIDE_CONSENT: Operation = Operation::new(Verb::Put, "/profile/privacy");
}

/// Leased assets (C3).
pub mod assets {
    use super::{Operation, Verb};
    pub const LIST: Operation = Operation::new(Verb::Get, "/assets");
    pub const ITEM: Operation = Operation::new(Verb::Get, "/assets/{id}");
}

/// The second factor by authenticator app.
pub mod authenticator {
    use super::{Operation, Verb};
    pub const STATUS: Operation = Operation::new(Verb::Get, "/me/authenticator");
    pub const SETUP: Operation = Operation::new(Verb::Post, "/me/authenticator/setup");
    pub const ENABLE: Operation = Operation::new(Verb::Post, "/me/authenticator/enable");
    pub const DISABLE: Operation = Operation::new(Verb::Post, "/me/authenticator/disable");
    pub const RENEW_CODES: Operation = Operation::new(Verb::Post, "/me/authenticator/recovery-codes");
}

/// Contracts and their plans (C1, C2).
pub mod contracts {
    use super::{Operation, Verb};
    pub const LIST: Operation = Operation::new(Verb::Get, "/contracts");
    pub const DETAIL: Operation = Operation::new(Verb::Get, "/contracts/{id}");
    pub const PLAN: Operation = Operation::new(Verb::Get, "/contracts/{id}/plan");
}

/// Invoices and their documents (B2).
pub mod invoices {
    use super::{Operation, Verb};
    pub const LIST: Operation = Operation::new(Verb::Get, "/invoices");
    pub const ITEM: Operation = Operation::new(Verb::Get, "/invoices/{id}");
    pub const PDF: Operation = Operation::new(Verb::Get, "/invoices/{id}/pdf");
    pub const XML: Operation = Operation::new(Verb::Get, "/invoices/{id}/xml");
}

/// The bell, the change feed and the live events.
pub mod notifications {
    use super::{Operation, Verb};
    pub const LIST: Operation = Operation::new(Verb::Get, "/notifications");
    pub const MARK_READ: Operation = Operation::new(Verb::Post, "/notifications/{id}/read");
    pub const MARK_ALL_READ: Operation = Operation::new(Verb::Post, "/notifications/read-all");
    pub const CHANGES: Operation = Operation::new(Verb::Get, "/changes");
    pub const SUMMARY: Operation = Operation::new(Verb::Get, "/sync/summary");
    pub const EVENTS: Operation = Operation::new(Verb::Get, "/events");
}

/// The company's operators: desk, decisions, invoices, the book.
pub mod ops {
    use super::{Operation, Verb};
    pub const LOGIN: Operation = Operation::new(Verb::Post, "/ops/login");
    pub const LOGOUT: Operation = Operation::new(Verb::Post, "/ops/logout");
    pub const DISABLE_OPERATOR: Operation = Operation::new(Verb::Post, "/ops/operators/{username}/disable");
    pub const INVITE: Operation = Operation::new(Verb::Post, "/ops/invitations");
    pub const REGISTRATIONS: Operation = Operation::new(Verb::Get, "/ops/registrations");
    pub const DECIDE_REGISTRATION: Operation = Operation::new(Verb::Post, "/ops/registrations/{id}/decision");
    pub const AGREEMENT_REQUESTS: Operation = Operation::new(Verb::Get, "/ops/agreement-requests");
    pub const DECIDE_AGREEMENT: Operation = Operation::new(Verb::Post, "/ops/agreement-requests/{id}/decision");
    pub const LIST_REQUESTS: Operation = Operation::new(Verb::Get, "/ops/requests");
    pub const REQUEST_DETAIL: Operation = Operation::new(Verb::Get, "/ops/requests/{id}");
    pub const REPLY: Operation = Operation::new(Verb::Post, "/ops/requests/{id}/replies");
    pub const SET_STATUS: Operation = Operation::new(Verb::Post, "/ops/requests/{id}/status");
    pub const UPLOAD: Operation = Operation::new(Verb::Post, "/ops/attachments");
    pub const DOWNLOAD: Operation = Operation::new(Verb::Get, "/ops/attachments/{id}");
    pub const BROADCAST: Operation = Operation::new(Verb::Post, "/ops/broadcasts");
    pub const PUBLISH_INVOICE: Operation = Operation::new(Verb::Post, "/ops/invoices");
    pub const IMPORT_BOOK: Operation = Operation::new(Verb::Post, "/ops/book/import");
    pub const AUDIT: Operation = Operation::new(Verb::Get, "/ops/audit");
}

/// Self-service requests, their messages and attachments (S1–S5).
pub mod requests {
    use super::{Operation, Verb};
    pub const CONTEXT: Operation = Operation::new(Verb::Get, "/self-service");
    pub const TYPES: Operation = Operation::new(Verb::Get, "/requests/types");
    pub const PAYOFF: Operation = Operation::new(Verb::Get, "/contracts/{id}/payoff");
    pub const CREATE: Operation = Operation::new(Verb::Post, "/requests");
    pub const LIST: Operation = Operation::new(Verb::Get, "/requests");
    pub const DETAIL: Operation = Operation::new(Verb::Get, "/requests/{id}");
    pub const ADD_MESSAGE: Operation = Operation::new(Verb::Post, "/requests/{id}/messages");
    pub const UPLOAD: Operation = Operation::new(Verb::Post, "/attachments");
    pub const DOWNLOAD: Operation = Operation::new(Verb::Get, "/attachments/{id}");
}

/// Logging in and out, and who is logged in.
pub mod session {
    use super::{Operation, Verb};
    pub const LOGIN: Operation = Operation::new(Verb::Post, "/auth/login");
    pub const VERIFY: Operation = Operation::new(Verb::Post, "/auth/verify");
    pub const REFRESH: Operation = Operation::new(Verb::Post, "/auth/refresh");
    pub const LOGOUT: Operation = Operation::new(Verb::Post, "/auth/logout");
    pub const ME: Operation = Operation::new(Verb::Get, "/me");
}

/// The home page (H1, H2).
pub mod home {
    use super::{Operation, Verb};
    pub const HOME: Operation = Operation::new(Verb::Get, "/home");
}

/// The payment schedule (B1).
pub mod schedule {
    use super::{Operation, Verb};
    pub const LIST: Operation = Operation::new(Verb::Get, "/schedule");
    pub const ITEM: Operation = Operation::new(Verb::Get, "/schedule/{id}");
}

/// Services, quotes, orders and payment proofs, for customers and operators.
pub mod shop {
    use super::{Operation, Verb};
    pub const CATALOGUE: Operation = Operation::new(Verb::Get, "/shop/catalogue");
    pub const JOIN_AGREEMENT: Operation = Operation::new(Verb::Post, "/shop/agreements");
    pub const WALLET: Operation = Operation::new(Verb::Get, "/shop/wallet");
    pub const SUBMIT_PROOF: Operation = Operation::new(Verb::Post, "/shop/payment-proofs");
    pub const PLACE_ORDER: Operation = Operation::new(Verb::Post, "/shop/orders");
    pub const ORDERS: Operation = Operation::new(Verb::Get, "/shop/orders");
    pub const ORDER: Operation = Operation::new(Verb::Get, "/shop/orders/{id}");
    pub const REQUEST_QUOTE: Operation = Operation::new(Verb::Post, "/shop/quotes");
    pub const QUOTES: Operation = Operation::new(Verb::Get, "/shop/quotes");
    pub const QUOTE: Operation = Operation::new(Verb::Get, "/shop/quotes/{id}");
    pub const ACCEPT_QUOTE: Operation = Operation::new(Verb::Post, "/shop/quotes/{id}/accept");
    pub const DECLINE_QUOTE: Operation = Operation::new(Verb::Post, "/shop/quotes/{id}/decline");
    pub const OPS_ORDERS: Operation = Operation::new(Verb::Get, "/ops/orders");
    pub const FULFIL_PDF: Operation = Operation::new(Verb::Post, "/ops/order-items/{id}/pdf");
    pub const FULFIL_RECORD: Operation = Operation::new(Verb::Post, "/ops/order-items/{id}/record");
    pub const OPS_QUOTES: Operation = Operation::new(Verb::Get, "/ops/quotes");
    pub const PRICE_QUOTE: Operation = Operation::new(Verb::Post, "/ops/quotes/{id}/price");
    pub const OPS_PROOFS: Operation = Operation::new(Verb::Get, "/ops/payment-proofs");
    pub const DECIDE_PROOF: Operation = Operation::new(Verb::Post, "/ops/payment-proofs/{id}/decision");
    pub const SET_LAYOUT: Operation = Operation::new(Verb::Put, "/ops/customers/{code}/record-layout");
}

/// Every operation, named as above.
pub const ALL: &[(&str, Operation)] = &[
    ("accounts::REGISTER", accounts::REGISTER),
    ("accounts::REGISTER_BY_CATEGORY", accounts::REGISTER_BY_CATEGORY),
    ("accounts::RECOVER", accounts::RECOVER),
    ("accounts::REQUEST_RESET", accounts::REQUEST_RESET),
    ("accounts::COMPLETE_RESET", accounts::COMPLETE_RESET),
    ("accounts::CHANGE_PASSWORD", accounts::CHANGE_PASSWORD),
    ("accounts::PROFILE", accounts::PROFILE),
    ("accounts::UPDATE_PROFILE", accounts::UPDATE_PROFILE),
    ("accounts::START_EMAIL_CHANGE", accounts::START_EMAIL_CHANGE),
    ("accounts::CONFIRM_EMAIL_CHANGE", accounts::CONFIRM_EMAIL_CHANGE),
    ("accounts::LIST_SUB_USERS", accounts::LIST_SUB_USERS),
    ("accounts::CREATE_SUB_USER", accounts::CREATE_SUB_USER),
    ("accounts::UPDATE_SUB_USER", accounts::UPDATE_SUB_USER),
    ("accounts::DELETE_SUB_USER", accounts::DELETE_SUB_USER),
    ("accounts::LIST_SESSIONS", accounts::LIST_SESSIONS),
    ("accounts::END_SESSION", accounts::END_SESSION),
    ("accounts::END_ALL_SESSIONS", accounts::END_ALL_SESSIONS),
    ("accounts::PRIVACY", accounts::PRIVACY),
    ("accounts::DECIDE_CONSENT", accounts::DECIDE_CONSENT),
    ("assets::LIST", assets::LIST),
    ("assets::ITEM", assets::ITEM),
    ("authenticator::STATUS", authenticator::STATUS),
    ("authenticator::SETUP", authenticator::SETUP),
    ("authenticator::ENABLE", authenticator::ENABLE),
    ("authenticator::DISABLE", authenticator::DISABLE),
    ("authenticator::RENEW_CODES", authenticator::RENEW_CODES),
    ("contracts::LIST", contracts::LIST),
    ("contracts::DETAIL", contracts::DETAIL),
    ("contracts::PLAN", contracts::PLAN),
    ("invoices::LIST", invoices::LIST),
    ("invoices::ITEM", invoices::ITEM),
    ("invoices::PDF", invoices::PDF),
    ("invoices::XML", invoices::XML),
    ("notifications::LIST", notifications::LIST),
    ("notifications::MARK_READ", notifications::MARK_READ),
    ("notifications::MARK_ALL_READ", notifications::MARK_ALL_READ),
    ("notifications::CHANGES", notifications::CHANGES),
    ("notifications::SUMMARY", notifications::SUMMARY),
    ("notifications::EVENTS", notifications::EVENTS),
    ("ops::LOGIN", ops::LOGIN),
    ("ops::LOGOUT", ops::LOGOUT),
    ("ops::DISABLE_OPERATOR", ops::DISABLE_OPERATOR),
    ("ops::INVITE", ops::INVITE),
    ("ops::REGISTRATIONS", ops::REGISTRATIONS),
    ("ops::DECIDE_REGISTRATION", ops::DECIDE_REGISTRATION),
    ("ops::AGREEMENT_REQUESTS", ops::AGREEMENT_REQUESTS),
    ("ops::DECIDE_AGREEMENT", ops::DECIDE_AGREEMENT),
    ("ops::LIST_REQUESTS", ops::LIST_REQUESTS),
    ("ops::REQUEST_DETAIL", ops::REQUEST_DETAIL),
    ("ops::REPLY", ops::REPLY),
    ("ops::SET_STATUS", ops::SET_STATUS),
    ("ops::UPLOAD", ops::UPLOAD),
    ("ops::DOWNLOAD", ops::DOWNLOAD),
    ("ops::BROADCAST", ops::BROADCAST),
    ("ops::PUBLISH_INVOICE", ops::PUBLISH_INVOICE),
    ("ops::IMPORT_BOOK", ops::IMPORT_BOOK),
    ("ops::AUDIT", ops::AUDIT),
    ("requests::CONTEXT", requests::CONTEXT),
    ("requests::TYPES", requests::TYPES),
    ("requests::PAYOFF", requests::PAYOFF),
    ("requests::CREATE", requests::CREATE),
    ("requests::LIST", requests::LIST),
    ("requests::DETAIL", requests::DETAIL),
    ("requests::ADD_MESSAGE", requests::ADD_MESSAGE),
    ("requests::UPLOAD", requests::UPLOAD),
    ("requests::DOWNLOAD", requests::DOWNLOAD),
    ("session::LOGIN", session::LOGIN),
    ("session::VERIFY", session::VERIFY),
    ("session::REFRESH", session::REFRESH),
    ("session::LOGOUT", session::LOGOUT),
    ("session::ME", session::ME),
    ("home::HOME", home::HOME),
    ("schedule::LIST", schedule::LIST),
    ("schedule::ITEM", schedule::ITEM),
    ("shop::CATALOGUE", shop::CATALOGUE),
    ("shop::JOIN_AGREEMENT", shop::JOIN_AGREEMENT),
    ("shop::WALLET", shop::WALLET),
    ("shop::SUBMIT_PROOF", shop::SUBMIT_PROOF),
    ("shop::PLACE_ORDER", shop::PLACE_ORDER),
    ("shop::ORDERS", shop::ORDERS),
    ("shop::ORDER", shop::ORDER),
    ("shop::REQUEST_QUOTE", shop::REQUEST_QUOTE),
    ("shop::QUOTES", shop::QUOTES),
    ("shop::QUOTE", shop::QUOTE),
    ("shop::ACCEPT_QUOTE", shop::ACCEPT_QUOTE),
    ("shop::DECLINE_QUOTE", shop::DECLINE_QUOTE),
    ("shop::OPS_ORDERS", shop::OPS_ORDERS),
    ("shop::FULFIL_PDF", shop::FULFIL_PDF),
    ("shop::FULFIL_RECORD", shop::FULFIL_RECORD),
    ("shop::OPS_QUOTES", shop::OPS_QUOTES),
    ("shop::PRICE_QUOTE", shop::PRICE_QUOTE),
    ("shop::OPS_PROOFS", shop::OPS_PROOFS),
    ("shop::DECIDE_PROOF", shop::DECIDE_PROOF),
    ("shop::SET_LAYOUT", shop::SET_LAYOUT),
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
        for (name, op) in ALL {
            assert!(seen.insert((op.verb, op.path)), "{name} is declared twice");
            assert!(op.path.starts_with('/') && !op.path.starts_with(PREFIX), "{name}");
        }
    }
}
