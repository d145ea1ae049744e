//! Database rows and their exhaustive conversion to and from domain types; list-valued fields
//! are JSON text so one schema serves both backends.

// Row fields mirror the columns documented in the migrations.
#![allow(missing_docs)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StorageError;
use super::schema::{fellowships, meeting_locations, meeting_online, meetings, service_bodies};
use crate::domain::geo::Coordinates;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::{Attendance, Closures, Location, Meeting, MeetingData, OnlineAccess};
use crate::domain::schedule::Schedule;
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData, ServiceBodyKind};

/// Serializes a value stored as JSON text.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StorageError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A row of `fellowships`.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = fellowships)]
pub struct FellowshipRow {
    pub code: String,
    pub name: String,
    pub website: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl FellowshipRow {
    /// The row for a fellowship written at `at`.
    pub fn new(f: &Fellowship, at: DateTime<Utc>) -> Self {
        let Fellowship { code, name, website } = f;
        let at = at.naive_utc();
        Self { code: code.to_string(), name: name.clone(), website: website.clone(), created_at: at, updated_at: at }
    }

    /// The domain fellowship.
    pub fn into_domain(self) -> Result<Fellowship, StorageError> {
        let Self { code, name, website, created_at: _, updated_at: _ } = self;
        Ok(Fellowship { code: parse("fellowships.code", &code)?, name, website })
    }
}

/// A row of `service_bodies`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = service_bodies)]
pub struct ServiceBodyRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub fellowship: Option<String>,
    pub time_zone: String,
    pub website: Option<String>,
    pub contact: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
}

/// The insertable part of a `service_bodies` row.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = service_bodies, treat_none_as_null = true)]
pub struct NewServiceBodyRow {
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub fellowship: Option<String>,
    pub time_zone: String,
    pub website: Option<String>,
    pub contact: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl NewServiceBodyRow {
    /// The row for a service body at a version.
    pub fn new(data: &ServiceBodyData, created_at: DateTime<Utc>, updated_at: DateTime<Utc>, version: i64) -> Self {
        let ServiceBodyData { name, kind, parent_id, fellowship, time_zone, website, contact } = data;
        Self {
            parent_id: parent_id.map(ServiceBodyId::get),
            name: name.clone(),
            kind: kind.name().to_owned(),
            fellowship: fellowship.as_ref().map(ToString::to_string),
            time_zone: time_zone.name().to_owned(),
            website: website.clone(),
            contact: contact.as_ref().map(to_json),
            created_at: created_at.naive_utc(),
            updated_at: updated_at.naive_utc(),
            version,
        }
    }
}

impl ServiceBodyRow {
    /// The domain service body.
    pub fn into_domain(self) -> Result<ServiceBody, StorageError> {
        let Self {
            id,
            parent_id,
            name,
            kind,
            fellowship,
            time_zone,
            website,
            contact,
            created_at,
            updated_at,
            deleted_at: _,
            version,
        } = self;
        let corrupt = |what: &str| StorageError::Corrupt(format!("service_bodies {id}: {what}"));
        Ok(ServiceBody {
            id: ServiceBodyId::new(id).map_err(|e| corrupt(&e.0))?,
            data: ServiceBodyData {
                name,
                kind: ServiceBodyKind::from_name(&kind).ok_or_else(|| corrupt("kind"))?,
                parent_id: parent_id.map(ServiceBodyId::new).transpose().map_err(|e| corrupt(&e.0))?,
                fellowship: fellowship.map(|f| parse("service_bodies.fellowship", &f)).transpose()?,
                time_zone: parse("service_bodies.time_zone", &time_zone)?,
                website,
                contact: contact.map(|c| from_json("service_bodies.contact", &c)).transpose()?,
            },
            created_at: utc(created_at),
            updated_at: utc(updated_at),
            version,
        })
    }
}

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
