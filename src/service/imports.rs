//! Imports: a feed read into the meetings of one service body, in one transaction, with one
//! change-log entry per changed meeting and a diff as the answer. The Meeting Guide import is the
//! first; the BMLT import and followed sources apply the same plan.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::Lantern;
use super::error::{ServiceError, push_error};
use super::guard::may_publish;
use crate::domain::access::Caller;
use crate::domain::ids::{FellowshipCode, ServiceBodyId, Slug};
use crate::domain::meeting::{Meeting, MeetingData};
use crate::domain::meeting_guide::import::{
    ImportContext, ImportedMeeting, Rejection, Warning, read_record, record_slug,
};
use crate::domain::schedule::TimeZone;
use crate::storage::change_log::{self, ChangeKind};
use crate::storage::{queries, writes};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Answer the diff, write nothing.
    pub dry_run: bool,
    /// The zone of records with neither a `timezone` nor coordinates.
    pub time_zone: Option<TimeZone>,
    /// The meetings' fellowship; default: the service body's.
    pub fellowship: Option<FellowshipCode>,
    /// Soft-delete the body's imported meetings (those with an `external_id`) the feed no longer has.
    pub remove_missing: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { dry_run: false, time_zone: None, fellowship: None, remove_missing: true }
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// New meetings.
    pub added: usize,
    /// Meetings that changed.
    pub updated: usize,
    /// Meetings already as the feed says.
    pub unchanged: usize,
    /// Meetings soft-deleted because the feed no longer has them.
    pub removed: usize,
    /// Records that gave no meeting.
    pub rejected: usize,
    /// What was dropped or guessed, by record.
    pub warnings: Vec<Warning>,
    /// The records that gave no meeting, each with its problems.
    pub rejections: Vec<Rejection>,
}

enum Step {
    Add(MeetingData),
    Update(Box<Meeting>, MeetingData),
    Remove(Box<Meeting>),
}

impl Lantern {
    /// Checks that the service body exists and the caller may import into it: asked before a
    /// feed is even read.
    pub fn check_import(&self, caller: &Caller, body: ServiceBodyId) -> Result<(), ServiceError> {
        let directory = self.directory();
        if directory.service_body(body).is_none() {
            return Err(ServiceError::NotFound(format!("there is no service body {body}")));
        }
        may_publish(caller, &directory, body, "import meetings into")
    }

    /// Imports a Meeting Guide feed (the parsed JSON array) into service body `body`.
    pub fn import_meeting_guide(
        &self,
        caller: &Caller,
        body: ServiceBodyId,
        records: &[Value],
        options: &ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        let directory = self.directory();
        self.check_import(caller, body)?;
        let service_body = directory
            .service_body(body)
            .ok_or_else(|| ServiceError::NotFound(format!("there is no service body {body}")))?;
        let fellowship = match options.fellowship.clone().or_else(|| service_body.data.fellowship.clone()) {
            Some(f) if directory.fellowship(&f).is_some() => f,
            Some(f) => {
                let message = format!("`{f}` is not a known fellowship (see GET /v1/fellowships)");
                return Err(ServiceError::UnknownReference(super::error::FieldErrors::from([(
                    "fellowship".to_owned(),
                    vec![message],
                )])));
            }
            None => {
                return Err(query_error(
                    "fellowship",
                    "feeds name no fellowship and the service body serves none: give `fellowship=`",
                ));
            }
        };
        let ctx = ImportContext {
            vocabulary: self.vocabulary(),
            places: &self.places,
            zones: self.zones(),
            fellowship,
            service_body_id: body,
            time_zone: options.time_zone,
            body_zone: service_body.data.time_zone,
        };
        let mut report = ImportReport { dry_run: options.dry_run, ..ImportReport::default() };
        let imported = read_records(records, &ctx, &mut report);
        let in_feed: BTreeSet<String> = records.iter().filter_map(record_slug).collect();
        let now = self.clock().now();
        let actor = match caller {
            Caller::Operator => "import".to_owned(),
            other => other.actor().to_owned(),
        };
        let (writer, changed) = self.write_locked(|conn| {
            let existing = writes::live_meetings_in_body(conn, body)?;
            let steps = plan(existing, imported, &in_feed, options.remove_missing, &mut report);
            if options.dry_run {
                return Ok(Vec::new());
            }
            let mut changed = Vec::with_capacity(steps.len());
            for step in steps {
                changed.push(match step {
                    Step::Add(data) => {
                        let meeting = queries::insert_meeting(conn, &data, now)?;
                        change_log::record(conn, &actor, ChangeKind::Create, None, Some(&meeting), now)?;
                        (meeting.id, Some(Arc::new(meeting)))
                    }
                    Step::Update(current, data) => {
                        let next =
                            Meeting { data, updated_at: now, version: current.version + 1, ..(*current).clone() };
                        writes::update_meeting(conn, &next, None)?;
                        change_log::record(conn, &actor, ChangeKind::Update, Some(&*current), Some(&next), now)?;
                        (next.id, Some(Arc::new(next)))
                    }
                    Step::Remove(current) => {
                        let deleted = Meeting { updated_at: now, version: current.version + 1, ..(*current).clone() };
                        writes::update_meeting(conn, &deleted, Some(now))?;
                        change_log::record(conn, &actor, ChangeKind::Delete, Some(&*current), None, now)?;
                        (current.id, None)
                    }
                });
            }
            Ok(changed)
        })?;
        if !changed.is_empty() {
            self.snapshots.publish(&writer, |d| d.with_meetings(changed, now));
        }
        Ok(report)
    }
}

fn query_error(field: &str, message: impl Into<String>) -> ServiceError {
    let mut errors = super::error::FieldErrors::new();
    push_error(&mut errors, field, message);
    ServiceError::InvalidQuery(errors)
}

/// Reads every record; a slug used by several records rejects each of them (which one is meant
/// cannot be told), and a rejected record never blocks the others.
fn read_records(records: &[Value], ctx: &ImportContext<'_>, report: &mut ImportReport) -> Vec<ImportedMeeting> {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for slug in records.iter().filter_map(record_slug) {
        *uses.entry(slug).or_default() += 1;
    }
    let mut imported = Vec::with_capacity(records.len());
    for record in records {
        if let Some(slug) = record_slug(record)
            && let Some(n) = uses.get(&slug).filter(|n| **n > 1)
        {
            let message = format!("{n} records use this slug; each must have its own");
            report.rejections.push(Rejection { slug, errors: BTreeMap::from([("slug".to_owned(), vec![message])]) });
            continue;
        }
        let (outcome, warnings) = read_record(record, ctx);
        report.warnings.extend(warnings);
        match outcome {
            Ok(m) => imported.push(m),
            Err(rejection) => report.rejections.push(rejection),
        }
    }
    report.rejected = report.rejections.len();
    imported
}

/// Matches records to the body's meetings by `external_id`: adds, updates (keeping the meeting's
/// slug, publication and private contacts), leaves alone what is unchanged, and removes imported
/// meetings whose slug the feed no longer has (rejected records still count as present).
fn plan(
    existing: Vec<Meeting>,
    imported: Vec<ImportedMeeting>,
    in_feed: &BTreeSet<String>,
    remove_missing: bool,
    report: &mut ImportReport,
) -> Vec<Step> {
    let mut taken: BTreeSet<Slug> = existing.iter().map(|m| m.data.slug.clone()).collect();
    let mut by_external: HashMap<String, Meeting> = HashMap::new();
    let mut steps = Vec::new();
    for meeting in existing {
        match meeting.data.external_id.clone() {
            Some(external) if !in_feed.contains(&external) && remove_missing => {
                steps.push(Step::Remove(Box::new(meeting)));
                report.removed += 1;
            }
            Some(external) => {
                by_external.insert(external, meeting);
            }
            None => {}
        }
    }
    for ImportedMeeting { external_id, mut data } in imported {
        match by_external.remove(&external_id) {
            Some(current) => {
                data.slug = current.data.slug.clone();
                data.published = current.data.published;
                data.contacts = current.data.contacts.clone();
                if data == current.data {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    steps.push(Step::Update(Box::new(current), data));
                }
            }
            None => {
                data.slug = unique_slug(&data.slug, &mut taken);
                report.added += 1;
                steps.push(Step::Add(data));
            }
        }
    }
    steps
}

/// `slug`, or `slug-2`, `slug-3` … whichever is free in the body; reserved once returned.
fn unique_slug(slug: &Slug, taken: &mut BTreeSet<Slug>) -> Slug {
    let free = std::iter::once(slug.clone())
        .chain((2..).filter_map(|n| {
            let base: String = slug.as_str().chars().take(90).collect();
            format!("{}-{n}", base.trim_end_matches('-')).parse().ok()
        }))
        .find(|s| !taken.contains(s))
        .unwrap_or_else(|| slug.clone());
    taken.insert(free.clone());
    free
}
