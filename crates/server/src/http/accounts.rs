//! Registration, recovery, reset, password change, profile and sub-users.

use super::extract::{AnyCaller, ApiJson, ApiPath, ApiQuery, Caller, Client, IdempotencyKey};
use super::idempotency::{idempotent, resource_id, KeyOwner};
use super::paging::{oldest_first, page};
use super::{limit, ServerError};
use crate::audit::Origin;
use crate::limits::Scope;
use crate::store::auth::Principal;
use crate::{accounts, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use sportello_domain::api::accounts::SubUsersQuery;
use sportello_domain::api::accounts::{
    ChangePassword, CompleteReset, ConsentUpdate, EmailChange, EmailChangeConfirm, EmailChangeStarted, Privacy,
    Profile, ProfileUpdate, RecoverRequest, RegisterByCategory, RegisterByContract, Registered, ResetRequest,
    ResetStarted, SubUser, SubUserForm, SubUserPage,
};
use sportello_domain::api::auth::SessionInfo;
use sportello_domain::api::operations as op;
use sportello_domain::ApiError;

pub(super) fn origin(who: &Principal, client: &Client) -> Origin {
    Origin::customer(&who.username, client.0)
}

#[utoipa::path(post, path = op::accounts::REGISTER.path, tag = "accounts", request_body = RegisterByContract,
    responses((status = 201, description = "A temporary password was e-mailed", body = Registered),
              (status = 400, description = "bad_request or details_mismatch; fields.email = pec_required for companies", body = ApiError),
              (status = 409, description = "registration_pending (fields.retry_after_minutes) or already_registered", body = ApiError),
              (status = 429, body = ApiError)))]
pub(super) async fn register(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<RegisterByContract>,
) -> Result<(StatusCode, Json<Registered>), ServerError> {
    limit(&state, Scope::RegisterAddress, "client", &client.limit_key()).await?;
    limit(
        &state,
        Scope::RegisterAccount,
        "contract_no",
        &format!("{}/{}", req.contract_no.trim(), req.module_no.trim()),
    )
    .await?;
    let done = accounts::register_by_contract(&state, &Origin::anonymous(client.0), req).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[utoipa::path(post, path = op::accounts::REGISTER_BY_CATEGORY.path, tag = "accounts", request_body = RegisterByCategory,
    responses((status = 201, description = "Pending until an operator approves it", body = Registered),
              (status = 400, body = ApiError), (status = 409, description = "already_registered", body = ApiError),
              (status = 429, body = ApiError)))]
pub(super) async fn register_by_category(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<RegisterByCategory>,
) -> Result<(StatusCode, Json<Registered>), ServerError> {
    limit(&state, Scope::RegisterAddress, "client", &client.limit_key()).await?;
    limit(&state, Scope::RegisterAccount, "tax_code", req.tax_code.trim()).await?;
    let done = accounts::register_by_category(&state, &Origin::anonymous(client.0), req).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[utoipa::path(post, path = op::accounts::RECOVER.path, tag = "accounts", request_body = RecoverRequest,
    responses((status = 200, description = "Username, reset code and link e-mailed", body = ResetStarted),
              (status = 400, description = "bad_request or details_mismatch", body = ApiError), (status = 429, body = ApiError)))]
pub(super) async fn recover(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<RecoverRequest>,
) -> Result<Json<ResetStarted>, ServerError> {
    limit(&state, Scope::ResetAddress, "client", &client.limit_key()).await?;
    limit(
        &state,
        Scope::ResetAccount,
        "contract_no",
        &format!("{}/{}", req.contract_no.trim(), req.module_no.trim()),
    )
    .await?;
    Ok(Json(
        accounts::recover(&state, &Origin::anonymous(client.0), req).await?,
    ))
}

#[utoipa::path(post, path = op::accounts::REQUEST_RESET.path, tag = "accounts", request_body = ResetRequest,
    responses((status = 200, description = "If the user exists, a code and link were e-mailed", body = ResetStarted),
              (status = 429, body = ApiError)))]
pub(super) async fn request_reset(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Result<Json<ResetStarted>, ServerError> {
    limit(&state, Scope::ResetAddress, "client", &client.limit_key()).await?;
    limit(&state, Scope::ResetAccount, "username", req.username.trim()).await?;
    Ok(Json(
        accounts::request_reset(&state, &Origin::anonymous(client.0), req).await?,
    ))
}

#[utoipa::path(post, path = op::accounts::COMPLETE_RESET.path, tag = "accounts", request_body = CompleteReset,
    responses((status = 204, description = "Password set; every session ended"),
              (status = 400, description = "fields.new_password: too_short, too_long, common, contains_username", body = ApiError),
              (status = 401, description = "invalid_code or code_expired", body = ApiError),
              (status = 403, description = "too_many_attempts", body = ApiError), (status = 429, body = ApiError)))]
pub(super) async fn complete_reset(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<CompleteReset>,
) -> Result<StatusCode, ServerError> {
    limit(&state, Scope::CodeAddress, "client", &client.limit_key()).await?;
    accounts::complete_reset(&state, &Origin::anonymous(client.0), req).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = op::accounts::CHANGE_PASSWORD.path, tag = "accounts", request_body = ChangePassword, security(("bearer" = [])),
    responses((status = 429, description = "rate_limited: too many tries from this address; Retry-After says when", body = ApiError), (status = 204, description = "Changed; other sessions ended"), (status = 400, body = ApiError),
              (status = 401, body = ApiError)))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    client: Client,
    AnyCaller(who): AnyCaller,
    ApiJson(req): ApiJson<ChangePassword>,
) -> Result<StatusCode, ServerError> {
    limit(&state, Scope::LoginAccount, "username", &who.username).await?;
    accounts::change_password(&state, &who, &origin(&who, &client), req).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::accounts::PROFILE.path, tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, body = ApiError)))]
pub(super) async fn profile(
    State(state): State<AppState>,
    AnyCaller(who): AnyCaller,
) -> Result<Json<Profile>, ServerError> {
    Ok(Json(accounts::profile(&state, who.user_id).await?))
}

#[utoipa::path(patch, path = op::accounts::UPDATE_PROFILE.path, tag = "accounts", request_body = ProfileUpdate, security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 400, body = ApiError),
              (status = 403, description = "forbidden: paper invoices are the main user's", body = ApiError)))]
pub(super) async fn update_profile(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<ProfileUpdate>,
) -> Result<Json<Profile>, ServerError> {
    Ok(Json(
        accounts::update_profile(&state, &who, &origin(&who, &client), req).await?,
    ))
}

#[utoipa::path(post, path = op::accounts::START_EMAIL_CHANGE.path, tag = "accounts", request_body = EmailChange, security(("bearer" = [])),
    responses((status = 429, description = "rate_limited: too many tries from this address; Retry-After says when", body = ApiError), (status = 200, description = "A code went to the new address", body = EmailChangeStarted),
              (status = 400, body = ApiError)))]
pub(super) async fn start_email_change(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<EmailChange>,
) -> Result<Json<EmailChangeStarted>, ServerError> {
    limit(&state, Scope::ResetAccount, "username", &who.username).await?;
    Ok(Json(
        accounts::start_email_change(&state, &who, &origin(&who, &client), req).await?,
    ))
}

#[utoipa::path(post, path = op::accounts::CONFIRM_EMAIL_CHANGE.path, tag = "accounts", request_body = EmailChangeConfirm,
    security(("bearer" = [])),
    responses((status = 429, description = "rate_limited: too many tries from this address; Retry-After says when", body = ApiError), (status = 200, body = Profile), (status = 401, description = "invalid_code or code_expired", body = ApiError)))]
pub(super) async fn confirm_email_change(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(req): ApiJson<EmailChangeConfirm>,
) -> Result<Json<Profile>, ServerError> {
    limit(&state, Scope::CodeAddress, "client", &client.limit_key()).await?;
    Ok(Json(
        accounts::confirm_email_change(&state, &who, &origin(&who, &client), req).await?,
    ))
}

#[utoipa::path(get, path = op::accounts::LIST_SUB_USERS.path, tag = "accounts", security(("bearer" = [])), params(SubUsersQuery),
    responses((status = 200, description = "The main user's sub-users, oldest first", body = SubUserPage),
              (status = 400, body = ApiError), (status = 403, description = "forbidden for sub-users", body = ApiError)))]
pub(super) async fn list_sub_users(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiQuery(q): ApiQuery<SubUsersQuery>,
) -> Result<Json<SubUserPage>, ServerError> {
    let (after, limit) = oldest_first(q.limit, q.cursor.as_deref(), 100)?;
    let rows = accounts::list_sub_users(&state, &who, after, i64::from(limit) + 1).await?;
    let (rows, next_cursor) = page(rows, limit, |(id, _)| id.to_string());
    Ok(Json(SubUserPage {
        items: rows.into_iter().map(|(_, user)| user).collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = op::accounts::CREATE_SUB_USER.path, tag = "accounts", request_body = SubUserForm, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    responses((status = 201, description = "Created; its invitation e-mailed", body = SubUser), (status = 400, body = ApiError),
              (status = 403, description = "forbidden for sub-users", body = ApiError),
              (status = 409, description = "the same key is in flight", body = ApiError),
              (status = 422, description = "idempotency_mismatch", body = ApiError)))]
pub(super) async fn create_sub_user(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(form): ApiJson<SubUserForm>,
) -> Result<Response, ServerError> {
    let origin = origin(&who, &client);
    let (st, me) = (&state, &who);
    let render = |id: String| async move { accounts::sub_user_by_id(st, me, resource_id(&id)?).await };
    idempotent(
        &state,
        KeyOwner::User(who.user_id),
        key,
        "create_sub_user",
        &form,
        || accounts::create_sub_user(&state, &who, &origin, form.clone()),
        render,
    )
    .await
}

#[utoipa::path(put, path = op::accounts::UPDATE_SUB_USER.path, tag = "accounts", request_body = SubUserForm,
    security(("bearer" = [])), params(("username" = String, Path)),
    responses((status = 200, body = SubUser), (status = 404, body = ApiError)))]
pub(super) async fn update_sub_user(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiPath(username): ApiPath<String>,
    ApiJson(form): ApiJson<SubUserForm>,
) -> Result<Json<SubUser>, ServerError> {
    Ok(Json(
        accounts::update_sub_user(&state, &who, &origin(&who, &client), &username, form).await?,
    ))
}

#[utoipa::path(delete, path = op::accounts::DELETE_SUB_USER.path, tag = "accounts", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 204, description = "Deleted; its sessions ended"), (status = 404, body = ApiError)))]
pub(super) async fn delete_sub_user(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    accounts::delete_sub_user(&state, &who, &origin(&who, &client), &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::accounts::LIST_SESSIONS.path, tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The user's active sessions, last used first", body = Vec<SessionInfo>),
              (status = 401, body = ApiError)))]
pub(super) async fn list_sessions(
    State(state): State<AppState>,
    AnyCaller(who): AnyCaller,
) -> Result<Json<Vec<SessionInfo>>, ServerError> {
    Ok(Json(crate::sessions::list(&state, &who).await?))
}

#[utoipa::path(delete, path = op::accounts::END_SESSION.path, tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Ended: its tokens stop working"), (status = 401, body = ApiError),
              (status = 404, description = "not one of the user's active sessions", body = ApiError)))]
pub(super) async fn end_session(
    State(state): State<AppState>,
    client: Client,
    AnyCaller(who): AnyCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ServerError> {
    crate::sessions::end(&state, &who, &origin(&who, &client), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = op::accounts::END_ALL_SESSIONS.path, tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Every session of the user ended, this one included"),
              (status = 401, body = ApiError)))]
pub(super) async fn end_all_sessions(
    State(state): State<AppState>,
    client: Client,
    AnyCaller(who): AnyCaller,
) -> Result<StatusCode, ServerError> {
    crate::sessions::end_all(&state, &who, &origin(&who, &client)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = op::accounts::PRIVACY.path, tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "Each consent as it stands and its history", body = Privacy),
              (status = 401, body = ApiError)))]
pub(super) async fn privacy(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<Privacy>, ServerError> {
    Ok(Json(crate::privacy::privacy(&state, &who).await?))
}

#[utoipa::path(put, path = op::accounts::DECIDE_CONSENT.path, tag = "accounts", request_body = ConsentUpdate,
    security(("bearer" = [])),
    responses((status = 200, description = "Recorded (a decision that already stands records nothing)", body = Privacy),
              (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn decide_consent(
    State(state): State<AppState>,
    client: Client,
    Caller(who): Caller,
    ApiJson(update): ApiJson<ConsentUpdate>,
) -> Result<Json<Privacy>, ServerError> {
    Ok(Json(
        crate::privacy::decide(&state, &who, &origin(&who, &client), update).await?,
    ))
}
