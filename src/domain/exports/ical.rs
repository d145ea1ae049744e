//! iCalendar (RFC 5545): one `VEVENT` per meeting that meets, recurring in its own zone, and one
//! `VTIMEZONE` per zone used, written from the tz data so that calendar apps keep the local time
//! right across DST changes (TSML's exports are an hour off after a change: they trust the app's own
//! idea of the zone, or none).
//!
//! - `DTSTART;TZID=…` is the latest scheduled date no later than 30 days before `now`, so that the
//!   recurrence covers the recent past too; `RRULE` is weekly (`BYDAY=MO,TH`) or monthly
//!   (`BYDAY=1MO,3MO`, `-1FR`), without `UNTIL`; `EXDATE`s are the closures and the suspended dates
//!   from `DTSTART` on; `DURATION` is elapsed hours and minutes (`PT1H30M`; never `P1D`).
//! - A `VTIMEZONE` holds an observance per kind of change (standard or daylight, offsets, name):
//!   one `RRULE` (`FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`) where the change follows one yearly rule
//!   through the ten years after `DTSTART`, as vzic and tzurl write them, else an `RDATE` per change
//!   (Africa/Casablanca's follow Ramadan), and a first observance for the offset in force before.
//! - Lines end in CRLF and fold at 75 octets; text is escaped.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone as _, Timelike, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::address;
use crate::domain::meeting::{Attendance, Meeting};
use crate::domain::occurrence::{meets_on, scheduled_on};
use crate::domain::schedule::{Schedule, TimeZone, Weekday};

/// The media type.
pub const MEDIA_TYPE: &str = "text/calendar; charset=utf-8";

/// How far before `now` the recurrence starts at the latest.
const ANCHOR_DAYS: i64 = 30;
/// How many years after now the `VTIMEZONE`s agree with the tz data for.
const YEARS: i32 = 10;

/// The calendar's first lines.
pub fn header(name: &str) -> Vec<u8> {
    let mut out = String::new();
    for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lantern//Meeting Finder//EN", "CALSCALE:GREGORIAN"] {
        push_line(&mut out, line);
    }
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    out.into_bytes()
}

/// The calendar's last line.
pub const FOOTER: &[u8] = b"END:VCALENDAR\r\n";

/// The local date a meeting's recurrence starts on: the latest scheduled date no later than
/// [`ANCHOR_DAYS`] before `now` in its zone (a year back at most, for rare month weeks).
pub fn anchor(schedule: &Schedule, now: DateTime<Utc>) -> Option<NaiveDate> {
    let today = now.with_timezone(&schedule.time_zone.tz()).date_naive();
    // The day before, so that its start time, whatever it is, is more than 30 days back.
    let latest = today - Duration::days(ANCHOR_DAYS + 1);
    (0..400).map(|back| latest - Duration::days(back)).find(|d| scheduled_on(schedule, *d))
}

/// [`anchor`], moved back to a date the meeting met on when the anchor itself was closed (some
/// calendar apps show an excluded `DTSTART` anyway).
fn anchor_meeting(
    schedule: &Schedule,
    closures: &crate::domain::meeting::Closures,
    now: DateTime<Utc>,
) -> Option<NaiveDate> {
    let latest = anchor(schedule, now)?;
    let met = (0..400).map(|back| latest - Duration::days(back)).find(|d| meets_on(schedule, closures, *d));
    Some(met.unwrap_or(latest))
}

/// What a `VEVENT` refers to.
pub struct EventContext<'a> {
    /// The meeting on Lantern is `{base_url}/v1/meetings/{id}`.
    pub base_url: &'a str,
    /// The host part of `UID`s.
    pub host: &'a str,
    /// The request's instant.
    pub now: DateTime<Utc>,
}

/// A meeting's `VEVENT`, or nothing for a meeting that never meets (by appointment, inactive).
pub fn event(meeting: &Meeting, ctx: &EventContext<'_>) -> Vec<u8> {
    let data = &meeting.data;
    let Some(schedule) = data.schedule.as_ref().filter(|_| data.attendance != Attendance::Inactive) else {
        return Vec::new();
    };
    let Some(start) = anchor_meeting(schedule, &data.closures, ctx.now) else { return Vec::new() };
    let zone = schedule.time_zone.name();
    let local = |date: NaiveDate| date.and_time(schedule.start_time.to_naive()).format("%Y%m%dT%H%M%S").to_string();
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VEVENT");
    push_line(&mut out, &format!("UID:meeting-{}@{}", meeting.id, ctx.host));
    let stamp = meeting.updated_at.format("%Y%m%dT%H%M%SZ");
    push_line(&mut out, &format!("DTSTAMP:{stamp}"));
    push_line(&mut out, &format!("LAST-MODIFIED:{stamp}"));
    push_line(&mut out, &format!("DTSTART;TZID={zone}:{}", local(start)));
    push_line(&mut out, &format!("DURATION:{}", duration(schedule.duration_minutes)));
    push_line(&mut out, &format!("RRULE:{}", rule(schedule)));
    // Closed and suspended dates from the start on, on the days it is scheduled.
    let closures = &data.closures;
    let mut skipped: Vec<NaiveDate> = closures.dates.iter().copied().filter(|d| *d >= start).collect();
    if let Some(until) = closures.suspended_until {
        // Never past the horizon the VTIMEZONEs keep (a suspension "until 9999" is one).
        let horizon = NaiveDate::from_ymd_opt(years(ctx.now).1, 12, 31).unwrap_or(until);
        skipped.extend(start.iter_days().take_while(|d| *d <= until.min(horizon)));
    }
    skipped.retain(|d| scheduled_on(schedule, *d));
    skipped.sort_unstable();
    skipped.dedup();
    if !skipped.is_empty() {
        let dates: Vec<String> = skipped.iter().map(|d| local(*d)).collect();
        push_line(&mut out, &format!("EXDATE;TZID={zone}:{}", dates.join(",")));
    }
    push_line(&mut out, &format!("SUMMARY:{}", escape(&data.name)));
    let online = data.online.as_ref();
    let place: Vec<&str> =
        data.location.as_ref().and_then(|l| l.name.as_deref()).into_iter().chain(address(meeting)).collect();
    let location = if data.attendance == Attendance::Online || place.is_empty() {
        online.and_then(|o| o.conference_url.clone()).or_else(|| online.and_then(|o| o.conference_phone.clone()))
    } else {
        Some(place.join(", "))
    };
    if let Some(location) = location {
        push_line(&mut out, &format!("LOCATION:{}", escape(&location)));
    }
    if let Some(at) = data.coordinates().filter(|_| data.attendance != Attendance::Online) {
        push_line(&mut out, &format!("GEO:{};{}", at.latitude(), at.longitude()));
    }
    let mut description: Vec<String> = data.notes.iter().cloned().collect();
    if let Some(o) = online {
        description.extend(o.conference_url.as_ref().map(|u| format!("Join online: {u}")));
        description.extend(o.conference_phone.as_ref().map(|p| format!("Join by phone: {p}")));
        description.extend(o.notes.clone());
    }
    if !description.is_empty() {
        push_line(&mut out, &format!("DESCRIPTION:{}", escape(&description.join("\n"))));
    }
    push_line(&mut out, &format!("URL:{}/v1/meetings/{}", ctx.base_url, meeting.id));
    push_line(&mut out, "END:VEVENT");
    out.into_bytes()
}

/// `PT1H30M`, `PT1H`, `PT45M`: elapsed time, never days (a calendar day is not 24 hours across a
/// DST change).
fn duration(minutes: u16) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

fn two_letters(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

/// The recurrence: weekly on the days, or monthly on the weeks of the month.
fn rule(schedule: &Schedule) -> String {
    if schedule.weeks_of_month.is_empty() {
        let days: Vec<&str> = schedule.days.iter().map(|d| two_letters(*d)).collect();
        return format!("FREQ=WEEKLY;BYDAY={}", days.join(","));
    }
    let days: Vec<String> = schedule
        .weeks_of_month
        .iter()
        .flat_map(|w| schedule.days.iter().map(move |d| format!("{}{}", w.get(), two_letters(*d))))
        .collect();
    format!("FREQ=MONTHLY;BYDAY={}", days.join(","))
}

/// RFC 5545 text: backslash, semicolon, comma and line breaks escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            // Not allowed in TEXT (RFC 5545 §3.3.11): a tab stays, other controls go.
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets (never inside a character), with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// One change of a zone's offset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Transition {
    /// When it happens.
    at: NaiveDateTime,
    from: i32,
    to: i32,
    daylight: bool,
    name: String,
}

/// Offset (seconds east), saving in force (seconds), name.
type Observed = (i32, i64, String);

/// What a zone observes at an instant: offset, the saving in force (negative in Dublin's winter),
/// name.
fn observed(tz: Tz, at: NaiveDateTime) -> Observed {
    let offset = tz.offset_from_utc_datetime(&at);
    let name = offset.abbreviation().unwrap_or_default().to_owned();
    (offset.fix().local_minus_utc(), offset.dst_offset().num_seconds(), name)
}

/// The zone's changes between two instants (UTC), to the minute: a day at a time (no zone changes
/// twice in a day), then narrowed.
fn transitions(tz: Tz, from: NaiveDateTime, until: NaiveDateTime) -> Vec<Transition> {
    let mut found: Vec<(NaiveDateTime, Observed, Observed)> = Vec::new();
    let mut at = from;
    let mut before = observed(tz, at);
    while at < until {
        let next = at + Duration::days(1);
        let after = observed(tz, next);
        if after != before {
            // The first minute of the new observance, in (at, next].
            let (mut low, mut high) = (at, next);
            while high - low > Duration::minutes(1) {
                let mid = low + (high - low) / 2;
                let mid = mid.with_second(0).unwrap_or(mid);
                if observed(tz, mid) == before { low = mid } else { high = mid }
            }
            found.push((high, before.clone(), observed(tz, high)));
        }
        before = after;
        at = next;
    }
    // Daylight is a positive saving; where the tz data writes a negative one (Irish winter time),
    // the side without it is the daylight one, as vzic and tzurl write it.
    let negative = found.iter().any(|(_, a, b)| a.1 < 0 || b.1 < 0);
    found
        .into_iter()
        .map(|(at, before, (to, save, name))| Transition {
            at,
            from: before.0,
            to,
            daylight: if negative { save == 0 && to > before.0 } else { save > 0 },
            name,
        })
        .collect()
}

/// `+HHMM` (or `+HHMMSS`).
fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{sec:02}") }
}

/// The yearly rule a set of changes follows in every year from its first through `last_year`, if
/// one does: `BYMONTH=m;BYDAY=nWD` (or `-1WD`), or `BYMONTH=m;BYMONTHDAY=d`.
fn yearly_rule(local: &[NaiveDateTime], last_year: i32) -> Option<String> {
    let first = local.first()?;
    let years: Vec<i32> = local.iter().map(|t| t.year()).collect();
    let expected: Vec<i32> = (first.year()..=last_year).collect();
    let same = |f: &dyn Fn(&NaiveDateTime) -> i64| local.iter().all(|t| f(t) == f(first));
    if years != expected || !same(&|t| i64::from(t.month())) || !same(&|t| i64::from(t.num_seconds_from_midnight())) {
        return None;
    }
    let month = first.month();
    if same(&|t| i64::from(t.day())) && !same(&|t| i64::from(t.weekday().num_days_from_monday())) {
        return Some(format!("FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={}", first.day()));
    }
    if !same(&|t| i64::from(t.weekday().num_days_from_monday())) {
        return None;
    }
    let day = two_letters(Weekday::from_chrono(first.weekday()));
    let nth = |t: &NaiveDateTime| i64::from((t.day() - 1) / 7 + 1);
    let last = |t: &NaiveDateTime| {
        let next = t.date() + Duration::days(7);
        i64::from(next.month() != t.month())
    };
    if same(&nth) {
        return Some(format!("FREQ=YEARLY;BYMONTH={month};BYDAY={}{day}", nth(first)));
    }
    if local.iter().all(|t| last(t) == 1) {
        return Some(format!("FREQ=YEARLY;BYMONTH={month};BYDAY=-1{day}"));
    }
    // "The first Sunday on or after the 2nd" (Chile): a week of days, as vzic writes it.
    let low = local.iter().map(|t| t.day()).min()?;
    if low + 6 <= 28 && local.iter().all(|t| t.day() <= low + 6) {
        let days: Vec<String> = (low..=low + 6).map(|d| d.to_string()).collect();
        return Some(format!("FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={};BYDAY={day}", days.join(",")));
    }
    None
}

/// The `VTIMEZONE` of `zone`, agreeing with the tz data from the start of `years.0` through the
/// end of `years.1`. Computed once per zone and years in a process (the tz data is compiled in).
pub fn vtimezone(zone: TimeZone, years: (i32, i32)) -> std::sync::Arc<[u8]> {
    type Cache = std::sync::Mutex<std::collections::HashMap<(&'static str, (i32, i32)), std::sync::Arc<[u8]>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    let key = (zone.name(), years);
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return std::sync::Arc::clone(found);
    }
    let built: std::sync::Arc<[u8]> = build_vtimezone(zone, years).into();
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, std::sync::Arc::clone(&built));
    built
}

fn build_vtimezone(zone: TimeZone, years: (i32, i32)) -> Vec<u8> {
    let (from_year, last_year) = years;
    let tz = zone.tz();
    let midnight =
        |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
    let (start, end) = (midnight(from_year), midnight(last_year + 1));
    let changes = transitions(tz, start, end);
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VTIMEZONE");
    push_line(&mut out, &format!("TZID:{}", zone.name()));
    // What is observed before the first change (or throughout, without changes).
    let (initial, save, name) = observed(tz, start);
    let local_start = start + Duration::seconds(i64::from(initial));
    observance(&mut out, save > 0, initial, initial, &name, &local_start, &[], None);
    // The changes, grouped by what they change to.
    let mut groups: BTreeMap<(bool, i32, i32, String), Vec<NaiveDateTime>> = BTreeMap::new();
    for t in changes {
        let local = t.at + Duration::seconds(i64::from(t.from));
        groups.entry((t.daylight, t.from, t.to, t.name)).or_default().push(local);
    }
    let mut ordered: Vec<_> = groups.into_iter().collect();
    ordered.sort_by_key(|(_, times)| times.first().copied());
    for ((daylight, from, to, name), times) in ordered {
        let Some(first) = times.first() else { continue };
        match yearly_rule(&times, last_year) {
            Some(rule) => observance(&mut out, daylight, from, to, &name, first, &[], Some(&rule)),
            None => observance(&mut out, daylight, from, to, &name, first, &times[1..], None),
        }
    }
    push_line(&mut out, "END:VTIMEZONE");
    out.into_bytes()
}

#[allow(clippy::too_many_arguments, reason = "one observance's fields, written in one place")]
fn observance(
    out: &mut String,
    daylight: bool,
    from: i32,
    to: i32,
    name: &str,
    start: &NaiveDateTime,
    rdates: &[NaiveDateTime],
    rule: Option<&str>,
) {
    let kind = if daylight { "DAYLIGHT" } else { "STANDARD" };
    push_line(out, &format!("BEGIN:{kind}"));
    push_line(out, &format!("DTSTART:{}", start.format("%Y%m%dT%H%M%S")));
    push_line(out, &format!("TZOFFSETFROM:{}", offset(from)));
    push_line(out, &format!("TZOFFSETTO:{}", offset(to)));
    if !name.is_empty() {
        push_line(out, &format!("TZNAME:{}", escape(name)));
    }
    if let Some(rule) = rule {
        push_line(out, &format!("RRULE:{rule}"));
    }
    for date in rdates {
        push_line(out, &format!("RDATE:{}", date.format("%Y%m%dT%H%M%S")));
    }
    push_line(out, &format!("END:{kind}"));
}

/// The years a zone's `VTIMEZONE` covers for events anchored at `now`: from a year before the
/// earliest possible `DTSTART` (so that an observance covers it) through ten years after `now`.
pub fn years(now: DateTime<Utc>) -> (i32, i32) {
    ((now - Duration::days(ANCHOR_DAYS + 400)).year() - 1, now.year() + YEARS + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(zone: &str) -> String {
        String::from_utf8(vtimezone(zone.parse().unwrap_or_else(|_| unreachable!()), (2026, 2037)).to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn yearly_zones_get_rules_and_others_dates() {
        let berlin = text("Europe/Berlin");
        assert!(berlin.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"), "{berlin}");
        assert!(berlin.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"), "{berlin}");
        assert!(berlin.contains("DTSTART:20260329T020000") && berlin.contains("TZOFFSETTO:+0200"), "{berlin}");
        let new_york = text("America/New_York");
        assert!(new_york.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"), "{new_york}");
        assert!(new_york.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"), "{new_york}");
        let sydney = text("Australia/Sydney");
        assert!(sydney.contains("BYMONTH=10;BYDAY=1SU") && sydney.contains("BYMONTH=4;BYDAY=1SU"), "{sydney}");
        let casablanca = text("Africa/Casablanca");
        assert!(casablanca.matches("RDATE:").count() >= 15 && !casablanca.contains("RRULE"), "{casablanca}");
        let santiago = text("America/Santiago");
        assert!(santiago.contains("BYMONTH=4;BYMONTHDAY=2,3,4,5,6,7,8;BYDAY=SU"), "{santiago}");
        let dublin = text("Europe/Dublin");
        assert!(
            dublin.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20260329T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:IST"
            ),
            "{dublin}"
        );
        let tokyo = text("Asia/Tokyo");
        assert_eq!(tokyo.matches("BEGIN:STANDARD").count(), 1, "{tokyo}");
        assert!(tokyo.contains("TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900"), "{tokyo}");
    }

    #[test]
    fn lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        push_line(&mut out, &format!("SUMMARY:{}", "ü".repeat(60)));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "ü".repeat(60)));
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(
            (duration(90), duration(60), duration(45), duration(1440)),
            ("PT1H30M".into(), "PT1H".into(), "PT45M".into(), "PT24H".into())
        );
    }
}
