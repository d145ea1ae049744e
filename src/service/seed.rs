//! Loading a seed directory (`seed-data/directory.json`) into an empty database in one transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::error::{FieldErrors, ServiceError, push_error};
use crate::domain::ids::{FellowshipCode, ServiceBodyId, Slug};
use crate::domain::meeting::MeetingData;
use crate::domain::service_body::{Fellowship, ServiceBodyData};
use crate::domain::vocabulary::Vocabulary;
use crate::storage::change_log::{self, ChangeKind};
use crate::storage::{AnyConnection, StorageError, queries};

/// The actor recorded in the change log for seeded records.
pub const SEED_ACTOR: &str = "seed";

/// A service body in a seed file; `id` is local to the file and `parent_id` refers to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedServiceBody {
    /// File-local id that meetings and children refer to.
    pub id: ServiceBodyId,
    /// Everything else.
    #[serde(flatten)]
    pub data: ServiceBodyData,
}

/// A whole directory to load; meetings' `service_body_id` refer to file-local ids.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// Fellowships.
    pub fellowships: Vec<Fellowship>,
    /// Service bodies, parents before children.
    pub service_bodies: Vec<SeedServiceBody>,
    /// Meetings.
    pub meetings: Vec<MeetingData>,
}

/// Validates a seed file against the domain rules and the vocabulary, listing every problem.
pub fn validate(seed: &mut SeedFile, vocabulary: &Vocabulary) -> Result<(), ServiceError> {
    let mut errors = FieldErrors::new();
    let fellowships: BTreeSet<&FellowshipCode> = seed.fellowships.iter().map(|f| &f.code).collect();
    let mut bodies = BTreeSet::new();
    for (i, body) in seed.service_bodies.iter().enumerate() {
        if body.data.parent_id.is_some_and(|p| !bodies.contains(&p)) {
            push_error(&mut errors, format!("service_bodies[{i}].parent_id"), "must name an earlier service body");
        }
        if body.data.fellowship.as_ref().is_some_and(|f| !fellowships.contains(f)) {
            push_error(&mut errors, format!("service_bodies[{i}].fellowship"), "unknown fellowship");
        }
        if !bodies.insert(body.id) {
            push_error(&mut errors, format!("service_bodies[{i}].id"), "repeats an earlier id");
        }
    }
    let mut slugs: BTreeSet<(ServiceBodyId, Slug)> = BTreeSet::new();
    for (i, meeting) in seed.meetings.iter_mut().enumerate() {
        meeting.normalize();
        let at = |field: &str| format!("meetings[{i}].{field}");
        for (field, message) in meeting.problems() {
            push_error(&mut errors, at(&field), message);
        }
        if !fellowships.contains(&meeting.fellowship) {
            push_error(&mut errors, at("fellowship"), "unknown fellowship");
        }
        if !bodies.contains(&meeting.service_body_id) {
            push_error(&mut errors, at("service_body_id"), "unknown service body");
        }
        for code in meeting.types.iter().filter(|c| vocabulary.get(c).is_none()) {
            push_error(&mut errors, at("types"), vocabulary.explain_unknown(code.as_str()));
        }
        if !slugs.insert((meeting.service_body_id, meeting.slug.clone())) {
            push_error(&mut errors, at("slug"), "repeats a slug in the same service body");
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Invalid(errors)) }
}

/// Inserts a validated seed in one transaction, logging every record as created by `seed`;
/// `None` when another node seeded the database first (the writers' lock makes that check safe).
pub fn insert(conn: &mut AnyConnection, seed: &SeedFile, at: DateTime<Utc>) -> Result<Option<usize>, StorageError> {
    conn.transaction(|conn| {
        // Another node may be seeding a large file: wait for it as long as a seed can take.
        change_log::serialize_writers(conn, std::time::Duration::from_secs(600))?;
        if !queries::is_empty(conn)? {
            return Ok(None);
        }
        for fellowship in &seed.fellowships {
            queries::insert_fellowship(conn, fellowship, at)?;
            change_log::record(conn, SEED_ACTOR, ChangeKind::Create, None, Some(fellowship), at)?;
        }
        let mut ids: HashMap<ServiceBodyId, ServiceBodyId> = HashMap::new();
        for body in &seed.service_bodies {
            let mut data = body.data.clone();
            data.parent_id = data.parent_id.and_then(|p| ids.get(&p).copied());
            let stored = queries::insert_service_body(conn, &data, at)?;
            ids.insert(body.id, stored.id);
            change_log::record(conn, SEED_ACTOR, ChangeKind::Create, None, Some(&stored), at)?;
        }
        for meeting in &seed.meetings {
            let mut data = meeting.clone();
            data.service_body_id = ids.get(&meeting.service_body_id).copied().ok_or_else(|| {
                StorageError::Corrupt(format!("seed names unknown service body {}", meeting.service_body_id))
            })?;
            let stored = queries::insert_meeting(conn, &data, at)?;
            change_log::record(conn, SEED_ACTOR, ChangeKind::Create, None, Some(&stored), at)?;
        }
        Ok(Some(seed.meetings.len()))
    })
}
