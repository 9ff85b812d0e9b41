//! The OpenAPI 3.1 document of the API, generated from the router's handlers
//! and the wire types; served at /api/v1/openapi.json, kept in docs/openapi.json.

use sportello_domain::amortization::{Periodicity, PlanRow, RowKind};
use sportello_domain::api::assets::{AssetItem, AssetPage};
use sportello_domain::api::auth::{LoginChallenge, LoginRequest, Me, RefreshRequest, TokenPair, VerifyCodeRequest};
use sportello_domain::api::contracts::{
    ContractDetail, ContractListItem, ContractPage, ContractStatus, ContractsShown, PlanEntry, PlanPage,
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
    components(schemas(ApiError, ErrorCode, Money, LoginRequest, LoginChallenge, VerifyCodeRequest, TokenPair,
        RefreshRequest, Me, Home, Situation, ContractsPanel, ContractSummary, ContractPage, ContractListItem,
        ContractStatus, ContractsShown, ContractDetail, PlanPage, PlanEntry, PlanRow, RowKind, Periodicity, PaymentMethod,
        SchedulePage, ScheduleItem, ScheduleReason, PaymentStatus, AssetPage, AssetItem, InvoicePage, InvoiceItem, DocumentKind)),
    modifiers(&BearerAuth)
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

/// The document: the paths from the router itself (`routes::api`), the
/// answers every operation shares added once they are all there.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(sportello_domain::api::operations::PREFIX, super::routes::api())
        .split_for_parts();
    CommonAnswers.modify(&mut document);
    document
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
