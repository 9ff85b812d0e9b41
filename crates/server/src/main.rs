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
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Lift the lock put on an account after too many wrong passwords.
    Unlock { username: String },
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
        Command::Admin {
            command: Admin::Unlock { username },
        } => {
            let done = state.store.unlock_user(&username).await?;
            anyhow::ensure!(done, "no user named {username:?}");
            println!("{username} unlocked");
            Ok(())
        }
    }
}

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
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
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
