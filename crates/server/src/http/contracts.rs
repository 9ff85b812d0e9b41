//! Contracts (C1, C2) and the amortization plan (C4).

use super::extract::{ApiPath, ApiQuery, Caller};
use super::paging::{bad, page, path_id, with_etag, ListQuery};
use super::ServerError;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sportello_domain::api::contracts::{ContractDetail, ContractPage, ContractStatus, PlanPage};
use sportello_domain::{ApiError, ErrorCode};
use std::collections::HashMap;

fn not_found() -> ServerError {
    ApiError::new(ErrorCode::NotFound, "no such contract").into()
}

#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", operation_id = "list_contracts", security(("bearer" = [])),
    params(
        ("status" = Option<String>, Query, description = "active, extinct or all (the default)"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, description = "C1: the customer's contracts; ETag", body = ContractPage),
              (status = 304, description = "Not modified since the ETag in If-None-Match"),
              (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let query = ListQuery::new(params, &["status"])?;
    let status = match query.get("status").unwrap_or("all") {
        "all" => None,
        text => Some(ContractStatus::parse(text).ok_or_else(|| bad("status", "active, extinct or all"))?),
    };
    let limit = query.limit(50)?;
    let rows = state
        .store
        .list_contracts(caller.customer_id, status, query.after()?, limit + 1)
        .await?;
    let (items, next_cursor) = page(rows, limit, |c| c.id.to_string());
    Ok(with_etag(&headers, &ContractPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", operation_id = "contract_detail", security(("bearer" = [])),
    params(("id" = i64, Path, description = "contract id")),
    responses((status = 200, description = "C2: every group of the contract page; ETag", body = ContractDetail),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ServerError> {
    let id = path_id(&id)?;
    let detail = state
        .store
        .contract_detail(caller.customer_id, id, state.clock.today())
        .await?
        .ok_or_else(not_found)?;
    Ok(with_etag(&headers, &detail))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}/plan", tag = "contracts", operation_id = "contract_plan", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "contract id"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 25"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, description = "C4: a page of the amortization plan; ETag", body = PlanPage),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn plan(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let id = path_id(&id)?;
    let query = ListQuery::new(params, &[])?;
    let limit = query.limit(25)?;
    let (rows, total) = state
        .store
        .plan_page(caller.customer_id, id, query.after()?, limit + 1)
        .await?
        .ok_or_else(not_found)?;
    let (rows, next_cursor) = page(rows, limit, |(seq, _)| seq.to_string());
    let items = rows.into_iter().map(|(_, entry)| entry).collect();
    Ok(with_etag(
        &headers,
        &PlanPage {
            items,
            total,
            next_cursor,
        },
    ))
}
