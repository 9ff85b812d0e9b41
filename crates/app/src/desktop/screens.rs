//! The screens' reads (from the cache, so they work offline) and the few
//! changes that need the server's answer at once: profile, sub-users,
//! notifications read, attachments. Replies go through the outbox like requests.

use super::{not_logged_in, DeskApp};
use crate::browse::{
    AssetsView, ContractOption, ContractView, InvoiceFilter, InvoicesView, MessageFilter, MessagesView,
    NotificationsView, ScheduleFilter, ScheduleView, Window,
};
use crate::cache::Cache;
use crate::export::not_found;
use crate::outbox::OutboxEntry;
use crate::AppError;
use chrono::Utc;
use serde::de::DeserializeOwned;
use sportello_domain::api::accounts::{
    EmailChange, EmailChangeConfirm, EmailChangeStarted, Profile, ProfileUpdate, SubUser, SubUserForm,
};
use sportello_domain::api::notifications::Notification;
use sportello_domain::api::operations::{self as op, Call, Nothing};
use sportello_domain::api::requests::{
    AttachmentInfo, NewMessage, PayoffQuote, RequestDetail, RequestSummary, SelfServiceContext,
};
use sportello_domain::{ApiError, ErrorCode};
use std::path::PathBuf;

pub(super) use crate::clock::today_in_rome;

impl DeskApp {
    pub(super) async fn cache(&self) -> Result<Cache, AppError> {
        Ok(self.engine().await.ok_or_else(not_logged_in)?.cache().clone())
    }

    pub(super) async fn cached<T: DeserializeOwned>(&self, key: &str) -> Result<T, AppError> {
        self.cache()
            .await?
            .document(key)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::ServerUnreachable, "not synchronised yet").into())
    }

    pub async fn schedule(&self, filter: &ScheduleFilter, window: Window) -> Result<ScheduleView, AppError> {
        Ok(self
            .cache()
            .await?
            .schedule_page(filter, window, today_in_rome())
            .await?)
    }

    pub async fn invoices(&self, filter: &InvoiceFilter, window: Window) -> Result<InvoicesView, AppError> {
        Ok(self.cache().await?.invoices_page(filter, window).await?)
    }

    pub async fn assets(&self, contract_id: Option<i64>, window: Window) -> Result<AssetsView, AppError> {
        Ok(self.cache().await?.assets_page(contract_id, window).await?)
    }

    pub async fn contract_options(&self) -> Result<Vec<ContractOption>, AppError> {
        Ok(self.cache().await?.contract_options().await?)
    }

    pub async fn contract(&self, id: i64) -> Result<ContractView, AppError> {
        self.cache()
            .await?
            .contract_view(id)
            .await?
            .ok_or_else(|| not_found("contract"))
    }

    pub async fn payoff(&self, contract_id: i64) -> Result<PayoffQuote, AppError> {
        self.cache()
            .await?
            .payoff(contract_id, today_in_rome())
            .await?
            .ok_or_else(|| not_found("active contract"))
    }

    pub async fn self_service(&self) -> Result<SelfServiceContext, AppError> {
        self.cached("self_service").await
    }

    pub async fn requests(&self) -> Result<Vec<RequestSummary>, AppError> {
        Ok(self.cache().await?.request_list().await?)
    }

    pub async fn request(&self, id: i64) -> Result<RequestDetail, AppError> {
        self.cache()
            .await?
            .request_detail(id)
            .await?
            .ok_or_else(|| not_found("request"))
    }

    /// A reply on a request's thread, queued like a new request.
    pub async fn reply(&self, request_id: i64, message: &NewMessage) -> Result<OutboxEntry, AppError> {
        let engine = self.engine().await.ok_or_else(not_logged_in)?;
        let entry = engine.cache().enqueue_message(request_id, message, Utc::now()).await?;
        self.touched();
        engine.wake();
        Ok(entry)
    }

    /// A refused item the user gives up on.
    pub async fn discard(&self, outbox_id: i64) -> Result<bool, AppError> {
        self.cache().await?.discard(outbox_id).await
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<AttachmentInfo, AppError> {
        let (bytes, key) = (&bytes, &crate::outbox::new_key());
        self.desk
            .authorized(|token| async move { self.desk.api().upload(&token, key, name, bytes.clone()).await })
            .await
    }

    /// An attachment of a request's thread (the customer's or the desk's)
    /// as a local file: downloaded once, then opened offline too. Named by
    /// the app (the request's code and the file's id), never by the sender.
    pub async fn attachment_file(&self, request_id: i64, attachment_id: &str) -> Result<PathBuf, AppError> {
        let request = self.request(request_id).await?;
        let file = request
            .messages
            .iter()
            .flat_map(|m| &m.attachments)
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| not_found("attachment"))?;
        let extension = crate::files::extension_for(&file.content_type)
            .ok_or_else(|| AppError::Protocol(format!("an attachment of type {} cannot be kept", file.content_type)))?;
        let short: String = file.id.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
        let name = format!(
            "{}-{short}.{extension}",
            crate::export::safe_name(&request.summary.code)
        );
        let path = self.documents_dir().await?.join("attachments").join(name);
        if crate::files::kept(&path) {
            return Ok(path);
        }
        let bytes = self.download(op::requests::DOWNLOAD.call(&[&file.id])).await?;
        crate::files::keep(&path, &bytes)?;
        Ok(path)
    }

    /// C3: a contract's document as a local file, downloaded once and
    /// opened offline afterwards; named by the contract, kind and id.
    pub async fn contract_document_file(&self, contract_id: i64, document_id: i64) -> Result<PathBuf, AppError> {
        let contract = self.contract(contract_id).await?.contract;
        let document = contract
            .documents
            .iter()
            .find(|d| d.id == document_id)
            .ok_or_else(|| not_found("document"))?;
        let name = format!(
            "{}-{}-{}-{document_id}.pdf",
            crate::export::safe_name(&contract.contract_no),
            contract.module_no,
            document.kind.as_str()
        );
        let path = self.documents_dir().await?.join("contracts").join(name);
        if crate::files::kept(&path) {
            return Ok(path);
        }
        let bytes = self.download(op::requests::DOWNLOAD.call(&[&document.file.id])).await?;
        crate::files::keep(&path, &bytes)?;
        Ok(path)
    }

    pub async fn notifications(&self, latest: u32) -> Result<NotificationsView, AppError> {
        Ok(self.cache().await?.notifications_view(latest).await?)
    }

    /// H4: the messages page, newest first, with their full text.
    pub async fn messages(&self, filter: &MessageFilter, window: Window) -> Result<MessagesView, AppError> {
        Ok(self.cache().await?.messages_page(filter, window).await?)
    }

    pub async fn message(&self, id: i64) -> Result<Notification, AppError> {
        self.cache()
            .await?
            .message(id)
            .await?
            .ok_or_else(|| not_found("message"))
    }

    /// Tells the server first, so the next sync cannot bring the notice back unread.
    pub async fn mark_read(&self, id: Option<i64>) -> Result<(), AppError> {
        let mark = match id {
            Some(id) => op::notifications::MARK_READ.call(&[&id]),
            None => op::notifications::MARK_ALL_READ.call(&[]),
        };
        self.send(mark, None).await?;
        self.cache().await?.mark_read(id).await?;
        self.touched();
        Ok(())
    }

    pub async fn profile(&self) -> Result<Profile, AppError> {
        self.cached("profile").await
    }

    pub async fn update_profile(&self, update: &ProfileUpdate) -> Result<Profile, AppError> {
        let profile = self.send(op::accounts::UPDATE_PROFILE.call(&[]), Some(update)).await?;
        self.store_document("profile", &profile).await?;
        Ok(profile)
    }

    /// A8: a new primary address is confirmed by a code the server sends to it.
    pub async fn start_email_change(&self, change: &EmailChange) -> Result<EmailChangeStarted, AppError> {
        self.send(op::accounts::START_EMAIL_CHANGE.call(&[]), Some(change))
            .await
    }

    pub async fn confirm_email_change(&self, confirm: &EmailChangeConfirm) -> Result<Profile, AppError> {
        let profile = self
            .send(op::accounts::CONFIRM_EMAIL_CHANGE.call(&[]), Some(confirm))
            .await?;
        self.store_document("profile", &profile).await?;
        Ok(profile)
    }

    pub async fn sub_users(&self) -> Result<Vec<SubUser>, AppError> {
        self.cached("sub_users").await
    }

    /// Adds (`username` None) or edits a sub-user; answers the fresh list.
    pub async fn save_sub_user(&self, username: Option<&str>, form: &SubUserForm) -> Result<Vec<SubUser>, AppError> {
        let save = match username {
            Some(name) => op::accounts::UPDATE_SUB_USER.call(&[&name]),
            None => op::accounts::CREATE_SUB_USER.call(&[]),
        };
        self.send(save, Some(form)).await?;
        self.reload_sub_users().await
    }

    pub async fn delete_sub_user(&self, username: &str) -> Result<Vec<SubUser>, AppError> {
        self.send(op::accounts::DELETE_SUB_USER.call(&[&username]), None)
            .await?;
        self.reload_sub_users().await
    }

    async fn reload_sub_users(&self) -> Result<Vec<SubUser>, AppError> {
        let list = self.desk.every_page(&crate::sync::all_sub_users()?).await?;
        self.store_document("sub_users", &list).await?;
        Ok(list)
    }

    pub(super) async fn send<Q, B: serde::Serialize, R: DeserializeOwned>(
        &self,
        call: Call<Q, B, R>,
        body: Option<&B>,
    ) -> Result<R, AppError> {
        let call = &call;
        self.desk
            .authorized(|token| async move { self.desk.api().send(call, &token, body).await })
            .await
    }

    /// A file's bytes (an invoice's PDF or XML, an attachment), checked as it arrives.
    pub(super) async fn download<Q, R: crate::api::Document>(
        &self,
        call: Call<Q, Nothing, R>,
    ) -> Result<Vec<u8>, AppError> {
        let call = &call;
        self.desk
            .authorized(|token| async move { self.desk.api().download(call, &token).await })
            .await
    }

    async fn store_document<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), AppError> {
        let cache = self.cache().await?;
        let mut ingest = cache.begin().await?;
        ingest.document(key, value).await?;
        ingest.commit().await?;
        self.touched();
        Ok(())
    }
}
