//! The due dates outside the window: the `.ics` calendar of what is still to
//! pay, read back by an RFC 5545 parser, and the reminders shown a few days
//! before each due date, once, from the local copy.

mod support;

use chrono::Days;
use sportello_app::browse::{ScheduleFilter, ScheduleOrder, Window, MAX_PAGE};
use sportello_app::calendar;
use sportello_app::export::{ExportRequest, Job, Lang};
use sportello_app::notifier::OpenTarget;
use sportello_domain::situation::PaymentStatus;
use sportello_domain::ErrorCode;
use sportello_server::demo;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use support::{logged_in_showing, Fixture, Shown};

fn coming() -> ScheduleFilter {
    ScheduleFilter {
        contract_id: None,
        status: Some(PaymentStatus::Due),
        sort: ScheduleOrder::Asc,
    }
}

fn value(props: &[ical::property::Property], name: &str) -> String {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_calendar_holds_every_coming_due_date_with_the_accounts_reminder() {
    let f = Fixture::start().await;
    let shown = Arc::new(Shown::default());
    let app = logged_in_showing(&f, demo::DEMO_USERNAME, demo::DEMO_PASSWORD, shown).await;
    app.set_reminder_days(5).await.unwrap();
    let refused = app.set_reminder_days(31).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::BadRequest);
    assert_eq!(app.reminder_days().await.unwrap(), 5, "a refused value changes nothing");

    let lines = app
        .schedule(
            &coming(),
            Window {
                offset: 0,
                limit: MAX_PAGE,
            },
        )
        .await
        .unwrap();
    assert!(lines.total > 0, "the demo has installments to come");
    let file = f.dir.path().join("scadenze.ics");
    let request = ExportRequest::Calendar { contract_id: None };
    assert_eq!(request.extension(), "ics");
    let done = app.export(&request, Lang::It, &file, &Job::quiet()).await.unwrap();
    assert_eq!(done.rows, lines.total);

    let text = std::fs::read_to_string(&file).unwrap();
    let parsed = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .expect("a calendar")
        .expect("valid RFC 5545");
    assert_eq!(parsed.events.len() as u32, lines.total);
    let by_uid: BTreeMap<String, &ical::parser::ical::component::IcalEvent> =
        parsed.events.iter().map(|e| (value(&e.properties, "UID"), e)).collect();
    for line in lines.rows.iter().take(50) {
        let event = by_uid[&format!("schedule-{}@sportello", line.id)];
        assert_eq!(
            value(&event.properties, "DTSTART"),
            line.due_on.format("%Y%m%d").to_string()
        );
        let summary = value(&event.properties, "SUMMARY");
        assert!(
            summary.contains(&format!("contratto {}", line.contract_no)),
            "{summary}"
        );
        assert_eq!(value(&event.alarms[0].properties, "TRIGGER"), "-P5D");
    }

    // One contract's calendar holds that contract's lines only.
    let contract_id = lines.rows[0].contract_id;
    let one = ExportRequest::Calendar {
        contract_id: Some(contract_id),
    };
    let mine = ScheduleFilter {
        contract_id: Some(contract_id),
        ..coming()
    };
    let expected = app.schedule(&mine, Window { offset: 0, limit: 1 }).await.unwrap().total;
    let done = app
        .export(&one, Lang::En, &f.dir.path().join("one.ics"), &Job::quiet())
        .await
        .unwrap();
    assert_eq!(done.rows, expected);
    assert!(expected < lines.total);
}

#[tokio::test]
async fn a_reminder_shows_once_per_line_and_due_date_days_before_it() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk, "reminders.db").await;
    engine.sync_once().await.unwrap();
    let cache = engine.cache();
    let today = f.clock.today();
    let owed = cache.owed_between(today, today + Days::new(400)).await.unwrap();
    let line = &owed[0];
    let shown = Shown::default();

    cache.set_reminder_days(3).await.unwrap();
    let early = line.due_on - Days::new(4);
    assert_eq!(
        calendar::remind(cache, &shown, early, Lang::It).await.unwrap(),
        0,
        "too early"
    );
    let day = line.due_on - Days::new(2);
    let reminded = calendar::remind(cache, &shown, day, Lang::It).await.unwrap();
    let notices = shown.take();
    assert!(reminded >= 1 && !notices.is_empty());
    let all = notices
        .iter()
        .map(|n| format!("{} {}", n.title, n.body))
        .collect::<Vec<_>>()
        .join("\n");
    if reminded <= 3 {
        assert!(all.contains(&format!("contratto {}", line.contract_no)), "{all}");
        assert!(all.contains(&line.due_on.format("%d/%m/%Y").to_string()), "{all}");
    }
    assert!(notices.iter().all(|n| n.open == OpenTarget::Payments));
    assert_eq!(calendar::remind(cache, &shown, day, Lang::It).await.unwrap(), 0, "once");
    assert_eq!(
        calendar::remind(cache, &shown, line.due_on, Lang::It).await.unwrap(),
        0,
        "not again on the day itself"
    );
    assert!(shown.take().is_empty());

    // Off: nothing, even for a line not reminded yet.
    cache.set_reminder_days(0).await.unwrap();
    let later = owed
        .iter()
        .find(|l| l.due_on > line.due_on + Days::new(5))
        .expect("a later line");
    assert_eq!(
        calendar::remind(cache, &shown, later.due_on, Lang::It).await.unwrap(),
        0
    );
    assert!(shown.take().is_empty());
}

#[tokio::test]
async fn the_running_app_reminds_of_a_due_date_once_the_setting_reaches_it() {
    let f = Fixture::start().await;
    let shown = Arc::new(Shown::default());
    let app = logged_in_showing(&f, demo::DEMO_USERNAME, demo::DEMO_PASSWORD, shown.clone()).await;
    let next = app
        .schedule(&coming(), Window { offset: 0, limit: 1 })
        .await
        .unwrap()
        .rows
        .remove(0);
    let today = sportello_app::clock::today_in_rome();
    let days = (next.due_on - today).num_days();
    assert!(
        (0..=30).contains(&days),
        "the demo's next installment falls within a month: {days}"
    );

    // Within the default 3 days it may already have shown after the first sync.
    app.set_reminder_days(days.max(3) as u8).await.unwrap();
    let mut notices = Vec::new();
    for _ in 0..200 {
        let reminders = shown.take().into_iter().filter(|n| n.title.contains("in scadenza"));
        notices.extend(reminders);
        if !notices.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !notices.is_empty(),
        "the sync loop showed the reminder, in the profile's language"
    );
    assert_eq!(notices[0].open, OpenTarget::Payments);
    // Another round (the setting saved again wakes the loop) shows it no more.
    app.set_reminder_days(days.max(3) as u8).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !shown.take().iter().any(|n| n.title.contains("in scadenza")),
        "shown once"
    );
}
