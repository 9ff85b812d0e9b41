use anyhow::Context;
use clap::{Parser, Subcommand};
use sportello_server::{demo, fleet, AppState, Clock, Config};
use std::path::PathBuf;

/// Sportello's back end.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// TOML configuration file; `SPORTELLO_*` environment variables override it.
    #[arg(long, global = true, env = "SPORTELLO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve,
    /// Serve the API with the demo customer seeded on first start.
    Demo,
    /// Seed the demo customer, and with --fleet a customer with a large book, then exit.
    Seed {
        /// Also the fleet profile: one customer with this many contracts since 2008.
        #[arg(long)]
        fleet: Option<u32>,
        /// Seed of the generator: the same seed gives the same book.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Back-office commands.
    Admin {
        /// The Idempotency-Key of a write (invite, decide-*, broadcast,
        /// set-status, publish-invoice): run again with the same key, it
        /// changes nothing more. By default one is made from the command
        /// line and the file it reads, so the same command re-run within a
        /// day (after a crash, or by mistake) is done once; give a new key
        /// to repeat it on purpose.
        #[arg(long, global = true)]
        key: Option<String>,
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Lift the lock put on an account after too many wrong passwords.
    Unlock { username: String },
    /// Create an operator account; the password comes from SPORTELLO_OPERATOR_PASSWORD or standard input.
    OperatorAdd {
        username: String,
        #[arg(long)]
        name: String,
        /// admin, desk, billing or feed.
        #[arg(long)]
        role: String,
    },
    /// Give an operator a new authenticator (operators log in with one): prints
    /// the secret and its recovery codes, and the earlier ones stop.
    OperatorAuthenticator { username: String },
    /// Disable an operator account: its tokens end and it can no longer log in.
    OperatorDisable { username: String },
    /// Invite a customer to Sportello (A1): a temporary password and a link to its PEC.
    Invite {
        /// The customer number, which becomes the username.
        #[arg(long)]
        customer: String,
        #[arg(long)]
        email: String,
    },
    /// Registrations by category and agreement requests waiting for a decision.
    Pending,
    /// Approve (or with --reject, reject) a registration by category; the id is the customer's.
    DecideRegistration {
        id: i64,
        #[arg(long)]
        reject: bool,
    },
    /// Approve (or with --reject, reject) a request to join an agreement.
    DecideAgreement {
        id: i64,
        #[arg(long)]
        reject: bool,
    },
    /// Send a company message to every customer.
    Broadcast {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
    },
    /// Change a request's status: submitted, in_progress, waiting_customer, completed, rejected.
    SetStatus { request_id: i64, status: String },
    /// Issue an invoice or credit note described by a JSON file (the body of POST /api/v1/ops/invoices).
    PublishInvoice { file: PathBuf },
    /// Load or update the book from the company's leasing system (O2): a JSON
    /// Lines or CSV file, checked whole, applied in one transaction or not at all.
    Import {
        file: PathBuf,
        /// jsonl or csv; by default from the file's extension.
        #[arg(long)]
        format: Option<String>,
        /// Check the file and print what it would change, keeping nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the mail queue, newest first: messages waiting (with their
    /// attempts and last error), sent, or set aside as failed.
    Mail {
        #[arg(long, default_value = "pending", value_parser = ["pending", "sent", "failed"])]
        state: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Send a message set aside as failed again, from its first attempt.
    MailRetry { id: i64 },
    #[command(flatten)]
    Release(sportello_server::releases::cli::ReleaseCommand),
    /// Print the audit log, oldest first.
    Audit {
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref()).context("reading the configuration")?;
    let state = AppState::open(config, Clock::default())
        .await
        .context("opening the server")?;
    match cli.command {
        Command::Serve => serve(state).await,
        Command::Demo => {
            let seeded = demo::seed(&state.store, state.clock.today(), state.clock.now_ms()).await?;
            print_demo_banner(&state, seeded);
            serve(state).await
        }
        Command::Seed { fleet, seed } => seed_books(&state, fleet, seed).await,
        Command::Admin { key, command } => {
            let key = key.unwrap_or_else(key_of_this_invocation);
            // One unit, as a request is: what a command defers (audit rows,
            // e-mails, tokens) commits with its change or not at all.
            let (done, unit) = sportello_server::store::unit::scope(None, admin(&state, command, &key)).await;
            if done.is_ok() && unit.left_over() > 0 {
                anyhow::bail!("the command deferred effects that no commit wrote");
            }
            done
        }
    }
}

/// What the operator puts in its authenticator app, shown once.
fn print_enrolment(e: &sportello_server::authenticator::OperatorEnrolment) {
    println!("authenticator secret (type it into the app): {}", e.secret);
    println!("or scan this URI as a QR code: {}", e.uri);
    println!("recovery codes, each good for one login without the phone:");
    for code in &e.recovery_codes {
        println!("  {code}");
    }
}

/// Runs a back-office command as the operating-system user, with an audit record.
/// The key a write gets by default: the command line and the content of the
/// file it names, so the very same command, re-run, is the same write.
fn key_of_this_invocation() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut text = args.join("\u{0}");
    for arg in &args {
        if let Ok(content) = std::fs::read_to_string(arg) {
            text.push_str(&content);
        }
    }
    format!("cli-{}", &sportello_server::secrets::sha256_hex(&text)[..32])
}

/// Runs a back-office write at most once per key; says so when an earlier
/// run already made it.
async fn once<B, T, F, Fut>(state: &AppState, key: &str, route: &str, body: &B, write: F) -> anyhow::Result<Option<T>>
where
    B: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, sportello_server::ServerError>>,
{
    use sportello_server::http::idempotency::{self, KeyOwner, Keyed};
    match idempotency::once(state, KeyOwner::Cli, key, route, body, write).await {
        Ok(Keyed::Ran(value)) => Ok(Some(value)),
        Ok(Keyed::Earlier) => {
            println!("already done by an earlier run with key {key}: nothing changed (give --key to repeat it)");
            Ok(None)
        }
        Err(e) => Err(anyhow::anyhow!("{}", sportello_server::error::shown(e))),
    }
}

async fn admin(state: &AppState, command: Admin, key: &str) -> anyhow::Result<()> {
    use sportello_domain::api::ops::{OperatorRole, PublishInvoice};
    use sportello_domain::api::requests::RequestStatus;
    use sportello_server::{accounts, audit, notifications, ops};
    let origin = audit::Origin::cli();
    let shown = |e: sportello_server::ServerError| anyhow::anyhow!("{}", sportello_server::error::shown(e));
    match command {
        Admin::Unlock { username } => {
            audit::owe(state, &origin, "unlock_user", &format!("customer:{username}"), "")
                .await
                .map_err(shown)?;
            let done = state.store.unlock_user(&username, state.clock.now_ms()).await?;
            anyhow::ensure!(done, "no user named {username:?}");
            sportello_server::throttle::lift(state, &username)
                .await
                .map_err(shown)?;
            println!("{username} unlocked");
        }
        Admin::OperatorDisable { username } => {
            ops::disable_operator(state, &origin, &username).await.map_err(shown)?;
            println!("{username} disabled");
        }
        Admin::OperatorAdd { username, name, role } => {
            let role = OperatorRole::parse(&role).context("the role is admin, desk, billing or feed")?;
            let password = match std::env::var("SPORTELLO_OPERATOR_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {username} (at least 12 characters):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let (_, enrolment) = ops::create_operator(state, &origin, &username, &name, role, &password)
                .await
                .map_err(shown)?;
            println!("operator {username} ({}) created", role.as_str());
            print_enrolment(&enrolment);
        }
        Admin::OperatorAuthenticator { username } => {
            let enrolment = ops::renew_authenticator(state, &origin, &username)
                .await
                .map_err(shown)?;
            println!("{username} has a new authenticator; the earlier one no longer works");
            print_enrolment(&enrolment);
        }
        Admin::Invite { customer, email } => {
            let invitation = sportello_domain::api::ops::Invitation {
                customer_code: customer,
                email,
                display_name: None,
            };
            let body = invitation.clone();
            let invite = || accounts::invite(state, &origin, invitation);
            if let Some(done) = once(state, key, "cli_invite", &body, invite).await? {
                println!("invited {}: credentials sent to {}", done.username, done.sent_to);
            }
        }
        Admin::Pending => {
            for r in state.store.pending_registrations(0, i64::MAX).await? {
                println!(
                    "registration {}: {} {} ({}) agreement {}",
                    r.id,
                    r.customer_code.unwrap_or_default(),
                    r.customer_name,
                    r.category,
                    r.agreement_code.unwrap_or_else(|| "-".into())
                );
            }
            for a in state.store.pending_agreement_requests(0, i64::MAX).await? {
                println!(
                    "agreement request {}: {} {} wants {}",
                    a.id,
                    a.customer_code.unwrap_or_default(),
                    a.customer_name,
                    a.agreement_code.unwrap_or_default()
                );
            }
        }
        Admin::DecideRegistration { id, reject } => {
            let decide = || accounts::decide_registration(state, &origin, id, !reject);
            if once(state, key, "cli_decide_registration", &(id, reject), decide)
                .await?
                .is_some()
            {
                println!("registration {id} {}", if reject { "rejected" } else { "approved" });
            }
        }
        Admin::DecideAgreement { id, reject } => {
            let decide = || accounts::decide_agreement(state, &origin, id, !reject);
            if once(state, key, "cli_decide_agreement", &(id, reject), decide)
                .await?
                .is_some()
            {
                println!(
                    "agreement request {id} {}",
                    if reject { "rejected" } else { "approved" }
                );
            }
        }
        Admin::Broadcast { title, body } => {
            let send = || notifications::broadcast(state, &origin, &title, &body);
            if let Some(id) = once(state, key, "cli_broadcast", &(&title, &body), send).await? {
                println!("broadcast {id} sent");
            }
        }
        Admin::SetStatus { request_id, status } => {
            let status = RequestStatus::parse(&status).context("unknown status")?;
            let change = || ops::set_status(state, &origin, request_id, status);
            if once(state, key, "cli_set_status", &(request_id, status.as_str()), change)
                .await?
                .is_some()
            {
                println!("request {request_id} is now {}", status.as_str());
            }
        }
        Admin::PublishInvoice { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let invoice: PublishInvoice = serde_json::from_str(&text).context("the file is not a valid invoice")?;
            let body = serde_json::to_value(&invoice)?;
            let publish = || ops::publish_invoice(state, &origin, invoice);
            if let Some(done) = once(state, key, "cli_publish_invoice", &body, publish).await? {
                println!("published {} ({} €)", done.number, done.total);
            }
        }
        Admin::Import { file, format, dry_run } => import(state, &origin, &file, format.as_deref(), dry_run).await?,
        Admin::Mail { state: which, limit } => {
            use sportello_server::store::mailq::MailState;
            let which = match which.as_str() {
                "sent" => MailState::Sent,
                "failed" => MailState::Failed,
                _ => MailState::Pending,
            };
            for m in state.store.mail_queue(which, None, limit.clamp(1, 1000)).await? {
                let at = |ms: i64| {
                    chrono::DateTime::from_timestamp_millis(ms)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default()
                };
                println!(
                    "{}\t{}\t{}\tattempts {}\tnext {}\t{}",
                    m.id,
                    at(m.created_at),
                    m.recipient,
                    m.attempts,
                    at(m.next_at),
                    m.last_error.unwrap_or_default()
                );
            }
        }
        Admin::MailRetry { id } => {
            if !state.store.retry_mail(id, state.clock.now_ms()).await? {
                anyhow::bail!("no failed message {id} in the mail queue");
            }
            println!("message {id} will be sent again");
        }
        Admin::Release(command) => sportello_server::releases::cli::run(state, &origin, command).await?,
        Admin::Audit { after, limit } => {
            for e in ops::audit_log(state, after, limit).await.map_err(shown)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.id,
                    e.at.to_rfc3339(),
                    e.actor,
                    e.client,
                    e.action,
                    e.target,
                    e.details
                );
            }
        }
    }
    Ok(())
}

async fn import(
    state: &AppState,
    origin: &sportello_server::audit::Origin,
    file: &std::path::Path,
    format: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<()> {
    use sportello_server::book::{self, files::Format, ImportError};
    let name = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let format = match format {
        Some(f) => Format::parse(f).context("the format is jsonl or csv")?,
        None => Format::of(&name),
    };
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let started = std::time::Instant::now();
    match book::import(state, origin, &name, &text, format, dry_run).await {
        Ok(r) => {
            println!(
                "{}{}: {} records in {:.1} s: {} created, {} updated, {} unchanged, {} reversed; {} plans built; {} changes for the desktops, {} notifications",
                r.file,
                if r.dry_run { " (dry run, nothing kept)" } else { "" },
                r.records,
                started.elapsed().as_secs_f64(),
                r.created,
                r.updated,
                r.unchanged,
                r.deleted,
                r.plans_built,
                r.changes,
                r.notifications
            );
            for (kind, c) in &r.by_type {
                println!(
                    "  {kind}: {} created, {} updated, {} unchanged, {} reversed",
                    c.created, c.updated, c.unchanged, c.deleted
                );
            }
            Ok(())
        }
        Err(ImportError::Refused(refused)) => {
            eprint!("{refused}");
            std::process::exit(1);
        }
        Err(ImportError::Server(e)) => Err(anyhow::anyhow!("{}", sportello_server::error::shown(e))),
    }
}

/// A client error as its message and fields, so a command-line user sees what to fix.
async fn seed_books(state: &AppState, contracts: Option<u32>, seed: u64) -> anyhow::Result<()> {
    let seeded = demo::seed(&state.store, state.clock.today(), state.clock.now_ms()).await?;
    println!("demo customer {}", if seeded { "seeded" } else { "already there" });
    if let Some(contracts) = contracts {
        let started = std::time::Instant::now();
        let summary =
            fleet::seed_fleet(&state.store, state.clock.today(), contracts, seed, state.clock.now_ms()).await?;
        println!(
            "fleet customer {} (password {}): {} contracts, {} plan rows, {} schedule rows, {} invoices in {:.1} s",
            fleet::FLEET_USERNAME,
            fleet::FLEET_PASSWORD,
            summary.contracts,
            summary.plan_rows,
            summary.schedule_rows,
            summary.invoices,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

async fn serve(state: AppState) -> anyhow::Result<()> {
    let mail = state.mailer.describe();
    let server = sportello_server::start(state).await?;
    tracing::info!(address = %server.addr, %mail, "Sportello server listening");
    stop_signal().await?;
    tracing::info!("shutting down: finishing the requests in flight");
    if tokio::time::timeout(SHUTDOWN_DEADLINE, server.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at the shutdown deadline were cut off");
    }
    Ok(())
}

/// How long a stopping server lets requests in flight finish.
const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// SIGINT (Ctrl-C) or SIGTERM (systemd, containers).
async fn stop_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = term.recv() => Ok(()),
    }
}

fn print_demo_banner(state: &AppState, seeded: bool) {
    let note = if seeded { "seeded now" } else { "already seeded" };
    println!(
        "\nSportello demo ({note})\n  username: {}\n  password: {}\n  login codes are e-mailed to: {}\n  (the newest message: `make last-mail`)\n",
        demo::DEMO_USERNAME,
        demo::DEMO_PASSWORD,
        state.mailer.describe(),
    );
}
