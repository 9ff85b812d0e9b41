//! Sub-users (A9): `<parent>.<n>`, each with its own invitation, managed by
//! the main user only.

use super::*;

fn sub_user(row: SubUserRow, parent: &str) -> SubUser {
    SubUser {
        username: row.username,
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        secondary_email: row.secondary_email,
        language: Language::parse(&row.language).unwrap_or(Language::It),
        parent_username: parent.to_owned(),
        rights: Right::split(&row.rights),
    }
}

/// Validated fields of the sub-user form.
struct CheckedForm {
    first_name: String,
    last_name: String,
    email: Email,
    secondary_email: Option<Email>,
    language: Language,
    rights: String,
}

impl CheckedForm {
    fn parse(form: &SubUserForm) -> Result<CheckedForm, ServerError> {
        let secondary_email = match form.secondary_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(parse_email("secondary_email", text)?),
        };
        Ok(CheckedForm {
            first_name: required("first_name", &form.first_name, 100)?.to_owned(),
            last_name: required("last_name", &form.last_name, 100)?.to_owned(),
            email: parse_email("email", &form.email)?,
            secondary_email,
            language: form.language,
            rights: Right::join(form.rights.as_deref().unwrap_or_default()),
        })
    }

    fn fields(&self) -> SubUserFields<'_> {
        SubUserFields {
            first_name: &self.first_name,
            last_name: &self.last_name,
            email: self.email.as_str(),
            secondary_email: self.secondary_email.as_ref().map(Email::as_str),
            language: self.language.as_str(),
            rights: &self.rights,
        }
    }
}

/// The caller's sub-users by id, oldest first, after the one with id
/// `after_id`: at most `limit`, each with its id for the next page's cursor.
pub async fn list_sub_users(
    state: &AppState,
    who: &Principal,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, SubUser)>, ServerError> {
    main_user_only(who)?;
    let rows = state.store.sub_users(who.user_id, after_id, limit).await?;
    Ok(rows.into_iter().map(|r| (r.id, sub_user(r, &who.username))).collect())
}

/// A9: `<parent>.<n>` with its own invitation e-mail.
pub async fn create_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    form: SubUserForm,
) -> Result<SubUser, ServerError> {
    main_user_only(who)?;
    let checked = CheckedForm::parse(&form)?;
    let (plain, stored, expires_at) = temporary(state).await?;
    let temp = TemporaryPassword {
        hash: &stored,
        expires_at,
    };
    // The welcome (token and e-mail) and the audit row name the new
    // sub-user, so they are written by the commit that creates it.
    let (st, origin) = (state.clone(), origin.clone());
    let (email, language) = (checked.email.as_str().to_owned(), checked.language.as_str());
    let (name, rights) = (
        format!("{} {}", checked.first_name, checked.last_name),
        checked.rights.clone(),
    );
    crate::delivery::defer_created(move |created| {
        let w = Welcomed {
            username: &created.code,
            email: &email,
            language,
            name: &name,
        };
        let mut effects = welcome_effects(&st, Welcome::SubUser, created.id, &w, &plain);
        let target = format!("customer:{}", created.code);
        effects.push(Effect::Audit(audit_row(&origin, "create_sub_user", &target, &rights)));
        effects
    })?;
    let now = state.clock.now_ms();
    let (_, username) = state
        .store
        .insert_sub_user(who.user_id, &checked.fields(), &temp, now)
        .await?;
    let row = state
        .store
        .sub_user(who.user_id, &username)
        .await?
        .ok_or_else(|| ServerError::internal("the new sub-user vanished"))?;
    Ok(sub_user(row, &who.username))
}

/// A sub-user of the caller's, by id.
pub async fn sub_user_by_id(state: &AppState, who: &Principal, id: i64) -> Result<SubUser, ServerError> {
    let row = state.store.sub_user_by_id(who.user_id, id).await?;
    Ok(sub_user(
        row.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such sub-user"))?,
        &who.username,
    ))
}

async fn own_sub_user(state: &AppState, who: &Principal, username: &str) -> Result<SubUserRow, ServerError> {
    main_user_only(who)?;
    state
        .store
        .sub_user(who.user_id, username)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no sub-user of yours has this username").into())
}

pub async fn update_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    username: &str,
    form: SubUserForm,
) -> Result<SubUser, ServerError> {
    let row = own_sub_user(state, who, username).await?;
    let checked = CheckedForm::parse(&form)?;
    let audit = audit_row(
        origin,
        "update_sub_user",
        &format!("customer:{username}"),
        &checked.rights,
    );
    defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .update_sub_user(&row, who.customer_id, &checked.fields(), state.clock.now_ms())
        .await?;
    let row = own_sub_user(state, who, username).await?;
    Ok(sub_user(row, &who.username))
}

pub async fn delete_sub_user(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    username: &str,
) -> Result<(), ServerError> {
    let row = own_sub_user(state, who, username).await?;
    let audit = audit_row(origin, "delete_sub_user", &format!("customer:{username}"), "");
    defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .delete_sub_user(&row, who.customer_id, state.clock.now_ms())
        .await?;
    Ok(())
}
