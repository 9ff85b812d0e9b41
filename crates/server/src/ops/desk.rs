//! The service desk's replies and status changes, each with its notice to
//! the customer.

use super::*;

/// A desk reply: a message on the thread, maybe a new status, and a notification to the customer.
pub async fn reply(
    state: &AppState,
    op: &Operator,
    origin: &Origin,
    request_id: i64,
    r: DeskReply,
) -> Result<RequestMessage, ServerError> {
    let writer = Writer {
        author: Author::Operator(op.id),
        customer_scope: None,
        origin,
    };
    // The customer's notice commits with the reply itself.
    let row = state
        .store
        .request(request_id, None)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such request"))?;
    notifications::defer_desk_message(state, row.customer_id, row.id, &row.title, r.body.trim()).await?;
    defer_copy(state, &row, |owner, about| {
        crate::mails::desk_reply(owner, about, r.body.trim(), r.status)
    })
    .await?;
    let msg = NewMessage {
        body: r.body,
        attachment_ids: r.attachment_ids,
    };
    Ok(
        requests::add_message(state, &writer, request_id, msg, r.status, r.payoff.as_ref())
            .await?
            .1,
    )
}

/// Moves a request to a new status and tells the customer.
pub async fn set_status(
    state: &AppState,
    origin: &Origin,
    request_id: i64,
    status: RequestStatus,
) -> Result<(), ServerError> {
    let row = state
        .store
        .request(request_id, None)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such request"))?;
    let text = match status {
        RequestStatus::Submitted => "Richiesta ricevuta / Request received",
        RequestStatus::InProgress => "Richiesta in lavorazione / Request in progress",
        RequestStatus::WaitingCustomer => "Servono tue informazioni / We need information from you",
        RequestStatus::Completed => "Richiesta completata / Request completed",
        RequestStatus::Rejected => "Richiesta respinta / Request rejected",
    };
    // The notice and the audit row commit with the status.
    notifications::defer_desk_message(state, row.customer_id, row.id, &row.title, text).await?;
    defer_copy(state, &row, |owner, about| {
        crate::mails::request_status(owner, about, status)
    })
    .await?;
    let target = format!("request:{}", row.code);
    let audit = audit_row(origin, "set_request_status", &target, status.as_str());
    crate::delivery::defer(state, vec![Effect::Audit(audit)]).await?;
    state
        .store
        .set_request_status(request_id, row.customer_id, status.as_str(), state.clock.now_ms())
        .await?;
    Ok(())
}

/// S5: the e-mail copy of what the desk did, to the user who filed the
/// request unless they turned copies off; it commits with the change.
async fn defer_copy(
    state: &AppState,
    row: &crate::store::requests::RequestRow,
    write: impl for<'a> FnOnce(&crate::mails::Owner<'a>, &crate::mails::AboutRequest<'_>) -> crate::mail::Mail<'a>,
) -> Result<(), ServerError> {
    let Some(author) = state.store.request_author(row.id).await? else {
        return Ok(());
    };
    if author.desk_emails == 0 {
        return Ok(());
    }
    let owner = crate::mails::Owner::of(&author, &state.config.company.name);
    let about = crate::mails::AboutRequest {
        code: &row.code,
        title: &row.title,
    };
    let mail = write(&owner, &about);
    crate::delivery::defer(state, vec![Effect::Mail(mail.into())]).await
}
