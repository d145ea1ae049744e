//! Meeting Guide records, as real feeds write them, read into meetings: days as numbers, names or
//! arrays; 12-hour times; coordinates as strings; empty strings for absent values; types as arrays
//! or comma strings; split or whole addresses. Each record gives a meeting or a rejection naming
//! the feed's own fields, with warnings for what was dropped or guessed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Sentence, day_of_number, split_notes};
use crate::domain::address::{self, country_code};
use crate::domain::geo::Coordinates;
use crate::domain::ids::{FellowshipCode, LanguageCode, ServiceBodyId, Slug, TypeCode};
use crate::domain::meeting::{Attendance, Closures, Location, MeetingData, OnlineAccess};
use crate::domain::places::LazyGazetteer;
use crate::domain::rules;
use crate::domain::schedule::{DEFAULT_DURATION_MINUTES, LocalTime, Schedule, TimeZone, Weekday};
use crate::domain::vocabulary::Vocabulary;
use crate::domain::zones::ZoneFinder;

/// What records are read against.
pub struct ImportContext<'a> {
    /// Type and language codes.
    pub vocabulary: &'a Vocabulary,
    /// Places for addresses without coordinates.
    pub places: &'a LazyGazetteer,
    /// Zones from coordinates.
    pub zones: &'a ZoneFinder,
    /// Every meeting's fellowship (feeds carry none).
    pub fellowship: FellowshipCode,
    /// Where the meetings go.
    pub service_body_id: ServiceBodyId,
    /// The zone for records with neither a `timezone` nor coordinates.
    pub time_zone: Option<TimeZone>,
    /// The service body's zone, the last resort.
    pub body_zone: TimeZone,
}

/// Something dropped or guessed while reading a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The record's slug (empty when it has none).
    pub slug: String,
    /// The feed's field.
    pub field: String,
    /// What happened.
    pub message: String,
}

/// A record that gives no meeting, with every problem by the feed's field names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// The record's slug (empty when it has none).
    pub slug: String,
    /// Problems by feed field.
    pub errors: BTreeMap<String, Vec<String>>,
}

/// A record read into a meeting.
#[derive(Debug, Clone)]
pub struct ImportedMeeting {
    /// The feed's slug, kept as the meeting's `external_id`.
    pub external_id: String,
    /// The meeting; its `slug` is derived from the feed's and may need making unique.
    pub data: MeetingData,
}

/// The most records an import takes (at oc.json's 700 bytes a record, 20 MiB is about 30,000); more
/// is refused, so that a feed of empty objects cannot make an answer of millions of rejections.
pub const MAX_FEED_RECORDS: usize = 100_000;

/// A feed's records: a JSON array of at most [`MAX_FEED_RECORDS`] objects, else what is wrong.
pub fn feed_items(value: Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) if items.len() > MAX_FEED_RECORDS => {
            Err(format!("a feed may have at most {MAX_FEED_RECORDS} records, this one has {}", items.len()))
        }
        Value::Array(items) => match items.iter().position(|i| !i.is_object()) {
            Some(n) => Err(format!("the feed must be a JSON array of objects; item {n} is not an object")),
            None => Ok(items),
        },
        _ => Err("the feed must be a JSON array of objects".to_owned()),
    }
}

/// The slug of a record as text (feeds write numbers too), if it has a non-empty one.
pub fn record_slug(record: &Value) -> Option<String> {
    match record.get("slug")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads one record.
pub fn read_record(record: &Value, ctx: &ImportContext<'_>) -> (Result<ImportedMeeting, Rejection>, Vec<Warning>) {
    let slug = record_slug(record).unwrap_or_default();
    let mut reader = Reader { slug: slug.clone(), warnings: Vec::new(), errors: BTreeMap::new() };
    let result = match record.as_object() {
        Some(fields) => reader.meeting(fields, ctx),
        None => {
            reader.error("slug", "the record is not a JSON object");
            None
        }
    };
    let Reader { warnings, errors, .. } = reader;
    let outcome = match result {
        Some(data) if errors.is_empty() => Ok(ImportedMeeting { external_id: slug.clone(), data }),
        _ => Err(Rejection { slug, errors }),
    };
    (outcome, warnings)
}

struct Reader {
    slug: String,
    warnings: Vec<Warning>,
    errors: BTreeMap<String, Vec<String>>,
}

/// What the `types` field says.
#[derive(Default)]
struct Types {
    codes: Vec<TypeCode>,
    languages: Vec<LanguageCode>,
    online: bool,
}

impl Reader {
    fn warn(&mut self, field: &str, message: impl Into<String>) {
        let warning = Warning { slug: self.slug.clone(), field: field.to_owned(), message: message.into() };
        self.warnings.push(warning);
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_default().push(message.into());
    }

    /// A text field: strings trimmed, numbers written out; empty means absent.
    fn text(&mut self, f: &Map<String, Value>, field: &str) -> Option<String> {
        match f.get(field)? {
            Value::String(s) if s.contains('\0') => {
                self.error(field, "contains a NUL character");
                None
            }
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned),
            Value::Number(n) => Some(n.to_string()),
            Value::Null => None,
            _ => {
                self.warn(field, "is not text; ignored");
                None
            }
        }
    }

    fn meeting(&mut self, f: &Map<String, Value>, ctx: &ImportContext<'_>) -> Option<MeetingData> {
        if self.slug.is_empty() {
            self.error("slug", "is required: a record without a slug cannot be matched on the next import");
        } else if self.slug.contains('\0') || self.slug.chars().count() > 200 {
            self.error("slug", "must have at most 200 characters and no NUL");
        }
        let name = self.text(f, "name");
        if name.is_none() {
            self.error("name", "is required");
        }
        let types = self.types(f, ctx.vocabulary);
        let (notes, sentences) = match self.text(f, "notes") {
            Some(n) => split_notes(&n),
            None => (None, Vec::new()),
        };
        let suspended_until = sentences.iter().find_map(|s| match s {
            Sentence::Suspended(d) => Some(*d),
            _ => None,
        });
        let dates = sentences.iter().flat_map(|s| match s {
            Sentence::Closed(d) => d.clone(),
            _ => Vec::new(),
        });
        let closures = Closures { dates: dates.collect(), suspended_until };
        let online = self.online(f);
        let location = self.location(f);
        let attendance = self.attendance(f, &types, &online, &location, suspended_until.is_some());
        let (location, attendance) = self.placed(f, location, attendance, ctx);
        let schedule = self.schedule(f, &location, &sentences, ctx);
        let mut codes = types.codes;
        if suspended_until.is_some() {
            // Lantern wrote `TC` for the suspension; the suspension itself says it now.
            codes.retain(|c| c.as_str() != "TC");
        }
        let mut data = MeetingData {
            name: name.unwrap_or_default(),
            slug: Slug::from_text(&self.slug)
                .unwrap_or_else(|| Slug::from_text("meeting").unwrap_or_else(|| unreachable!())),
            fellowship: ctx.fellowship.clone(),
            service_body_id: ctx.service_body_id,
            external_id: Some(self.slug.clone()),
            attendance,
            schedule,
            location,
            online: (online != OnlineAccess::default()).then_some(online),
            types: codes,
            languages: types.languages,
            notes,
            group_name: self.text(f, "group"),
            website: self.url(f, "website"),
            closures,
            contacts: Vec::new(),
            published: true,
        };
        data.normalize();
        for (field, message) in data.problems() {
            self.error(feed_field(&field), message);
        }
        Some(data)
    }

    fn types(&mut self, f: &Map<String, Value>, vocabulary: &Vocabulary) -> Types {
        let items: Vec<String> = match f.get("types") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(s)) => s.trim_matches(|c| c == '[' || c == ']').split(',').map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        let mut types = Types::default();
        let mut unknown = Vec::new();
        for item in items.iter().map(|i| i.trim().trim_matches('"')).filter(|i| !i.is_empty()) {
            let upper = match item.to_uppercase().as_str() {
                "OPEN" => "O".to_owned(),
                "CLOSED" => "C".to_owned(),
                other => other.to_owned(),
            };
            if upper == "ONL" {
                types.online = true;
            } else if let Some(language) = vocabulary.language_of(&upper) {
                types.languages.push(language.clone());
            } else if let Some(t) = vocabulary.types().find(|t| t.code.as_str().eq_ignore_ascii_case(&upper)) {
                types.codes.push(t.code.clone());
            } else {
                unknown.push(item.to_owned());
            }
        }
        if !unknown.is_empty() {
            self.warn("types", format!("unknown type codes dropped: {}", unknown.join(", ")));
        }
        types
    }

    fn url(&mut self, f: &Map<String, Value>, field: &str) -> Option<String> {
        let raw = self.text(f, field)?;
        let url = if raw.contains("://") { raw.clone() } else { format!("https://{raw}") };
        match rules::url_problem(&url) {
            None => Some(url),
            Some(problem) => {
                self.warn(field, format!("{problem}; dropped"));
                None
            }
        }
    }

    fn online(&mut self, f: &Map<String, Value>) -> OnlineAccess {
        let conference_url = self.url(f, "conference_url");
        let conference_phone = self.text(f, "conference_phone").and_then(|raw| {
            // Dial strings carry passcodes after a comma or `#`: keep the number.
            let number = raw.split([',', ';', '#']).next().unwrap_or_default().trim().to_owned();
            match rules::phone_problem(&number) {
                None if number != raw => {
                    self.warn("conference_phone", format!("`{raw}`: kept the number `{number}`, dropped the rest"));
                    Some(number)
                }
                None => Some(number),
                Some(problem) => {
                    self.warn("conference_phone", format!("{problem}; dropped"));
                    None
                }
            }
        });
        let notes: Vec<String> =
            ["conference_url_notes", "conference_phone_notes"].iter().filter_map(|n| self.text(f, n)).collect();
        let notes = match notes.as_slice() {
            [a, b] if a == b => Some(a.clone()),
            [] => None,
            _ => Some(notes.join("\n")),
        };
        OnlineAccess { conference_url, conference_phone, notes }
    }

    /// The location as the record gives it.
    fn location(&mut self, f: &Map<String, Value>) -> Option<Location> {
        let approximate = match f.get("approximate") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("yes") || s.trim() == "true",
            _ => false,
        };
        let coordinates = self.coordinates(f);
        let formatted_address = self.text(f, "formatted_address").or_else(|| {
            // Split fields joined as an address line reads: `street, city, ST 12345, country`.
            let region: Vec<String> =
                [self.text(f, "state"), self.text(f, "postal_code")].into_iter().flatten().collect();
            let region = (!region.is_empty()).then(|| region.join(" "));
            let rest: Vec<String> =
                [self.text(f, "city"), region, self.text(f, "country")].into_iter().flatten().collect();
            let address = self.text(f, "address");
            // A whole line in `address` (feeds write `123 Main St, Springfield, IL`) is the
            // address; a street alone is only `street_address` (as a line it would read as a city).
            let whole = address.as_deref().is_some_and(|a| a.contains(','));
            let parts: Vec<String> = address.into_iter().chain(rest.iter().cloned()).collect();
            (!rest.is_empty() || whole).then(|| parts.join(", "))
        });
        let location = Location {
            name: self.text(f, "location"),
            street_address: self.text(f, "address"),
            formatted_address,
            coordinates,
            approximate: approximate && coordinates.is_some(),
            notes: self.text(f, "location_notes"),
        };
        (location != Location::default()).then_some(location)
    }

    fn coordinates(&mut self, f: &Map<String, Value>) -> Option<Coordinates> {
        let number = |v: Option<&Value>| match v? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let (lat, lon) = (f.get("latitude"), f.get("longitude"));
        let given =
            |v: Option<&Value>| v.is_some_and(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        if !given(lat) && !given(lon) {
            return None;
        }
        match (number(lat), number(lon)) {
            (Some(lat), Some(lon)) if lat == 0.0 && lon == 0.0 => {
                self.warn("latitude", "0, 0 is no place; ignored");
                None
            }
            (Some(lat), Some(lon)) => {
                Coordinates::new(lat, lon).map_err(|e| self.warn("latitude", format!("{}; ignored", e.0))).ok()
            }
            _ => {
                self.warn("latitude", "latitude and longitude must both be numbers; ignored");
                None
            }
        }
    }

    fn attendance(
        &mut self,
        f: &Map<String, Value>,
        types: &Types,
        online: &OnlineAccess,
        location: &Option<Location>,
        suspended: bool,
    ) -> Attendance {
        let given = self.text(f, "attendance_option");
        if let Some(option) = &given
            && let Some(attendance) = Attendance::from_name(option)
            && !(attendance == Attendance::Inactive && suspended)
        {
            return attendance;
        }
        if let Some(option) = given.filter(|_| !suspended) {
            self.warn(
                "attendance_option",
                format!("`{option}` is not in_person, hybrid, online or inactive; inferred"),
            );
        }
        let joinable = online.conference_url.is_some() || online.conference_phone.is_some();
        let has_place = location.as_ref().is_some_and(|l| l.coordinates.is_some() && !l.approximate)
            || location.as_ref().is_some_and(|l| l.coordinates.is_none() && l.formatted_address.is_some());
        let room_closed = types.codes.iter().any(|c| c.as_str() == "TC");
        match (joinable, has_place && !room_closed && !types.online) {
            (true, true) => Attendance::Hybrid,
            (true, false) => Attendance::Online,
            // The room is closed and there is no way to join: not meeting.
            (false, _) if room_closed => Attendance::Inactive,
            (false, _) => Attendance::InPerson,
        }
    }

    /// Gives a meeting that needs a place one: the gazetteer place its address names
    /// (approximate), else online (when it can be joined) or inactive.
    fn placed(
        &mut self,
        f: &Map<String, Value>,
        mut location: Option<Location>,
        attendance: Attendance,
        ctx: &ImportContext<'_>,
    ) -> (Option<Location>, Attendance) {
        let needs_place = matches!(attendance, Attendance::InPerson | Attendance::Hybrid);
        if !needs_place || location.as_ref().is_some_and(|l| l.coordinates.is_some()) {
            return (location, attendance);
        }
        let (city, state, country) = self.address_parts(f, location.as_ref());
        let place = city.as_deref().and_then(|city| {
            let gazetteer = ctx.places.get()?;
            let country = country.as_deref().and_then(country_code);
            gazetteer.resolve(city, state.as_deref(), country.as_deref(), Some(ctx.body_zone))
        });
        if let Some(place) = place {
            self.warn("latitude", format!("no coordinates: placed at {} ({}), approximate", place.name, place.country));
            let l = location.get_or_insert_with(Location::default);
            l.coordinates = Some(place.coordinates);
            l.approximate = true;
            return (location, attendance);
        }
        let fallback = if attendance == Attendance::Hybrid { Attendance::Online } else { Attendance::Inactive };
        self.warn(
            "latitude",
            format!("no coordinates, and the address names no known place: listed as {}", fallback.name()),
        );
        (location, fallback)
    }

    /// City, state and country: the split fields, else read from the end of `formatted_address`.
    fn address_parts(
        &mut self,
        f: &Map<String, Value>,
        location: Option<&Location>,
    ) -> (Option<String>, Option<String>, Option<String>) {
        let (city, state, country) = (self.text(f, "city"), self.text(f, "state"), self.text(f, "country"));
        if city.is_some() {
            return (city, state, country);
        }
        let Some(line) = location.and_then(|l| l.formatted_address.as_deref()) else { return (None, None, None) };
        let parts = address::split(line);
        (parts.city, parts.state, parts.country)
    }

    fn schedule(
        &mut self,
        f: &Map<String, Value>,
        location: &Option<Location>,
        sentences: &[Sentence],
        ctx: &ImportContext<'_>,
    ) -> Option<Schedule> {
        let days = self.days(f);
        let start = match self.text(f, "time") {
            Some(raw) => match parse_time(&raw) {
                Some(t) => Some(t),
                None => {
                    self.error("time", format!("`{raw}` is not a time of day"));
                    None
                }
            },
            None => None,
        };
        let (days, start) = match (days, start) {
            (Some(days), Some(start)) => (days, start),
            (None, None) => return None,
            (Some(_), None) if self.errors.contains_key("time") => return None,
            (Some(_), None) => {
                self.warn("time", "a day without a time: listed by appointment");
                return None;
            }
            (None, Some(_)) => {
                self.warn("day", "a time without a day: listed by appointment");
                return None;
            }
        };
        let duration = match self.text(f, "end_time") {
            None => DEFAULT_DURATION_MINUTES,
            Some(raw) => match parse_time(&raw) {
                Some(end) if end != start => (end.minutes() + 1440 - start.minutes()) % 1440,
                _ => {
                    self.warn("end_time", format!("`{raw}` is not a later time of day; one hour assumed"));
                    DEFAULT_DURATION_MINUTES
                }
            },
        };
        let (time_zone, time_zone_derived) = self.zone(f, location, ctx);
        let weeks_of_month = sentences
            .iter()
            .find_map(|s| match s {
                Sentence::Weeks(day, weeks) if days.contains(day) => Some(weeks.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Some(Schedule {
            days,
            start_time: start,
            duration_minutes: duration,
            time_zone,
            time_zone_derived,
            weeks_of_month,
        })
    }

    fn days(&mut self, f: &Map<String, Value>) -> Option<Vec<Weekday>> {
        let values: Vec<&Value> = match f.get("day")? {
            Value::Array(items) if items.len() > 7 => {
                self.error("day", format!("{} days: a week has 7", items.len()));
                return None;
            }
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut days = Vec::new();
        for value in values {
            let day = match value {
                Value::Null => continue,
                Value::String(s) if s.trim().is_empty() => continue,
                Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()).and_then(day_of_number),
                Value::String(s) => parse_day(s.trim()),
                _ => None,
            };
            match day {
                Some(d) => days.push(d),
                None => self.error("day", format!("`{value}` is not a day (0 = Sunday … 6, or its name)")),
            }
        }
        days.sort_unstable();
        days.dedup();
        (!days.is_empty()).then_some(days)
    }

    /// The record's `timezone`, else the zone at its coordinates, else the import's, else the
    /// service body's; with whether it was derived.
    fn zone(
        &mut self,
        f: &Map<String, Value>,
        location: &Option<Location>,
        ctx: &ImportContext<'_>,
    ) -> (TimeZone, bool) {
        if let Some(name) = self.text(f, "timezone") {
            match name.parse::<TimeZone>() {
                Ok(zone) => return (zone, false),
                Err(e) => self.warn("timezone", format!("{}; derived instead", e.0)),
            }
        }
        if let Some(zone) = location.as_ref().and_then(|l| l.coordinates).and_then(|c| ctx.zones.zone_at(c)) {
            return (zone, true);
        }
        match ctx.time_zone {
            Some(zone) => (zone, false),
            None => (ctx.body_zone, true),
        }
    }
}

/// The feed field a meeting field's problem belongs to.
fn feed_field(field: &str) -> &'static str {
    match field {
        "name" => "name",
        f if f.starts_with("schedule.") => "time",
        f if f.starts_with("location.") => "latitude",
        "online.conference_phone" => "conference_phone",
        f if f.starts_with("online.") => "conference_url",
        "website" => "website",
        "group_name" => "group",
        "external_id" | "slug" => "slug",
        _ => "notes",
    }
}

/// A day number (`"1"`), an English name (`Monday`) or its first three letters.
fn parse_day(s: &str) -> Option<Weekday> {
    if let Ok(n) = s.parse::<u8>() {
        return day_of_number(n);
    }
    let lower = s.to_lowercase();
    Weekday::ALL.into_iter().find(|d| lower.len() >= 3 && d.name().starts_with(&lower))
}

/// `19:30`, `7:30`, `19:30:00`, `7:30 PM`, `7:30pm`, `7 p.m.`, `12:00 PM` (noon), `12:00 AM` (midnight).
pub fn parse_time(raw: &str) -> Option<LocalTime> {
    let compact: String = raw.to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    let (clock, meridiem) = match compact.strip_suffix("am").or_else(|| compact.strip_suffix('a')) {
        Some(c) => (c, Some(false)),
        None => match compact.strip_suffix("pm").or_else(|| compact.strip_suffix('p')) {
            Some(c) => (c, Some(true)),
            None => (compact.as_str(), None),
        },
    };
    let mut parts = clock.split(':');
    let hour: u16 = parts.next().filter(|h| (1..=2).contains(&h.len()))?.parse().ok()?;
    let minute: u16 = match parts.next() {
        Some(m) if m.len() == 2 => m.parse().ok()?,
        Some(_) => return None,
        None if meridiem.is_some() => 0,
        None => return None,
    };
    if let Some(seconds) = parts.next()
        && (seconds.len() != 2 || seconds.parse::<u8>().ok()? > 59 || parts.next().is_some())
    {
        return None;
    }
    let hour = match meridiem {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
        None => hour,
    };
    if hour > 23 || minute > 59 {
        return None;
    }
    LocalTime::from_minutes(hour * 60 + minute).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(raw: &str) -> Option<String> {
        parse_time(raw).map(|t| t.to_string())
    }

    #[test]
    fn times_parse_as_feeds_write_them() {
        for (raw, want) in [
            ("19:30", "19:30"),
            ("7:30", "07:30"),
            ("19:30:00", "19:30"),
            ("7:30 PM", "19:30"),
            ("7:30pm", "19:30"),
            ("7 p.m.", "19:00"),
            ("12:00 PM", "12:00"),
            ("12:00 AM", "00:00"),
            ("12:15 am", "00:15"),
            ("00:00", "00:00"),
        ] {
            assert_eq!(time(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in ["", "noonish", "25:00", "13:00 PM", "7", "7:3", "19:30:61", "0:00 AM"] {
            assert_eq!(time(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_parse_as_numbers_or_names() {
        assert_eq!(parse_day("1"), Some(Weekday::Monday));
        assert_eq!(parse_day("Sunday"), Some(Weekday::Sunday));
        assert_eq!(parse_day("sat"), Some(Weekday::Saturday));
        assert_eq!(parse_day("7"), None);
        assert_eq!(parse_day("s"), None);
    }
}
