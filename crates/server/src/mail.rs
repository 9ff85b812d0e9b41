//! Outgoing e-mail: SMTP in deployments; in the demo and in tests, real
//! RFC 5322 messages written as `.eml` files to an outbox folder.

use crate::config::Config;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("bad address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox folder: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
pub enum Mailer {
    Outbox { dir: PathBuf },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<(Mailer, Mailbox), MailError> {
        let from: Mailbox = config.mail.from.parse()?;
        let mailer = if config.mail.smtp_url.is_empty() {
            let dir = config.outbox_dir();
            std::fs::create_dir_all(&dir)?;
            Mailer::Outbox { dir }
        } else {
            Mailer::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.mail.smtp_url)?.build())
        };
        Ok((mailer, from))
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Outbox { dir } => format!("outbox folder {}", dir.display()),
            Mailer::Smtp(_) => "SMTP".into(),
        }
    }

    /// Sends a message of the mail queue under the Message-ID `id` it keeps
    /// on every attempt. Sending it again after a crash (sent, but not yet
    /// marked sent) replaces the outbox file of the same name; over SMTP the
    /// recipient's mail program sees the same Message-ID and shows it once.
    pub async fn deliver(&self, from: &Mailbox, id: &str, mail: Mail<'_>) -> Result<(), MailError> {
        let message = build(from, Some(id), mail)?;
        match self {
            Mailer::Outbox { dir } => {
                let file = dir.join(format!("{id}.eml"));
                let part = dir.join(format!(".{id}.part"));
                tokio::fs::write(&part, message.formatted()).await?;
                tokio::fs::rename(&part, &file).await?;
                tracing::info!(file = %file.display(), "e-mail written to the outbox");
            }
            Mailer::Smtp(transport) => {
                transport.send(message).await?;
                tracing::info!("e-mail handed to the SMTP server");
            }
        }
        Ok(())
    }
}

/// A plain-text message; `id` is the local part of a fixed Message-ID
/// (lettre makes one up when it is None).
fn build(from: &Mailbox, id: Option<&str>, mail: Mail<'_>) -> Result<Message, MailError> {
    let message_id = id.map(|id| format!("<{id}@{}>", from.email.domain()));
    Ok(Message::builder()
        .from(from.clone())
        .to(mail.to.parse()?)
        .subject(mail.subject)
        .message_id(message_id)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body)?)
}
