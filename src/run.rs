//! The commands behind the binary: serve, print the OpenAPI document, generate a directory.

use std::sync::Arc;

use actix_web::{HttpServer, web};

use crate::cli::{GenerateArgs, ImportCommand, KeysCommand, ServeArgs, SourcesCommand};
use crate::domain::access::NewKey;
use crate::domain::access::{ApiKey, Caller};
use crate::domain::clock::SystemClock;
use crate::domain::ids::{InvalidValue, ServiceBodyId};
use crate::http::extract::public_url::PublicUrl;
use crate::service::{Lantern, SeedSource};

fn seed_source(args: &ServeArgs) -> SeedSource {
    match (args.no_seed, &args.seed) {
        (true, _) => SeedSource::None,
        (false, Some(path)) => SeedSource::File(path.clone()),
        (false, None) => SeedSource::Builtin,
    }
}

/// Opens the database (seeding it when empty) and serves the API until interrupted.
pub fn serve(args: ServeArgs) -> Result<(), String> {
    let public_url = match &args.public_url {
        Some(url) => PublicUrl::new(url)?,
        None => PublicUrl::for_bind(&args.bind),
    };
    let bmlt = crate::http::bmlt::BmltSettings {
        fellowships: args
            .bmlt_fellowships
            .iter()
            .map(|f| f.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|e: crate::domain::ids::InvalidValue| format!("--bmlt-fellowships: {}", e.0))?,
    };
    let started = std::time::Instant::now();
    let lantern = match &args.replica_url {
        Some(replica) => {
            Lantern::open_with_replica(&args.database_url, replica, seed_source(&args), Arc::new(SystemClock))
        }
        None => Lantern::open(&args.database_url, seed_source(&args), Arc::new(SystemClock)),
    }
    .map_err(describe)?
    .with_database_wait(std::time::Duration::from_millis(args.database_wait_ms))
    .map_err(describe)?
    .with_failed_auth_limit(args.max_failed_auth)
    .with_max_lag(std::time::Duration::from_secs(args.max_lag_seconds));
    #[cfg(feature = "baseline")]
    let lantern = lantern.with_scan_search(args.scan_search);
    lantern.set_source_settings(source_settings(&args));
    tracing::info!(elapsed_ms = started.elapsed().as_millis(), "ready");
    let lantern = web::Data::new(lantern);
    // Place search's index, built beside the first requests rather than before them.
    let warm = lantern.clone();
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let places = warm.places().map_or(0, |g| g.len());
        tracing::info!(places, elapsed_ms = started.elapsed().as_millis(), "place search index built");
    });
    let follower = args.follow_sources.then(|| {
        crate::service::sources::Follower::start(
            lantern.clone().into_inner(),
            args.source_workers,
            std::time::Duration::from_secs(1),
        )
    });
    let changes = args.follow_changes.then(|| {
        let backend = lantern.database().backend();
        let postgres = backend == crate::storage::Backend::Postgres;
        let default_poll = if postgres { 1000 } else { 250 };
        crate::service::follow::ChangeFollower::start(
            lantern.clone().into_inner(),
            crate::service::follow::FollowSettings {
                poll: std::time::Duration::from_millis(args.poll_interval_ms.unwrap_or(default_poll)),
                listen: postgres.then(|| args.database_url.clone()),
            },
        )
    });
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let bind = args.bind.clone();
    let shutdown_timeout = args.shutdown_timeout;
    let shared = crate::http::Shared {
        limits: web::Data::new(
            crate::http::limits::Limits::new(args.trusted_proxy.clone(), args.read_rate_limit, args.write_rate_limit)
                .with_forwarded_header(args.forwarded_header)
                .with_timeout(std::time::Duration::from_secs(args.request_timeout)),
        ),
        ..Default::default()
    };
    let per_worker = usize::try_from(args.max_connections.div_ceil(workers as u64)).unwrap_or(usize::MAX);
    let client_timeout = std::time::Duration::from_secs(args.client_timeout);
    actix_web::rt::System::new()
        .block_on(async move {
            tracing::info!(%bind, %public_url, "listening");
            HttpServer::new(move || {
                crate::http::app_with(lantern.clone(), public_url.clone(), shared.clone()).app_data(bmlt.clone())
            })
            .workers(workers)
            .max_connections(per_worker)
            .client_request_timeout(client_timeout)
            // SIGTERM and SIGINT stop the listeners at once; requests in flight get this long.
            .shutdown_timeout(shutdown_timeout)
            .bind(&bind)?
            .run()
            .await
        })
        .map_err(|e| format!("cannot serve on {}: {e}", args.bind))?;
    // The server has stopped: no request is in flight any more. Stop the background work; the pool
    // closes when the last handle on `Lantern` is dropped, on return.
    tracing::info!("stopped serving; stopping source pulls and the change follower");
    if let Some(follower) = follower {
        follower.stop();
    }
    if let Some(changes) = changes {
        changes.stop();
    }
    tracing::info!("shut down");
    Ok(())
}

fn source_settings(args: &ServeArgs) -> crate::service::sources::SourceSettings {
    crate::service::sources::SourceSettings {
        reach: match (args.sources_loopback_only, args.allow_private_sources) {
            (true, _) => crate::fetch::Reach::LoopbackOnly,
            (false, true) => crate::fetch::Reach::Private,
            (false, false) => crate::fetch::Reach::Public,
        },
        timeout: std::time::Duration::from_secs(args.source_timeout.max(1)),
        ..Default::default()
    }
}

/// `lantern sources`: follows sources in the database directly, as the operator; `pull` pulls now
/// (actor `source:<id>`) and prints the status, as `POST /v1/sources/{id}/pull` answers it.
pub fn sources(command: SourcesCommand, args: ServeArgs) -> Result<(), String> {
    use crate::http::sources::json::SourceResponse;
    let lantern = Lantern::open(&args.database_url, seed_source(&args), Arc::new(SystemClock)).map_err(describe)?;
    lantern.set_source_settings(source_settings(&args));
    let operator = Caller::Operator;
    match command {
        SourcesCommand::Add(a) => {
            let mut problems = crate::service::error::FieldErrors::new();
            let every_minutes = crate::domain::source::parse_every(&a.every).unwrap_or_else(|| {
                crate::service::error::push_error(
                    &mut problems,
                    "every",
                    format!("`{}` is not like 90m, 6h or 1d", a.every),
                );
                crate::domain::source::DEFAULT_EVERY_MINUTES
            });
            let kind = a.kind.parse().map_err(|e: String| format!("--kind: {e}"))?;
            let spec = crate::domain::source::SourceSpec {
                url: a.url,
                kind,
                service_body_id: ServiceBodyId::new(a.service_body).map_err(|e| e.0)?,
                fellowship: a.fellowship.map(|f| f.parse()).transpose().map_err(|e: InvalidValue| e.0)?,
                every_minutes,
                time_zone: a.time_zone.map(|z| z.parse()).transpose().map_err(|e: InvalidValue| e.0)?,
            };
            let write = crate::service::sources::SourceWrite { spec, problems };
            let source = lantern.add_source(&operator, write).map_err(describe)?;
            print_json(&SourceResponse::from(&source))
        }
        SourcesCommand::List => {
            let sources = lantern.sources().map_err(describe)?;
            print_json(&sources.iter().map(SourceResponse::from).collect::<Vec<_>>())
        }
        SourcesCommand::Remove { id } => lantern.remove_source(&operator, id).map_err(describe),
        SourcesCommand::Pull { id } => {
            let source = lantern.pull_source(&operator, id).map_err(describe)?;
            print_json(&SourceResponse::from(&source))
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    Ok(())
}

/// `lantern changes prune`: prunes the change log directly in the database, as the operator.
pub fn changes(command: crate::cli::ChangesCommand, args: ServeArgs) -> Result<(), String> {
    let lantern =
        Lantern::open_database(&args.database_url, SeedSource::None, Arc::new(SystemClock)).map_err(describe)?;
    match command {
        crate::cli::ChangesCommand::Prune { older_than_days } => {
            let pruned = lantern.prune_changes(&Caller::Operator, older_than_days).map_err(describe)?;
            println!("deleted {} changes; the log is complete after sequence {}", pruned.deleted, pruned.through_seq);
        }
    }
    Ok(())
}

/// `lantern backup FILE`: a consistent copy of the database, as JSON lines (see `storage::backup`).
pub fn backup(file: &std::path::Path, args: ServeArgs) -> Result<(), String> {
    let db = crate::storage::Database::open(&args.database_url).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let at = chrono::Utc::now().naive_utc();
    let counts = if file.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        crate::storage::backup::dump(&mut conn, &mut out, at)
    } else {
        // Written beside the target and renamed when complete, so that FILE is never half a backup.
        let partial = file.with_extension("partial");
        let created = std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
        let mut out = std::io::BufWriter::new(created);
        crate::storage::backup::dump(&mut conn, &mut out, at).and_then(|counts| {
            out.into_inner()
                .map_err(|e| e.to_string())
                .and_then(|f| f.sync_all().map_err(|e| e.to_string()))
                .and_then(|()| std::fs::rename(&partial, file).map_err(|e| e.to_string()))
                .map_err(crate::storage::StorageError::Corrupt)?;
            Ok(counts)
        })
    }
    .map_err(|e| e.to_string())?;
    eprintln!("backed up {}", describe_counts(&counts));
    Ok(())
}

/// `lantern restore FILE`: loads a backup into an empty database, all or nothing.
pub fn restore(file: &std::path::Path, args: ServeArgs) -> Result<(), String> {
    let db = crate::storage::Database::open(&args.database_url).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let counts = if file.as_os_str() == "-" {
        crate::storage::backup::restore(&mut conn, &mut std::io::stdin().lock())
    } else {
        let opened = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
        crate::storage::backup::restore(&mut conn, &mut std::io::BufReader::new(opened))
    }
    .map_err(|e| format!("nothing restored: {e}"))?;
    eprintln!("restored {}", describe_counts(&counts));
    Ok(())
}

fn describe_counts(counts: &crate::storage::backup::Counts) -> String {
    counts.iter().map(|(table, n)| format!("{n} {table}")).collect::<Vec<_>>().join(", ")
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

/// `lantern import`: reads a feed file (or a BMLT server's answers) into a service body through the
/// same code path as the HTTP import (actor `import`), printing the same answer; the time taken goes
/// to standard error.
pub fn import(command: ImportCommand, args: ServeArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let lantern = Lantern::open(&args.database_url, seed_source(&args), Arc::new(SystemClock)).map_err(describe)?;
    let (ImportCommand::MeetingGuide(a) | ImportCommand::Bmlt(a)) = &command;
    let options = crate::service::imports::ImportOptions {
        dry_run: a.dry_run,
        time_zone: a.time_zone.as_ref().map(|z| z.parse()).transpose().map_err(|e: InvalidValue| e.0)?,
        fellowship: a.fellowship.as_ref().map(|f| f.parse()).transpose().map_err(|e: InvalidValue| e.0)?,
        remove_missing: a.remove_missing,
    };
    let body = ServiceBodyId::new(a.service_body).map_err(|e| e.0)?;
    let loaded = started.elapsed();
    let source = a.file.display().to_string();
    let (report, records) = match &command {
        ImportCommand::MeetingGuide(a) => {
            let bytes = std::fs::read(&a.file).map_err(|e| format!("{source}: {e}"))?;
            let records = crate::http::imports::feed_records(&bytes).map_err(|e| format!("{source}: {e}"))?;
            (
                lantern.import_meeting_guide(&Caller::Operator, body, &records, &options).map_err(describe)?,
                records.len(),
            )
        }
        ImportCommand::Bmlt(_) => {
            let fetcher = crate::fetch::Fetcher::new(
                std::time::Duration::from_secs(60),
                crate::http::imports::MAX_FEED_BYTES as u64,
            );
            let bytes = crate::fetch::bmlt_answers(&source, &fetcher).map_err(|e| e.to_string())?;
            let mut answers = Vec::with_capacity(3);
            for (switcher, bytes) in crate::fetch::BMLT_SWITCHERS.iter().zip(&bytes) {
                answers.push(crate::domain::bmlt::import::read_answer(switcher, bytes)?);
            }
            let answers = crate::domain::bmlt::import::Answers {
                service_bodies: &answers[0],
                formats: &answers[1],
                meetings: &answers[2],
            };
            (lantern.import_bmlt(&Caller::Operator, body, answers, &options).map_err(describe)?, answers.meetings.len())
        }
    };
    let answer = crate::http::imports::ImportResponse::from(report);
    println!("{}", serde_json::to_string_pretty(&answer).map_err(|e| e.to_string())?);
    eprintln!(
        "imported {records} records in {:.2} s (opening the database {:.2} s)",
        (started.elapsed() - loaded).as_secs_f64(),
        loaded.as_secs_f64()
    );
    Ok(())
}

/// Prints the OpenAPI document as committed in `openapi/openapi.json`.
pub fn print_openapi() -> Result<(), String> {
    print!("{}", crate::http::openapi_json());
    Ok(())
}

/// `lantern generate`: writes a synthetic directory to a seed file, or loads it straight into an
/// empty database.
pub fn generate(args: GenerateArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let seed = crate::seedgen::build(args.meetings, args.rng_seed)?;
    eprintln!("generated {} meetings in {:.1} s", seed.meetings.len(), started.elapsed().as_secs_f64());
    if let Some(url) = args.into_database {
        let lantern = Lantern::open(&url, SeedSource::Inline(Box::new(seed)), Arc::new(SystemClock))
            .map_err(|e| e.to_string())?;
        eprintln!(
            "{url} holds {} meetings ({:.1} s in all)",
            lantern.directory().meeting_count(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let mut json = serde_json::to_string_pretty(&seed).map_err(|e| e.to_string())?;
    json.push('\n');
    match args.out.as_deref() {
        None => std::io::Write::write_all(&mut std::io::stdout(), json.as_bytes()).map_err(|e| e.to_string()),
        Some(path) if path.as_os_str() == "-" => {
            std::io::Write::write_all(&mut std::io::stdout(), json.as_bytes()).map_err(|e| e.to_string())
        }
        Some(path) => std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display())),
    }
}

fn describe(e: crate::service::ServiceError) -> String {
    match e {
        crate::service::ServiceError::Invalid(errors)
        | crate::service::ServiceError::InvalidQuery(errors)
        | crate::service::ServiceError::UnknownReference(errors) => {
            let lines: Vec<String> = errors.iter().map(|(k, v)| format!("  {k}: {}", v.join("; "))).collect();
            format!("invalid input:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}
