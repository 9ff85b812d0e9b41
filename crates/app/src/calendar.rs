//! The coming due dates as an iCalendar file (RFC 5545) to add to any
//! calendar, and the reminder notices shown a few days before each due date.
//! Both are pure: the lines come from the local copy, so they work offline.

use crate::cache::{Cache, CacheResult};
use crate::export::Lang;
use crate::notifier::{Notice, Notifier, OpenTarget, GROUP_ABOVE};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sportello_domain::api::schedule::ScheduleItem;
use sportello_domain::Money;

/// Reminders a line gets before its due date unless Settings says otherwise.
pub const DEFAULT_REMINDER_DAYS: u8 = 3;
/// The furthest ahead a reminder can be set.
pub const MAX_REMINDER_DAYS: u8 = 30;

/// The calendar of `lines` (the coming due dates still owed): one all-day
/// event per line, with an alarm `remind_days` before it (none when 0). The
/// same line keeps the same UID, so importing a newer file updates it.
pub fn ics(lines: &[ScheduleItem], lang: Lang, remind_days: u8, stamp: DateTime<Utc>) -> String {
    let mut out = Vec::new();
    out.extend([
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Sportello//Scadenze//IT".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!(
            "X-WR-CALNAME:{}",
            text(lang.pick("Scadenze Sportello", "Sportello due dates"))
        ),
    ]);
    for line in lines {
        out.extend(event(line, lang, remind_days, stamp));
    }
    out.push("END:VCALENDAR".to_owned());
    out.iter().map(|l| fold(l) + "\r\n").collect()
}

fn event(line: &ScheduleItem, lang: Lang, remind_days: u8, stamp: DateTime<Utc>) -> Vec<String> {
    let title = summary(line, lang);
    let day = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let mut lines = vec![
        "BEGIN:VEVENT".to_owned(),
        format!("UID:schedule-{}@sportello", line.id),
        format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;VALUE=DATE:{}", day(line.due_on)),
        format!("DTEND;VALUE=DATE:{}", day(line.due_on + Days::new(1))),
        format!("SUMMARY:{}", text(&title)),
        format!("DESCRIPTION:{}", text(&description(line, lang))),
        "TRANSP:TRANSPARENT".to_owned(),
    ];
    if remind_days > 0 {
        lines.extend([
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            format!("DESCRIPTION:{}", text(&title)),
            format!("TRIGGER:-P{remind_days}D"),
            "END:VALARM".to_owned(),
        ]);
    }
    lines.push("END:VEVENT".to_owned());
    lines
}

/// "Rata 12 contratto 84963: 2.316,38 €"
fn summary(line: &ScheduleItem, lang: Lang) -> String {
    format!(
        "{} {} {} {}: {}",
        lang.pick("Rata", "Installment"),
        line.installment_no,
        lang.pick("contratto", "contract"),
        line.contract_no,
        money_text(line.balance, lang)
    )
}

fn description(line: &ScheduleItem, lang: Lang) -> String {
    format!(
        "{} {}\n{}: {}",
        lang.pick("Scadenza del", "Due on"),
        date_text(line.due_on),
        lang.pick("Importo da pagare", "Amount to pay"),
        money_text(line.balance, lang)
    )
}

/// RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.1: a content line is at most 75 octets; longer ones go on
/// in lines starting with a space, never splitting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let size = c.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += size;
    }
    out
}

/// 2.316,38 € in Italian, €2,316.38 in English, as the window writes money.
pub fn money_text(amount: Money, lang: Lang) -> String {
    let fixed = format!("{:.2}", amount.decimal().abs());
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let (group, point) = match lang {
        Lang::It => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let sign = if amount.decimal().is_sign_negative() && !amount.decimal().is_zero() {
        "-"
    } else {
        ""
    };
    match lang {
        Lang::It => format!("{sign}{grouped}{point}{cents} €"),
        Lang::En => format!("{sign}€{grouped}{point}{cents}"),
    }
}

/// Day first in both languages, as the window shows dates in Europe/Rome.
fn date_text(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// The lines to remind of on `today`: still owed, due from today to
/// `days` ahead. None when reminders are off (0 days).
pub fn due_soon(lines: &[ScheduleItem], today: NaiveDate, days: u8) -> Vec<&ScheduleItem> {
    if days == 0 {
        return Vec::new();
    }
    let last = today + Days::new(u64::from(days));
    lines
        .iter()
        .filter(|l| l.due_on >= today && l.due_on <= last && l.balance.decimal() > rust_decimal::Decimal::ZERO)
        .collect()
}

/// The notices for lines falling due soon: one each, or one summary above
/// `GROUP_ABOVE`. Each opens the payments page.
pub fn reminder_notices(lines: &[&ScheduleItem], lang: Lang) -> Vec<Notice> {
    if lines.len() > GROUP_ABOVE {
        let total = lines.iter().fold(Money::ZERO, |sum, l| sum + l.balance);
        let first = lines.iter().map(|l| l.due_on).min().expect("not empty");
        let title = match lang {
            Lang::It => format!("{} rate in scadenza", lines.len()),
            Lang::En => format!("{} installments falling due", lines.len()),
        };
        let body = format!(
            "{} {}: {}",
            lang.pick("Dal", "From"),
            date_text(first),
            money_text(total, lang)
        );
        return vec![Notice {
            title,
            body,
            open: OpenTarget::Payments,
        }];
    }
    lines
        .iter()
        .map(|line| Notice {
            title: lang.pick("Rata in scadenza", "Installment falling due").to_owned(),
            body: format!(
                "{} — {} {}",
                summary(line, lang),
                lang.pick("scadenza", "due"),
                date_text(line.due_on)
            ),
            open: OpenTarget::Payments,
        })
        .collect()
}

impl Lang {
    /// The profile's language code; Italian unless it says English.
    pub fn of(code: &str) -> Lang {
        if code == "en" {
            Lang::En
        } else {
            Lang::It
        }
    }
}

/// Where the account keeps its reminder setting in the local copy.
const REMINDER_DAYS: &str = "reminder_days";

impl Cache {
    /// How many days before a due date its reminder shows (0: none).
    pub async fn reminder_days(&self) -> CacheResult<u8> {
        let saved = self.meta(REMINDER_DAYS).await?.and_then(|v| v.parse().ok());
        Ok(saved.unwrap_or(DEFAULT_REMINDER_DAYS).min(MAX_REMINDER_DAYS))
    }

    pub async fn set_reminder_days(&self, days: u8) -> CacheResult<()> {
        self.set_meta(REMINDER_DAYS, &days.min(MAX_REMINDER_DAYS).to_string())
            .await
    }

    /// The lines still owed falling due from `from` to `to`, soonest first.
    pub async fn owed_between(&self, from: NaiveDate, to: NaiveDate) -> CacheResult<Vec<ScheduleItem>> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM schedule WHERE paid_cents < amount_cents AND due_on >= ? AND due_on <= ?
             ORDER BY due_on, id",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        bodies.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
    }

    /// Keeps only the lines not reminded yet for their due date, and
    /// records them as reminded, in one transaction.
    async fn first_reminders<'a>(&self, lines: Vec<&'a ScheduleItem>) -> CacheResult<Vec<&'a ScheduleItem>> {
        let mut tx = self.pool().begin().await?;
        let mut fresh = Vec::new();
        for line in lines {
            let added = sqlx::query("INSERT OR IGNORE INTO reminded (line_id, due_on) VALUES (?, ?)")
                .bind(line.id)
                .bind(line.due_on.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if added == 1 {
                fresh.push(line);
            }
        }
        tx.commit().await?;
        Ok(fresh)
    }
}

/// Shows, once per line and due date, the reminders due on `today` (from
/// the local copy: offline too).
pub async fn remind(cache: &Cache, notifier: &dyn Notifier, today: NaiveDate, lang: Lang) -> CacheResult<usize> {
    let days = cache.reminder_days().await?;
    if days == 0 {
        return Ok(0);
    }
    let lines = cache.owed_between(today, today + Days::new(u64::from(days))).await?;
    let fresh = cache.first_reminders(due_soon(&lines, today, days)).await?;
    for notice in reminder_notices(&fresh, lang) {
        notifier.show(notice);
    }
    Ok(fresh.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sportello_domain::api::schedule::ScheduleReason;
    use sportello_domain::invoice::PaymentMethod;
    use sportello_domain::situation::PaymentStatus;

    fn line(id: i64, due_on: &str, balance: &str) -> ScheduleItem {
        ScheduleItem {
            id,
            contract_id: 1,
            contract_no: "84963".into(),
            due_on: due_on.parse().unwrap(),
            installment_no: 12,
            reason: ScheduleReason::Installment,
            payment_method: PaymentMethod::SepaDirectDebit,
            amount: balance.parse().unwrap(),
            paid: Money::ZERO,
            balance: balance.parse().unwrap(),
            overdue_balance: Money::ZERO,
            status: PaymentStatus::Due,
            invoice_number: None,
            invoice_id: None,
            reported_at: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn money_reads_as_the_window_writes_it() {
        let m = |t: &str| t.parse::<Money>().unwrap();
        assert_eq!(money_text(m("2316.38"), Lang::It), "2.316,38 €");
        assert_eq!(money_text(m("1234567.5"), Lang::En), "€1,234,567.50");
        assert_eq!(money_text(m("12"), Lang::It), "12,00 €");
        assert_eq!(money_text(m("-450.10"), Lang::It), "-450,10 €");
    }

    #[test]
    fn text_is_escaped_and_long_lines_fold_without_splitting_a_character() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "è".repeat(60));
        let folded = fold(&long);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{} octets", part.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn reminders_cover_the_coming_days_and_group_a_burst() {
        let lines = [
            line(1, "2026-12-07", "100"),
            line(2, "2026-12-10", "200"),
            line(3, "2026-12-11", "300"),
            line(4, "2026-12-06", "50"),
            line(5, "2026-12-08", "0"),
        ];
        let today = day("2026-12-07");
        let soon: Vec<i64> = due_soon(&lines, today, 3).iter().map(|l| l.id).collect();
        assert_eq!(soon, [1, 2], "today to three days ahead, owed, not yet overdue");
        assert!(due_soon(&lines, today, 0).is_empty(), "0 days: reminders off");
        let notices = reminder_notices(&due_soon(&lines, today, 3), Lang::It);
        assert_eq!(notices.len(), 2);
        assert_eq!(
            notices[0].body,
            "Rata 12 contratto 84963: 100,00 € — scadenza 07/12/2026"
        );
        assert_eq!(notices[0].open, OpenTarget::Payments);
        let many: Vec<ScheduleItem> = (0..5).map(|i| line(i, "2026-12-09", "10.5")).collect();
        let grouped = reminder_notices(&many.iter().collect::<Vec<_>>(), Lang::En);
        assert_eq!(grouped.len(), 1);
        assert_eq!(grouped[0].title, "5 installments falling due");
        assert_eq!(grouped[0].body, "From 09/12/2026: €52.50");
    }

    #[test]
    fn an_ics_parser_reads_back_every_due_date_with_its_alarm() {
        let lines = [line(7, "2026-12-31", "2316.38"), line(8, "2027-01-31", "1500")];
        let stamp = "2026-12-07T07:30:00Z".parse().unwrap();
        let file = ics(&lines, Lang::It, 5, stamp);
        assert!(
            file.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
            "CRLF line ends"
        );
        let calendar = ical::IcalParser::new(std::io::BufReader::new(file.as_bytes()))
            .next()
            .expect("one calendar")
            .expect("RFC 5545 text");
        let value = |props: &[ical::property::Property], name: &str| {
            props
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(value(&calendar.properties, "VERSION"), "2.0");
        assert_eq!(calendar.events.len(), 2);
        let first = &calendar.events[0];
        assert_eq!(value(&first.properties, "UID"), "schedule-7@sportello");
        assert_eq!(value(&first.properties, "DTSTART"), "20261231");
        assert_eq!(value(&first.properties, "DTEND"), "20270101");
        assert_eq!(value(&first.properties, "DTSTAMP"), "20261207T073000Z");
        assert_eq!(
            value(&first.properties, "SUMMARY"),
            "Rata 12 contratto 84963: 2.316\\,38 €"
        );
        let start = first.properties.iter().find(|p| p.name == "DTSTART").unwrap();
        assert_eq!(start.params, Some(vec![("VALUE".to_owned(), vec!["DATE".to_owned()])]));
        assert_eq!(first.alarms.len(), 1);
        assert_eq!(value(&first.alarms[0].properties, "TRIGGER"), "-P5D");
        let quiet = ics(&lines, Lang::En, 0, stamp);
        let quiet = ical::IcalParser::new(std::io::BufReader::new(quiet.as_bytes()))
            .next()
            .unwrap()
            .unwrap();
        assert!(
            quiet.events.iter().all(|e| e.alarms.is_empty()),
            "no alarm when reminders are off"
        );
        assert_eq!(
            value(&quiet.events[1].properties, "SUMMARY"),
            "Installment 12 contract 84963: €1\\,500.00"
        );
    }
}
