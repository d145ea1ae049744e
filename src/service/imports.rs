//! Imports: a feed read into the meetings of one service body (a Meeting Guide feed) or of a
//! subtree below it (a BMLT server's service bodies), in one transaction, with one change-log
//! entry per changed meeting or body and a diff as the answer. Followed sources apply the same.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Lantern;
use super::error::{ServiceError, push_error};
use super::guard::{may_publish, require_admin};
use crate::domain::access::Caller;
use crate::domain::bmlt;
use crate::domain::bmlt::import::{Answers, SourceBody, SourceMeeting};
use crate::domain::ids::{FellowshipCode, MeetingId, ServiceBodyId, Slug};
use crate::domain::meeting::{Meeting, MeetingData};
use crate::domain::meeting_guide::import::{
    ImportContext, ImportedMeeting, Rejection, Warning, read_record, record_slug,
};
use crate::domain::schedule::TimeZone;
use crate::domain::service_body::{ServiceBody, ServiceBodyData};
use crate::storage::change_log::{self, ChangeKind};
use crate::storage::{AnyConnection, queries, writes};

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

/// What an import did (or, in a dry run, would do); its JSON is the import endpoints' answer.
#[derive(Debug, Clone, Default, serde::Serialize)]
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
    /// Service bodies created (BMLT imports).
    pub service_bodies_added: usize,
    /// Service bodies changed (BMLT imports).
    pub service_bodies_updated: usize,
    /// What was dropped or guessed, by record.
    pub warnings: Vec<Warning>,
    /// The records that gave no meeting, each with its problems.
    pub rejections: Vec<Rejection>,
    /// Each meeting added, updated or removed, in the order planned (a source's stored diff keeps
    /// the counts only).
    #[serde(skip)]
    pub changes: Vec<PlannedChange>,
}

/// One meeting an import adds, updates or removes.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    /// `add`, `update` or `remove`.
    pub action: &'static str,
    /// The meeting changed (`None` for one not yet added).
    pub meeting_id: Option<MeetingId>,
    /// Its id in the feed.
    pub external_id: String,
    /// Its name (the new one for an update).
    pub name: String,
    /// For an update, the fields that change (the meeting JSON's names).
    pub fields: Vec<String>,
}

/// The top-level fields in which two states of a meeting differ.
fn changed_fields(before: &MeetingData, after: &MeetingData) -> Vec<String> {
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect()
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

    fn count_import(&self, options: &ImportOptions) {
        if !options.dry_run {
            self.imports.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// How many imports (not dry runs) this process has committed.
    pub fn imports_committed(&self) -> u64 {
        self.imports.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Imports a Meeting Guide feed (the parsed JSON array) into service body `body`.
    pub fn import_meeting_guide(
        &self,
        caller: &Caller,
        body: ServiceBodyId,
        records: &[Value],
        options: &ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        self.check_import(caller, body)?;
        self.meeting_guide_import(&import_actor(caller), body, records, options)
    }

    /// The Meeting Guide import itself, rights already checked, logged as `actor`.
    pub(crate) fn meeting_guide_import(
        &self,
        actor: &str,
        body: ServiceBodyId,
        records: &[Value],
        options: &ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        let (fellowship, body_zone) = self.import_target(body, options, None)?;
        let ctx = self.import_context(body, fellowship, body_zone, options);
        let mut report = ImportReport { dry_run: options.dry_run, ..ImportReport::default() };
        let imported = read_records(records, &ctx, &mut report);
        let in_feed: BTreeSet<String> = records.iter().filter_map(record_slug).collect();
        let now = self.clock().now();
        let (writer, changed) = self.write_locked(|conn| {
            let existing = writes::live_meetings_in_bodies(conn, &[body])?;
            let steps = plan(existing, imported, &in_feed, whole, options.remove_missing, &mut report);
            if options.dry_run {
                return Ok(Vec::new());
            }
            apply(conn, steps, actor, now)
        })?;
        name_added(&mut report, &changed);
        if !changed.is_empty() {
            self.snapshots.publish(&writer, |d| d.with_meetings(changed, now));
        }
        self.count_import(options);
        Ok(report)
    }

    /// Imports a BMLT root server's answers under service body `body`: the server's service bodies
    /// become a subtree below it (matched by their BMLT ids on the next import), its meetings go to
    /// theirs. Admins only, as it writes service bodies; the meetings' fellowship defaults to the
    /// body's, else `na`.
    pub fn import_bmlt(
        &self,
        caller: &Caller,
        body: ServiceBodyId,
        answers: Answers<'_>,
        options: &ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        if self.directory().service_body(body).is_none() {
            return Err(ServiceError::NotFound(format!("there is no service body {body}")));
        }
        require_admin(caller)?;
        self.bmlt_import(&import_actor(caller), body, answers, options)
    }

    /// The BMLT import itself, rights already checked, logged as `actor`.
    pub(crate) fn bmlt_import(
        &self,
        actor: &str,
        body: ServiceBodyId,
        answers: Answers<'_>,
        options: &ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        let na: FellowshipCode = "na".parse().unwrap_or_else(|_| unreachable!("a valid code"));
        let (fellowship, body_zone) = self.import_target(body, options, Some(na))?;
        let ctx = self.import_context(body, fellowship.clone(), body_zone, options);
        let source = bmlt::import::read_source(answers, &ctx);
        let mut report = ImportReport {
            dry_run: options.dry_run,
            rejected: source.rejections.len(),
            warnings: source.warnings,
            rejections: source.rejections,
            ..ImportReport::default()
        };
        let now = self.clock().now();
        let (writer, (changed, catalog)) = self.write_locked(|conn| {
            let (_, bodies) = queries::load_catalog(conn)?;
            let mut tree = SourceTree::new(&bodies, body, options.dry_run);
            let zones = meeting_zones(&source.meetings);
            for b in &source.bodies {
                let (next, kind) = tree.place(b, &fellowship, zones.get(b.id.as_str()).copied());
                match kind {
                    None => continue,
                    Some(ChangeKind::Create) => report.service_bodies_added += 1,
                    Some(_) => report.service_bodies_updated += 1,
                }
                if options.dry_run {
                    continue;
                }
                let (before, after) = match next {
                    BodyWrite::Create(data) => {
                        let created = queries::insert_service_body(conn, &data, now)?;
                        tree.created(&b.id, created.id, created.data.time_zone);
                        (None, created)
                    }
                    BodyWrite::Update(current, data) => {
                        let next =
                            ServiceBody { data, updated_at: now, version: current.version + 1, ..(*current).clone() };
                        writes::update_service_body(conn, &next, None)?;
                        (Some(*current), next)
                    }
                };
                let kind = if before.is_some() { ChangeKind::Update } else { ChangeKind::Create };
                change_log::record(conn, actor, kind, before.as_ref(), Some(&after), now)?;
            }
            let mut imported = Vec::with_capacity(source.meetings.len());
            for SourceMeeting { body: source_body, mut meeting } in source.meetings {
                meeting.data.service_body_id = match tree.id_of(&source_body) {
                    Some(id) => id,
                    None => {
                        let message =
                            format!("service body {source_body} is not in GetServiceBodies: imported into {body}");
                        let warning = Warning {
                            slug: meeting.external_id.clone(),
                            field: "service_body_bigint".to_owned(),
                            message,
                        };
                        report.warnings.push(warning);
                        body
                    }
                };
                imported.push(meeting);
            }
            // Only the meetings this server's import owns: the target's and its mapped bodies'
            // (other bodies below the target, and their imports, are not this source's).
            let existing = writes::live_meetings_in_bodies(conn, &tree.owned())?;
            let steps = plan(existing, imported, &source.rejected_ids, ids, options.remove_missing, &mut report);
            if options.dry_run {
                return Ok((Vec::new(), None));
            }
            let changed = apply(conn, steps, actor, now)?;
            name_added(&mut report, &changed);
            let catalog = if report.service_bodies_added + report.service_bodies_updated > 0 {
                Some(queries::load_catalog(conn)?)
            } else {
                None
            };
            Ok((changed, catalog))
        })?;
        if !changed.is_empty() || catalog.is_some() {
            self.snapshots.publish(&writer, |d| {
                let d = match catalog {
                    Some((fellowships, bodies)) => d.with_catalog(fellowships, bodies),
                    None => d.clone(),
                };
                d.with_meetings(changed, now)
            });
        }
        self.count_import(options);
        Ok(report)
    }

    /// The fellowship an import gives its meetings (the option, else the body's, else
    /// `fallback`) and the body's zone.
    fn import_target(
        &self,
        body: ServiceBodyId,
        options: &ImportOptions,
        fallback: Option<FellowshipCode>,
    ) -> Result<(FellowshipCode, TimeZone), ServiceError> {
        let directory = self.directory();
        let service_body = directory
            .service_body(body)
            .ok_or_else(|| ServiceError::NotFound(format!("there is no service body {body}")))?;
        let chosen = options.fellowship.clone().or_else(|| service_body.data.fellowship.clone()).or(fallback);
        match chosen {
            Some(f) if directory.fellowship(&f).is_some() => Ok((f, service_body.data.time_zone)),
            Some(f) => {
                let message = format!("`{f}` is not a known fellowship (see GET /v1/fellowships)");
                Err(ServiceError::UnknownReference(super::error::FieldErrors::from([(
                    "fellowship".to_owned(),
                    vec![message],
                )])))
            }
            None => Err(query_error(
                "fellowship",
                "feeds name no fellowship and the service body serves none: give `fellowship=`",
            )),
        }
    }

    fn import_context(
        &self,
        body: ServiceBodyId,
        fellowship: FellowshipCode,
        body_zone: TimeZone,
        options: &ImportOptions,
    ) -> ImportContext<'_> {
        ImportContext {
            vocabulary: self.vocabulary(),
            places: &self.places,
            zones: self.zones(),
            fellowship,
            service_body_id: body,
            time_zone: options.time_zone,
            body_zone,
        }
    }
}

fn import_actor(caller: &Caller) -> String {
    match caller {
        Caller::Operator => "import".to_owned(),
        other => other.actor().to_owned(),
    }
}

/// Meetings changed, added (`Some`) or removed (`None`), for the snapshot.
type SnapshotUpdates = Vec<(MeetingId, Option<Arc<Meeting>>)>;

/// Writes the steps, each with its change-log row: removals first, so that nothing added or
/// moved meets a meeting on its way out. Answers the snapshot's updates.
fn apply(
    conn: &mut AnyConnection,
    mut steps: Vec<Step>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<SnapshotUpdates, ServiceError> {
    steps.sort_by_key(|s| match s {
        Step::Remove(_) => 0,
        Step::Update(..) => 1,
        Step::Add(_) => 2,
    });
    let mut changed = Vec::with_capacity(steps.len());
    for step in steps {
        changed.push(match step {
            Step::Add(data) => {
                let meeting = queries::insert_meeting(conn, &data, now)?;
                change_log::record(conn, actor, ChangeKind::Create, None, Some(&meeting), now)?;
                (meeting.id, Some(Arc::new(meeting)))
            }
            Step::Update(current, data) => {
                let next = Meeting { data, updated_at: now, version: current.version + 1, ..(*current).clone() };
                writes::update_meeting(conn, &next, None)?;
                change_log::record(conn, actor, ChangeKind::Update, Some(&*current), Some(&next), now)?;
                (next.id, Some(Arc::new(next)))
            }
            Step::Remove(current) => {
                let deleted = Meeting { updated_at: now, version: current.version + 1, ..(*current).clone() };
                writes::update_meeting(conn, &deleted, Some(now))?;
                change_log::record(conn, actor, ChangeKind::Delete, Some(&*current), None, now)?;
                (current.id, None)
            }
        });
    }
    Ok(changed)
}

/// Gives the report's added meetings the ids they were stored under: `apply` adds them last, in
/// the order planned.
fn name_added(report: &mut ImportReport, changed: &SnapshotUpdates) {
    let added = changed.iter().skip(changed.len().saturating_sub(report.added)).map(|(id, _)| *id);
    for (change, id) in report.changes.iter_mut().filter(|c| c.action == "add").zip(added) {
        change.meeting_id = Some(id);
    }
}

/// The zone most of each source body's meetings are in: the zone a new body gets.
fn meeting_zones(meetings: &[SourceMeeting]) -> HashMap<&str, TimeZone> {
    let mut counts: HashMap<&str, BTreeMap<&'static str, (usize, TimeZone)>> = HashMap::new();
    for m in meetings {
        if let Some(s) = &m.meeting.data.schedule {
            counts.entry(m.body.as_str()).or_default().entry(s.time_zone.name()).or_insert((0, s.time_zone)).0 += 1;
        }
    }
    counts
        .into_iter()
        .filter_map(|(body, zones)| {
            // The most meetings; among equals, the first name.
            let most = zones.iter().max_by_key(|(name, (n, _))| (*n, std::cmp::Reverse(**name)))?;
            Some((body, most.1.1))
        })
        .collect()
}

/// A write to one of the subtree's service bodies.
enum BodyWrite {
    Create(ServiceBodyData),
    Update(Box<ServiceBody>, ServiceBodyData),
}

/// The subtree below an import's service body, as the source's bodies are placed into it.
struct SourceTree {
    root: ServiceBodyId,
    /// Live bodies by id.
    live: HashMap<ServiceBodyId, ServiceBody>,
    /// The subtree's bodies below the root by their external id.
    by_external: HashMap<String, ServiceBodyId>,
    /// The Lantern body of each source body placed so far.
    placed: HashMap<String, ServiceBodyId>,
    /// Zones of bodies created in this import.
    zones: HashMap<ServiceBodyId, TimeZone>,
    /// The root and every body below it, including those created here.
    subtree: Vec<ServiceBodyId>,
    /// Stand-in ids of bodies a dry run would create.
    next_stand_in: i64,
    dry_run: bool,
}

impl SourceTree {
    fn new(bodies: &[ServiceBody], root: ServiceBodyId, dry_run: bool) -> Self {
        let live: HashMap<ServiceBodyId, ServiceBody> = bodies.iter().map(|b| (b.id, b.clone())).collect();
        let mut subtree = vec![root];
        let mut at = 0;
        while at < subtree.len() {
            let parent = subtree[at];
            let mut children: Vec<ServiceBodyId> =
                bodies.iter().filter(|b| b.data.parent_id == Some(parent)).map(|b| b.id).collect();
            children.sort_unstable();
            subtree.extend(children);
            at += 1;
        }
        let by_external =
            subtree.iter().skip(1).filter_map(|id| Some((live.get(id)?.data.external_id.clone()?, *id))).collect();
        Self {
            root,
            live,
            by_external,
            placed: HashMap::new(),
            zones: HashMap::new(),
            subtree,
            next_stand_in: i64::MAX,
            dry_run,
        }
    }

    /// The target and every body of the server's below it: placed now or kept from before.
    fn owned(&self) -> Vec<ServiceBodyId> {
        // Bodies of this server from earlier imports too: a body the server dropped keeps no
        // meetings of its own.
        let earlier = self.by_external.values().copied();
        let mut owned: Vec<ServiceBodyId> =
            std::iter::once(self.root).chain(self.placed.values().copied()).chain(earlier).collect();
        owned.sort_unstable();
        owned.dedup();
        owned
    }

    fn id_of(&self, source_id: &str) -> Option<ServiceBodyId> {
        self.placed.get(source_id).copied()
    }

    fn zone_of(&self, id: ServiceBodyId) -> Option<TimeZone> {
        self.live.get(&id).map(|b| b.data.time_zone).or_else(|| self.zones.get(&id).copied())
    }

    /// What placing a source body takes: nothing (`None`), an update, or a new body (a dry run
    /// places it under a stand-in id at once; a real import calls [`Self::created`]).
    fn place(
        &mut self,
        b: &SourceBody,
        fellowship: &FellowshipCode,
        zone: Option<TimeZone>,
    ) -> (BodyWrite, Option<ChangeKind>) {
        let parent = b.parent.as_deref().and_then(|p| self.id_of(p)).unwrap_or(self.root);
        if let Some(current) = self.by_external.get(&b.id).and_then(|id| self.live.get(id)).cloned() {
            self.placed.insert(b.id.clone(), current.id);
            let data = ServiceBodyData {
                name: b.name.clone(),
                kind: b.kind,
                parent_id: Some(parent),
                website: b.website.clone(),
                phone: b.phone.clone(),
                ..current.data.clone()
            };
            let kind = (data != current.data).then_some(ChangeKind::Update);
            return (BodyWrite::Update(Box::new(current), data), kind);
        }
        let time_zone = zone.or_else(|| self.zone_of(parent)).unwrap_or(TimeZone::from(chrono_tz::UTC));
        let data = ServiceBodyData {
            name: b.name.clone(),
            kind: b.kind,
            parent_id: Some(parent),
            fellowship: Some(fellowship.clone()),
            time_zone,
            website: b.website.clone(),
            email: None,
            phone: b.phone.clone(),
            contact: None,
            external_id: Some(b.id.clone()),
        };
        if self.dry_run
            && let Ok(stand_in) = ServiceBodyId::new(self.next_stand_in)
        {
            self.next_stand_in -= 1;
            self.created(&b.id, stand_in, time_zone);
        }
        (BodyWrite::Create(data), Some(ChangeKind::Create))
    }

    /// Records the id a new body got.
    fn created(&mut self, source_id: &str, id: ServiceBodyId, zone: TimeZone) {
        self.placed.insert(source_id.to_owned(), id);
        self.zones.insert(id, zone);
        self.subtree.push(id);
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

/// The keys of a Meeting Guide `external_id`: the slug, whole.
fn whole(external_id: &str) -> Vec<&str> {
    vec![external_id]
}

/// The keys of a BMLT `external_id`: each row id of a merged meeting.
fn ids(external_id: &str) -> Vec<&str> {
    external_id.split(',').collect()
}

/// Matches imported meetings to the subtree's meetings: first by equal `external_id`, then by a
/// shared key (a BMLT meeting that gained or lost a day keeps its Lantern meeting). Adds, updates
/// (keeping the meeting's slug where its body allows, its publication and private contacts),
/// leaves alone what is unchanged, and removes imported meetings nothing matched, unless a key of
/// theirs is in `kept` (a record present but rejected).
fn plan(
    existing: Vec<Meeting>,
    imported: Vec<ImportedMeeting>,
    kept: &BTreeSet<String>,
    keys: fn(&str) -> Vec<&str>,
    remove_missing: bool,
    report: &mut ImportReport,
) -> Vec<Step> {
    let mut taken: HashMap<ServiceBodyId, BTreeSet<Slug>> = HashMap::new();
    for m in &existing {
        taken.entry(m.data.service_body_id).or_default().insert(m.data.slug.clone());
    }
    let mut pool: Vec<Option<Meeting>> =
        existing.into_iter().filter(|m| m.data.external_id.is_some()).map(Some).collect();
    let external = |m: &Option<Meeting>| m.as_ref().and_then(|m| m.data.external_id.clone()).unwrap_or_default();
    let body_of = |i: usize| pool[i].as_ref().map(|m| m.data.service_body_id);
    // Equal external ids can sit in several bodies (each unique in its own): the meeting in the
    // imported meeting's body first.
    let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, m) in pool.iter().enumerate() {
        exact.entry(external(m)).or_default().push(i);
        for key in keys(&external(m)) {
            by_key.entry(key.to_owned()).or_insert(i);
        }
    }
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut claimed: Vec<Option<usize>> = Vec::with_capacity(imported.len());
    for m in &imported {
        let candidates = exact.get(&m.external_id).map(Vec::as_slice).unwrap_or_default();
        let free = candidates.iter().copied().filter(|i| !used.contains(i));
        let claim = free.clone().find(|i| body_of(*i) == Some(m.data.service_body_id)).or_else(|| free.clone().next());
        used.extend(claim);
        claimed.push(claim);
    }
    for (m, claim) in imported.iter().zip(claimed.iter_mut()).filter(|(_, c)| c.is_none()) {
        *claim = keys(&m.external_id).iter().filter_map(|k| by_key.get(*k)).copied().find(|i| !used.contains(i));
        used.extend(*claim);
    }
    let mut steps = Vec::new();
    for (ImportedMeeting { mut data, .. }, claim) in imported.into_iter().zip(claimed) {
        let body_slugs = taken.entry(data.service_body_id).or_default();
        match claim.and_then(|i| pool[i].take()) {
            Some(current) => {
                data.slug = if current.data.service_body_id == data.service_body_id {
                    current.data.slug.clone()
                } else {
                    unique_slug(&current.data.slug, body_slugs)
                };
                data.published = current.data.published;
                data.contacts = current.data.contacts.clone();
                if data == current.data {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    report.changes.push(PlannedChange {
                        action: "update",
                        meeting_id: Some(current.id),
                        external_id: data.external_id.clone().unwrap_or_default(),
                        name: data.name.clone(),
                        fields: changed_fields(&current.data, &data),
                    });
                    steps.push(Step::Update(Box::new(current), data));
                }
            }
            None => {
                data.slug = unique_slug(&data.slug, body_slugs);
                report.added += 1;
                report.changes.push(PlannedChange {
                    action: "add",
                    meeting_id: None,
                    external_id: data.external_id.clone().unwrap_or_default(),
                    name: data.name.clone(),
                    fields: Vec::new(),
                });
                steps.push(Step::Add(data));
            }
        }
    }
    for current in pool.into_iter().flatten() {
        let external = current.data.external_id.clone().unwrap_or_default();
        if remove_missing && !keys(&external).iter().any(|k| kept.contains(*k)) {
            report.removed += 1;
            report.changes.push(PlannedChange {
                action: "remove",
                meeting_id: Some(current.id),
                external_id: external,
                name: current.data.name.clone(),
                fields: Vec::new(),
            });
            steps.push(Step::Remove(Box::new(current)));
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
