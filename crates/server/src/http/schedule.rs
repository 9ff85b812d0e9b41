//! The payment schedule (B1).

use super::extract::{ApiQuery, Caller};
use super::paging::{after_date_id, limit_of, page, with_etag};
use super::ServerError;
use crate::store::schedule::ScheduleFilter;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sportello_domain::api::operations as op;
use sportello_domain::api::schedule::{ReportPayment, SchedulePage, ScheduleQuery};
use sportello_domain::ApiError;

#[utoipa::path(get, path = op::schedule::LIST.path, tag = "payments", operation_id = "list_schedule", security(("bearer" = [])),
    params(ScheduleQuery),
    responses((status = 200, description = "B1: newest due date first, with the total overdue balance; ETag", body = SchedulePage),
              (status = 304, description = "Not modified"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, description = "not the caller's contract", body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ScheduleQuery>,
) -> Result<Response, ServerError> {
    let contract_id = super::assets::contract_filter(&state, caller.customer_id, query.contract).await?;
    let after = after_date_id(query.cursor.as_deref())?;
    let limit = limit_of(query.limit, 50)?;
    let filter = ScheduleFilter {
        customer_id: caller.customer_id,
        contract_id,
        status: query.status,
        today: state.clock.today(),
    };
    let (rows, overdue_total) = state.store.schedule_page(&filter, after, limit + 1).await?;
    let (items, next_cursor) = page(rows, limit, |i| format!("{}|{}", i.due_on, i.id));
    Ok(with_etag(
        &headers,
        &SchedulePage {
            items,
            next_cursor,
            overdue_total,
        },
    ))
}

#[utoipa::path(get, path = op::schedule::ITEM.path, tag = "payments", operation_id = "schedule_item", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "One line as the list shows it (for the sync's deltas)", body = sportello_domain::api::schedule::ScheduleItem),
              (status = 404, body = ApiError)))]
pub(super) async fn item(
    State(state): State<AppState>,
    Caller(caller): Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::Json<sportello_domain::api::schedule::ScheduleItem>, ServerError> {
    state
        .store
        .schedule_item(caller.customer_id, super::paging::path_id(&id)?, state.clock.today())
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::new(sportello_domain::ErrorCode::NotFound, "no such schedule line").into())
}

#[utoipa::path(post, path = op::schedule::REPORT.path, tag = "payments", operation_id = "report_payment", request_body = ReportPayment, security(("bearer" = [])),
    responses((status = 204, description = "Reported: each line shows as reported until its collection arrives; a line reported before keeps its first report"),
              (status = 400, description = "no lines, more than 500, or one that is not the caller's or has nothing left to pay (`fields.line_ids`)", body = ApiError),
              (status = 401, body = ApiError)))]
pub(super) async fn report(
    State(state): State<AppState>,
    client: super::extract::Client,
    Caller(caller): Caller,
    super::extract::ApiJson(body): super::extract::ApiJson<ReportPayment>,
) -> Result<axum::http::StatusCode, ServerError> {
    let origin = crate::audit::Origin::customer(&caller.username, client.0);
    crate::payments::report(&state, &caller, &origin, &body.line_ids).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
