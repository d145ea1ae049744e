//! Following published sources: admins add Meeting Guide feeds and BMLT servers, each bound to one
//! service body; they are pulled on their schedule (or now) with a conditional GET and applied as
//! an import (actor `source:<id>`). A failed pull changes no meeting, only the source's status, and
//! backs off; a slow source holds one worker, never the others or the API.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Lantern;
use super::error::{FieldErrors, ServiceError, push_error};
use super::guard::require_admin;
use super::imports::{ImportOptions, ImportReport};
use crate::domain::access::Caller;
use crate::domain::bmlt::import::{Answers, read_answer};
use crate::domain::meeting_guide::import::feed_items;
use crate::domain::rules;
use crate::domain::source::{
    MAX_EVERY_MINUTES, MIN_EVERY_MINUTES, PullStatus, Source, SourceKind, SourceSpec, backoff, scrub_credentials,
};
use crate::fetch::{BMLT_SWITCHERS, Fetched, Fetcher, Reach, bmlt_answers_at, refused_range};
use crate::storage::sources::{self, PullRecord};

/// How sources are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    /// Which addresses sources may be fetched from.
    pub reach: Reach,
    /// The longest a fetch may take, redirects and body included.
    pub timeout: Duration,
    /// The largest answer read (each of a BMLT server's three).
    pub max_bytes: u64,
}

impl Default for SourceSettings {
    fn default() -> Self {
        Self { reach: Reach::Public, timeout: Duration::from_secs(30), max_bytes: 20 * 1024 * 1024 }
    }
}

/// The settings, changeable while running (tests); read at each pull.
#[derive(Debug, Default)]
pub(crate) struct SharedSettings(RwLock<SourceSettings>);

/// A source as an admin sends it, with the problems found while decoding it.
#[derive(Debug, Clone)]
pub struct SourceWrite {
    /// The fields; those named in `problems` hold stand-ins.
    pub spec: SourceSpec,
    /// Decoding problems by field.
    pub problems: FieldErrors,
}

/// The longest URL a source may have.
const MAX_URL_CHARS: usize = 2000;

impl Lantern {
    /// Sets how sources are fetched.
    pub fn set_source_settings(&self, settings: SourceSettings) {
        *self.source_settings.0.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    fn source_settings(&self) -> SourceSettings {
        self.source_settings.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Adds a source, due at once; admins only. One source per service body (two would remove each
    /// other's meetings): a second is a conflict.
    pub fn add_source(&self, caller: &Caller, write: SourceWrite) -> Result<Source, ServiceError> {
        require_admin(caller)?;
        let SourceWrite { spec, problems: mut errors } = write;
        if !errors.contains_key("url")
            && let Some(problem) = self.url_problem(&spec.url)
        {
            push_error(&mut errors, "url", problem);
        }
        let directory = self.directory();
        if !errors.contains_key("service_body_id") && directory.service_body(spec.service_body_id).is_none() {
            push_error(&mut errors, "service_body_id", format!("there is no service body {}", spec.service_body_id));
        }
        if let Some(f) = spec.fellowship.as_ref().filter(|f| directory.fellowship(f).is_none()) {
            push_error(&mut errors, "fellowship", format!("`{f}` is not a known fellowship"));
        }
        if !(MIN_EVERY_MINUTES..=MAX_EVERY_MINUTES).contains(&spec.every_minutes)
            && !errors.contains_key("every_minutes")
        {
            let message = format!("must be {MIN_EVERY_MINUTES} to {MAX_EVERY_MINUTES} minutes");
            push_error(&mut errors, "every_minutes", message);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.clock().now();
        self.write(|conn| {
            // Two sources over one subtree would remove each other's meetings on every pull.
            let body = spec.service_body_id;
            for other in sources::list(conn)? {
                let theirs = other.spec.service_body_id;
                if directory.is_within(body, theirs) || directory.is_within(theirs, body) {
                    let relation = if theirs == body { "already follows" } else { "overlaps the subtree of" };
                    return Err(ServiceError::Conflict(format!(
                        "service body {body} {relation} source {} (service body {theirs}); remove it first",
                        other.id
                    )));
                }
            }
            Ok(sources::insert(conn, &spec, now)?)
        })
    }

    /// Why `url` cannot be a source: not http(s) with a host, too long, or an address that is not
    /// public (when that is not allowed). Names are checked when they are resolved, at each pull.
    fn url_problem(&self, url: &str) -> Option<String> {
        if url.chars().count() > MAX_URL_CHARS {
            return Some(format!("must have at most {MAX_URL_CHARS} characters"));
        }
        if let Some(problem) = rules::url_problem(url).map(|p| p.to_string()).or_else(|| crate::fetch::url_problem(url))
        {
            return Some(problem);
        }
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h),
        };
        let range =
            host.parse().ok().and_then(refused_range).filter(|_| self.source_settings().reach == Reach::Public)?;
        Some(format!("{host} is a {range} address: sources must be public (or allow with --allow-private-sources)"))
    }

    /// Every source with its status, by id.
    pub fn sources(&self) -> Result<Vec<Source>, ServiceError> {
        Ok(sources::list(&mut *self.database().conn()?)?)
    }

    /// How many sources are followed, waiting at most `wait` for the database (for metrics).
    pub fn source_count(&self, wait: std::time::Duration) -> Result<usize, ServiceError> {
        Ok(sources::list(&mut *self.database().conn_within(wait)?)?.len())
    }

    /// One source.
    pub fn source(&self, id: i64) -> Result<Source, ServiceError> {
        sources::find(&mut *self.database().conn()?, id)?
            .ok_or_else(|| ServiceError::NotFound(format!("there is no source {id}")))
    }

    /// Stops following a source; admins only. Its meetings stay as they are.
    pub fn remove_source(&self, caller: &Caller, id: i64) -> Result<(), ServiceError> {
        require_admin(caller)?;
        if self.write(|conn| Ok(sources::delete(conn, id)?))? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("there is no source {id}")))
        }
    }

    /// Pulls a source now, whatever its schedule; admins only. Answers its status after the pull
    /// (a failed fetch or import is in `last_error`, not an error of this call).
    pub fn pull_source(&self, caller: &Caller, id: i64) -> Result<Source, ServiceError> {
        require_admin(caller)?;
        let source = self.source(id)?;
        self.pull(&source)
    }

    /// The ids of sources due now, soonest first.
    pub fn due_sources(&self, limit: i64) -> Result<Vec<i64>, ServiceError> {
        Ok(sources::due(&mut *self.database().conn()?, self.clock().now(), limit)?)
    }

    /// Pulls a due source if no one else has claimed it; `None` when it was not due any more.
    pub fn pull_if_due(&self, id: i64) -> Result<Option<Source>, ServiceError> {
        let now = self.clock().now();
        let timeout = chrono::Duration::from_std(self.source_settings().timeout).unwrap_or(chrono::Duration::MAX);
        // Claimed until well after the pull would have ended, so that a node that dies mid-pull
        // leaves the source to be pulled again.
        let until = now + timeout * 4 + chrono::Duration::minutes(1);
        if !self.write(|conn| Ok(sources::claim(conn, id, now, until)?))? {
            return Ok(None);
        }
        let source = self.source(id)?;
        self.pull(&source).map(Some)
    }

    /// An error after a write may have committed: an outage becomes "connection lost", whose answer
    /// says a write may have been applied, instead of one that says nothing was changed.
    fn after_commit(e: ServiceError) -> ServiceError {
        match e {
            ServiceError::Storage(s) if s.outage().is_some() => {
                ServiceError::Storage(crate::storage::StorageError::Lost(s.to_string()))
            }
            other => other,
        }
    }

    /// Fetches and imports one source and records how it went.
    fn pull(&self, source: &Source) -> Result<Source, ServiceError> {
        let attempted_at = self.clock().now();
        let outcome = self.fetch_and_import(source);
        let now = self.clock().now();
        let spec = &source.spec;
        let record = match outcome {
            Ok((status, report, etag, last_modified)) => PullRecord {
                attempted_at,
                status,
                etag,
                last_modified,
                error: None,
                diff: report.map(|r| serde_json::to_value(r).unwrap_or_default()),
                failures: 0,
                next_pull_at: now + chrono::Duration::minutes(i64::from(spec.every_minutes)),
            },
            Err(message) => {
                let failures = source.failures.saturating_add(1);
                // Never a URL with its credentials, in the status or the log.
                let message = scrub_credentials(&message);
                tracing::warn!(source = source.id, error = %message, "pulling a source failed");
                PullRecord {
                    attempted_at,
                    status: PullStatus::Failed,
                    etag: None,
                    last_modified: None,
                    error: Some(message),
                    diff: None,
                    failures,
                    next_pull_at: now + backoff(failures, spec.every_minutes),
                }
            }
        };
        // Through the writer lock, as imports write: on SQLite it waits its turn instead of the
        // busy timeout. The import may have committed by now: an outage from here on may have
        // left a write behind, and says so.
        let recorded =
            self.write(|conn| Ok(sources::record_pull(conn, source.id, &record)?)).map_err(Self::after_commit)?;
        if !recorded {
            return Err(ServiceError::NotFound(format!("source {} was removed during its pull", source.id)));
        }
        self.source(source.id).map_err(Self::after_commit)
    }

    /// The pull itself: how it ended, the import's report, and the answer's validators.
    fn fetch_and_import(&self, source: &Source) -> Result<Pulled, String> {
        let settings = self.source_settings();
        let fetcher = Fetcher::guarded(settings.timeout, settings.max_bytes, settings.reach);
        let spec = &source.spec;
        let actor = format!("source:{}", source.id);
        let options = ImportOptions {
            dry_run: false,
            time_zone: spec.time_zone,
            fellowship: spec.fellowship.clone(),
            remove_missing: true,
        };
        let failed = |e: ServiceError| describe(&e);
        match spec.kind {
            SourceKind::MeetingGuide => {
                let fetched = fetcher
                    .get_if_changed(&spec.url, source.etag.as_deref(), source.last_modified.as_deref())
                    .map_err(|e| e.to_string())?;
                let Fetched::Body { bytes, etag, last_modified } = fetched else {
                    return Ok((PullStatus::NotModified, None, None, None));
                };
                let value = serde_json::from_slice(&bytes).map_err(|e| format!("the feed is not JSON: {e}"))?;
                let records = feed_items(value)?;
                if records.is_empty() {
                    return Err(EMPTY.to_owned());
                }
                let report =
                    self.meeting_guide_import(&actor, spec.service_body_id, &records, &options).map_err(failed)?;
                Ok((PullStatus::Imported, Some(report), etag, last_modified))
            }
            SourceKind::Bmlt => {
                let bytes = bmlt_answers_at(&spec.url, &fetcher).map_err(|e| e.to_string())?;
                let mut parts = Vec::with_capacity(3);
                for (switcher, bytes) in BMLT_SWITCHERS.iter().zip(&bytes) {
                    parts.push(read_answer(switcher, bytes)?);
                }
                if parts[2].is_empty() {
                    return Err(EMPTY.to_owned());
                }
                let answers = Answers { service_bodies: &parts[0], formats: &parts[1], meetings: &parts[2] };
                let report = self.bmlt_import(&actor, spec.service_body_id, answers, &options).map_err(failed)?;
                Ok((PullStatus::Imported, Some(report), None, None))
            }
        }
    }
}

/// Why an empty answer is not applied: a source that publishes nothing has far more likely broken
/// than closed every meeting at once.
const EMPTY: &str = "the source answered no meetings: not applied, its meetings are kept";

/// How a pull ended, the import's report, and the answer's `ETag` and `Last-Modified`.
type Pulled = (PullStatus, Option<ImportReport>, Option<String>, Option<String>);

/// A service error as one line for a source's `last_error`.
fn describe(e: &ServiceError) -> String {
    let fields = |errors: &FieldErrors| {
        errors
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match e {
        ServiceError::InvalidQuery(errors) | ServiceError::Invalid(errors) | ServiceError::UnknownReference(errors) => {
            format!("the import was refused: {}", fields(errors))
        }
        // Storage details are logged, not shown.
        ServiceError::Storage(_) | ServiceError::Task(_) => {
            tracing::error!(error = %e, "a source's import failed in the database");
            "the import failed in the database".to_owned()
        }
        other => format!("the import was refused: {other}"),
    }
}

/// The background pulls: a scheduler that finds due sources and workers that pull them, each
/// source at most once at a time.
pub struct Follower {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Follower {
    /// Starts following: every `tick` the due sources go to `workers` threads.
    pub fn start(lantern: Arc<Lantern>, workers: usize, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let busy: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
        let (tx, rx) = mpsc::channel::<i64>();
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        for _ in 0..workers.max(1) {
            let (lantern, rx, busy, stop) =
                (Arc::clone(&lantern), Arc::clone(&rx), Arc::clone(&busy), Arc::clone(&stop));
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(tick);
                    let id = match next {
                        Ok(id) => id,
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        // The scheduler is gone: waiting again would return at once, for ever.
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    };
                    let pulled = std::panic::catch_unwind(AssertUnwindSafe(|| lantern.pull_if_due(id)));
                    if let Ok(Err(e)) = pulled {
                        tracing::warn!(source = id, error = %e, "a source could not be pulled");
                    }
                    busy.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                }
            }));
        }
        let scheduler_stop = Arc::clone(&stop);
        threads.push(std::thread::spawn(move || {
            while !scheduler_stop.load(Ordering::Relaxed) {
                match lantern.due_sources(1000) {
                    Ok(due) => {
                        let mut busy = busy.lock().unwrap_or_else(|e| e.into_inner());
                        for id in due {
                            if busy.insert(id) && tx.send(id).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not read the due sources"),
                }
                std::thread::sleep(tick);
            }
        }));
        Self { stop, threads }
    }

    /// Stops after the pulls in progress.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}
