//! Fellowships and the tree of service bodies (regions, areas, intergroups) that publish meetings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{FellowshipCode, ServiceBodyId};
use super::meeting::Contact;
use super::schedule::TimeZone;

/// A 12-step fellowship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fellowship {
    /// Short code (`aa`, `na`, `al-anon`).
    pub code: FellowshipCode,
    /// Full name.
    pub name: String,
    /// Its world service web site.
    pub website: Option<String>,
}

/// What level of service a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceBodyKind {
    /// A national or multi-area body.
    Region,
    /// An area (NA) or area assembly (AA).
    Area,
    /// A district within an area.
    District,
    /// A central office or intergroup serving a city.
    Intergroup,
    /// Anything else.
    Other,
}

impl ServiceBodyKind {
    /// Every kind, in wire order.
    pub const ALL: [ServiceBodyKind; 5] = [
        ServiceBodyKind::Region,
        ServiceBodyKind::Area,
        ServiceBodyKind::District,
        ServiceBodyKind::Intergroup,
        ServiceBodyKind::Other,
    ];

    /// The snake_case name used on the wire and in storage.
    pub fn name(self) -> &'static str {
        match self {
            ServiceBodyKind::Region => "region",
            ServiceBodyKind::Area => "area",
            ServiceBodyKind::District => "district",
            ServiceBodyKind::Intergroup => "intergroup",
            ServiceBodyKind::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What an admin sets on a service body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceBodyData {
    /// Display name.
    pub name: String,
    /// Level of service.
    pub kind: ServiceBodyKind,
    /// The body above it, `None` for a root.
    pub parent_id: Option<ServiceBodyId>,
    /// The fellowship it serves, when it serves one.
    pub fellowship: Option<FellowshipCode>,
    /// The zone its meetings default to.
    pub time_zone: TimeZone,
    /// Its web site.
    pub website: Option<String>,
    /// Public e-mail address (Meeting Guide `entity_email`).
    #[serde(default)]
    pub email: Option<String>,
    /// Public phone number (Meeting Guide `entity_phone`, BMLT `helpline`).
    #[serde(default)]
    pub phone: Option<String>,
    /// Private: how to reach it.
    pub contact: Option<Contact>,
    /// Its id in the source it was imported from (a BMLT server's service body id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A stored service body; its serde form is the record kept in the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceBody {
    /// Its id.
    pub id: ServiceBodyId,
    /// What its admin set.
    #[serde(flatten)]
    pub data: ServiceBodyData,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: i64,
}
