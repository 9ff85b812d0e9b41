//! Contracts (C1, C2) and the amortization plan (C4).

use super::extract::{ApiPath, ApiQuery, Caller};
use super::paging::{oldest_first, page, path_id, with_etag};
use super::ServerError;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sportello_domain::api::contracts::{ContractDetail, ContractPage, ContractsQuery, PlanPage, PlanQuery};
use sportello_domain::api::operations as op;
use sportello_domain::{ApiError, ErrorCode};

fn not_found() -> ServerError {
    ApiError::new(ErrorCode::NotFound, "no such contract").into()
}

#[utoipa::path(get, path = op::contracts::LIST.path, tag = "contracts", operation_id = "list_contracts", security(("bearer" = [])),
    params(ContractsQuery),
    responses((status = 200, description = "C1: the customer's contracts; ETag", body = ContractPage),
              (status = 304, description = "Not modified since the ETag in If-None-Match"),
              (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ContractsQuery>,
) -> Result<Response, ServerError> {
    let status = query.status.unwrap_or_default().status();
    let (after, limit) = oldest_first(query.limit, query.cursor.as_deref(), 50)?;
    let rows = state
        .store
        .list_contracts(caller.customer_id, status, after, limit + 1)
        .await?;
    let (items, next_cursor) = page(rows, limit, |c| c.id.to_string());
    Ok(with_etag(&headers, &ContractPage { items, next_cursor }))
}

#[utoipa::path(get, path = op::contracts::DETAIL.path, tag = "contracts", operation_id = "contract_detail", security(("bearer" = [])),
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

#[utoipa::path(get, path = op::contracts::PLAN.path, tag = "contracts", operation_id = "contract_plan", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "contract id"),
        PlanQuery,
    ),
    responses((status = 200, description = "C4: a page of the amortization plan; ETag", body = PlanPage),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn plan(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> Result<Response, ServerError> {
    let id = path_id(&id)?;
    let (after, limit) = oldest_first(query.limit, query.cursor.as_deref(), 25)?;
    let (rows, total) = state
        .store
        .plan_page(caller.customer_id, id, after, limit + 1)
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
