//! Source rows: what an admin set, the validators for conditional GETs and the status of the
//! last pull. Claiming a due source is one conditional update, so that nodes sharing a database
//! never pull one source twice at once.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::rows::{from_json, parse, to_json, utc};
use super::schema::sources;
use super::{AnyConnection, StorageError};
use crate::domain::ids::ServiceBodyId;
use crate::domain::source::{PullStatus, Source, SourceKind, SourceSpec};

/// A row of `sources`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sources)]
struct SourceRow {
    id: i64,
    url: String,
    kind: String,
    service_body_id: i64,
    fellowship: Option<String>,
    time_zone: Option<String>,
    every_minutes: i64,
    created_at: NaiveDateTime,
    etag: Option<String>,
    last_modified: Option<String>,
    failures: i64,
    last_attempt_at: Option<NaiveDateTime>,
    last_success_at: Option<NaiveDateTime>,
    last_status: Option<String>,
    last_error: Option<String>,
    last_diff: Option<String>,
    next_pull_at: NaiveDateTime,
}

impl SourceRow {
    fn into_domain(self) -> Result<Source, StorageError> {
        let Self {
            id,
            url,
            kind,
            service_body_id,
            fellowship,
            time_zone,
            every_minutes,
            created_at,
            etag,
            last_modified,
            failures,
            last_attempt_at,
            last_success_at,
            last_status,
            last_error,
            last_diff,
            next_pull_at,
        } = self;
        let corrupt = |what: &str| StorageError::Corrupt(format!("sources {id}: {what}"));
        Ok(Source {
            id,
            spec: SourceSpec {
                url,
                kind: SourceKind::from_name(&kind).ok_or_else(|| corrupt("kind"))?,
                service_body_id: ServiceBodyId::new(service_body_id).map_err(|e| corrupt(&e.0))?,
                fellowship: fellowship.map(|f| parse("sources.fellowship", &f)).transpose()?,
                every_minutes: u32::try_from(every_minutes).map_err(|_| corrupt("every_minutes"))?,
                time_zone: time_zone.map(|z| parse("sources.time_zone", &z)).transpose()?,
            },
            created_at: utc(created_at),
            etag,
            last_modified,
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last_attempt_at: last_attempt_at.map(utc),
            last_success_at: last_success_at.map(utc),
            last_status: last_status
                .map(|s| PullStatus::from_name(&s).ok_or_else(|| corrupt("last_status")))
                .transpose()?,
            last_error,
            last_diff: last_diff.map(|d| from_json("sources.last_diff", &d)).transpose()?,
            next_pull_at: utc(next_pull_at),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = sources)]
struct NewSourceRow {
    url: String,
    kind: &'static str,
    service_body_id: i64,
    fellowship: Option<String>,
    time_zone: Option<String>,
    every_minutes: i64,
    created_at: NaiveDateTime,
    next_pull_at: NaiveDateTime,
}

/// Adds a source, due at once.
pub fn insert(conn: &mut AnyConnection, spec: &SourceSpec, at: DateTime<Utc>) -> Result<Source, StorageError> {
    let row = NewSourceRow {
        url: spec.url.clone(),
        kind: spec.kind.name(),
        service_body_id: spec.service_body_id.get(),
        fellowship: spec.fellowship.as_ref().map(ToString::to_string),
        time_zone: spec.time_zone.map(|z| z.name().to_owned()),
        every_minutes: i64::from(spec.every_minutes),
        created_at: at.naive_utc(),
        next_pull_at: at.naive_utc(),
    };
    let id: i64 = diesel::insert_into(sources::table).values(&row).returning(sources::id).get_result(conn)?;
    find(conn, id)?.ok_or_else(|| StorageError::Corrupt(format!("sources {id}: gone after insert")))
}

/// Every source, by id.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Source>, StorageError> {
    let rows: Vec<SourceRow> = sources::table.order(sources::id).select(SourceRow::as_select()).load(conn)?;
    rows.into_iter().map(SourceRow::into_domain).collect()
}

/// One source.
pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<Source>, StorageError> {
    let row: Option<SourceRow> = sources::table.find(id).select(SourceRow::as_select()).first(conn).optional()?;
    row.map(SourceRow::into_domain).transpose()
}

/// The source that follows into `body`, if one does.
pub fn of_body(conn: &mut AnyConnection, body: ServiceBodyId) -> Result<Option<i64>, StorageError> {
    Ok(sources::table.filter(sources::service_body_id.eq(body.get())).select(sources::id).first(conn).optional()?)
}

/// Removes a source; true when there was one.
pub fn delete(conn: &mut AnyConnection, id: i64) -> Result<bool, StorageError> {
    Ok(diesel::delete(sources::table.find(id)).execute(conn)? > 0)
}

/// The ids of sources due at `now`, soonest first, at most `limit`.
pub fn due(conn: &mut AnyConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<i64>, StorageError> {
    Ok(sources::table
        .filter(sources::next_pull_at.le(now.naive_utc()))
        .order((sources::next_pull_at, sources::id))
        .limit(limit)
        .select(sources::id)
        .load(conn)?)
}

/// Claims a due source for one pull by moving its next pull to `until` (when a pull that never
/// reports would be retried); false when another puller claimed it first or it is not due.
pub fn claim(
    conn: &mut AnyConnection,
    id: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let claimed = diesel::update(sources::table.find(id).filter(sources::next_pull_at.le(now.naive_utc())))
        .set(sources::next_pull_at.eq(until.naive_utc()))
        .execute(conn)?;
    Ok(claimed > 0)
}

/// What a pull changes in a source's row.
#[derive(Debug, Clone)]
pub struct PullRecord {
    /// When it started.
    pub attempted_at: DateTime<Utc>,
    /// How it ended.
    pub status: PullStatus,
    /// The answer's validators (kept as they were when not given).
    pub etag: Option<String>,
    /// The answer's `Last-Modified`.
    pub last_modified: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The import's answer.
    pub diff: Option<serde_json::Value>,
    /// Failures in a row after it.
    pub failures: u32,
    /// When to pull next.
    pub next_pull_at: DateTime<Utc>,
}

/// Records a pull's outcome; a failure keeps the last success, its validators and its diff. False
/// when the source is gone.
pub fn record_pull(conn: &mut AnyConnection, id: i64, pull: &PullRecord) -> Result<bool, StorageError> {
    let target = sources::table.find(id);
    let common = (
        sources::last_attempt_at.eq(Some(pull.attempted_at.naive_utc())),
        sources::last_status.eq(Some(pull.status.name())),
        sources::last_error.eq(pull.error.clone()),
        sources::failures.eq(i64::from(pull.failures)),
        sources::next_pull_at.eq(pull.next_pull_at.naive_utc()),
    );
    let updated = match pull.status {
        PullStatus::Failed => diesel::update(target).set(common).execute(conn)?,
        PullStatus::NotModified => diesel::update(target)
            .set((common, sources::last_success_at.eq(Some(pull.attempted_at.naive_utc()))))
            .execute(conn)?,
        PullStatus::Imported => diesel::update(target)
            .set((
                common,
                sources::last_success_at.eq(Some(pull.attempted_at.naive_utc())),
                sources::etag.eq(pull.etag.clone()),
                sources::last_modified.eq(pull.last_modified.clone()),
                sources::last_diff.eq(pull.diff.as_ref().map(to_json)),
            ))
            .execute(conn)?,
    };
    Ok(updated > 0)
}
