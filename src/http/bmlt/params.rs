//! The parameters of BMLT's semantic interface, typed and documented like every other query:
//! switchers, signed lists (`-3` excludes), `0`/`1` switches, field keys.

use std::str::FromStr;

use utoipa::IntoParams;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::domain::bmlt::MEETING_KEYS;
use crate::domain::ids::{FellowshipCode, MeetingId, ServiceBodyId};
use crate::http::extract::params::{
    GeoWidth, HourOfDay, Latitude, Longitude, MinuteOfHour, PageNumber, PageSize, fellowship_list, list_of,
};
use crate::http::extract::query::{FromQuery, QueryReader};

/// What the semantic interface is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Switcher {
    /// Meetings.
    #[default]
    GetSearchResults,
    /// The format table.
    GetFormats,
    /// The service bodies.
    GetServiceBodies,
    /// The server's settings.
    GetServerInfo,
    /// The keys a meeting row has.
    GetFieldKeys,
    /// The values one key takes.
    GetFieldValues,
    /// The box the meetings cover.
    GetCoverageArea,
    /// Changes of meetings between two dates.
    GetChanges,
}

impl Switcher {
    /// Every switcher served, by name.
    pub const ALL: [(Switcher, &'static str); 8] = [
        (Switcher::GetSearchResults, "GetSearchResults"),
        (Switcher::GetFormats, "GetFormats"),
        (Switcher::GetServiceBodies, "GetServiceBodies"),
        (Switcher::GetServerInfo, "GetServerInfo"),
        (Switcher::GetFieldKeys, "GetFieldKeys"),
        (Switcher::GetFieldValues, "GetFieldValues"),
        (Switcher::GetCoverageArea, "GetCoverageArea"),
        (Switcher::GetChanges, "GetChanges"),
    ];
}

impl FromStr for Switcher {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.iter().find(|(_, name)| *name == s).map(|(sw, _)| *sw).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
            format!("`{s}` is not a switcher this server answers ({})", names.join(", "))
        })
    }
}

fn switcher_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(Switcher::ALL.iter().map(|(_, n)| *n))).into()
}

/// A list item that excludes when it starts with `-`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed<T> {
    /// True for `-x`.
    pub exclude: bool,
    /// The value.
    pub value: T,
}

impl<T: FromStr<Err: std::fmt::Display>> FromStr for Signed<T> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (exclude, raw) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        raw.parse().map(|value| Self { exclude, value }).map_err(|e: T::Err| e.to_string())
    }
}

/// A weekday number, 1 = Sunday … 7.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day(pub u8);

impl FromStr for Day {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<u8>() {
            Ok(n) if (1..=7).contains(&n) => Ok(Self(n)),
            _ => Err(format!("`{s}` is not a weekday (1 = Sunday … 7)")),
        }
    }
}

/// A venue type: 1 in person, 2 virtual, 3 hybrid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Venue(pub u8);

impl FromStr for Venue {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<u8>() {
            Ok(n) if (1..=3).contains(&n) => Ok(Self(n)),
            _ => Err(format!("`{s}` is not a venue type (1 in person, 2 virtual, 3 hybrid)")),
        }
    }
}

/// A format key or numeric id.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatRef(pub String);

impl FromStr for FormatRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let ok = (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok && !s.starts_with('-') { Ok(Self(s.to_owned())) } else { Err(format!("`{s}` is not a format key or id")) }
    }
}

/// A calendar date, `YYYY-MM-DD` exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Date(pub chrono::NaiveDate);

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let shaped = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if shaped => Ok(Self(d)),
            _ => Err(format!("`{s}` is not a date YYYY-MM-DD")),
        }
    }
}

fn date_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
        .pattern(Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
        .into()
}

/// `0` or `1`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bit(pub bool);

impl FromStr for Bit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" => Ok(Self(true)),
            "0" => Ok(Self(false)),
            _ => Err(format!("must be 0 or 1, got `{s}`")),
        }
    }
}

fn bit_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["0", "1"])).into()
}

/// A meeting row's key (or a distance key).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldKey(pub String);

/// Keys rows may be sorted by or cut to: every meeting key and the distances.
pub fn field_keys() -> impl Iterator<Item = &'static str> {
    MEETING_KEYS.into_iter().chain(["distance_in_km", "distance_in_miles"])
}

impl FromStr for FieldKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        field_keys().find(|k| *k == s).map(|k| Self(k.to_owned())).ok_or_else(|| format!("`{s}` is not a field key"))
    }
}

fn field_key_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(field_keys())).into()
}

fn field_key_list() -> RefOr<Schema> {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(field_keys())))
        .into()
}

fn day_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^-?[1-7]$")))
}

fn venue_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^-?[1-3]$")))
}

fn format_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^-?[A-Za-z0-9][A-Za-z0-9-]{0,19}$")))
}

fn key_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")))
}

fn service_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^-?[1-9][0-9]{0,17}$")))
}

fn id_list() -> RefOr<Schema> {
    list_of(ObjectBuilder::new().pattern(Some("^[1-9][0-9]{0,17}$")))
}

fn comparison_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["AND", "OR"])).into()
}

fn language_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[a-z]{2}$")).into()
}

/// Every parameter of the semantic interface (each switcher reads the ones it knows and ignores
/// the rest, as BMLT does). Lists take commas, repeated keys and `key[]=`.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SemanticParams {
    /// What is asked.
    #[param(schema_with = switcher_schema)]
    pub switcher: Switcher,
    /// Lantern's extension: the fellowships served (default: NA only, so an NA phone line never
    /// reads out other fellowships' meetings).
    #[param(schema_with = fellowship_list, style = Form, explode = false, required = false)]
    pub fellowship: Vec<FellowshipCode>,
    /// The searcher's latitude.
    #[param(inline)]
    pub lat_val: Option<Latitude>,
    /// The searcher's longitude.
    #[param(inline)]
    pub long_val: Option<Longitude>,
    /// Radius in miles; negative: the nearest that many rows, however far.
    #[param(inline)]
    pub geo_width: Option<GeoWidth>,
    /// Radius in km; negative: the nearest that many rows.
    #[param(inline)]
    pub geo_width_km: Option<GeoWidth>,
    /// Weekdays, 1 = Sunday … 7; `-n` excludes.
    #[param(schema_with = day_list, style = Form, explode = false, required = false)]
    pub weekdays: Vec<Signed<Day>>,
    /// 1 in person, 2 virtual, 3 hybrid; `-n` excludes.
    #[param(schema_with = venue_list, style = Form, explode = false, required = false)]
    pub venue_types: Vec<Signed<Venue>>,
    /// Format keys or ids; `-x` excludes.
    #[param(schema_with = format_list, style = Form, explode = false, required = false)]
    pub formats: Vec<Signed<FormatRef>>,
    /// `AND`: all the formats; `OR` (default): any.
    #[param(schema_with = comparison_schema, required = false)]
    pub formats_comparison_operator: Option<String>,
    /// Service body ids; `-n` excludes.
    #[param(schema_with = service_list, style = Form, explode = false, required = false)]
    pub services: Vec<Signed<ServiceBodyId>>,
    /// `1`: service bodies include their descendants.
    #[param(schema_with = bit_schema, required = false)]
    pub recursive: Option<Bit>,
    /// Case-insensitive text in name, location and notes.
    #[param(rename = "SearchString", max_length = 200)]
    pub search_string: Option<String>,
    /// Only these meetings.
    #[param(schema_with = id_list, style = Form, explode = false, required = false)]
    pub meeting_ids: Vec<MeetingId>,
    /// Starts after this hour (with `StartsAfterM`).
    #[param(rename = "StartsAfterH", inline)]
    pub starts_after_h: Option<HourOfDay>,
    /// Minutes of `StartsAfterH`.
    #[param(rename = "StartsAfterM", inline)]
    pub starts_after_m: Option<MinuteOfHour>,
    /// Starts before this hour.
    #[param(rename = "StartsBeforeH", inline)]
    pub starts_before_h: Option<HourOfDay>,
    /// Minutes of `StartsBeforeH`.
    #[param(rename = "StartsBeforeM", inline)]
    pub starts_before_m: Option<MinuteOfHour>,
    /// Ends before this hour.
    #[param(rename = "EndsBeforeH", inline)]
    pub ends_before_h: Option<HourOfDay>,
    /// Minutes of `EndsBeforeH`.
    #[param(rename = "EndsBeforeM", inline)]
    pub ends_before_m: Option<MinuteOfHour>,
    /// Lasts at least this many hours (with `MinDurationM`).
    #[param(rename = "MinDurationH", inline)]
    pub min_duration_h: Option<HourOfDay>,
    /// Minutes of `MinDurationH`.
    #[param(rename = "MinDurationM", inline)]
    pub min_duration_m: Option<MinuteOfHour>,
    /// Lasts at most this many hours.
    #[param(rename = "MaxDurationH", inline)]
    pub max_duration_h: Option<HourOfDay>,
    /// Minutes of `MaxDurationH`.
    #[param(rename = "MaxDurationM", inline)]
    pub max_duration_m: Option<MinuteOfHour>,
    /// `1`: order by distance and add `distance_in_km` and `distance_in_miles`.
    #[param(schema_with = bit_schema, required = false)]
    pub sort_results_by_distance: Option<Bit>,
    /// Order by these keys.
    #[param(schema_with = field_key_list, style = Form, explode = false, required = false)]
    pub sort_keys: Vec<FieldKey>,
    /// Only these keys in each row.
    #[param(schema_with = field_key_list, style = Form, explode = false, required = false)]
    pub data_field_key: Vec<FieldKey>,
    /// Rows per page.
    #[param(inline)]
    pub page_size: Option<PageSize>,
    /// Page number, from 1.
    #[param(inline)]
    pub page_num: Option<PageNumber>,
    /// Sent at all (with any value or none): also answer the formats the meetings use,
    /// `{"meetings": […], "formats": […]}`.
    #[param(value_type = Option<String>, max_length = 10)]
    pub get_used_formats: bool,
    /// Accepted and ignored: the interface shows the public view only.
    #[param(max_length = 100)]
    pub advanced_published: Option<String>,
    /// `GetFormats`: the language (only `en` is kept).
    #[param(schema_with = language_schema, required = false)]
    pub lang_enum: Option<String>,
    /// `GetFormats`: only these keys.
    #[param(schema_with = key_list, style = Form, explode = false, required = false)]
    pub key_strings: Vec<FormatRef>,
    /// `GetFormats`: `1` lists every format, not only those meetings use.
    #[param(schema_with = bit_schema, required = false)]
    pub show_all: Option<Bit>,
    /// `GetServiceBodies`: `1` adds the ancestors of the bodies in `services`.
    #[param(schema_with = bit_schema, required = false)]
    pub parents: Option<Bit>,
    /// `GetFieldValues`: the key whose values are listed.
    #[param(schema_with = field_key_schema, required = false)]
    pub meeting_key: Option<FieldKey>,
    /// `GetChanges`: from this date (UTC; default 90 days ago).
    #[param(schema_with = date_schema, required = false)]
    pub start_date: Option<Date>,
    /// `GetChanges`: up to and including this date (UTC; default today).
    #[param(schema_with = date_schema, required = false)]
    pub end_date: Option<Date>,
    /// `GetChanges`: only this meeting.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub meeting_id: Option<MeetingId>,
    /// `GetChanges`: only this service body and its descendants.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub service_body_id: Option<ServiceBodyId>,
}

impl FromQuery for SemanticParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            switcher: q.required("switcher"),
            fellowship: q.list("fellowship"),
            lat_val: q.optional("lat_val"),
            long_val: q.optional("long_val"),
            geo_width: q.optional("geo_width"),
            geo_width_km: q.optional("geo_width_km"),
            weekdays: q.list("weekdays"),
            venue_types: q.list("venue_types"),
            formats: q.list("formats"),
            formats_comparison_operator: q.optional::<String>("formats_comparison_operator").filter(|op| {
                let ok = op == "AND" || op == "OR";
                if !ok {
                    q.push("formats_comparison_operator", format!("must be AND or OR, got `{op}`"));
                }
                ok
            }),
            services: q.list("services"),
            recursive: q.optional("recursive"),
            search_string: q.optional::<String>("SearchString").filter(|t| {
                let ok = t.chars().count() <= 200;
                if !ok {
                    q.push("SearchString", "must have at most 200 characters");
                }
                ok
            }),
            meeting_ids: q.list("meeting_ids"),
            starts_after_h: q.optional("StartsAfterH"),
            starts_after_m: q.optional("StartsAfterM"),
            starts_before_h: q.optional("StartsBeforeH"),
            starts_before_m: q.optional("StartsBeforeM"),
            ends_before_h: q.optional("EndsBeforeH"),
            ends_before_m: q.optional("EndsBeforeM"),
            min_duration_h: q.optional("MinDurationH"),
            min_duration_m: q.optional("MinDurationM"),
            max_duration_h: q.optional("MaxDurationH"),
            max_duration_m: q.optional("MaxDurationM"),
            sort_results_by_distance: q.optional("sort_results_by_distance"),
            sort_keys: q.list("sort_keys"),
            data_field_key: q.list("data_field_key"),
            page_size: q.optional("page_size"),
            page_num: q.optional("page_num"),
            get_used_formats: {
                let long = q.optional::<String>("get_used_formats").is_some_and(|v| v.chars().count() > 10);
                if long {
                    q.push("get_used_formats", "must have at most 10 characters");
                }
                q.sent("get_used_formats")
            },
            advanced_published: q.optional::<String>("advanced_published").filter(|t| {
                let ok = t.chars().count() <= 100;
                if !ok {
                    q.push("advanced_published", "must have at most 100 characters");
                }
                ok
            }),
            lang_enum: q.optional::<String>("lang_enum").filter(|l| {
                let ok = l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase());
                if !ok {
                    q.push("lang_enum", format!("must be two lowercase letters, got `{l}`"));
                }
                ok
            }),
            key_strings: q.list("key_strings"),
            show_all: q.optional("show_all"),
            parents: q.optional("parents"),
            meeting_key: q.optional("meeting_key"),
            start_date: q.optional("start_date"),
            end_date: q.optional("end_date"),
            meeting_id: q.optional("meeting_id"),
            service_body_id: q.optional("service_body_id"),
        }
    }
}

/// The JSONP callback: a JavaScript identifier path (`jQuery123_456`, `app.show`).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackParams {
    /// The function the answer is wrapped in; anything but a JavaScript identifier is a 400.
    #[param(pattern = r"^[A-Za-z_$][A-Za-z0-9_$]{0,99}(\.[A-Za-z_$][A-Za-z0-9_$]{0,99}){0,9}$")]
    pub callback: String,
}

impl FromQuery for CallbackParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        let callback: String = q.required("callback");
        let ident = |part: &str| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && part.len() <= 100
        };
        let parts: Vec<&str> = callback.split('.').collect();
        let given = q.sent("callback");
        if given && (parts.len() > 10 || !parts.iter().all(|p| ident(p))) {
            q.push("callback", "must be a JavaScript identifier (letters, digits, `_`, `$`, dotted)");
        }
        Self { callback }
    }
}

crate::query_group!(
    /// The parameters of the JSONP form: the interface's and the callback.
    pub struct JsonpParams {
        semantic: SemanticParams,
        callback: CallbackParams,
    }
);
