//! API key rows: only the SHA-256 of a token is stored, never the token.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::rows::{parse, utc};
use super::schema::api_keys;
use super::{AnyConnection, StorageError};
use crate::domain::access::{ApiKey, NewKey, Role};
use crate::domain::ids::ServiceBodyId;

/// A row of `api_keys`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub(crate) struct KeyRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub service_body_id: Option<i64>,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl KeyRow {
    /// The key and its stored token hash.
    pub fn into_domain(self) -> Result<(ApiKey, String), StorageError> {
        let Self { id, name, role, service_body_id, token_hash, created_at, expires_at, last_used_at, revoked_at } =
            self;
        let key = ApiKey {
            id,
            name,
            role: parse::<Role>("api_keys.role", &role)?,
            service_body_id: service_body_id
                .map(ServiceBodyId::new)
                .transpose()
                .map_err(|e| StorageError::Corrupt(format!("api_keys {id}: {}", e.0)))?,
            created_at: utc(created_at),
            expires_at: expires_at.map(utc),
            last_used_at: last_used_at.map(utc),
            revoked_at: revoked_at.map(utc),
        };
        Ok((key, token_hash))
    }
}

#[derive(Insertable)]
#[diesel(table_name = api_keys)]
struct NewKeyRow<'a> {
    name: &'a str,
    role: &'static str,
    service_body_id: Option<i64>,
    token_hash: &'a str,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
}

/// Inserts a key with a placeholder hash, returning it; the caller sets the real hash once the id
/// (part of the token) is known.
pub fn insert(conn: &mut AnyConnection, key: &NewKey, at: DateTime<Utc>) -> Result<ApiKey, StorageError> {
    let row = NewKeyRow {
        name: &key.name,
        role: key.role.name(),
        service_body_id: key.service_body_id.map(ServiceBodyId::get),
        token_hash: "",
        created_at: at.naive_utc(),
        expires_at: key.expires_at.map(|t| t.naive_utc()),
    };
    let id: i64 = diesel::insert_into(api_keys::table).values(&row).returning(api_keys::id).get_result(conn)?;
    Ok(ApiKey {
        id,
        name: key.name.clone(),
        role: key.role,
        service_body_id: key.service_body_id,
        created_at: at,
        expires_at: key.expires_at,
        last_used_at: None,
        revoked_at: None,
    })
}

/// One key and its token hash.
pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<(ApiKey, String)>, StorageError> {
    api_keys::table.find(id).select(KeyRow::as_select()).first(conn).optional()?.map(KeyRow::into_domain).transpose()
}

/// Every key, by id.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, StorageError> {
    let rows: Vec<KeyRow> = api_keys::table.order(api_keys::id).select(KeyRow::as_select()).load(conn)?;
    rows.into_iter().map(|r| r.into_domain().map(|(key, _)| key)).collect()
}

/// Replaces a key's token hash (creation and rotation).
pub fn set_token_hash(conn: &mut AnyConnection, id: i64, hash: &str) -> Result<(), StorageError> {
    diesel::update(api_keys::table.find(id)).set(api_keys::token_hash.eq(hash)).execute(conn)?;
    Ok(())
}

/// Marks a key revoked.
pub fn revoke(conn: &mut AnyConnection, id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
    diesel::update(api_keys::table.find(id)).set(api_keys::revoked_at.eq(Some(at.naive_utc()))).execute(conn)?;
    Ok(())
}

/// Records that a key authenticated a request.
pub fn touch(conn: &mut AnyConnection, id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
    diesel::update(api_keys::table.find(id)).set(api_keys::last_used_at.eq(Some(at.naive_utc()))).execute(conn)?;
    Ok(())
}
