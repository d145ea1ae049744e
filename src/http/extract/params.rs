//! The values query parameters take, each a type that both parses and documents itself: bounded
//! numbers (limits in one place, in the schema and in the check), instants, cursors, and the
//! schemas of comma lists.

use chrono::{DateTime, Utc};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::domain::geo::BoundingBox;
use crate::domain::ids::MeetingId;

/// A number parameter with a range (and a default when it is optional); the schema and the
/// check both read the same constants.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident: $t:ty as $kind:ident, $min:expr, $max:expr $(, default $default:expr)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name(pub $t);

        impl $name {
            /// The smallest value accepted.
            pub const MIN: $t = $min;
            /// The largest value accepted.
            pub const MAX: $t = $max;
            /// The value.
            pub fn get(self) -> $t {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self(bounded!(@default $t $(, $default)?))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.parse::<$t>() {
                    Ok(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(Self(n)),
                    _ => Err(format!("must be {} from {} to {}, got `{s}`", bounded!(@noun $kind), Self::MIN, Self::MAX)),
                }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let builder = ObjectBuilder::new()
                    .schema_type(Type::$kind)
                    .minimum(Some(Self::MIN))
                    .maximum(Some(Self::MAX));
                $(let builder = builder.default(Some(serde_json::json!($default)));)?
                let builder = bounded!(@format builder, $kind);
                builder.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
    (@default $t:ty) => { <$t>::default() };
    (@default $t:ty, $default:expr) => { $default };
    (@noun Number) => { "a number" };
    (@noun Integer) => { "an integer" };
    (@format $b:expr, Number) => { $b.format(Some(SchemaFormat::KnownFormat(KnownFormat::Double))) };
    (@format $b:expr, Integer) => { $b.format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))) };
}

bounded!(
    /// BMLT's `geo_width`/`geo_width_km`: a radius, or when negative the nearest that many rows.
    GeoWidth: f64 as Number, -1000.0, 20016.0
);
bounded!(
    /// An hour of the day.
    HourOfDay: u8 as Integer, 0, 23
);
bounded!(
    /// A minute of the hour.
    MinuteOfHour: u8 as Integer, 0, 59
);
bounded!(
    /// BMLT's page size.
    PageSize: u32 as Integer, 1, 10000
);
bounded!(
    /// BMLT's 1-based page number.
    PageNumber: u32 as Integer, 1, 1000000
);
bounded!(
    /// WGS84 latitude in degrees.
    Latitude: f64 as Number, -90.0, 90.0
);
bounded!(
    /// WGS84 longitude in degrees.
    Longitude: f64 as Number, -180.0, 180.0
);
bounded!(
    /// A great-circle radius in km (half the Earth's circumference at most).
    RadiusKm: f64 as Number, 0.0, 20016.0, default 50.0
);
bounded!(
    /// Minutes ahead that a search looks.
    WindowMinutes: u32 as Integer, 0, 10080, default 120
);
bounded!(
    /// The page size of a search.
    SearchLimit: u32 as Integer, 1, 200, default 20
);
bounded!(
    /// The page size of a list.
    ListLimit: u32 as Integer, 1, 500, default 100
);
bounded!(
    /// The most places a place search answers.
    PlaceLimit: u32 as Integer, 1, 50, default 10
);
bounded!(
    /// A position in the change log.
    Sequence: i64 as Integer, 0, i64::MAX, default 0
);

/// An RFC 3339 instant; a `+` that arrived as a space (an unencoded offset) is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

impl std::str::FromStr for Instant {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(&raw.replace(' ', "+"))
            .map(|t| Self(t.with_timezone(&Utc)))
            .map_err(|_| format!("`{raw}` is not an RFC 3339 instant like 2026-03-08T07:30:00Z"))
    }
}

impl utoipa::PartialSchema for Instant {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples([serde_json::json!("2026-03-08T07:30:00Z")])
            .into()
    }
}

impl utoipa::ToSchema for Instant {}

/// `min_lon,min_lat,max_lon,max_lat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxParam(pub BoundingBox);

impl std::str::FromStr for BoxParam {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        let numbers: Vec<Option<f64>> = raw.split(',').map(plain_decimal).collect();
        match numbers.as_slice() {
            [Some(a), Some(b), Some(c), Some(d)] => BoundingBox::new(*a, *b, *c, *d).map(Self).map_err(|e| e.0),
            _ => Err("must be four plain decimals: min_lon,min_lat,max_lon,max_lat".to_owned()),
        }
    }
}

/// A number written `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, as the schema of `bbox` says (no exponent,
/// sign `+`, leading zeros or spaces).
pub fn plain_decimal(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let whole_ok = digits(whole) && (whole == "0" || !whole.starts_with('0'));
    (whole_ok && fraction.is_none_or(digits)).then(|| s.parse().ok()).flatten()
}

/// The schema of `bbox`: four plain decimals, longitudes then latitudes, each in range (the
/// pattern spells the ranges out; `plain_decimal` and `BoundingBox::new` check the same).
pub fn bbox_schema() -> RefOr<Schema> {
    let lon = r"-?(?:(?:[0-9]|[1-9][0-9]|1[0-7][0-9])(?:\.[0-9]+)?|180(?:\.0+)?)";
    let lat = r"-?(?:(?:[0-9]|[1-8][0-9])(?:\.[0-9]+)?|90(?:\.0+)?)";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{lon},{lat},{lon},{lat}$")))
        .examples([serde_json::json!("13.2,52.4,13.6,52.6")])
        .into()
}

/// An IANA time zone name: exactly the names the zone database knows (links included).
pub fn time_zone_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
        .examples([serde_json::json!("America/Chicago")])
        .into()
}

/// A list cursor: continue after a meeting id (`m` and its hex).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor(pub Option<MeetingId>);

impl ListCursor {
    /// The cursor of the page after `id`.
    pub fn after(id: MeetingId) -> String {
        format!("m{:x}", id.get())
    }
}

impl std::str::FromStr for ListCursor {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        let id = raw
            .strip_prefix('m')
            .filter(|h| (1..=15).contains(&h.len()) && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .map(|h| i64::from_str_radix(h, 16));
        match id {
            Some(Ok(id)) => Ok(Self(MeetingId::new(id).ok())),
            _ => Err("is not a cursor this API issued".to_owned()),
        }
    }
}

impl utoipa::PartialSchema for ListCursor {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some("^m[0-9a-f]{1,15}$")).into()
    }
}

impl utoipa::ToSchema for ListCursor {}

/// The schema of a comma-separated list whose items match `pattern` (or are one of `values`).
pub fn list_of(item: ObjectBuilder) -> RefOr<Schema> {
    ArrayBuilder::new().items(item.schema_type(Type::String)).into()
}

/// Fellowship codes.
pub fn fellowship_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^[a-z0-9]+(-[a-z0-9]+)*$")).max_length(Some(32)))
}

/// Type codes.
pub fn type_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")))
}

/// ISO 639-1 language codes.
pub fn language_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^[a-z]{2}$")))
}

/// Attendance options.
pub fn attendance_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().enum_values(Some(["in_person", "hybrid", "online", "inactive"])))
}

/// Weekdays.
pub fn day_list() -> RefOr<Schema> {
    let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    list_of(ObjectBuilder::new().enum_values(Some(days)))
}

/// Service body ids.
pub fn id_list() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1)),
        )
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_errors_not_clamped() {
        assert_eq!("500".parse::<ListLimit>(), Ok(ListLimit(500)));
        assert!("501".parse::<ListLimit>().is_err());
        assert!("0".parse::<ListLimit>().is_err());
        assert!("-3".parse::<SearchLimit>().is_err());
        assert!("NaN".parse::<Latitude>().is_err());
        assert!("inf".parse::<RadiusKm>().is_err());
        assert_eq!(RadiusKm::default(), RadiusKm(50.0));
    }

    #[test]
    fn instants_accept_a_plus_that_arrived_as_a_space() {
        let t = "2026-03-08T03:30:00 01:00".parse::<Instant>().map(|t| t.0.to_rfc3339());
        assert_eq!(t, Ok("2026-03-08T02:30:00+00:00".to_owned()));
        assert!("yesterday".parse::<Instant>().is_err());
    }

    #[test]
    fn boxes_need_four_numbers_and_ordered_latitudes() {
        assert!("1,2".parse::<BoxParam>().is_err());
        assert!("0,10,1,5".parse::<BoxParam>().is_err());
        assert!("0,NaN,1,5".parse::<BoxParam>().is_err());
        assert!("170,-20,-170,-10".parse::<BoxParam>().is_ok());
        assert!("-180.0,-90,180,90.00".parse::<BoxParam>().is_ok());
        for off_pattern in ["1e1,0,2,1", "+1,0,2,1", "01,0,2,1", " 1,0,2,1", "1.,0,2,1", "180.1,0,0,1", "0,90.5,1,1"] {
            assert!(off_pattern.parse::<BoxParam>().is_err(), "{off_pattern}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let id = MeetingId::new(1234).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ListCursor::after(id).parse::<ListCursor>(), Ok(ListCursor(Some(id))));
        assert_eq!("m0".parse::<ListCursor>(), Ok(ListCursor(None)));
        assert!("1234".parse::<ListCursor>().is_err());
        assert!("m-5".parse::<ListCursor>().is_err());
    }
}
