//! The commands behind the binary: serve, print the OpenAPI document, generate a directory.

use std::sync::Arc;

use actix_web::{HttpServer, web};

use crate::cli::{GenerateArgs, ServeArgs};
use crate::domain::clock::SystemClock;
use crate::service::{Lantern, SeedSource};

/// Opens the database (seeding it when empty) and serves the API until interrupted.
pub fn serve(args: ServeArgs) -> Result<(), String> {
    let seed = match (args.no_seed, args.seed) {
        (true, _) => SeedSource::None,
        (false, Some(path)) => SeedSource::File(path),
        (false, None) => SeedSource::Builtin,
    };
    let started = std::time::Instant::now();
    let lantern = Lantern::open(&args.database_url, seed, Arc::new(SystemClock))
        .map_err(describe)?
        .with_scan_search(args.scan_search);
    tracing::info!(elapsed_ms = started.elapsed().as_millis(), scan_search = args.scan_search, "ready");
    let lantern = web::Data::new(lantern);
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let bind = args.bind.clone();
    actix_web::rt::System::new()
        .block_on(async move {
            tracing::info!(%bind, "listening");
            HttpServer::new(move || crate::http::app(lantern.clone())).workers(workers).bind(&bind)?.run().await
        })
        .map_err(|e| format!("cannot serve on {}: {e}", args.bind))
}

/// Prints the OpenAPI document as committed in `openapi/openapi.json`.
pub fn print_openapi() -> Result<(), String> {
    print!("{}", crate::http::openapi_json());
    Ok(())
}

/// Generates a synthetic directory into a seed file or a database.
pub fn generate(args: GenerateArgs) -> Result<(), String> {
    crate::seedgen::run(args)
}

fn describe(e: crate::service::ServiceError) -> String {
    match e {
        crate::service::ServiceError::Invalid(errors) | crate::service::ServiceError::InvalidQuery(errors) => {
            let lines: Vec<String> = errors.iter().map(|(k, v)| format!("  {k}: {}", v.join("; "))).collect();
            format!("invalid seed:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}
