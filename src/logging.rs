//! Logging with `tracing`: to stderr (level from `-v` or `RUST_LOG`) and to a
//! daily-rotated file in the data folder, keeping a week of files.
//! Secrets reach log lines only as [`crate::auth::Secret`], which prints `***`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Name prefix of the log files (`panorama.log.YYYY-MM-DD`).
pub const LOG_FILE_PREFIX: &str = "panorama.log";

/// Keep the returned guard alive until exit, or the last lines are lost.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

fn stderr_filter(verbosity: u8) -> EnvFilter {
    if let Ok(env) = EnvFilter::try_from_default_env() {
        return env;
    }
    let level = match verbosity {
        0 => "warn",
        1 => "info,wgpu_core=warn,wgpu_hal=warn,naga=warn",
        2 => "debug,wgpu_core=info,wgpu_hal=info,naga=info",
        _ => "trace",
    };
    EnvFilter::new(level)
}

/// Start logging. A log folder that cannot be written only disables the file log.
pub fn init(verbosity: u8, log_dir: Option<&Path>) -> LogGuard {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(verbosity >= 2)
        .with_filter_boxed(stderr_filter(verbosity));
    let (file_layer, guard) = match log_dir.map(|d| {
        Builder::new()
            .rotation(Rotation::DAILY)
            .filename_prefix(LOG_FILE_PREFIX)
            .max_log_files(7)
            .build(d)
    }) {
        Some(Ok(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter_boxed(EnvFilter::new(
                    "info,wgpu_core=warn,wgpu_hal=warn,naga=warn,zbus=warn",
                ));
            (Some(layer), Some(guard))
        }
        Some(Err(e)) => {
            eprintln!("panorama: not writing a log file: {e}");
            (None, None)
        }
        None => (None, None),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    LogGuard { _file: guard }
}

trait WithFilterBoxed<S> {
    fn with_filter_boxed(
        self,
        filter: EnvFilter,
    ) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>;
}

impl<S, L> WithFilterBoxed<S> for L
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    L: tracing_subscriber::Layer<S> + Send + Sync + 'static,
{
    fn with_filter_boxed(
        self,
        filter: EnvFilter,
    ) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync> {
        Box::new(self.with_filter(filter))
    }
}
