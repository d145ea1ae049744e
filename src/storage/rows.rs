//! Fellowship and service body rows and their exhaustive conversion, and the helpers every row
//! module shares: list-valued fields are JSON text so one schema serves both backends.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StorageError;
use super::schema::{fellowships, service_bodies};
use crate::domain::ids::ServiceBodyId;
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData, ServiceBodyKind};

/// Serializes a value stored as JSON text.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(super) fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

pub(super) fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StorageError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

pub(super) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
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
    #[diesel(embed)]
    pub fields: NewServiceBodyRow,
    pub deleted_at: Option<NaiveDateTime>,
}

/// The insertable part of a `service_bodies` row.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
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
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_id: Option<String>,
}

impl NewServiceBodyRow {
    /// The row for a service body at a version.
    pub fn new(data: &ServiceBodyData, created_at: DateTime<Utc>, updated_at: DateTime<Utc>, version: i64) -> Self {
        let ServiceBodyData {
            name,
            kind,
            parent_id,
            fellowship,
            time_zone,
            website,
            email,
            phone,
            contact,
            external_id,
        } = data;
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
            email: email.clone(),
            phone: phone.clone(),
            external_id: external_id.clone(),
        }
    }
}

impl ServiceBodyRow {
    /// The domain service body.
    pub fn into_domain(self) -> Result<ServiceBody, StorageError> {
        let Self { id, fields, deleted_at: _ } = self;
        let NewServiceBodyRow {
            parent_id,
            name,
            kind,
            fellowship,
            time_zone,
            website,
            contact,
            created_at,
            updated_at,
            version,
            email,
            phone,
            external_id,
        } = fields;
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
                email,
                phone,
                contact: contact.map(|c| from_json("service_bodies.contact", &c)).transpose()?,
                external_id,
            },
            created_at: utc(created_at),
            updated_at: utc(updated_at),
            version,
        })
    }
}
