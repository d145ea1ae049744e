//! Reads and writes of single records for the publishing use cases, deleted records included.
//! The service layer calls these inside its write transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::meeting_rows::{LocationRow, MeetingRow, MeetingRows, OnlineRow, meeting_from_rows};
use super::rows::{FellowshipRow, NewServiceBodyRow, ServiceBodyRow};
use super::schema::{fellowships, meeting_locations, meeting_online, meetings, service_bodies};
use super::{AnyConnection, StorageError};
use crate::domain::ids::{FellowshipCode, MeetingId, ServiceBodyId, Slug};
use crate::domain::meeting::Meeting;
use crate::domain::service_body::{Fellowship, ServiceBody};

/// A stored record and when it was soft-deleted, if it was.
pub type Stored<T> = (T, Option<DateTime<Utc>>);

/// One meeting, deleted or not.
pub fn find_meeting(conn: &mut AnyConnection, id: MeetingId) -> Result<Option<Stored<Meeting>>, StorageError> {
    let Some(row) = meetings::table.find(id.get()).select(MeetingRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let deleted_at = row.fields.deleted_at.map(|t| t.and_utc());
    let location = meeting_locations::table.find(id.get()).select(LocationRow::as_select()).first(conn).optional()?;
    let online = meeting_online::table.find(id.get()).select(OnlineRow::as_select()).first(conn).optional()?;
    Ok(Some((meeting_from_rows(row, location, online)?, deleted_at)))
}

/// Replaces a stored meeting's fields, location and online access with `meeting`'s.
pub fn update_meeting(
    conn: &mut AnyConnection,
    meeting: &Meeting,
    deleted_at: Option<DateTime<Utc>>,
) -> Result<(), StorageError> {
    let id = meeting.id.get();
    let mut rows = MeetingRows::new(&meeting.data, meeting.created_at, meeting.updated_at, meeting.version).with_id(id);
    rows.meeting.deleted_at = deleted_at.map(|t| t.naive_utc());
    diesel::update(meetings::table.find(id)).set(&rows.meeting).execute(conn)?;
    diesel::delete(meeting_locations::table.find(id)).execute(conn)?;
    diesel::delete(meeting_online::table.find(id)).execute(conn)?;
    if let Some(location) = &rows.location {
        diesel::insert_into(meeting_locations::table).values(location).execute(conn)?;
    }
    if let Some(online) = &rows.online {
        diesel::insert_into(meeting_online::table).values(online).execute(conn)?;
    }
    Ok(())
}

/// True when a live meeting other than `except` uses the slug in the service body.
pub fn slug_taken(
    conn: &mut AnyConnection,
    body: ServiceBodyId,
    slug: &Slug,
    except: Option<MeetingId>,
) -> Result<bool, StorageError> {
    let count: i64 = meetings::table
        .filter(meetings::service_body_id.eq(body.get()))
        .filter(meetings::slug.eq(slug.as_str()))
        .filter(meetings::deleted_at.is_null())
        .filter(meetings::id.ne(except.map_or(0, MeetingId::get)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// True when a live meeting other than `except` has this `external_id` in the service body.
pub fn external_id_taken(
    conn: &mut AnyConnection,
    body: ServiceBodyId,
    external_id: &str,
    except: Option<MeetingId>,
) -> Result<bool, StorageError> {
    let count: i64 = meetings::table
        .filter(meetings::service_body_id.eq(body.get()))
        .filter(meetings::external_id.eq(external_id))
        .filter(meetings::deleted_at.is_null())
        .filter(meetings::id.ne(except.map_or(0, MeetingId::get)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// One service body, deleted or not.
pub fn find_service_body(
    conn: &mut AnyConnection,
    id: ServiceBodyId,
) -> Result<Option<Stored<ServiceBody>>, StorageError> {
    let row: Option<ServiceBodyRow> =
        service_bodies::table.find(id.get()).select(ServiceBodyRow::as_select()).first(conn).optional()?;
    row.map(|r| {
        let deleted_at = r.deleted_at.map(|t| t.and_utc());
        r.into_domain().map(|b| (b, deleted_at))
    })
    .transpose()
}

/// Replaces a stored service body's fields.
pub fn update_service_body(
    conn: &mut AnyConnection,
    body: &ServiceBody,
    deleted_at: Option<DateTime<Utc>>,
) -> Result<(), StorageError> {
    let row = NewServiceBodyRow::new(&body.data, body.created_at, body.updated_at, body.version);
    let deleted: Option<NaiveDateTime> = deleted_at.map(|t| t.naive_utc());
    diesel::update(service_bodies::table.find(body.id.get()))
        .set((&row, service_bodies::deleted_at.eq(deleted)))
        .execute(conn)?;
    Ok(())
}

/// How many live meetings and live child bodies a service body has.
pub fn dependents(conn: &mut AnyConnection, id: ServiceBodyId) -> Result<(i64, i64), StorageError> {
    let meetings: i64 = meetings::table
        .filter(meetings::service_body_id.eq(id.get()))
        .filter(meetings::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let children: i64 = service_bodies::table
        .filter(service_bodies::parent_id.eq(id.get()))
        .filter(service_bodies::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((meetings, children))
}

/// One fellowship.
pub fn find_fellowship(conn: &mut AnyConnection, code: &FellowshipCode) -> Result<Option<Fellowship>, StorageError> {
    fellowships::table
        .find(code.as_str())
        .select(FellowshipRow::as_select())
        .first(conn)
        .optional()?
        .map(FellowshipRow::into_domain)
        .transpose()
}

/// Replaces a fellowship's name and website.
pub fn update_fellowship(conn: &mut AnyConnection, f: &Fellowship, at: DateTime<Utc>) -> Result<(), StorageError> {
    diesel::update(fellowships::table.find(f.code.as_str()))
        .set((
            fellowships::name.eq(&f.name),
            fellowships::website.eq(&f.website),
            fellowships::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live meetings of some service bodies (not of their other descendants), by id.
pub fn live_meetings_in_bodies(
    conn: &mut AnyConnection,
    bodies: &[ServiceBodyId],
) -> Result<Vec<Meeting>, StorageError> {
    let bodies: Vec<i64> = bodies.iter().map(|b| b.get()).collect();
    let ids = || {
        meetings::table
            .filter(meetings::service_body_id.eq_any(&bodies))
            .filter(meetings::deleted_at.is_null())
            .select(meetings::id)
    };
    let rows: Vec<MeetingRow> = meetings::table
        .filter(meetings::service_body_id.eq_any(&bodies))
        .filter(meetings::deleted_at.is_null())
        .order(meetings::id)
        .select(MeetingRow::as_select())
        .load(conn)?;
    let mut locations: std::collections::HashMap<i64, LocationRow> = meeting_locations::table
        .filter(meeting_locations::meeting_id.eq_any(ids()))
        .select(LocationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|l: LocationRow| (l.meeting_id, l))
        .collect();
    let mut online: std::collections::HashMap<i64, OnlineRow> = meeting_online::table
        .filter(meeting_online::meeting_id.eq_any(ids()))
        .select(OnlineRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|o: OnlineRow| (o.meeting_id, o))
        .collect();
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            meeting_from_rows(row, locations.remove(&id), online.remove(&id))
        })
        .collect()
}
