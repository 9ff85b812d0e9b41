//! The screens: lists and pages read from the local cache, and the changes
//! made from the profile, the bell and request threads.

use super::{wire, CommandResult};
use sportello_app::browse::{
    AssetsView, ContractOption, ContractView, InvoiceFilter, InvoicesView, MessageFilter, MessagesView,
    NotificationsView, ScheduleFilter, ScheduleView, Window,
};
use sportello_app::desktop::paying::PaymentSlip;
use sportello_app::desktop::{DeskApp, InvoiceFormat};
use sportello_app::outbox::OutboxEntry;
use sportello_domain::api::accounts::{
    EmailChange, EmailChangeConfirm, EmailChangeStarted, Profile, ProfileUpdate, SubUser, SubUserForm,
};
use sportello_domain::api::notifications::Notification;
use sportello_domain::api::requests::{
    AttachmentInfo, NewMessage, PayoffQuote, RequestDetail, RequestSummary, SelfServiceContext,
};
use sportello_domain::{ApiError, ErrorCode};
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

use super::documents::{open_kept, Opened};

type App<'a> = State<'a, DeskApp>;

#[tauri::command]
pub async fn schedule(app: App<'_>, filter: ScheduleFilter, window: Window) -> CommandResult<ScheduleView> {
    app.schedule(&filter, window).await.map_err(wire)
}

#[tauri::command]
pub async fn payment_slip(app: App<'_>, line_id: i64) -> CommandResult<PaymentSlip> {
    app.payment_slip(line_id).await.map_err(wire)
}

#[tauri::command]
pub async fn overdue_slip(app: App<'_>, contract_id: Option<i64>) -> CommandResult<PaymentSlip> {
    app.overdue_slip(contract_id).await.map_err(wire)
}

/// B1: the transfer paying `lines` was made; they show as reported.
#[tauri::command]
pub async fn report_paid(app: App<'_>, lines: Vec<i64>) -> CommandResult<()> {
    app.report_paid(&lines).await.map_err(wire)
}

/// Settings: how many days before a due date its reminder shows (0: none).
#[tauri::command]
pub async fn reminder_days(app: App<'_>) -> CommandResult<u8> {
    app.reminder_days().await.map_err(wire)
}

#[tauri::command]
pub async fn set_reminder_days(app: App<'_>, days: u8) -> CommandResult<u8> {
    app.set_reminder_days(days).await.map_err(wire)
}

#[tauri::command]
pub async fn invoices(app: App<'_>, filter: InvoiceFilter, window: Window) -> CommandResult<InvoicesView> {
    app.invoices(&filter, window).await.map_err(wire)
}

#[tauri::command]
pub async fn assets(app: App<'_>, contract_id: Option<i64>, window: Window) -> CommandResult<AssetsView> {
    app.assets(contract_id, window).await.map_err(wire)
}

#[tauri::command]
pub async fn contract_options(app: App<'_>) -> CommandResult<Vec<ContractOption>> {
    app.contract_options().await.map_err(wire)
}

#[tauri::command]
pub async fn contract(app: App<'_>, id: i64) -> CommandResult<ContractView> {
    app.contract(id).await.map_err(wire)
}

#[tauri::command]
pub async fn payoff(app: App<'_>, contract_id: i64) -> CommandResult<PayoffQuote> {
    app.payoff(contract_id).await.map_err(wire)
}

#[tauri::command]
pub async fn self_service(app: App<'_>) -> CommandResult<SelfServiceContext> {
    app.self_service().await.map_err(wire)
}

#[tauri::command]
pub async fn requests(app: App<'_>) -> CommandResult<Vec<RequestSummary>> {
    app.requests().await.map_err(wire)
}

#[tauri::command]
pub async fn request(app: App<'_>, id: i64) -> CommandResult<RequestDetail> {
    app.request(id).await.map_err(wire)
}

#[tauri::command]
pub async fn reply(app: App<'_>, request_id: i64, message: NewMessage) -> CommandResult<OutboxEntry> {
    app.reply(request_id, &message).await.map_err(wire)
}

#[tauri::command]
pub async fn discard(app: App<'_>, outbox_id: i64) -> CommandResult<bool> {
    app.discard(outbox_id).await.map_err(wire)
}

/// The file travels as the raw request body (no JSON array of numbers); its
/// name, percent-encoded, in the `x-file-name` header.
#[tauri::command]
pub async fn upload(app: App<'_>, request: Request<'_>) -> CommandResult<AttachmentInfo> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "the file must be sent as raw bytes",
        ));
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "the file has no name"))?;
    app.upload(&name, bytes.clone()).await.map_err(wire)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// B2, B6: the invoice's PDF or FatturaPA XML in the system's viewer.
#[tauri::command]
pub async fn open_invoice(
    app: App<'_>,
    opened: State<'_, Opened>,
    id: i64,
    format: InvoiceFormat,
) -> CommandResult<()> {
    let file = app.invoice_file(id, format).await.map_err(wire)?;
    open_kept(&opened, file).await
}

/// S1: an attachment of a request's thread in the system's viewer.
#[tauri::command]
pub async fn open_attachment(
    app: App<'_>,
    opened: State<'_, Opened>,
    request_id: i64,
    attachment_id: String,
) -> CommandResult<()> {
    let file = app.attachment_file(request_id, &attachment_id).await.map_err(wire)?;
    open_kept(&opened, file).await
}

/// C3: a contract's document in the system's viewer.
#[tauri::command]
pub async fn open_contract_document(
    app: App<'_>,
    opened: State<'_, Opened>,
    contract_id: i64,
    document_id: i64,
) -> CommandResult<()> {
    let file = app
        .contract_document_file(contract_id, document_id)
        .await
        .map_err(wire)?;
    open_kept(&opened, file).await
}

#[tauri::command]
pub async fn notifications(app: App<'_>) -> CommandResult<NotificationsView> {
    app.notifications(5).await.map_err(wire)
}

/// H4: a page of the messages page.
#[tauri::command]
pub async fn messages(app: App<'_>, filter: MessageFilter, window: Window) -> CommandResult<MessagesView> {
    app.messages(&filter, window).await.map_err(wire)
}

#[tauri::command]
pub async fn message(app: App<'_>, id: i64) -> CommandResult<Notification> {
    app.message(id).await.map_err(wire)
}

/// One notification read, or all of them when `id` is absent.
#[tauri::command]
pub async fn mark_read(app: App<'_>, id: Option<i64>) -> CommandResult<()> {
    app.mark_read(id).await.map_err(wire)
}

#[tauri::command]
pub async fn profile(app: App<'_>) -> CommandResult<Profile> {
    app.profile().await.map_err(wire)
}

#[tauri::command]
pub async fn update_profile(app: App<'_>, update: ProfileUpdate) -> CommandResult<Profile> {
    app.update_profile(&update).await.map_err(wire)
}

#[tauri::command]
pub async fn start_email_change(app: App<'_>, change: EmailChange) -> CommandResult<EmailChangeStarted> {
    app.start_email_change(&change).await.map_err(wire)
}

#[tauri::command]
pub async fn confirm_email_change(app: App<'_>, confirm: EmailChangeConfirm) -> CommandResult<Profile> {
    app.confirm_email_change(&confirm).await.map_err(wire)
}

#[tauri::command]
pub async fn sub_users(app: App<'_>) -> CommandResult<Vec<SubUser>> {
    app.sub_users().await.map_err(wire)
}

/// Adds a sub-user, or edits the one named by `username`.
#[tauri::command]
pub async fn save_sub_user(app: App<'_>, username: Option<String>, form: SubUserForm) -> CommandResult<Vec<SubUser>> {
    app.save_sub_user(username.as_deref(), &form).await.map_err(wire)
}

#[tauri::command]
pub async fn delete_sub_user(app: App<'_>, username: String) -> CommandResult<Vec<SubUser>> {
    app.delete_sub_user(&username).await.map_err(wire)
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn file_names_come_back_from_percent_encoding() {
        assert_eq!(
            percent_decode("ricevuta%20bonifico%C3%A0.pdf"),
            "ricevuta bonificoà.pdf"
        );
        assert_eq!(percent_decode("100%.pdf"), "100%.pdf", "a stray % stays as it is");
    }
}
