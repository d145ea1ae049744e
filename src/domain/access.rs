//! Who may do what: API key roles and the service-body scope of a key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::directory::Directory;
use super::ids::{InvalidValue, ServiceBodyId};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including service bodies, fellowships and keys.
    Admin,
    /// Create, edit and delete meetings of its service body and its descendants.
    Publisher,
    /// Read the private fields of its service body and its descendants.
    Observer,
}

impl Role {
    /// Every role, in wire order.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Publisher, Role::Observer];

    /// The snake_case name used on the wire and in storage.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Publisher => "publisher",
            Role::Observer => "observer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| InvalidValue(format!("`{s}` is not one of admin, publisher, observer")))
    }
}

/// What a key to issue is.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its service body (none for admins).
    pub service_body_id: Option<ServiceBodyId>,
    /// When it expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A stored API key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Its id (also the public part of its token).
    pub id: i64,
    /// What it is called; recorded as the actor of its changes.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// For publishers and observers: the service body (with descendants) it acts for.
    pub service_body_id: Option<ServiceBodyId>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// After this it no longer authenticates.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// True when the key may authenticate at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| now < t)
    }
}

/// The caller of a request: anonymous, or the key it authenticated with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Caller {
    /// No key: the public.
    #[default]
    Public,
    /// A valid key.
    Key(ApiKey),
    /// The command line on the server itself: an admin without a key (actor `cli`).
    Operator,
}

impl Caller {
    /// True for admin keys.
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Operator) || matches!(self, Caller::Key(k) if k.role == Role::Admin)
    }

    fn reaches(&self, directory: &Directory, body: ServiceBodyId, roles: &[Role]) -> bool {
        match self {
            Caller::Public => false,
            Caller::Operator => true,
            Caller::Key(key) if key.role == Role::Admin => true,
            Caller::Key(key) => {
                roles.contains(&key.role) && key.service_body_id.is_some_and(|root| directory.is_within(body, root))
            }
        }
    }

    /// May see private fields and unpublished meetings of `body`.
    pub fn may_read_private(&self, directory: &Directory, body: ServiceBodyId) -> bool {
        self.reaches(directory, body, &[Role::Publisher, Role::Observer])
    }

    /// May create, edit and delete meetings of `body`.
    pub fn may_publish(&self, directory: &Directory, body: ServiceBodyId) -> bool {
        self.reaches(directory, body, &[Role::Publisher])
    }

    /// The name recorded as the actor of this caller's changes.
    pub fn actor(&self) -> &str {
        match self {
            Caller::Public => "public",
            Caller::Operator => "cli",
            Caller::Key(key) => &key.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::domain::directory_tests::body;

    fn key(role: Role, body: Option<i64>) -> Caller {
        Caller::Key(ApiKey {
            id: 1,
            name: "k".into(),
            role,
            service_body_id: body.map(|b| ServiceBodyId::new(b).unwrap()),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        })
    }

    #[test]
    fn scope_is_the_key_body_and_everything_below_it() {
        // 1 ─ 2 ─ 3, and 4 on its own.
        let bodies = vec![body(1, None), body(2, Some(1)), body(3, Some(2)), body(4, None)];
        let d = Directory::new(vec![], bodies, vec![], Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let at = |b: i64| ServiceBodyId::new(b).unwrap();
        let publisher = key(Role::Publisher, Some(2));
        let observer = key(Role::Observer, Some(2));
        let admin = key(Role::Admin, None);
        for (b, inside) in [(1, false), (2, true), (3, true), (4, false), (99, false)] {
            assert_eq!(publisher.may_publish(&d, at(b)), inside, "publisher on {b}");
            assert_eq!(publisher.may_read_private(&d, at(b)), inside, "publisher reads {b}");
            assert_eq!(observer.may_read_private(&d, at(b)), inside, "observer reads {b}");
            assert!(!observer.may_publish(&d, at(b)), "observers never publish");
            assert!(admin.may_publish(&d, at(b)) && Caller::Operator.may_publish(&d, at(b)));
            assert!(!Caller::Public.may_publish(&d, at(b)) && !Caller::Public.may_read_private(&d, at(b)));
        }
        assert!(admin.is_admin() && Caller::Operator.is_admin() && !publisher.is_admin());
        assert_eq!((publisher.actor(), Caller::Operator.actor()), ("k", "cli"));
    }

    #[test]
    fn keys_stop_working_when_revoked_or_expired() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let Caller::Key(mut k) = key(Role::Admin, None) else { unreachable!() };
        assert!(k.is_usable(now));
        k.expires_at = Some(now);
        assert!(!k.is_usable(now), "expiry is exclusive");
        k.expires_at = Some(now + chrono::Duration::seconds(1));
        assert!(k.is_usable(now));
        k.revoked_at = Some(now);
        assert!(!k.is_usable(now));
    }
}
