//! Leased assets (L1).

use super::extract::{ApiQuery, Caller};
use super::paging::{bad, oldest_first, page, with_etag};
use super::ServerError;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sportello_domain::api::assets::{AssetPage, AssetsQuery};
use sportello_domain::api::operations as op;
use sportello_domain::{ApiError, ErrorCode};

/// The `contract` filter: 0 for every contract; a contract of someone else is not found.
/// The contract a list is narrowed to (0: every one), which must be the caller's.
pub(super) async fn contract_filter(
    state: &AppState,
    customer_id: i64,
    contract: Option<i64>,
) -> Result<i64, ServerError> {
    let Some(id) = contract else {
        return Ok(0);
    };
    if id <= 0 {
        return Err(bad("contract", "a contract id").into());
    }
    if !state.store.owns_contract(customer_id, id).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no such contract").into());
    }
    Ok(id)
}

#[utoipa::path(get, path = op::assets::LIST.path, tag = "assets", operation_id = "list_assets", security(("bearer" = [])),
    params(AssetsQuery),
    responses((status = 200, description = "L1: leased assets; ETag", body = AssetPage),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<AssetsQuery>,
) -> Result<Response, ServerError> {
    let contract_id = contract_filter(&state, caller.customer_id, query.contract).await?;
    let (after, limit) = oldest_first(query.limit, query.cursor.as_deref(), 50)?;
    let rows = state
        .store
        .list_assets(caller.customer_id, contract_id, after, limit + 1)
        .await?;
    let (items, next_cursor) = page(rows, limit, |a| a.id.to_string());
    Ok(with_etag(&headers, &AssetPage { items, next_cursor }))
}

#[utoipa::path(get, path = op::assets::ITEM.path, tag = "assets", operation_id = "asset_item", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "One asset as the list shows it (for the sync's deltas)", body = sportello_domain::api::assets::AssetItem),
              (status = 404, body = ApiError)))]
pub(super) async fn item(
    State(state): State<AppState>,
    Caller(caller): Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::Json<sportello_domain::api::assets::AssetItem>, ServerError> {
    state
        .store
        .asset_item(caller.customer_id, super::paging::path_id(&id)?)
        .await?
        .map(axum::Json)
        .ok_or_else(|| sportello_domain::ApiError::new(sportello_domain::ErrorCode::NotFound, "no such asset").into())
}
