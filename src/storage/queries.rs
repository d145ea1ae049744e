//! Loading the whole directory and inserting its records.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::rows::{
    FellowshipRow, LocationRow, MeetingRow, MeetingRows, NewServiceBodyRow, OnlineRow, ServiceBodyRow,
    meeting_from_rows,
};
use super::schema::{fellowships, meeting_locations, meeting_online, meetings, service_bodies};
use super::{AnyConnection, StorageError};
use crate::domain::directory::Directory;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::{Meeting, MeetingData};
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData};

/// Reads every live fellowship, service body and meeting into a directory snapshot indexed around `now`.
pub fn load_directory(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Directory, StorageError> {
    let fellowships = fellowships::table
        .order(fellowships::code)
        .select(FellowshipRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FellowshipRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    let bodies = service_bodies::table
        .filter(service_bodies::deleted_at.is_null())
        .order(service_bodies::id)
        .select(ServiceBodyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ServiceBodyRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Directory::new(fellowships, bodies, load_meetings(conn)?, now))
}

fn load_meetings(conn: &mut AnyConnection) -> Result<Vec<Meeting>, StorageError> {
    let rows: Vec<MeetingRow> = meetings::table
        .filter(meetings::deleted_at.is_null())
        .order(meetings::id)
        .select(MeetingRow::as_select())
        .load(conn)?;
    let mut locations: HashMap<i64, LocationRow> = meeting_locations::table
        .select(LocationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|l| (l.meeting_id, l))
        .collect();
    let mut online: HashMap<i64, OnlineRow> = meeting_online::table
        .select(OnlineRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|o| (o.meeting_id, o))
        .collect();
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            meeting_from_rows(row, locations.remove(&id), online.remove(&id))
        })
        .collect()
}

/// True when the directory holds no fellowship, service body or meeting.
pub fn is_empty(conn: &mut AnyConnection) -> Result<bool, StorageError> {
    let f: i64 = fellowships::table.count().get_result(conn)?;
    let s: i64 = service_bodies::table.count().get_result(conn)?;
    let m: i64 = meetings::table.count().get_result(conn)?;
    Ok(f + s + m == 0)
}

/// Inserts a fellowship.
pub fn insert_fellowship(conn: &mut AnyConnection, f: &Fellowship, at: DateTime<Utc>) -> Result<(), StorageError> {
    diesel::insert_into(fellowships::table).values(&FellowshipRow::new(f, at)).execute(conn)?;
    Ok(())
}

/// Inserts a service body, returning it with its new id.
pub fn insert_service_body(
    conn: &mut AnyConnection,
    data: &ServiceBodyData,
    at: DateTime<Utc>,
) -> Result<ServiceBody, StorageError> {
    let id: i64 = diesel::insert_into(service_bodies::table)
        .values(&NewServiceBodyRow::new(data, at, at, 1))
        .returning(service_bodies::id)
        .get_result(conn)?;
    let id = ServiceBodyId::new(id).map_err(|e| StorageError::Corrupt(e.0))?;
    Ok(ServiceBody { id, data: data.clone(), created_at: at, updated_at: at, version: 1 })
}

/// Inserts a meeting and its location and online rows, returning it with its new id.
pub fn insert_meeting(
    conn: &mut AnyConnection,
    data: &MeetingData,
    at: DateTime<Utc>,
) -> Result<Meeting, StorageError> {
    let rows = MeetingRows::new(data, at, at, 1);
    let id: i64 =
        diesel::insert_into(meetings::table).values(&rows.meeting).returning(meetings::id).get_result(conn)?;
    let rows = rows.with_id(id);
    if let Some(location) = &rows.location {
        diesel::insert_into(meeting_locations::table).values(location).execute(conn)?;
    }
    if let Some(online) = &rows.online {
        diesel::insert_into(meeting_online::table).values(online).execute(conn)?;
    }
    let id = MeetingId::new(id).map_err(|e| StorageError::Corrupt(e.0))?;
    Ok(Meeting { id, data: data.clone(), created_at: at, updated_at: at, version: 1 })
}
