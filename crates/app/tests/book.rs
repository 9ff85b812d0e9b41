//! What the company's leasing system sends reaches the desktop's copy by
//! itself: new contracts, collections and extinctions as deltas; a line's
//! status as it stands on the day it is read, offline too; and a copy that
//! missed a change heals when it is compared with the server.

mod support;

use sportello_app::browse::{ScheduleFilter, Window};
use sportello_app::cache::Collection;
use sportello_app::notifier::OpenTarget;
use sportello_domain::api::contracts::ContractStatus;
use sportello_domain::book::{BookRecord, CollectionRecord, ScheduleLineRecord};
use sportello_domain::situation::PaymentStatus;
use sportello_server::audit::Origin;
use sportello_server::book::{files::Format, sample};
use sportello_server::demo;
use support::Fixture;

/// A book of `contracts` contracts for the demo customer, as the company sends it.
fn book(f: &Fixture, contracts: u32) -> Vec<BookRecord> {
    sample::records(demo::DEMO_USERNAME, contracts, 5, f.clock.today())
        .into_iter()
        .filter(|r| !matches!(r, BookRecord::Customer(_)))
        .collect()
}

async fn import(f: &Fixture, records: &[BookRecord]) {
    let state = &f.server.as_ref().unwrap().state;
    sportello_server::book::import(
        state,
        &Origin::cli(),
        "feed.jsonl",
        &sample::json_lines(records),
        Format::JsonLines,
        false,
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .unwrap();
}

fn unpaid_future_line(records: &[BookRecord], today: chrono::NaiveDate, except: &str) -> ScheduleLineRecord {
    sample::lines_to_come(records, today)
        .into_iter()
        .find(|l| l.reference != except)
        .expect("a line to come")
}

#[tokio::test]
async fn the_book_feed_reaches_the_copy_as_deltas_and_status_follows_the_day() {
    let mut f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, shown) = f.engine(desk, "book.db").await;
    engine.sync_once().await.unwrap();
    let cache = engine.cache().clone();
    let before = cache.count(Collection::Schedule).await.unwrap();

    // New contracts with their plans, lines (more than one by one: the whole schedule), assets, invoices.
    let records = book(&f, 8);
    import(&f, &records).await;
    let round = engine.sync_once().await.unwrap();
    assert!(round.changes > 200, "{round:?}");
    let lines = records
        .iter()
        .filter(|r| matches!(r, BookRecord::ScheduleLine(_)))
        .count() as i64;
    assert_eq!(cache.count(Collection::Schedule).await.unwrap(), before + lines);
    assert_eq!(cache.count(Collection::Contracts).await.unwrap(), 3 + 8);
    assert!(
        engine.reconcile().await.unwrap().is_empty(),
        "the deltas left nothing to heal"
    );

    // A collection turns its line paid, with a notice that opens the payments.
    let today = f.clock.today();
    let line = unpaid_future_line(&records, today, "");
    let collection = BookRecord::Collection(CollectionRecord {
        reference: "P-DELTA".into(),
        line: line.reference.clone(),
        amount: line.amount,
        collected_on: today,
        method: line.payment_method,
        deleted: false,
    });
    shown.take();
    import(&f, &[collection]).await;
    let round = engine.sync_once().await.unwrap();
    assert_eq!(round.changes, 2, "the line and the notification: {round:?}");
    let paid = ScheduleFilter {
        status: Some(PaymentStatus::Paid),
        ..ScheduleFilter::default()
    };
    let view = cache
        .schedule_page(&paid, Window { offset: 0, limit: 500 }, today)
        .await
        .unwrap();
    assert!(view
        .rows
        .iter()
        .any(|r| r.due_on == line.due_on && r.amount == line.amount && r.paid == line.amount));
    let notices = shown.take();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].open, OpenTarget::Payments);
    assert!(notices[0].title.ends_with("Pagamento registrato"), "{:?}", notices[0]);

    // An extinguished contract moves to the extinct ones.
    let BookRecord::Contract(mut contract) = records
        .iter()
        .find(|r| matches!(r, BookRecord::Contract(c) if c.status == ContractStatus::Active))
        .cloned()
        .unwrap()
    else {
        unreachable!()
    };
    contract.status = ContractStatus::Extinct;
    let key = contract.key();
    import(&f, &[BookRecord::Contract(contract)]).await;
    engine.sync_once().await.unwrap();
    let extinct = cache.contracts().await.unwrap();
    let moved = extinct
        .iter()
        .find(|c| format!("{}/{}", c.contract_no, c.module_no) == key)
        .unwrap();
    assert_eq!(moved.status, ContractStatus::Extinct);

    // Offline, the day after a line's due date: it is overdue, and the overdue total holds it.
    let next = unpaid_future_line(&records, today, &line.reference);
    f.stop_server().await;
    let all = ScheduleFilter::default();
    let window = Window { offset: 0, limit: 500 };
    let on_time = cache.schedule_page(&all, window, today).await.unwrap().overdue_total;
    let after = next.due_on + chrono::Days::new(1);
    let late = cache.schedule_page(&all, window, after).await.unwrap();
    assert!(late.overdue_total.cents() >= on_time.cents() + next.amount.cents());
    let overdue = ScheduleFilter {
        status: Some(PaymentStatus::Overdue),
        ..ScheduleFilter::default()
    };
    let late_lines = cache.schedule_page(&overdue, window, after).await.unwrap();
    assert!(late_lines
        .rows
        .iter()
        .any(|r| r.due_on == next.due_on && r.status == PaymentStatus::Overdue));
    let due_lines = cache.schedule_page(&overdue, window, today).await.unwrap();
    assert!(!due_lines.rows.iter().any(|r| r.due_on == next.due_on));
    let situation = cache.situation(after).await.unwrap();
    assert_eq!(
        situation.overdue_total,
        late.overdue_total - overdue_of_extinct(&cache, after).await
    );
}

/// The overdue money of contracts that are no longer active (H1 counts active contracts only).
async fn overdue_of_extinct(cache: &sportello_app::cache::Cache, day: chrono::NaiveDate) -> sportello_domain::Money {
    let active: std::collections::HashSet<i64> = cache
        .contracts()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.status == ContractStatus::Active)
        .map(|c| c.id)
        .collect();
    let window = Window { offset: 0, limit: 500 };
    let mut total = sportello_domain::Money::ZERO;
    let mut offset = 0;
    loop {
        let page = cache
            .schedule_page(&ScheduleFilter::default(), Window { offset, ..window }, day)
            .await
            .unwrap();
        total = page
            .rows
            .iter()
            .filter(|r| !active.contains(&r.contract_id))
            .fold(total, |t, r| t + r.overdue_balance);
        offset += 500;
        if offset >= page.total {
            return total;
        }
    }
}

#[tokio::test]
async fn a_copy_that_missed_a_change_heals_when_compared_with_the_server() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk, "heal.db").await;
    engine.sync_once().await.unwrap();
    assert!(engine.reconcile().await.unwrap().is_empty());

    // A collection written on the server without its change-feed entry (a lost delta),
    // and an asset lost from the copy.
    let server_db = sqlx::SqlitePool::connect(&format!("sqlite://{}", f.dir.path().join("sportello.db").display()))
        .await
        .unwrap();
    let (line_id, amount): (i64, i64) = sqlx::query_as(
        "SELECT id, amount_cents FROM schedule_entries WHERE paid_cents < amount_cents ORDER BY due_on DESC LIMIT 1",
    )
    .fetch_one(&server_db)
    .await
    .unwrap();
    sqlx::query("UPDATE schedule_entries SET paid_cents = amount_cents WHERE id = ?")
        .bind(line_id)
        .execute(&server_db)
        .await
        .unwrap();
    let asset = engine.cache().assets().await.unwrap()[0].id;
    let mut ingest = engine.cache().begin().await.unwrap();
    ingest.delete(Collection::Assets, asset).await.unwrap();
    ingest.commit().await.unwrap();
    let round = engine.sync_once().await.unwrap();
    assert_eq!(round.changes, 0, "nothing in the feed tells of it");

    let healed = engine.reconcile().await.unwrap();
    assert_eq!(healed, [Collection::Schedule, Collection::Assets]);
    let line = engine
        .cache()
        .schedule()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == line_id)
        .unwrap();
    assert_eq!(line.paid.cents(), amount);
    assert!(engine.cache().assets().await.unwrap().iter().any(|a| a.id == asset));
    assert!(engine.reconcile().await.unwrap().is_empty(), "healed for good");
}
