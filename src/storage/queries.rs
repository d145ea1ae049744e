//! Loading the whole directory and inserting its records.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::meeting_rows::{LocationRow, MeetingRow, MeetingRows, OnlineRow, meeting_from_rows};
use super::rows::{FellowshipRow, NewServiceBodyRow, ServiceBodyRow};
use super::schema::{fellowships, meeting_locations, meeting_online, meetings, service_bodies};
use super::{AnyConnection, StorageError};
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::{Meeting, MeetingData};
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData};

/// Everything live in the database.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Fellowships by code.
    pub fellowships: Vec<Fellowship>,
    /// Live service bodies by id.
    pub service_bodies: Vec<ServiceBody>,
    /// Live meetings by id.
    pub meetings: Vec<Meeting>,
}

/// Reads every live fellowship, service body and meeting.
pub fn load_records(conn: &mut AnyConnection) -> Result<Records, StorageError> {
    let (fellowships, service_bodies) = load_catalog(conn)?;
    Ok(Records { fellowships, service_bodies, meetings: load_meetings(conn)? })
}

/// Reads every fellowship and live service body.
pub fn load_catalog(conn: &mut AnyConnection) -> Result<(Vec<Fellowship>, Vec<ServiceBody>), StorageError> {
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
    Ok((fellowships, bodies))
}

/// Meetings are read in id-ordered chunks, each converted before the next is read, so that the
/// rows of a million meetings never sit in memory beside their domain copies.
const LOAD_CHUNK: i64 = 20_000;

type Chunk = (Vec<MeetingRow>, HashMap<i64, LocationRow>, HashMap<i64, OnlineRow>);

fn load_meetings(conn: &mut AnyConnection) -> Result<Vec<Meeting>, StorageError> {
    // One thread reads chunks while another converts the previous one.
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Chunk>(2);
        let converter = scope.spawn(move || {
            let mut out = Vec::new();
            for (rows, mut locations, mut online) in receiver {
                for row in rows {
                    let id = row.id;
                    out.push(meeting_from_rows(row, locations.remove(&id), online.remove(&id))?);
                }
            }
            Ok::<_, StorageError>(out)
        });
        let mut after = 0i64;
        while let Some(chunk) = read_chunk(conn, after)? {
            after = chunk.0.last().map_or(after, |r| r.id);
            if sender.send(chunk).is_err() {
                break;
            }
        }
        drop(sender);
        converter.join().map_err(|_| StorageError::Corrupt("the loader thread panicked".into()))?
    })
}

fn read_chunk(conn: &mut AnyConnection, after: i64) -> Result<Option<Chunk>, StorageError> {
    let rows: Vec<MeetingRow> = meetings::table
        .filter(meetings::deleted_at.is_null())
        .filter(meetings::id.gt(after))
        .order(meetings::id)
        .limit(LOAD_CHUNK)
        .select(MeetingRow::as_select())
        .load(conn)?;
    let Some(last) = rows.last().map(|r| r.id) else { return Ok(None) };
    let locations = meeting_locations::table
        .filter(meeting_locations::meeting_id.gt(after).and(meeting_locations::meeting_id.le(last)))
        .select(LocationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|l: LocationRow| (l.meeting_id, l))
        .collect();
    let online = meeting_online::table
        .filter(meeting_online::meeting_id.gt(after).and(meeting_online::meeting_id.le(last)))
        .select(OnlineRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|o: OnlineRow| (o.meeting_id, o))
        .collect();
    Ok(Some((rows, locations, online)))
}

/// The live state of each of `ids`: the meeting, or `None` when it is deleted or was never stored.
/// A follower applies these; ids are read in chunks so that a long catch-up stays within the
/// backends' limits on bound parameters.
pub fn live_meetings(
    conn: &mut AnyConnection,
    ids: &[MeetingId],
) -> Result<Vec<(MeetingId, Option<Meeting>)>, StorageError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let wanted: Vec<i64> = chunk.iter().map(|id| id.get()).collect();
        let rows: Vec<MeetingRow> = meetings::table
            .filter(meetings::id.eq_any(&wanted))
            .filter(meetings::deleted_at.is_null())
            .select(MeetingRow::as_select())
            .load(conn)?;
        let mut locations: HashMap<i64, LocationRow> = meeting_locations::table
            .filter(meeting_locations::meeting_id.eq_any(&wanted))
            .select(LocationRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|l: LocationRow| (l.meeting_id, l))
            .collect();
        let mut online: HashMap<i64, OnlineRow> = meeting_online::table
            .filter(meeting_online::meeting_id.eq_any(&wanted))
            .select(OnlineRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|o: OnlineRow| (o.meeting_id, o))
            .collect();
        let mut live: HashMap<i64, Meeting> = HashMap::with_capacity(rows.len());
        for row in rows {
            let id = row.id;
            live.insert(id, meeting_from_rows(row, locations.remove(&id), online.remove(&id))?);
        }
        out.extend(chunk.iter().map(|id| (*id, live.remove(&id.get()))));
    }
    Ok(out)
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
