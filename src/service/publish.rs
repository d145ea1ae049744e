//! Publishing meetings: create, replace or patch, soft delete and restore, each checked against
//! the caller's scope, the `If-Match` version and every validation rule, written with its
//! change-log row in one transaction, and visible to searches before the call returns.

use std::sync::Arc;

use super::Lantern;
use super::error::{FieldErrors, ServiceError, push_error};
use super::guard::{Right, may_publish, stored_meeting};
use crate::domain::access::Caller;
use crate::domain::directory::Directory;
use crate::domain::ids::MeetingId;
use crate::domain::meeting::{Meeting, MeetingData};
use crate::storage::AnyConnection;
use crate::storage::change_log::{self, ChangeKind, EntityKind};
use crate::storage::{queries, writes};

/// A meeting as a publisher sends it.
#[derive(Debug, Clone)]
pub struct MeetingWrite {
    /// The fields; with `derive_zone`, the schedule's zone is a placeholder.
    pub data: MeetingData,
    /// The publisher gave no zone: derive it from the coordinates (or the service body's default).
    pub derive_zone: bool,
    /// Problems found while decoding, by field; those fields hold stand-ins in `data`.
    pub problems: FieldErrors,
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// No `If-Match`: write whatever the version.
    #[default]
    None,
    /// `If-Match: *`: the record must exist.
    Exists,
    /// The record must be at one of these versions.
    Versions(Vec<i64>),
}

impl Precondition {
    pub(crate) fn check(&self, current: i64) -> Result<(), ServiceError> {
        match self {
            Precondition::Versions(v) if !v.contains(&current) => Err(ServiceError::PreconditionFailed { current }),
            _ => Ok(()),
        }
    }
}

impl Lantern {
    /// Creates a meeting in a service body the caller may publish to.
    pub fn create_meeting(&self, caller: &Caller, write: MeetingWrite) -> Result<Arc<Meeting>, ServiceError> {
        let directory = self.directory();
        if !write.problems.contains_key("service_body_id") {
            may_publish(caller, &directory, write.data.service_body_id, "create meetings in")?;
        }
        let now = self.clock().now();
        let (writer, meeting) = self.write_locked(|conn| {
            let data = self.validate_meeting(conn, &directory, write, None)?;
            let meeting = queries::insert_meeting(conn, &data, now)?;
            change_log::record(conn, caller.actor(), ChangeKind::Create, None, Some(&meeting), now)?;
            Ok(meeting)
        })?;
        Ok(self.publish_meeting(&writer, meeting))
    }

    /// Replaces a live meeting with what `edit` makes of it (a full replacement or a merge patch).
    pub fn update_meeting(
        &self,
        caller: &Caller,
        id: MeetingId,
        precondition: &Precondition,
        edit: impl FnOnce(&Meeting) -> MeetingWrite,
    ) -> Result<Arc<Meeting>, ServiceError> {
        let directory = self.directory();
        let now = self.clock().now();
        let (writer, meeting) = self.write_locked(|conn| {
            let current = live_meeting_in_scope(conn, caller, &directory, id)?;
            precondition.check(current.version)?;
            let write = edit(&current);
            if !write.problems.contains_key("service_body_id") {
                may_publish(caller, &directory, write.data.service_body_id, "move meetings to")?;
            }
            let data = self.validate_meeting(conn, &directory, write, Some(id))?;
            let next = Meeting { data, updated_at: now, version: current.version + 1, ..current.clone() };
            writes::update_meeting(conn, &next, None)?;
            change_log::record(conn, caller.actor(), ChangeKind::Update, Some(&current), Some(&next), now)?;
            Ok(next)
        })?;
        Ok(self.publish_meeting(&writer, meeting))
    }

    /// Soft-deletes a live meeting; `restore_meeting` brings it back.
    pub fn delete_meeting(
        &self,
        caller: &Caller,
        id: MeetingId,
        precondition: &Precondition,
    ) -> Result<(), ServiceError> {
        let directory = self.directory();
        let now = self.clock().now();
        let (writer, ()) = self.write_locked(|conn| {
            let current = live_meeting_in_scope(conn, caller, &directory, id)?;
            precondition.check(current.version)?;
            let deleted = Meeting { updated_at: now, version: current.version + 1, ..current.clone() };
            writes::update_meeting(conn, &deleted, Some(now))?;
            change_log::record(conn, caller.actor(), ChangeKind::Delete, Some(&current), None, now)?;
            Ok(())
        })?;
        self.snapshots.publish(&writer, |d| d.with_meeting(id, None, now));
        Ok(())
    }

    /// Undeletes a meeting (`seq` absent) or sets it to the state recorded after change `seq`,
    /// undeleting it too. The restored state must pass today's validation.
    pub fn restore_meeting(
        &self,
        caller: &Caller,
        id: MeetingId,
        precondition: &Precondition,
        seq: Option<i64>,
    ) -> Result<Arc<Meeting>, ServiceError> {
        let directory = self.directory();
        let now = self.clock().now();
        let (writer, meeting) = self.write_locked(|conn| {
            let (current, deleted_at) = stored_meeting(conn, caller, &directory, id, Right::Publish)?;
            precondition.check(current.version)?;
            let data = match seq {
                None if deleted_at.is_none() => {
                    return Err(ServiceError::Conflict(format!(
                        "meeting {id} is not deleted; give `seq` to roll it back to an earlier state"
                    )));
                }
                None => current.data.clone(),
                Some(seq) => recorded_state(conn, id, seq)?,
            };
            may_publish(caller, &directory, data.service_body_id, "restore meetings to")?;
            let write = MeetingWrite { data, derive_zone: false, problems: FieldErrors::new() };
            let data = self.validate_meeting(conn, &directory, write, Some(id))?;
            let next = Meeting { data, updated_at: now, version: current.version + 1, ..current.clone() };
            writes::update_meeting(conn, &next, None)?;
            let before = deleted_at.is_none().then_some(&current);
            change_log::record(conn, caller.actor(), ChangeKind::Restore, before, Some(&next), now)?;
            Ok(next)
        })?;
        Ok(self.publish_meeting(&writer, meeting))
    }

    fn publish_meeting(&self, writer: &super::snapshot::WriterGuard<'_>, meeting: Meeting) -> Arc<Meeting> {
        let (meeting, now) = (Arc::new(meeting), self.clock().now());
        self.snapshots.publish(writer, |d| d.with_meeting(meeting.id, Some(Arc::clone(&meeting)), now));
        meeting
    }

    /// Checks a meeting against every rule, listing every problem; derives its zone when asked.
    fn validate_meeting(
        &self,
        conn: &mut AnyConnection,
        directory: &Directory,
        write: MeetingWrite,
        except: Option<MeetingId>,
    ) -> Result<MeetingData, ServiceError> {
        let MeetingWrite { mut data, derive_zone, problems: mut errors } = write;
        data.normalize();
        // A field that did not decode holds a stand-in: report its decoding problem, not the stand-in's.
        let decoded = |errors: &FieldErrors, field: &str| !errors.keys().any(|k| field.starts_with(k.as_str()));
        for (field, message) in data.problems() {
            if decoded(&errors, &field) {
                push_error(&mut errors, field, message);
            }
        }
        if decoded(&errors, "fellowship") && directory.fellowship(&data.fellowship).is_none() {
            push_error(&mut errors, "fellowship", format!("`{}` is not a known fellowship", data.fellowship));
        }
        let body = directory.service_body(data.service_body_id);
        if body.is_none() && decoded(&errors, "service_body_id") {
            push_error(&mut errors, "service_body_id", format!("there is no service body {}", data.service_body_id));
        }
        for code in data.types.iter().filter(|c| self.vocabulary().get(c).is_none()) {
            push_error(&mut errors, "types", self.vocabulary().explain_unknown(code.as_str()));
        }
        if derive_zone
            && decoded(&errors, "location")
            && let Some(schedule) = data.schedule.as_mut()
        {
            let at_point = data.location.as_ref().and_then(|l| l.coordinates).and_then(|c| self.zones().zone_at(c));
            match at_point.or_else(|| body.map(|b| b.data.time_zone)) {
                Some(zone) => {
                    schedule.time_zone = zone;
                    schedule.time_zone_derived = true;
                }
                None => push_error(&mut errors, "schedule.time_zone", "give an IANA zone; none can be derived"),
            }
        }
        if decoded(&errors, "slug") && writes::slug_taken(conn, data.service_body_id, &data.slug, except)? {
            push_error(&mut errors, "slug", format!("`{}` is already used in this service body", data.slug));
        }
        if let Some(external) = data.external_id.as_deref().filter(|_| decoded(&errors, "external_id"))
            && writes::external_id_taken(conn, data.service_body_id, external, except)?
        {
            push_error(&mut errors, "external_id", format!("`{external}` is already used in this service body"));
        }
        if errors.is_empty() { Ok(data) } else { Err(ServiceError::Invalid(errors)) }
    }

    pub(crate) fn zones(&self) -> &crate::domain::zones::ZoneFinder {
        self.zones.get_or_init(crate::domain::zones::ZoneFinder::new)
    }
}

fn live_meeting_in_scope(
    conn: &mut AnyConnection,
    caller: &Caller,
    directory: &Directory,
    id: MeetingId,
) -> Result<Meeting, ServiceError> {
    match stored_meeting(conn, caller, directory, id, Right::Publish)? {
        (m, None) => Ok(m),
        (_, Some(_)) => Err(ServiceError::NotFound(format!("meeting {id} is deleted; POST …/restore brings it back"))),
    }
}

/// The meeting as change `seq` left it.
fn recorded_state(conn: &mut AnyConnection, id: MeetingId, seq: i64) -> Result<MeetingData, ServiceError> {
    let change = change_log::get(conn, seq)?
        .filter(|c| c.entity_kind == EntityKind::Meeting.name() && c.entity_id == id.to_string())
        .ok_or_else(|| ServiceError::invalid("seq", format!("change {seq} is not a change of meeting {id}")))?;
    let after = change.after_json.ok_or_else(|| {
        ServiceError::invalid("seq", format!("change {seq} deleted the meeting; pick an earlier one"))
    })?;
    let meeting: Meeting =
        serde_json::from_str(&after).map_err(|e| ServiceError::Task(format!("change {seq} does not parse: {e}")))?;
    Ok(meeting.data)
}
