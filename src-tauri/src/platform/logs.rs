//! Log files in the platform's log folder (on Linux
//! `~/.local/share/it.sportello.desktop/logs`), one a day, the last seven
//! kept, and the terminal; every line redacted on its way out.

use sportello_app::logs::Redacting;
use std::path::Path;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Days of logs kept.
const KEEP: usize = 7;

struct Redacted<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacted<M> {
    type Writer = Redacting<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Redacting(self.0.make_writer())
    }
}

pub fn init(dir: &Path) {
    let _ = std::fs::create_dir_all(dir);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("sportello")
        .filename_suffix("log")
        .max_log_files(KEEP)
        .build(dir);
    let file_layer = file.ok().map(|file| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(Redacted(file))
    });
    let terminal = tracing_subscriber::fmt::layer().with_writer(Redacted(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(terminal)
        .try_init();
}
