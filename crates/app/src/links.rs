//! The `sportello://` links of the company's e-mails: the invitation (A1,
//! `sportello://invite?username=…&token=spi_…`) and the password reset (A6,
//! `sportello://reset?token=spx_…`). The system hands them to the app as a
//! command-line argument; anything else is refused. Tokens are secrets: no
//! error or log line repeats one.

use serde::Serialize;
use ts_rs::TS;

pub const SCHEME: &str = "sportello";

/// A link the app was opened with, ready for the set-password page.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum DeepLink {
    Invite { username: String, token: String },
    Reset { token: String },
}

/// Debug output hides the token, so a link can never leak through a log line.
impl std::fmt::Debug for DeepLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeepLink::Invite { username, .. } => write!(f, "Invite {{ username: {username:?}, token: <hidden> }}"),
            DeepLink::Reset { .. } => write!(f, "Reset {{ token: <hidden> }}"),
        }
    }
}

/// Why a link was refused; never carries the link itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("not a sportello:// link")]
    Scheme,
    #[error("a sportello:// link for something the app does not do")]
    Action,
    #[error("the link lacks its username or token, or they are malformed")]
    Parameters,
}

/// Tokens are a prefix and URL-safe base64; usernames are customer codes and sub-user names.
fn plain(value: &str, extra: &str) -> bool {
    !value.is_empty() && value.len() <= 200 && value.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

fn token_with(prefix: &str, token: Option<String>) -> Result<String, LinkError> {
    token
        .filter(|t| t.starts_with(prefix) && plain(t, "_-"))
        .ok_or(LinkError::Parameters)
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl DeepLink {
    pub fn parse(url: &str) -> Result<DeepLink, LinkError> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").ok_or(LinkError::Scheme)?;
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(LinkError::Scheme);
        }
        let (action, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut username = None;
        let mut token = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or(LinkError::Parameters)?;
            let value = percent_decoded(value).ok_or(LinkError::Parameters)?;
            match key {
                "username" => username = Some(value),
                "token" => token = Some(value),
                _ => {}
            }
        }
        match action.trim_end_matches('/').to_ascii_lowercase().as_str() {
            "invite" => Ok(DeepLink::Invite {
                username: username.filter(|u| plain(u, "._-")).ok_or(LinkError::Parameters)?,
                token: token_with("spi_", token)?,
            }),
            "reset" => Ok(DeepLink::Reset {
                token: token_with("spx_", token)?,
            }),
            _ => Err(LinkError::Action),
        }
    }

    /// The first `sportello://` argument of a command line; a malformed one is
    /// logged by its reason only.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Option<DeepLink> {
        let link = args
            .into_iter()
            .find(|a| a.to_ascii_lowercase().starts_with("sportello:"))?;
        DeepLink::parse(&link)
            .inspect_err(|e| tracing::warn!("a link was ignored: {e}"))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_invitation_and_reset_links_parse() {
        assert_eq!(
            DeepLink::parse("sportello://invite?username=30001&token=spi_AbC-12_x"),
            Ok(DeepLink::Invite {
                username: "30001".into(),
                token: "spi_AbC-12_x".into()
            })
        );
        assert_eq!(
            DeepLink::parse("SPORTELLO://reset/?token=spx_Z9"),
            Ok(DeepLink::Reset { token: "spx_Z9".into() })
        );
        assert_eq!(
            DeepLink::parse("sportello://invite?token=spi_a&username=10093.1"),
            Ok(DeepLink::Invite {
                username: "10093.1".into(),
                token: "spi_a".into()
            }),
            "parameters in any order, sub-user names"
        );
    }

    #[test]
    fn anything_else_is_refused_for_a_reason() {
        for (url, why) in [
            ("https://sportello.example/invite?token=spi_a", LinkError::Scheme),
            ("sportello:invite", LinkError::Scheme),
            ("sportello://pay?amount=100", LinkError::Action),
            ("sportello://invite?token=spi_a", LinkError::Parameters),
            ("sportello://invite?username=30001&token=spx_a", LinkError::Parameters),
            ("sportello://reset?token=spi_a", LinkError::Parameters),
            ("sportello://reset?token=spx_a%22%3E", LinkError::Parameters),
            ("sportello://invite?username=a%2Fb&token=spi_a", LinkError::Parameters),
            ("sportello://reset?token=spx_%zz", LinkError::Parameters),
        ] {
            assert_eq!(DeepLink::parse(url), Err(why), "{url}");
        }
    }

    #[test]
    fn a_command_line_yields_its_link_and_debug_output_hides_the_token() {
        let args = ["/usr/bin/sportello", "--flag", "sportello://reset?token=spx_secret"].map(String::from);
        let link = DeepLink::from_args(args).unwrap();
        assert_eq!(format!("{link:?}"), "Reset { token: <hidden> }");
        assert_eq!(DeepLink::from_args(["/usr/bin/sportello".to_owned()]), None);
        assert_eq!(DeepLink::from_args(["sportello://nope".to_owned()]), None);
    }
}
