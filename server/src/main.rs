//! `signedin`: serve the app (default), or run an admin command. Bad configuration or an
//! unreachable database ends the process with one line on stderr and a non-zero exit.

use std::process::ExitCode;

use clap::Parser;
use server::config::{Cli, Command, Config};
use server::startup::Application;
use server::{admin, telemetry};

fn main() -> ExitCode {
    limit_allocator_caching();
    server::serve::raise_open_file_limit();
    let cli = Cli::parse();
    let config = match Config::from_settings(cli.settings) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("signedin: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.settings.log, &config.settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signedin: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => admin::migrate(&config).await.map_err(|e| e.to_string()),
            Command::Prune => admin::prune(&config).await,
            Command::Check => admin::check(&config).await,
            Command::Sessions(command) => admin::sessions(&config, command).await,
            Command::Keys(command) => admin::keys(&config, command).await,
            Command::Outbox(command) => admin::outbox(&config, command).await,
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("signedin: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<ExitCode, String> {
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    return_free_memory_periodically();
    app.run_until_stopped(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight, close the database.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// glibc raises its mmap threshold each time a large block is freed, so the megabytes argon2
/// allocates per sign-in end up cached in the allocator and RSS climbs with every thread that
/// ever hashed. A fixed threshold returns them to the OS on free. (Capping the number of
/// arenas as well saved little memory and cost 29% of list throughput in lock contention.)
fn limit_allocator_caching() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Under a burst of concurrent requests every thread's malloc arena grows, and glibc gives
/// back only what sits at the top of an arena: after 128 concurrent clients about 13 MiB of
/// free pages stayed resident (RSS 48 → 35 MiB when `malloc_trim` was called from gdb), and
/// the sign-ins that followed stacked argon2's memory on top of them (peak 62.6 → 48.8 MiB
/// in the load benchmark). Trimming every 10 s returns them; one trim takes up to ~1 ms, on a
/// blocking thread so that no request waits for it.
fn return_free_memory_periodically() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let trimmed = tokio::task::spawn_blocking(|| {
                let started = std::time::Instant::now();
                // SAFETY: malloc_trim only hands free pages back to the OS; callable any time.
                let released = unsafe { libc::malloc_trim(0) };
                (released, started.elapsed())
            })
            .await;
            if let Ok((released, took)) = trimmed {
                tracing::debug!(target: "signedin::memory", released, ?took, "malloc_trim");
            }
        }
    });
}
