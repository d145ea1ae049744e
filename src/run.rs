//! The commands behind the binary: serve, print the OpenAPI document, generate a directory.

use std::sync::Arc;

use actix_web::{HttpServer, web};

use crate::cli::{GenerateArgs, KeysCommand, ServeArgs};
use crate::domain::access::{ApiKey, Caller};
use crate::domain::clock::SystemClock;
use crate::domain::ids::ServiceBodyId;
use crate::service::{Lantern, SeedSource};
use crate::storage::keys::NewKey;

fn seed_source(args: &ServeArgs) -> SeedSource {
    match (args.no_seed, &args.seed) {
        (true, _) => SeedSource::None,
        (false, Some(path)) => SeedSource::File(path.clone()),
        (false, None) => SeedSource::Builtin,
    }
}

/// Opens the database (seeding it when empty) and serves the API until interrupted.
pub fn serve(args: ServeArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let lantern = Lantern::open(&args.database_url, seed_source(&args), Arc::new(SystemClock))
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

/// Manages API keys directly in the database, as the operator (actor `cli`).
pub fn keys(command: KeysCommand, args: ServeArgs) -> Result<(), String> {
    let lantern =
        Lantern::open_database(&args.database_url, seed_source(&args), Arc::new(SystemClock)).map_err(describe)?;
    let operator = Caller::Operator;
    let show = |k: &ApiKey| {
        let body = k.service_body_id.map_or("-".to_owned(), |b| b.to_string());
        let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("-".to_owned(), |t| t.to_rfc3339());
        format!(
            "{}\t{}\t{}\tservice_body={}\texpires={}\tlast_used={}\trevoked={}",
            k.id,
            k.name,
            k.role.name(),
            body,
            when(k.expires_at),
            when(k.last_used_at),
            when(k.revoked_at)
        )
    };
    match command {
        KeysCommand::Create(a) => {
            let role = a.role.parse().map_err(|e: crate::domain::ids::InvalidValue| e.0)?;
            let service_body_id = a.service_body.map(ServiceBodyId::new).transpose().map_err(|e| e.0)?;
            let expires_at = a
                .expires_at
                .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.with_timezone(&chrono::Utc)))
                .transpose()
                .map_err(|e| format!("--expires-at: {e}"))?;
            let new = NewKey { name: a.name, role, service_body_id, expires_at };
            let issued = lantern.create_key(&operator, new).map_err(describe)?;
            eprintln!("{}", show(&issued.key));
            eprintln!("the token below is shown once; store it now");
            println!("{}", issued.token);
        }
        KeysCommand::List => {
            for key in lantern.list_keys(&operator).map_err(describe)? {
                println!("{}", show(&key));
            }
        }
        KeysCommand::Revoke { id } => println!("{}", show(&lantern.revoke_key(&operator, id).map_err(describe)?)),
        KeysCommand::Rotate { id } => {
            let issued = lantern.rotate_key(&operator, id).map_err(describe)?;
            eprintln!("{}", show(&issued.key));
            eprintln!("the token below is shown once; the old one no longer works");
            println!("{}", issued.token);
        }
    }
    Ok(())
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
            format!("invalid input:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}
