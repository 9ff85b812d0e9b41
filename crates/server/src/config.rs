//! Server configuration: defaults, then an optional TOML file, then
//! `SPORTELLO_*` environment variables (nested keys with `__`, e.g.
//! `SPORTELLO_MAIL__SMTP_URL`).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use sportello_domain::ids::{Iban, VatNumber};
use sportello_domain::invoice::{Address, Party, PartyName};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub bind: SocketAddr,
    /// Folder for the SQLite file, the mail outbox and other server files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/sportello.db`.
    pub database_url: String,
    /// The leasing company: sender of e-mails, seller on invoices.
    pub company: CompanyConfig,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    /// How often (milliseconds) an instance looks at the change feed's head
    /// without being told (PostgreSQL notifies at once; this catches writers
    /// that cannot, such as the command line on SQLite).
    #[serde(default = "default_feed_poll_ms")]
    pub feed_poll_ms: u64,
    /// How long (milliseconds) a request holds the `Idempotency-Key` it
    /// claimed; a retry after that takes the key over if the first request
    /// died before changing anything.
    #[serde(default = "default_idempotency_lease_ms")]
    pub idempotency_lease_ms: i64,
    /// How often (milliseconds) the mail worker looks for due messages when
    /// nothing woke it (a retry's time comes, another instance queued one).
    #[serde(default = "default_mail_poll_ms")]
    pub mail_poll_ms: u64,
    /// How long (milliseconds) a mail worker holds the message it is
    /// sending; an instance that dies mid-send leaves it to another after that.
    #[serde(default = "default_mail_lease_ms")]
    pub mail_lease_ms: i64,
    /// How many megabytes of files (attachments, receipts, order outcomes)
    /// one customer may keep; an upload past it is refused (quota_exceeded).
    #[serde(default = "default_upload_quota_mb")]
    pub upload_quota_mb: i64,
    /// Addresses or ranges of the reverse proxies in front of the server,
    /// comma separated ("127.0.0.1, ::1, 10.0.0.0/8"); only from these is
    /// `X-Forwarded-For` believed. Empty: the peer's address is the client's.
    #[serde(default)]
    pub trusted_proxies: String,
    /// How long a client may take to send a request's headers before the
    /// connection is closed.
    #[serde(default = "default_header_timeout_ms")]
    pub header_timeout_ms: u64,
    /// The address desktops reach this server at (`https://sportello.example.it`),
    /// for the links the updater downloads new versions from. Empty: taken
    /// from the request's `Host`, over plain HTTP.
    #[serde(default)]
    pub public_url: String,
}

fn default_session_max_days() -> i64 {
    90
}

fn default_max_failed_logins_per_address() -> i64 {
    20
}

fn default_login_lock_secs() -> i64 {
    60
}

fn default_login_lock_max_secs() -> i64 {
    3600
}

fn default_header_timeout_ms() -> u64 {
    10_000
}

fn default_feed_poll_ms() -> u64 {
    1000
}

fn default_idempotency_lease_ms() -> i64 {
    30_000
}

fn default_mail_poll_ms() -> u64 {
    1000
}

fn default_mail_lease_ms() -> i64 {
    60_000
}

fn default_upload_quota_mb() -> i64 {
    500
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompanyConfig {
    pub name: String,
    /// Partita IVA; also the transmitter id of FatturaPA files.
    pub vat_number: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub province: String,
    /// The account customers pay into by bank transfer.
    pub iban: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailConfig {
    pub from: String,
    /// `smtps://user:pass@host:465` or `smtp://host:25?tls=required`; empty means
    /// every message is written as an RFC 5322 file to `outbox_dir`.
    pub smtp_url: String,
    /// Empty means `<data_dir>/outbox`.
    pub outbox_dir: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthConfig {
    pub access_ttl_secs: i64,
    /// A session idle this long (no token refresh) ends: the refresh token's life.
    pub refresh_ttl_days: i64,
    /// A session ends this long after its login, however often it refreshed.
    #[serde(default = "default_session_max_days")]
    pub session_max_days: i64,
    pub code_ttl_secs: i64,
    pub code_max_attempts: i64,
    /// Wrong passwords for one username (known or not) before it is refused
    /// for `login_lock_secs`, doubling with each further lock of the episode.
    pub max_failed_logins: i64,
    /// Wrong passwords from one client address before it is refused the same way.
    #[serde(default = "default_max_failed_logins_per_address")]
    pub max_failed_logins_per_address: i64,
    /// The first lock's length; each further lock of the same day doubles it.
    #[serde(default = "default_login_lock_secs")]
    pub login_lock_secs: i64,
    /// The longest a lock lasts.
    #[serde(default = "default_login_lock_max_secs")]
    pub login_lock_max_secs: i64,
    /// How long a temporary password (and an invitation link) is valid.
    pub temporary_password_days: i64,
    /// How long a reset code or link, or an e-mail change code, is valid.
    pub reset_ttl_secs: i64,
    /// A contract can be registered again after this long (A2).
    pub registration_retry_minutes: i64,
}

impl CompanyConfig {
    /// The company as the seller of its invoices; an error names the bad setting.
    pub fn seller(&self) -> Result<(Party, Iban), String> {
        let vat: VatNumber = self
            .vat_number
            .parse()
            .map_err(|e| format!("company.vat_number: {e}"))?;
        let iban: Iban = self.iban.parse().map_err(|e| format!("company.iban: {e}"))?;
        let party = Party {
            name: PartyName::Company(self.name.clone()),
            tax_code: None,
            vat_number: Some(vat),
            address: Address {
                street: self.street.clone(),
                postcode: self.postcode.clone(),
                city: self.city.clone(),
                province: Some(self.province.clone()).filter(|p| !p.is_empty()),
                country: "IT".into(),
            },
        };
        Ok((party, iban))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8787".parse().expect("a valid default address"),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            feed_poll_ms: default_feed_poll_ms(),
            idempotency_lease_ms: default_idempotency_lease_ms(),
            mail_poll_ms: default_mail_poll_ms(),
            mail_lease_ms: default_mail_lease_ms(),
            upload_quota_mb: default_upload_quota_mb(),
            trusted_proxies: String::new(),
            public_url: String::new(),
            header_timeout_ms: default_header_timeout_ms(),
            company: CompanyConfig {
                name: "Sportello Leasing S.p.A.".into(),
                vat_number: "12345670157".into(),
                street: "Viale della Repubblica 12".into(),
                postcode: "31100".into(),
                city: "Treviso".into(),
                province: "TV".into(),
                iban: "IT51W0306912011000000123456".into(),
            },
            mail: MailConfig {
                from: "Sportello <noreply@sportello.example>".into(),
                smtp_url: String::new(),
                outbox_dir: String::new(),
            },
            auth: AuthConfig {
                access_ttl_secs: 15 * 60,
                refresh_ttl_days: 30,
                session_max_days: default_session_max_days(),
                code_ttl_secs: 10 * 60,
                code_max_attempts: 5,
                max_failed_logins: 3,
                max_failed_logins_per_address: default_max_failed_logins_per_address(),
                login_lock_secs: default_login_lock_secs(),
                login_lock_max_secs: default_login_lock_max_secs(),
                temporary_password_days: 7,
                reset_ttl_secs: 30 * 60,
                registration_retry_minutes: 60,
            },
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("SPORTELLO_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The `trusted_proxies` setting, read; a word that is not an address
    /// or a range is an error.
    pub fn trusted_proxies(&self) -> Result<Vec<crate::netaddr::Cidr>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|e| format!("trusted_proxies: {e}")))
            .collect()
    }

    /// A configuration for tests and tools: everything under `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Config {
        Config {
            data_dir: data_dir.to_path_buf(),
            bind: "127.0.0.1:0".parse().expect("valid"),
            ..Config::default()
        }
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("sportello.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        if self.mail.outbox_dir.is_empty() {
            self.data_dir.join("outbox")
        } else {
            PathBuf::from(&self.mail.outbox_dir)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_company_is_a_valid_seller_and_bad_settings_are_named() {
        assert!(Config::default().company.seller().is_ok());
        let mut company = Config::default().company;
        company.iban = "IT00X0000000000000000000000".into();
        assert!(company.seller().unwrap_err().starts_with("company.iban:"));
        company = Config::default().company;
        company.vat_number = "12345678901".into();
        assert!(company.seller().unwrap_err().starts_with("company.vat_number:"));
    }
}
