//! The texts of the account e-mails, in the recipient's language (Italian
//! unless "en"). Links use the `sportello://` scheme the desktop app opens.
//! The mails about documents and the shop are in `business`, the copies of
//! the service desk's answers in `desk`.

mod business;
mod desk;

pub use business::*;
pub use desk::*;

use crate::mail::Mail;

fn pick<'a>(language: &str, it: (String, String), en: (String, String), to: &'a str) -> Mail<'a> {
    let (subject, body) = if language == "en" { en } else { it };
    Mail { to, subject, body }
}

/// The user a security notice goes to, at the account's address.
pub struct Owner<'a> {
    pub to: &'a str,
    pub language: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    pub company: &'a str,
}

impl<'a> Owner<'a> {
    pub fn of(user: &'a crate::store::users::UserRow, company: &'a str) -> Owner<'a> {
        Owner {
            to: &user.email,
            language: &user.language,
            name: &user.display_name,
            username: &user.username,
            company,
        }
    }
}

/// What a temporary password is for: the text differs, the rules do not.
#[derive(Clone, Copy)]
pub enum Welcome {
    /// A1: the company invites a customer.
    Invitation,
    /// A2: the customer registered with contract data.
    Registration,
    /// A3: an operator approved a registration by category.
    Approval,
    /// A9: a main user added a sub-user.
    SubUser,
}

pub struct TemporaryAccess<'a> {
    pub to: &'a str,
    pub language: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub days: i64,
    /// The one-time `sportello://invite?...` link, when there is one.
    pub link: Option<&'a str>,
    pub company: &'a str,
}

pub fn temporary_access<'a>(kind: Welcome, a: &TemporaryAccess<'a>) -> Mail<'a> {
    let TemporaryAccess {
        name,
        username,
        password,
        days,
        company,
        ..
    } = a;
    let (why_it, why_en) = match kind {
        Welcome::Invitation => (
            "sei stato invitato a usare Sportello, l'area clienti di",
            "you are invited to Sportello, the customer area of",
        ),
        Welcome::Registration => (
            "la tua registrazione a Sportello, l'area clienti di",
            "your registration to Sportello, the customer area of",
        ),
        Welcome::Approval => (
            "la tua registrazione è stata approvata da",
            "your registration was approved by",
        ),
        Welcome::SubUser => (
            "è stato creato per te un accesso a Sportello, l'area clienti di",
            "an access to Sportello, the customer area of",
        ),
    };
    let (link_it, link_en) = match a.link {
        Some(link) => (
            format!("\nOppure apri questo collegamento con Sportello per scegliere subito la password:\n{link}\n"),
            format!("\nOr open this link with Sportello to choose your password straight away:\n{link}\n"),
        ),
        None => (String::new(), String::new()),
    };
    let tail_en = match kind {
        Welcome::Registration => " is complete",
        Welcome::SubUser => " was created for you",
        _ => "",
    };
    pick(
        a.language,
        (
            "Le tue credenziali temporanee di Sportello".into(),
            format!(
                "Gentile {name},\n\n{why_it} {company}.\n\nNome utente: {username}\nPassword temporanea: {password}\n\n\
                 La password temporanea vale {days} giorni: al primo accesso ti chiederemo di sceglierne una definitiva.\n{link_it}\n{company}\n"
            ),
        ),
        (
            "Your temporary Sportello credentials".into(),
            format!(
                "Dear {name},\n\n{why_en} {company}{tail_en}.\n\nUsername: {username}\nTemporary password: {password}\n\n\
                 The temporary password is valid for {days} days: at your first login you will choose a definitive one.\n{link_en}\n{company}\n"
            ),
        ),
        a.to,
    )
}

pub struct ResetMail<'a> {
    pub to: &'a str,
    pub language: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    pub code: &'a str,
    pub link: &'a str,
    pub minutes: i64,
    pub company: &'a str,
}

/// A5, A6: the reset code and link, with the username for who forgot it.
pub fn reset<'a>(r: &ResetMail<'a>) -> Mail<'a> {
    let ResetMail {
        name,
        username,
        code,
        link,
        minutes,
        company,
        ..
    } = r;
    pick(
        r.language,
        (
            "Reimpostazione della password di Sportello".into(),
            format!(
                "Gentile {name},\n\nil tuo nome utente è: {username}\nIl codice per reimpostare la password è: {code}\n\n\
                 In alternativa apri questo collegamento con Sportello:\n{link}\n\nCodice e collegamento valgono {minutes} minuti. \
                 Se non li hai chiesti tu, ignora questo messaggio: la password attuale resta valida.\n\n{company}\n"
            ),
        ),
        (
            "Resetting your Sportello password".into(),
            format!(
                "Dear {name},\n\nyour username is: {username}\nThe code to reset your password is: {code}\n\n\
                 Or open this link with Sportello:\n{link}\n\nThe code and the link are valid for {minutes} minutes. \
                 If you did not ask for them, ignore this message: your current password stays valid.\n\n{company}\n"
            ),
        ),
        r.to,
    )
}

/// A5: the owner of a username that too many wrong passwords locked for a
/// while learns it here (never from the login's answer), with a reset code
/// and link that lift the lock at once.
pub fn login_locked<'a>(r: &ResetMail<'a>, lock_minutes: i64) -> Mail<'a> {
    let ResetMail {
        name,
        username,
        code,
        link,
        minutes,
        company,
        ..
    } = r;
    let (pause_it, pause_en) = match lock_minutes {
        1 => ("1 minuto".to_owned(), "1 minute".to_owned()),
        n => (format!("{n} minuti"), format!("{n} minutes")),
    };
    pick(
        r.language,
        (
            "Accesso a Sportello sospeso per troppi tentativi".into(),
            format!(
                "Gentile {name},\n\ndopo troppi tentativi con una password errata l'accesso con il nome utente {username} \
                 è sospeso per {pause_it}; poi si riapre da solo.\n\n\
                 Se sei stato tu e non ricordi la password, scegline una nuova ora: il codice è {code}, \
                 oppure apri questo collegamento con Sportello:\n{link}\n\
                 Codice e collegamento valgono {minutes} minuti e sbloccano subito l'accesso. \
                 Se non sei stato tu, la tua password resta valida e nessuno è entrato.\n\n{company}\n"
            ),
        ),
        (
            "Sportello login paused after too many attempts".into(),
            format!(
                "Dear {name},\n\nafter too many wrong passwords, logins as {username} are paused for \
                 {pause_en}; then they open again by themselves.\n\n\
                 If it was you and you do not remember the password, choose a new one now: the code is {code}, \
                 or open this link with Sportello:\n{link}\n\
                 The code and the link are valid for {minutes} minutes and lift the pause at once. \
                 If it was not you, your password stays valid and nobody got in.\n\n{company}\n"
            ),
        ),
        r.to,
    )
}

/// A2: a registration repeated with another address; the first address is
/// told where the new temporary password went.
pub fn registration_readdressed<'a>(
    first: &'a crate::store::accounts::MainUser,
    new_address: &str,
    company: &str,
) -> Mail<'a> {
    let name = &first.display_name;
    pick(
        &first.language,
        (
            "Registrazione a Sportello ripetuta con un altro indirizzo".into(),
            format!(
                "Gentile {name},\n\nla registrazione a Sportello con i dati del contratto è stata ripetuta e le credenziali \
                 temporanee sono state inviate a {new_address}. Le credenziali inviate prima a questo indirizzo non valgono più.\n\n\
                 Se non sei stato tu, contatta subito il servizio clienti.\n\n{company}\n"
            ),
        ),
        (
            "Sportello registration repeated with another address".into(),
            format!(
                "Dear {name},\n\nthe registration to Sportello with the contract's data was repeated and the temporary \
                 credentials were sent to {new_address}. Those sent to this address before are no longer valid.\n\n\
                 If it was not you, contact customer service at once.\n\n{company}\n"
            ),
        ),
        &first.email,
    )
}

/// The account's password changed (chosen by the user, or set through a reset).
pub fn password_changed<'a>(o: &Owner<'a>, reset: bool) -> Mail<'a> {
    let Owner {
        name,
        username,
        company,
        ..
    } = o;
    let (how_it, how_en) = if reset {
        (
            "è stata reimpostata con il codice o il collegamento inviato per e-mail",
            "was reset with the e-mailed code or link",
        )
    } else {
        ("è stata cambiata dal profilo", "was changed from the profile")
    };
    pick(
        o.language,
        (
            "La password di Sportello è cambiata".into(),
            format!(
                "Gentile {name},\n\nla password dell'utente {username} {how_it}; le altre sessioni sono state chiuse.\n\n\
                 Se non sei stato tu, usa subito «Password dimenticata?» nella finestra di accesso e contatta il servizio clienti.\n\n{company}\n"
            ),
        ),
        (
            "Your Sportello password changed".into(),
            format!(
                "Dear {name},\n\nthe password of user {username} {how_en}; your other sessions were ended.\n\n\
                 If it was not you, use “Forgot your password?” on the login window at once and contact customer service.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}

/// A login from a device this user never used: the owner is told, so that a
/// stranger's login does not go unnoticed.
pub fn new_device<'a>(o: &Owner<'a>, device: &str, address: &str) -> Mail<'a> {
    let Owner {
        name,
        username,
        company,
        ..
    } = o;
    pick(
        o.language,
        (
            "Nuovo accesso a Sportello da un altro dispositivo".into(),
            format!(
                "Gentile {name},\n\nc'è stato un accesso a Sportello con il nome utente {username} dal dispositivo \
                 «{device}» (indirizzo {address}).\n\nSe sei stato tu, non devi fare nulla. Altrimenti cambia subito la \
                 password e chiudi quella sessione dal profilo, in «Sessioni e dispositivi».\n\n{company}\n"
            ),
        ),
        (
            "New Sportello login from another device".into(),
            format!(
                "Dear {name},\n\nthere was a login to Sportello as {username} from the device «{device}» \
                 (address {address}).\n\nIf it was you, there is nothing to do. Otherwise change your password now and \
                 end that session from your profile, under “Sessions and devices”.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}

/// A3: the registration arrived and waits for an operator.
pub fn registration_received<'a>(to: &'a str, language: &str, name: &str, company: &str) -> Mail<'a> {
    pick(
        language,
        (
            "Abbiamo ricevuto la tua registrazione".into(),
            format!(
                "Gentile {name},\n\nabbiamo ricevuto la tua richiesta di registrazione a Sportello. \
                 Riceverai le credenziali di accesso appena un operatore l'avrà verificata.\n\n{company}\n"
            ),
        ),
        (
            "We received your registration".into(),
            format!(
                "Dear {name},\n\nwe received your registration to Sportello. \
                 You will receive your credentials as soon as an operator has checked it.\n\n{company}\n"
            ),
        ),
        to,
    )
}

pub fn registration_rejected<'a>(to: &'a str, language: &str, name: &str, company: &str) -> Mail<'a> {
    pick(
        language,
        (
            "La tua registrazione non è stata approvata".into(),
            format!(
                "Gentile {name},\n\nnon è stato possibile approvare la tua registrazione a Sportello. \
                 Per informazioni contatta il servizio clienti.\n\n{company}\n"
            ),
        ),
        (
            "Your registration was not approved".into(),
            format!(
                "Dear {name},\n\nwe could not approve your registration to Sportello. \
                 Please contact customer service for details.\n\n{company}\n"
            ),
        ),
        to,
    )
}

/// A8: the code that confirms a new primary address, sent to that address.
pub fn email_change_code<'a>(
    to: &'a str,
    language: &str,
    name: &str,
    code: &str,
    minutes: i64,
    company: &str,
) -> Mail<'a> {
    pick(
        language,
        (
            "Conferma il tuo nuovo indirizzo e-mail".into(),
            format!(
                "Gentile {name},\n\nper usare questo indirizzo in Sportello inserisci il codice: {code}\n\n\
                 Vale {minutes} minuti. Se non l'hai chiesto tu, ignora questo messaggio.\n\n{company}\n"
            ),
        ),
        (
            "Confirm your new e-mail address".into(),
            format!(
                "Dear {name},\n\nto use this address in Sportello enter the code: {code}\n\n\
                 It is valid for {minutes} minutes. If you did not ask for it, ignore this message.\n\n{company}\n"
            ),
        ),
        to,
    )
}

/// A8: tells the old address that the primary address changed.
pub fn email_changed<'a>(to: &'a str, language: &str, name: &str, new_address: &str, company: &str) -> Mail<'a> {
    pick(
        language,
        (
            "Il tuo indirizzo e-mail di Sportello è cambiato".into(),
            format!(
                "Gentile {name},\n\nd'ora in poi le comunicazioni di Sportello arriveranno a {new_address}. \
                 Se non sei stato tu, contatta subito il servizio clienti.\n\n{company}\n"
            ),
        ),
        (
            "Your Sportello e-mail address changed".into(),
            format!(
                "Dear {name},\n\nfrom now on Sportello will write to {new_address}. \
                 If this was not you, contact customer service at once.\n\n{company}\n"
            ),
        ),
        to,
    )
}

/// What happened to a user's second factor, for the notice to the account's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactorChange {
    Enabled,
    Disabled,
    CodesRenewed,
    /// A recovery code stood in for the authenticator at a login.
    RecoveryCodeUsed {
        left: i64,
    },
}

/// The notice that the second factor of `username` changed, so that a
/// change by someone else is seen.
pub fn second_factor_changed<'a>(o: &Owner<'a>, change: FactorChange) -> Mail<'a> {
    let Owner {
        name,
        username,
        company,
        ..
    } = o;
    let (it, en) = match change {
        FactorChange::Enabled => (
            "è stata attivata: da ora l'accesso chiede il codice dell'app di autenticazione".to_owned(),
            "was turned on: logins now ask for the code of the authenticator app".to_owned(),
        ),
        FactorChange::Disabled => (
            "è stata disattivata: l'accesso torna a chiedere il codice inviato per e-mail".to_owned(),
            "was turned off: logins ask for the e-mailed code again".to_owned(),
        ),
        FactorChange::CodesRenewed => (
            "ha nuovi codici di recupero; quelli precedenti non valgono più".to_owned(),
            "has new recovery codes; the earlier ones no longer work".to_owned(),
        ),
        FactorChange::RecoveryCodeUsed { left } => (
            format!("è stata superata con un codice di recupero (ne restano {left})"),
            format!("was passed with a recovery code ({left} left)"),
        ),
    };
    pick(
        o.language,
        (
            "Verifica in due passaggi di Sportello".into(),
            format!(
                "Gentile {name},\n\nla verifica in due passaggi dell'utente {username} {it}.\n\n\
                 Se non sei stato tu, cambia subito la password e contatta il servizio clienti.\n\n{company}\n"
            ),
        ),
        (
            "Sportello two-step verification".into(),
            format!(
                "Dear {name},\n\nthe two-step verification of user {username} {en}.\n\n\
                 If it was not you, change your password at once and contact customer service.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}

/// The notice that new bank details were asked for on a contract.
/// `iban_ending` is the new IBAN's last four characters: enough to
/// recognise, not to reuse.
pub fn bank_details_requested<'a>(o: &Owner<'a>, contract_no: &str, iban_ending: &str) -> Mail<'a> {
    let Owner {
        name,
        username,
        company,
        ..
    } = o;
    pick(
        o.language,
        (
            "Richiesta di cambio IBAN su Sportello".into(),
            format!(
                "Gentile {name},\n\nl'utente {username} ha chiesto di addebitare le rate del contratto {contract_no} \
                 sul conto con IBAN che termina per {iban_ending}.\n\n\
                 Se non sei stato tu, contatta subito il servizio clienti e cambia la password.\n\n{company}\n"
            ),
        ),
        (
            "IBAN change requested on Sportello".into(),
            format!(
                "Dear {name},\n\nuser {username} asked to debit the installments of contract {contract_no} \
                 to the account whose IBAN ends in {iban_ending}.\n\n\
                 If it was not you, contact customer service at once and change your password.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}
