//! The OpenAPI 3.1 document of the API, generated from the handlers and the
//! wire types; served at /api/v1/openapi.json, kept in docs/openapi.json.

use super::contracts::{__path_detail, __path_list, __path_plan};
use super::routes::*;
use sportello_domain::amortization::{Periodicity, PlanRow, RowKind};
use sportello_domain::api::assets::{AssetItem, AssetPage};
use sportello_domain::api::auth::{LoginChallenge, LoginRequest, Me, RefreshRequest, TokenPair, VerifyCodeRequest};
use sportello_domain::api::contracts::{
    ContractDetail, ContractListItem, ContractPage, ContractStatus, PlanEntry, PlanPage,
};
use sportello_domain::api::home::{ContractSummary, ContractsPanel, Home};
use sportello_domain::api::invoices::{InvoiceItem, InvoicePage};
use sportello_domain::api::schedule::{ScheduleItem, SchedulePage, ScheduleReason};
use sportello_domain::invoice::{DocumentKind, PaymentMethod};
use sportello_domain::situation::PaymentStatus;
use sportello_domain::situation::Situation;
use sportello_domain::{ApiError, ErrorCode, Money};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Sportello API", description = "The API the Sportello desktop syncs with. Errors are always {code, message, fields?}."),
    paths(login, verify, refresh, logout, me, home, list, detail, plan, super::schedule::list, super::assets::list,
        super::invoices::list, super::invoices::pdf, super::invoices::xml,
        super::accounts::register, super::accounts::register_by_category, super::accounts::recover,
        super::accounts::request_reset, super::accounts::complete_reset, super::accounts::change_password,
        super::accounts::list_sessions, super::accounts::end_session, super::accounts::end_all_sessions,
        super::accounts::privacy, super::accounts::decide_consent,
        super::authenticator::status, super::authenticator::setup, super::authenticator::enable,
        super::authenticator::disable, super::authenticator::renew_codes,
        super::accounts::profile, super::accounts::update_profile, super::accounts::start_email_change,
        super::accounts::confirm_email_change, super::accounts::list_sub_users, super::accounts::create_sub_user,
        super::accounts::update_sub_user, super::accounts::delete_sub_user,
        super::requests::context, super::requests::types, super::requests::payoff, super::requests::create,
        super::requests::list, super::requests::detail, super::requests::add_message, super::requests::upload,
        super::requests::download,
        super::notifications::list, super::notifications::mark_read, super::notifications::mark_all_read,
        super::notifications::changes, super::notifications::events, super::notifications::summary,
        super::invoices::item,
        super::ops::login, super::ops::logout, super::ops::disable_operator, super::ops::invite, super::ops::registrations, super::ops::decide_registration,
        super::ops::agreement_requests, super::ops::decide_agreement, super::ops::list_requests,
        super::ops::request_detail, super::ops::reply, super::ops::set_status, super::ops::upload, super::ops::download,
        super::ops::broadcast, super::ops::publish_invoice, super::ops::import_book, super::ops::audit,
        super::schedule::item, super::assets::item,
        super::shop::catalogue, super::shop::join_agreement, super::shop::wallet, super::shop::submit_proof,
        super::shop::place_order, super::shop::orders, super::shop::order, super::shop::request_quote,
        super::shop::quotes, super::shop::quote, super::shop::accept_quote, super::shop::decline_quote,
        super::shop::ops_orders, super::shop::fulfil_pdf, super::shop::fulfil_record, super::shop::ops_quotes,
        super::shop::price_quote, super::shop::ops_proofs, super::shop::decide_proof, super::shop::set_layout),
    components(schemas(ApiError, ErrorCode, Money, LoginRequest, LoginChallenge, VerifyCodeRequest, TokenPair,
        RefreshRequest, Me, Home, Situation, ContractsPanel, ContractSummary, ContractPage, ContractListItem,
        ContractStatus, ContractDetail, PlanPage, PlanEntry, PlanRow, RowKind, Periodicity, PaymentMethod,
        SchedulePage, ScheduleItem, ScheduleReason, PaymentStatus, AssetPage, AssetItem, InvoicePage, InvoiceItem, DocumentKind)),
    modifiers(&BearerAuth, &CommonAnswers)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers any operation can give whatever its own: a secured one
/// answers 401 to a missing or ended token; one with parameters or a body
/// answers 400 to one that does not parse (a path id that is not a number,
/// malformed JSON), and 413 to a body over its limit. Said once here, so no
/// operation's list leaves them out.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::Operation;
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let error = || {
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                .build()
        };
        let answer = |text: &str| -> RefOr<utoipa::openapi::Response> {
            ResponseBuilder::new()
                .description(text)
                .content("application/json", error())
                .build()
                .into()
        };
        let add = |op: &mut Operation, code: &str, text: &str| {
            op.responses
                .responses
                .entry(code.to_owned())
                .or_insert_with(|| answer(text));
        };
        for item in openapi.paths.paths.values_mut() {
            for op in operations(item) {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_input = op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
                if secured {
                    add(
                        op,
                        "401",
                        "unauthorized: the access token is missing, expired or revoked",
                    );
                }
                if has_input {
                    add(
                        op,
                        "400",
                        "bad_request: a parameter or the body does not parse; fields name it",
                    );
                }
                if op.request_body.is_some() {
                    add(op, "413", "payload_too_large: the body is over the operation's limit");
                }
                let in_path = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Path);
                if in_path {
                    add(op, "404", "not_found: nothing the caller may see has this identifier");
                }
                let keyed = op.parameters.iter().flatten().any(|p| p.name == "Idempotency-Key");
                if keyed {
                    add(
                        op,
                        "409",
                        "conflict: a request with this Idempotency-Key is still being processed",
                    );
                    add(
                        op,
                        "422",
                        "idempotency_mismatch: this Idempotency-Key came with another body or operation",
                    );
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed in docs/openapi.json, built once.
pub fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let mut json = document().to_pretty_json().expect("the document serializes");
        json.push('\n');
        json
    })
}
