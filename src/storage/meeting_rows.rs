//! Meeting rows (`meetings`, `meeting_locations`, `meeting_online`) and their exhaustive
//! conversion to and from `Meeting`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::StorageError;
use super::rows::{from_json, parse, to_json, utc};
use super::schema::{meeting_locations, meeting_online, meetings};
use crate::domain::geo::Coordinates;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::{Attendance, Closures, Location, Meeting, MeetingData, OnlineAccess};
use crate::domain::schedule::Schedule;

/// A row of `meetings`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: i64,
    #[diesel(embed)]
    pub fields: NewMeetingRow,
}

/// The insertable part of a `meetings` row.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub struct NewMeetingRow {
    pub service_body_id: i64,
    pub fellowship: String,
    pub slug: String,
    pub name: String,
    pub external_id: Option<String>,
    pub attendance: String,
    pub days: Option<String>,
    pub start_time: Option<String>,
    pub duration_minutes: Option<i32>,
    pub time_zone: Option<String>,
    pub time_zone_derived: bool,
    pub weeks_of_month: String,
    pub types: String,
    pub languages: String,
    pub notes: Option<String>,
    pub group_name: Option<String>,
    pub website: Option<String>,
    pub closed_dates: String,
    pub suspended_until: Option<NaiveDate>,
    pub contacts: String,
    pub published: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
}

/// A row of `meeting_locations`.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meeting_locations, treat_none_as_null = true)]
pub struct LocationRow {
    pub meeting_id: i64,
    pub name: Option<String>,
    pub street_address: Option<String>,
    pub formatted_address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub approximate: bool,
    pub notes: Option<String>,
}

/// A row of `meeting_online`.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meeting_online, treat_none_as_null = true)]
pub struct OnlineRow {
    pub meeting_id: i64,
    pub conference_url: Option<String>,
    pub conference_phone: Option<String>,
    pub notes: Option<String>,
}

/// The rows that hold one meeting.
pub struct MeetingRows {
    pub meeting: NewMeetingRow,
    pub location: Option<LocationRow>,
    pub online: Option<OnlineRow>,
}

impl MeetingRows {
    /// Splits a meeting into its rows; `meeting_id` of the side rows is 0 until the id is known.
    pub fn new(data: &MeetingData, created_at: DateTime<Utc>, updated_at: DateTime<Utc>, version: i64) -> Self {
        let MeetingData {
            name,
            slug,
            fellowship,
            service_body_id,
            external_id,
            attendance,
            schedule,
            location,
            online,
            types,
            languages,
            notes,
            group_name,
            website,
            closures,
            contacts,
            published,
        } = data;
        let Closures { dates, suspended_until } = closures;
        let meeting = NewMeetingRow {
            service_body_id: service_body_id.get(),
            fellowship: fellowship.to_string(),
            slug: slug.to_string(),
            name: name.clone(),
            external_id: external_id.clone(),
            attendance: attendance.name().to_owned(),
            days: schedule.as_ref().map(|s| to_json(&s.days)),
            start_time: schedule.as_ref().map(|s| s.start_time.to_string()),
            duration_minutes: schedule.as_ref().map(|s| i32::from(s.duration_minutes)),
            time_zone: schedule.as_ref().map(|s| s.time_zone.name().to_owned()),
            time_zone_derived: schedule.as_ref().is_some_and(|s| s.time_zone_derived),
            weeks_of_month: to_json(schedule.as_ref().map_or(&[][..], |s| &s.weeks_of_month)),
            types: to_json(types),
            languages: to_json(languages),
            notes: notes.clone(),
            group_name: group_name.clone(),
            website: website.clone(),
            closed_dates: to_json(dates),
            suspended_until: *suspended_until,
            contacts: to_json(contacts),
            published: *published,
            created_at: created_at.naive_utc(),
            updated_at: updated_at.naive_utc(),
            deleted_at: None,
            version,
        };
        let location = location.as_ref().map(|l| {
            let Location { name, street_address, formatted_address, coordinates, approximate, notes } = l;
            LocationRow {
                meeting_id: 0,
                name: name.clone(),
                street_address: street_address.clone(),
                formatted_address: formatted_address.clone(),
                latitude: coordinates.map(Coordinates::latitude),
                longitude: coordinates.map(Coordinates::longitude),
                approximate: *approximate,
                notes: notes.clone(),
            }
        });
        let online = online.as_ref().map(|o| {
            let OnlineAccess { conference_url, conference_phone, notes } = o;
            OnlineRow {
                meeting_id: 0,
                conference_url: conference_url.clone(),
                conference_phone: conference_phone.clone(),
                notes: notes.clone(),
            }
        });
        Self { meeting, location, online }
    }

    /// Sets the meeting id on the side rows.
    pub fn with_id(mut self, id: i64) -> Self {
        if let Some(l) = &mut self.location {
            l.meeting_id = id;
        }
        if let Some(o) = &mut self.online {
            o.meeting_id = id;
        }
        self
    }
}

/// Reassembles a meeting from its rows.
pub fn meeting_from_rows(
    row: MeetingRow,
    location: Option<LocationRow>,
    online: Option<OnlineRow>,
) -> Result<Meeting, StorageError> {
    let MeetingRow { id, fields } = row;
    let NewMeetingRow {
        service_body_id,
        fellowship,
        slug,
        name,
        external_id,
        attendance,
        days,
        start_time,
        duration_minutes,
        time_zone,
        time_zone_derived,
        weeks_of_month,
        types,
        languages,
        notes,
        group_name,
        website,
        closed_dates,
        suspended_until,
        contacts,
        published,
        created_at,
        updated_at,
        deleted_at: _,
        version,
    } = fields;
    let corrupt = |what: String| StorageError::Corrupt(format!("meetings {id}: {what}"));
    let schedule = match (days, start_time, duration_minutes, time_zone) {
        (Some(days), Some(start), Some(duration), Some(zone)) => Some(Schedule {
            days: from_json("meetings.days", &days)?,
            start_time: parse("meetings.start_time", &start)?,
            duration_minutes: u16::try_from(duration).map_err(|e| corrupt(e.to_string()))?,
            time_zone: parse("meetings.time_zone", &zone)?,
            time_zone_derived,
            weeks_of_month: from_json("meetings.weeks_of_month", &weeks_of_month)?,
        }),
        (None, None, None, None) => None,
        _ => return Err(corrupt("partial schedule".into())),
    };
    let location = location.map(location_from_row).transpose()?;
    let online = online.map(|o| {
        let OnlineRow { meeting_id: _, conference_url, conference_phone, notes } = o;
        OnlineAccess { conference_url, conference_phone, notes }
    });
    Ok(Meeting {
        id: MeetingId::new(id).map_err(|e| corrupt(e.0))?,
        data: MeetingData {
            name,
            slug: parse("meetings.slug", &slug)?,
            fellowship: parse("meetings.fellowship", &fellowship)?,
            service_body_id: ServiceBodyId::new(service_body_id).map_err(|e| corrupt(e.0))?,
            external_id,
            attendance: Attendance::from_name(&attendance).ok_or_else(|| corrupt(attendance.clone()))?,
            schedule,
            location,
            online,
            types: from_json("meetings.types", &types)?,
            languages: from_json("meetings.languages", &languages)?,
            notes,
            group_name,
            website,
            closures: Closures { dates: from_json("meetings.closed_dates", &closed_dates)?, suspended_until },
            contacts: from_json("meetings.contacts", &contacts)?,
            published,
        },
        created_at: utc(created_at),
        updated_at: utc(updated_at),
        version,
    })
}

fn location_from_row(row: LocationRow) -> Result<Location, StorageError> {
    let LocationRow { meeting_id, name, street_address, formatted_address, latitude, longitude, approximate, notes } =
        row;
    let coordinates = match (latitude, longitude) {
        (Some(lat), Some(lon)) => Some(
            Coordinates::new(lat, lon)
                .map_err(|e| StorageError::Corrupt(format!("meeting_locations {meeting_id}: {e}")))?,
        ),
        _ => None,
    };
    Ok(Location { name, street_address, formatted_address, coordinates, approximate, notes })
}
