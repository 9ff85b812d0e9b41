//! The effects of one request that must commit with the change it makes.
//!
//! A request that changes something also owes an audit row, often an e-mail,
//! and (with an `Idempotency-Key`) the record that its key was spent. Written
//! after the change commits, any of them can fail or be cut off by a crash:
//! then the change stands without its audit row or e-mail, or the key is
//! freed and the client's retry makes the change a second time. So a request
//! opens a unit (`scope`), defers those effects into it, and the store's
//! commit (`Store::commit`) writes whatever the unit holds inside the
//! transaction of the change itself: they commit together or not at all.
//!
//! Effects that name what the change creates (an order's code) are deferred
//! as functions of it (`defer_created`) and written by the commit that
//! creates it (`Store::commit_created`).

use super::feed::Change;
use super::{StoreError, StoreResult};
use sqlx::AnyConnection;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What a change created: its id and, for coded things, its code.
#[derive(Clone, Debug)]
pub struct Created {
    pub id: i64,
    pub code: String,
}

/// One audit row (see `audit`), owned so it can wait for the commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub client: String,
}

/// One e-mail for the mail queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A notification for the bell (and the desktop's notices), announced on
/// the change feed by the commit that writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// None: a broadcast to every customer.
    pub customer_id: Option<i64>,
    pub kind: String,
    /// What it opens: a request, an order or a quote.
    pub request_id: Option<i64>,
    pub order_id: Option<i64>,
    pub quote_id: Option<i64>,
    /// A contract document's notice opens its contract.
    pub contract_id: Option<i64>,
    pub title: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Audit(Audit),
    Mail(QueuedMail),
    /// The one-time token an e-mail of the same request carries: the two
    /// are stored together or not at all.
    Token(Box<super::accounts::NewAccountToken>),
    Notification(Box<NewNotification>),
}

type Later = Box<dyn FnOnce(&Created) -> Vec<Effect> + Send>;

/// The idempotency key a request claimed, known by the claim's token.
#[derive(Clone, Debug)]
pub struct Claim {
    /// "user:<id>" or "operator:<id>" (`KeyOwner`).
    pub owner: String,
    pub key: String,
    pub token: String,
}

#[derive(Default)]
struct Pending {
    claim: Option<Claim>,
    /// The resource the claim was spent on, once a commit wrote it.
    spent_on: Option<String>,
    /// What the change makes when its commit cannot say (a file's id).
    named: Option<String>,
    ready: Vec<Effect>,
    later: Vec<Later>,
}

#[derive(Default)]
pub struct Unit(Mutex<Pending>);

tokio::task_local! {
    static UNIT: Arc<Unit>;
}

impl Unit {
    fn with<R>(&self, f: impl FnOnce(&mut Pending) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// The resource a commit of this unit spent its key on.
    pub fn spent_on(&self) -> Option<String> {
        self.with(|p| p.spent_on.clone())
    }

    /// Effects deferred but never committed (a request that changed nothing).
    pub fn left_over(&self) -> usize {
        self.with(|p| p.ready.len() + p.later.len())
    }
}

/// Runs `f` as one unit; returns its result and the unit, to read what
/// became of its key.
pub async fn scope<F: Future>(claim: Option<Claim>, f: F) -> (F::Output, Arc<Unit>) {
    let unit = Arc::new(Unit::default());
    unit.with(|p| p.claim = claim);
    let out = UNIT.scope(unit.clone(), f).await;
    (out, unit)
}

/// Names what the request's next commit makes, for a change that neither
/// creates a numbered row nor announces itself (a stored file).
pub fn name_resource(id: &str) {
    let _ = UNIT.try_with(|u| u.with(|p| p.named = Some(id.to_owned())));
}

/// Defers an effect to the next commit; gives it back when no unit is open
/// (the command line, a worker), for the caller to write on its own.
pub fn defer(effect: Effect) -> Result<(), Effect> {
    match UNIT.try_with(|u| u.clone()) {
        Ok(unit) => {
            unit.with(|p| p.ready.push(effect));
            Ok(())
        }
        Err(_) => Err(effect),
    }
}

/// Defers effects that name what the next creating commit creates. Outside a
/// unit there is no commit to wait for: returns false and drops them.
pub fn defer_created(f: impl FnOnce(&Created) -> Vec<Effect> + Send + 'static) -> bool {
    UNIT.try_with(|u| u.with(|p| p.later.push(Box::new(f)))).is_ok()
}

/// What a flush wrote, for the commit to act on once it has committed.
#[derive(Default)]
pub(crate) struct Flushed {
    pub mailed: bool,
    /// What the effects themselves announce (their notifications).
    pub changes: Vec<Change>,
    spent: Option<(Arc<Unit>, String)>,
}

impl Flushed {
    /// Tells the unit its key was spent: only once the transaction has
    /// committed, since a rolled-back spending must leave the key free.
    pub fn committed(self) {
        if let Some((unit, resource)) = self.spent {
            unit.with(|p| p.spent_on = Some(resource));
        }
    }
}

/// Writes, inside the caller's transaction, what the open unit holds: its
/// deferred effects and the spending of its key. Called by the store's
/// commit; nothing happens outside a unit.
pub(crate) async fn flush(
    conn: &mut AnyConnection,
    changes: &[Change],
    created: Option<&Created>,
    now: i64,
) -> StoreResult<Flushed> {
    let Ok(unit) = UNIT.try_with(|u| u.clone()) else {
        return Ok(Flushed::default());
    };
    let (effects, claim) = unit.with(|p| {
        let mut effects = std::mem::take(&mut p.ready);
        if let Some(created) = created {
            for later in std::mem::take(&mut p.later) {
                effects.extend(later(created));
            }
        }
        // The key is spent by the commit that makes the request's change:
        // one that creates or announces something, or one that writes what
        // the request owes (its audit row) when the change names nothing.
        let resource = created
            .map(|c| c.id.to_string())
            .or_else(|| p.named.take())
            .or_else(|| changes.first().map(|c| c.entity_id.clone()))
            .or_else(|| (!effects.is_empty()).then(String::new));
        let claim = match (&p.claim, &p.spent_on, &resource) {
            (Some(claim), None, Some(resource)) => Some((claim.clone(), resource.clone())),
            _ => None,
        };
        (effects, claim)
    });
    let mut flushed = Flushed {
        mailed: effects.iter().any(|e| matches!(e, Effect::Mail(_))),
        ..Flushed::default()
    };
    for effect in &effects {
        match effect {
            Effect::Audit(a) => insert_audit(conn, a, now).await?,
            Effect::Mail(m) => super::mailq::insert(conn, m, now).await?,
            Effect::Token(t) => super::accounts::insert_token(conn, t, now).await?,
            Effect::Notification(n) => flushed
                .changes
                .push(super::notifications::insert_in(conn, n, now).await?),
        }
    }
    if let Some((claim, resource)) = claim {
        spend(conn, &claim, &resource).await?;
        flushed.spent = Some((unit, resource));
    }
    Ok(flushed)
}

/// Marks the key spent on `resource`, provided this request still holds it:
/// a claim whose lease ran out may have passed to a retry, and then this
/// transaction must not commit a second copy of the change.
async fn spend(conn: &mut AnyConnection, claim: &Claim, resource: &str) -> StoreResult<()> {
    let held = sqlx::query(
        "UPDATE idempotency SET resource = $4
         WHERE owner = $1 AND idem_key = $2 AND claim_token = $3 AND resource IS NULL",
    )
    .bind(&claim.owner)
    .bind(&claim.key)
    .bind(&claim.token)
    .bind(resource)
    .execute(&mut *conn)
    .await?;
    if held.rows_affected() != 1 {
        return Err(StoreError::ClaimLost);
    }
    Ok(())
}

pub(crate) async fn insert_audit(conn: &mut AnyConnection, a: &Audit, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, action, target, details, client) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(now)
        .bind(&a.actor)
        .bind(&a.action)
        .bind(&a.target)
        .bind(&a.details)
        .bind(&a.client)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
