//! Invoices and credit notes (B2, B4, B6): the list, the courtesy PDF and the
//! FatturaPA XML of each.

use super::extract::{ApiPath, ApiQuery, Caller};
use super::paging::{after_date_id, bad, limit_of, page, path_id, with_etag};
use super::ServerError;
use crate::einvoice::{fatturapa, pdf};
use crate::store::invoices::InvoiceFilter;
use crate::AppState;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use sportello_domain::api::invoices::{first_day, InvoicePage, InvoicesQuery};
use sportello_domain::api::operations as op;
use sportello_domain::invoice::Invoice;
use sportello_domain::{ApiError, ErrorCode};

#[utoipa::path(get, path = op::invoices::LIST.path, tag = "invoices", operation_id = "list_invoices", security(("bearer" = [])),
    params(InvoicesQuery),
    responses((status = 200, description = "B4: invoices and credit notes, newest first; ETag", body = InvoicePage),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<InvoicesQuery>,
) -> Result<Response, ServerError> {
    let from = query.from.unwrap_or_else(first_day);
    if from < first_day() {
        return Err(bad("from", "documents are kept from 2008-01-01 on").into());
    }
    let to = query.to.unwrap_or_else(|| state.clock.today());
    if to < from {
        return Err(bad("to", "not before from").into());
    }
    let contract_id = super::assets::contract_filter(&state, caller.customer_id, query.contract).await?;
    let after = after_date_id(query.cursor.as_deref())?;
    let limit = limit_of(query.limit, 50)?;
    let filter = InvoiceFilter {
        customer_id: caller.customer_id,
        contract_id,
        kind: query.kind,
        from,
        to,
    };
    let transmitter = state.seller.0.vat_number.clone().expect("the seller has a VAT number");
    let rows = state
        .store
        .list_invoices(&filter, &transmitter, after, limit + 1)
        .await?;
    let (items, next_cursor) = page(rows, limit, |i| format!("{}|{}", i.issued_on, i.id));
    Ok(with_etag(&headers, &InvoicePage { items, next_cursor }))
}

#[utoipa::path(get, path = op::invoices::ITEM.path, tag = "invoices", operation_id = "invoice_item", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "One document as the list shows it (for the sync's deltas)", body = sportello_domain::api::invoices::InvoiceItem),
              (status = 404, body = ApiError)))]
pub(super) async fn item(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<sportello_domain::api::invoices::InvoiceItem>, ServerError> {
    let transmitter = state.seller.0.vat_number.clone().expect("the seller has a VAT number");
    state
        .store
        .invoice_item(caller.customer_id, path_id(&id)?, &transmitter)
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such invoice").into())
}

async fn document(state: &AppState, customer_id: i64, id: &str) -> Result<(Invoice, u32), ServerError> {
    let id = path_id(id)?;
    let seller = (&state.seller.0, &state.seller.1);
    state
        .store
        .invoice_document(customer_id, id, seller)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such invoice").into())
}

/// A download: the bytes, their type and the name to save them under.
/// A document as a download, with its SHA-256 (`X-Content-SHA256`, hex) for
/// the desktop to check what it received and what it keeps.
fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let sha256 = crate::secrets::sha256_hex_bytes(&body);
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (axum::http::HeaderName::from_static("x-content-sha256"), sha256),
        ],
        body,
    )
        .into_response()
}

#[utoipa::path(get, path = op::invoices::PDF.path, tag = "invoices", operation_id = "invoice_pdf", security(("bearer" = [])),
    params(("id" = i64, Path, description = "invoice id")),
    responses((status = 200, description = "B2: the courtesy PDF", content_type = "application/pdf"),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn pdf(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ServerError> {
    let (invoice, _) = document(&state, caller.customer_id, &id).await?;
    let name = format!(
        "{}-{}.pdf",
        invoice.kind.as_str(),
        invoice.number.replace(['/', '\\'], "-")
    );
    Ok(attachment("application/pdf", &name, pdf::to_pdf(&invoice)))
}

#[utoipa::path(get, path = op::invoices::XML.path, tag = "invoices", operation_id = "invoice_xml", security(("bearer" = [])),
    params(("id" = i64, Path, description = "invoice id")),
    responses((status = 200, description = "B6: the FatturaPA XML (FPR12)", content_type = "application/xml"),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn xml(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ServerError> {
    let (invoice, progressive) = document(&state, caller.customer_id, &id).await?;
    let transmitter = state.seller.0.vat_number.clone().expect("the seller has a VAT number");
    let name = fatturapa::file_name(&transmitter, progressive);
    Ok(attachment(
        "application/xml",
        &name,
        fatturapa::to_xml(&invoice, &transmitter, progressive).into_bytes(),
    ))
}
