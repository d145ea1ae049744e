//! API keys: issuing tokens (shown once, stored as SHA-256), authenticating requests with a
//! constant-time comparison, slowing down addresses that keep failing, and managing keys.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Lantern;
use super::error::ServiceError;
use super::guard::require_admin;
use crate::domain::access::NewKey;
use crate::domain::access::{ApiKey, Caller, Role};
use crate::storage::change_log::{self, ChangeKind};
use crate::storage::keys;
use crate::storage::writes;

/// Every token starts with this, then the key id, `_`, and 64 hex digits (256 random bits).
pub const TOKEN_PREFIX: &str = "lantern_";

/// Failed authentications an address may make within `FAILURE_WINDOW_SECS` before it gets 429,
/// unless configured otherwise (`--max-failed-auth`).
pub const MAX_FAILURES: u32 = 5;
/// The window failures are counted in, and how long an address waits once over the limit.
pub const FAILURE_WINDOW_SECS: i64 = 60;

/// A key and the token that authenticates as it; the token is never stored or shown again.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The key.
    pub key: ApiKey,
    /// `lantern_<id>_<secret>`.
    pub token: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn new_token(id: i64) -> Result<String, ServiceError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| ServiceError::Task(format!("no randomness: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{id}_{}", hex(&secret)))
}

/// The key id a token names, when it has the shape of a token.
fn token_id(token: &str) -> Option<i64> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    (secret.len() == 64).then_some(())?;
    id.parse().ok()
}

/// Failed authentications per address in the current window, and how many an address may make.
#[derive(Debug)]
pub struct FailedAuth {
    limit: u32,
    counts: Mutex<HashMap<IpAddr, (u32, DateTime<Utc>)>>,
}

impl Default for FailedAuth {
    fn default() -> Self {
        Self::new(MAX_FAILURES)
    }
}

impl FailedAuth {
    /// Allows `limit` failures per address per window.
    pub fn new(limit: u32) -> Self {
        Self { limit, counts: Mutex::default() }
    }

    /// Seconds the address must wait, when it has failed too often.
    fn wait(&self, peer: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let map = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, since) = map.get(&peer)?;
        let ends = *since + Duration::seconds(FAILURE_WINDOW_SECS);
        (*count >= self.limit && now < ends).then(|| u64::try_from((ends - now).num_seconds().max(1)).unwrap_or(1))
    }

    fn record(&self, peer: IpAddr, now: DateTime<Utc>) {
        let mut map = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = Duration::seconds(FAILURE_WINDOW_SECS);
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since < window);
        }
        let entry = map.entry(peer).or_insert((0, now));
        if now - entry.1 >= window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

impl Lantern {
    /// The key a bearer token names. A valid key is always accepted; a token that names no usable
    /// key is 401, or 429 once its address has sent too many of them (only failures are throttled,
    /// so that one client's typo behind a shared proxy address locks nobody out). Blocking.
    pub fn authenticate(&self, token: &str, peer: Option<IpAddr>) -> Result<Caller, ServiceError> {
        let now = self.clock().now();
        if let Some(key) = self.key_for_token(token, now)? {
            return Ok(Caller::Key(key));
        }
        if let Some(peer) = peer {
            if let Some(retry_after_secs) = self.failed_auth.wait(peer, now) {
                return Err(ServiceError::TooManyAttempts { retry_after_secs });
            }
            self.failed_auth.record(peer, now);
        }
        Err(ServiceError::Unauthorized("the API key is unknown, revoked or expired".into()))
    }

    fn key_for_token(&self, token: &str, now: DateTime<Utc>) -> Result<Option<ApiKey>, ServiceError> {
        let Some(id) = token_id(token) else { return Ok(None) };
        let mut conn = self.database().conn()?;
        let Some((key, stored)) = keys::find(&mut conn, id)? else { return Ok(None) };
        let matches: bool = hash(token).as_bytes().ct_eq(stored.as_bytes()).into();
        if !matches || !key.is_usable(now) {
            return Ok(None);
        }
        // Recorded to the minute: one write per key per minute, not one per request.
        // Best effort: a database that takes no writes now (read-only, full, locked past the wait)
        // must not refuse the key's reads; the next minute's request records it.
        if key.last_used_at.is_none_or(|t| now - t >= Duration::minutes(1))
            && let Err(e) = keys::touch(&mut conn, id, now)
        {
            tracing::warn!(key = id, error = %e, "cannot record a key's last use");
        }
        Ok(Some(key))
    }

    /// Issues a key; admins only. Returns the token, which is shown this once.
    pub fn create_key(&self, caller: &Caller, new: NewKey) -> Result<IssuedKey, ServiceError> {
        require_admin(caller)?;
        match (new.role, new.service_body_id) {
            (Role::Admin, Some(_)) => {
                return Err(ServiceError::invalid("service_body_id", "admin keys have no service body"));
            }
            (Role::Publisher | Role::Observer, None) => {
                return Err(ServiceError::invalid(
                    "service_body_id",
                    "publisher and observer keys need a service body",
                ));
            }
            _ => {}
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid("name", "must have 1 to 100 characters"));
        }
        let now = self.clock().now();
        self.write(|conn| {
            // Checked in the database, not the snapshot: `lantern keys` runs without one.
            if let Some(body) = new.service_body_id
                && !matches!(writes::find_service_body(conn, body)?, Some((_, None)))
            {
                return Err(ServiceError::invalid("service_body_id", format!("there is no service body {body}")));
            }
            let key = keys::insert(conn, &NewKey { name: name.to_owned(), ..new }, now)?;
            let token = new_token(key.id)?;
            keys::set_token_hash(conn, key.id, &hash(&token))?;
            change_log::record(conn, caller.actor(), ChangeKind::Create, None, Some(&key), now)?;
            Ok(IssuedKey { key, token })
        })
    }

    /// Every key (never their tokens); admins only.
    pub fn list_keys(&self, caller: &Caller) -> Result<Vec<ApiKey>, ServiceError> {
        require_admin(caller)?;
        let mut conn = self.database().conn()?;
        Ok(keys::list(&mut conn)?)
    }

    /// Revokes a key at once; admins only.
    pub fn revoke_key(&self, caller: &Caller, id: i64) -> Result<ApiKey, ServiceError> {
        require_admin(caller)?;
        let now = self.clock().now();
        self.write(|conn| {
            let (before, _) =
                keys::find(conn, id)?.ok_or_else(|| ServiceError::NotFound(format!("there is no key {id}")))?;
            if before.revoked_at.is_some() {
                return Ok(before);
            }
            keys::revoke(conn, id, now)?;
            let after = ApiKey { revoked_at: Some(now), ..before.clone() };
            change_log::record(conn, caller.actor(), ChangeKind::Delete, Some(&before), Some(&after), now)?;
            Ok(after)
        })
    }

    /// Gives a key a new token; the old one stops working at once. Admins only.
    pub fn rotate_key(&self, caller: &Caller, id: i64) -> Result<IssuedKey, ServiceError> {
        require_admin(caller)?;
        let now = self.clock().now();
        self.write(|conn| {
            let (key, _) =
                keys::find(conn, id)?.ok_or_else(|| ServiceError::NotFound(format!("there is no key {id}")))?;
            if key.revoked_at.is_some() {
                return Err(ServiceError::Conflict(format!("key {id} is revoked; create a new one")));
            }
            let token = new_token(id)?;
            keys::set_token_hash(conn, id, &hash(&token))?;
            change_log::record(conn, caller.actor(), ChangeKind::Update, Some(&key), Some(&key), now)?;
            Ok(IssuedKey { key, token })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_key_and_hash_to_64_hex_digits() {
        let token = new_token(42).unwrap();
        assert_eq!(token_id(&token), Some(42));
        assert_eq!(token.len(), TOKEN_PREFIX.len() + 3 + 64);
        assert_ne!(new_token(42).unwrap(), token, "secrets are random");
        let h = hash(&token);
        assert_eq!(h.len(), 64);
        assert_ne!(h, hash(&new_token(42).unwrap()));
        for bad in ["", "lantern_", "lantern_42", "lantern_x_00", "Bearer lantern_42_00", "other_42_abc"] {
            assert_eq!(token_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_address_waits_after_too_many_failures_and_only_until_the_window_ends() {
        let failed = FailedAuth::default();
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z").unwrap().with_timezone(&Utc);
        for _ in 0..MAX_FAILURES - 1 {
            failed.record(peer, t0);
        }
        assert_eq!(failed.wait(peer, t0), None, "under the limit");
        failed.record(peer, t0);
        assert_eq!(failed.wait(peer, t0 + Duration::seconds(15)), Some(45));
        assert_eq!(failed.wait("192.0.2.8".parse().unwrap(), t0), None, "other addresses are not slowed");
        assert_eq!(failed.wait(peer, t0 + Duration::seconds(60)), None, "the window is over");
    }
}
