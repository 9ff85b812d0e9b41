//! Outgoing e-mail: SMTP in deployments; in the demo and in tests, real
//! RFC 5322 messages written as `.eml` files to an outbox folder.

use crate::config::Config;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("bad address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox: {0}")]
    File(#[from] lettre::transport::file::Error),
    #[error("outbox folder: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
pub enum Mailer {
    Outbox {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
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
            Mailer::Outbox {
                transport: AsyncFileTransport::new(&dir),
                dir,
            }
        } else {
            Mailer::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.mail.smtp_url)?.build())
        };
        Ok((mailer, from))
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Outbox { dir, .. } => format!("outbox folder {}", dir.display()),
            Mailer::Smtp(_) => "SMTP".into(),
        }
    }

    /// Sends one plain-text message. Logs where it went, never what it says.
    pub async fn send(&self, from: &Mailbox, mail: Mail<'_>) -> Result<(), MailError> {
        let message = Message::builder()
            .from(from.clone())
            .to(mail.to.parse()?)
            .subject(mail.subject)
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)?;
        match self {
            Mailer::Outbox { transport, dir } => {
                let id = transport.send(message).await?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "e-mail written to the outbox");
            }
            Mailer::Smtp(transport) => {
                transport.send(message).await?;
                tracing::info!("e-mail handed to the SMTP server");
            }
        }
        Ok(())
    }
}
