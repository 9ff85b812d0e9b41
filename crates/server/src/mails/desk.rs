//! S5: the e-mail copies of the service desk's replies and status changes.

use super::{pick, Owner};
use crate::mail::Mail;
use sportello_domain::api::requests::RequestStatus;

/// A request's status as the e-mail names it, in Italian and English.
fn status_words(status: RequestStatus) -> (&'static str, &'static str) {
    match status {
        RequestStatus::Submitted => ("ricevuta", "received"),
        RequestStatus::InProgress => ("in lavorazione", "in progress"),
        RequestStatus::WaitingCustomer => ("in attesa di tue informazioni", "waiting for information from you"),
        RequestStatus::Completed => ("completata", "completed"),
        RequestStatus::Rejected => ("respinta", "rejected"),
    }
}

/// The request a desk e-mail is about: its code and title.
pub struct AboutRequest<'a> {
    pub code: &'a str,
    pub title: &'a str,
}

/// S5: a copy of the service desk's reply, with the new status if it moved.
pub fn desk_reply<'a>(o: &Owner<'a>, r: &AboutRequest<'_>, text: &str, status: Option<RequestStatus>) -> Mail<'a> {
    let Owner { name, company, .. } = o;
    let AboutRequest { code, title } = r;
    let (status_it, status_en) = match status.map(status_words) {
        Some((it, en)) => (
            format!("La richiesta ora è {it}.\n\n"),
            format!("The request is now {en}.\n\n"),
        ),
        None => (String::new(), String::new()),
    };
    pick(
        o.language,
        (
            format!("{code} – risposta del servizio clienti"),
            format!(
                "Gentile {name},\n\nil servizio clienti ha risposto alla richiesta {code} ({title}):\n\n{text}\n\n\
                 {status_it}Per rispondere o aprire gli allegati, apri Sportello, sezione Richieste.\n\n{company}\n"
            ),
        ),
        (
            format!("{code} – reply from customer service"),
            format!(
                "Dear {name},\n\ncustomer service answered request {code} ({title}):\n\n{text}\n\n\
                 {status_en}To answer or open the attachments, open Sportello, section Requests.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}

/// S5: a request moved to a new status.
pub fn request_status<'a>(o: &Owner<'a>, r: &AboutRequest<'_>, status: RequestStatus) -> Mail<'a> {
    let Owner { name, company, .. } = o;
    let AboutRequest { code, title } = r;
    let (it, en) = status_words(status);
    pick(
        o.language,
        (
            format!("{code} – richiesta {it}"),
            format!(
                "Gentile {name},\n\nla richiesta {code} ({title}) ora è {it}.\n\n\
                 Il dettaglio è in Sportello, sezione Richieste.\n\n{company}\n"
            ),
        ),
        (
            format!("{code} – request {en}"),
            format!(
                "Dear {name},\n\nrequest {code} ({title}) is now {en}.\n\n\
                 The detail is in Sportello, section Requests.\n\n{company}\n"
            ),
        ),
        o.to,
    )
}
