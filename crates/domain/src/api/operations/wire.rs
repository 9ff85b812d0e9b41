//! The parts of a declaration: the method and path, the typed endpoint and
//! call, the markers for what is not JSON, and what the document must say.

use serde::{Deserialize, Serialize};
use std::fmt::Display;
use std::marker::PhantomData;
use std::ops::Deref;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::{RefOr, Schema};

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

/// An operation with the types of its query `Q`, its body `B` and its reply `R`.
pub struct Endpoint<Q, B, R> {
    pub op: Operation,
    types: PhantomData<fn(Q, B) -> R>,
}

impl<Q, B, R> Clone for Endpoint<Q, B, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Q, B, R> Copy for Endpoint<Q, B, R> {}

impl<Q, B, R> Deref for Endpoint<Q, B, R> {
    type Target = Operation;
    fn deref(&self) -> &Operation {
        &self.op
    }
}

impl<Q, B, R> Endpoint<Q, B, R> {
    const fn new(verb: Verb, path: &'static str) -> Self {
        Endpoint {
            op: Operation { verb, path },
            types: PhantomData,
        }
    }

    /// The operation with its parameters filled (see [`Operation::at`]).
    pub fn call(&self, args: &[&(dyn Display + Sync)]) -> Call<Q, B, R> {
        Call {
            verb: self.op.verb,
            path: self.op.at(args),
            types: PhantomData,
        }
    }
}

impl<Q: QueryPart, B: Part, R: Part> Endpoint<Q, B, R> {
    /// What the OpenAPI document must state for this operation.
    pub const fn shape(&self) -> fn() -> Shape {
        Shape::of::<Q, B, R>
    }
}

pub(super) const fn get<Q, B, R>(path: &'static str) -> Endpoint<Q, B, R> {
    Endpoint::new(Verb::Get, path)
}
pub(super) const fn post<Q, B, R>(path: &'static str) -> Endpoint<Q, B, R> {
    Endpoint::new(Verb::Post, path)
}
pub(super) const fn put<Q, B, R>(path: &'static str) -> Endpoint<Q, B, R> {
    Endpoint::new(Verb::Put, path)
}
pub(super) const fn patch<Q, B, R>(path: &'static str) -> Endpoint<Q, B, R> {
    Endpoint::new(Verb::Patch, path)
}
pub(super) const fn delete<Q, B, R>(path: &'static str) -> Endpoint<Q, B, R> {
    Endpoint::new(Verb::Delete, path)
}

/// An operation ready to send: its method, its filled path (and query),
/// and the types of what it sends and reads.
pub struct Call<Q, B, R> {
    pub verb: Verb,
    pub path: String,
    types: PhantomData<fn(Q, B) -> R>,
}

impl<Q: Serialize, B, R> Call<Q, B, R> {
    /// The call with `query` as its query string (none when every field is absent).
    pub fn query(mut self, query: &Q) -> Result<Self, serde_urlencoded::ser::Error> {
        let query = serde_urlencoded::to_string(query)?;
        if !query.is_empty() {
            self.path = format!("{}?{query}", self.path);
        }
        Ok(self)
    }
}

impl<Q, B, R> Call<Q, B, R> {
    /// The same call with the page after `cursor` (the list's `next_cursor`).
    pub fn after(&self, cursor: &str) -> Self {
        let joiner = if self.path.contains('?') { '&' } else { '?' };
        Call {
            verb: self.verb,
            path: format!("{}{joiner}cursor={}", self.path, segment(cursor)),
            types: PhantomData,
        }
    }
}

impl<Q, B, R> Clone for Call<Q, B, R> {
    fn clone(&self) -> Self {
        Call {
            verb: self.verb,
            path: self.path.clone(),
            types: PhantomData,
        }
    }
}

impl<Q, B, R> std::fmt::Debug for Call<Q, B, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb.as_str(), self.path)
    }
}

/// No query, no body, or an empty reply (204).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nothing;

/// Bytes sent as they are (`application/octet-stream`): uploads.
pub struct Bytes;
/// A stored file, served with the type it was stored with.
pub struct File;
/// A PDF document.
pub struct Pdf;
/// A FatturaPA XML document.
pub struct Xml;
/// Plain text (a book file).
pub struct Text;
/// A stream of server-sent events.
pub struct EventStream;

/// How a body or a reply travels: its media type and, for JSON, its schema.
pub trait Part {
    /// None when there is no body.
    const MEDIA: Option<&'static str>;
    fn schema() -> Option<RefOr<Schema>> {
        None
    }
}

impl<T: utoipa::ToSchema> Part for T {
    const MEDIA: Option<&'static str> = Some("application/json");
    fn schema() -> Option<RefOr<Schema>> {
        Some(T::schema())
    }
}

macro_rules! media {
    ($($marker:ty => $media:expr),* $(,)?) => {
        $(impl Part for $marker {
            const MEDIA: Option<&'static str> = $media;
        })*
    };
}

media! {
    Nothing => None,
    Bytes => Some("application/octet-stream"),
    File => Some("*/*"),
    Pdf => Some("application/pdf"),
    Xml => Some("application/xml"),
    Text => Some("text/plain"),
    EventStream => Some("text/event-stream"),
}

/// The query parameters a type stands for.
pub trait QueryPart {
    fn names() -> Vec<String>;
}

impl<T: utoipa::IntoParams> QueryPart for T {
    fn names() -> Vec<String> {
        T::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(|p| p.name)
            .collect()
    }
}

impl QueryPart for Nothing {
    fn names() -> Vec<String> {
        Vec::new()
    }
}

/// What the OpenAPI document must say of one operation.
pub struct Shape {
    /// The query parameters' names, in order.
    pub query: Vec<String>,
    /// The body's media type and schema.
    pub body: (Option<&'static str>, Option<RefOr<Schema>>),
    /// The successful reply's media type and schema.
    pub reply: (Option<&'static str>, Option<RefOr<Schema>>),
}

impl Shape {
    fn of<Q: QueryPart, B: Part, R: Part>() -> Shape {
        Shape {
            query: Q::names(),
            body: (B::MEDIA, B::schema()),
            reply: (R::MEDIA, R::schema()),
        }
    }
}

/// A list the API answers in pages: its items and the next page's cursor.
pub trait Paged {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! paged {
    ($($page:ty => $item:ty),* $(,)?) => {
        $(impl Paged for $page {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (self.items, self.next_cursor)
            }
        })*
    };
}

paged! {
    crate::api::accounts::SubUserPage => crate::api::accounts::SubUser,
    crate::api::assets::AssetPage => crate::api::assets::AssetItem,
    crate::api::contracts::ContractPage => crate::api::contracts::ContractListItem,
    crate::api::contracts::PlanPage => crate::api::contracts::PlanEntry,
    crate::api::invoices::InvoicePage => crate::api::invoices::InvoiceItem,
    crate::api::ops::PendingPage => crate::api::ops::PendingItem,
    crate::api::requests::RequestPage => crate::api::requests::RequestSummary,
    crate::api::schedule::SchedulePage => crate::api::schedule::ScheduleItem,
    crate::api::shop::OrderPage => crate::api::shop::Order,
    crate::api::shop::QuotePage => crate::api::shop::Quote,
    crate::api::shop::ProofPage => crate::api::shop::PaymentProof,
}

/// A path segment (or a query value): unreserved characters as they are,
/// the rest percent-encoded.
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
