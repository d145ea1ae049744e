//! Occurrences: a schedule's local wall-clock starts turned into instants (RFC 5545 §3.3.5: a
//! repeated local time means its first occurrence, a skipped one takes the offset before the gap),
//! and the one occurrence a search reports at an instant.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone as _, Utc};
use chrono_tz::Tz;

use super::meeting::{Attendance, Closures, MeetingData};
use super::schedule::{Schedule, Weekday};

/// One concrete session of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// When it starts.
    pub start: DateTime<Utc>,
    /// Start plus the duration in elapsed time.
    pub end: DateTime<Utc>,
    /// The local date it is scheduled on.
    pub local_date: NaiveDate,
}

impl Occurrence {
    /// True when it is running at `at`: `start <= at < end`.
    pub fn is_running(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// The instant of a local wall-clock time: in a fold the first, in a gap the offset before it.
pub fn local_to_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // The offset in force before the gap: transitions are far more than 40 hours
            // apart, and 40 hours before the wall-clock value as if UTC is before any gap at it.
            let before = tz.offset_from_utc_datetime(&(local - Duration::hours(40))).fix();
            (local - Duration::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// True when `date` falls in one of the month weeks (1–5 counted from the first, −1 the last).
fn in_weeks_of_month(schedule: &Schedule, date: NaiveDate) -> bool {
    if schedule.weeks_of_month.is_empty() {
        return true;
    }
    let day = date.day();
    let week = i8::try_from((day - 1) / 7 + 1).unwrap_or(0);
    let is_last = date.checked_add_signed(Duration::days(7)).is_none_or(|d| d.month() != date.month());
    schedule.weeks_of_month.iter().any(|w| w.get() == week || (w.get() == -1 && is_last))
}

/// True when the schedule has the local `date` (its weekdays and month weeks), closures aside.
pub fn scheduled_on(schedule: &Schedule, date: NaiveDate) -> bool {
    schedule.days.contains(&Weekday::from_chrono(date.weekday())) && in_weeks_of_month(schedule, date)
}

/// True when the meeting is scheduled on the local `date` and not closed then.
pub fn meets_on(schedule: &Schedule, closures: &Closures, date: NaiveDate) -> bool {
    schedule.days.contains(&Weekday::from_chrono(date.weekday()))
        && in_weeks_of_month(schedule, date)
        && closures.suspended_until.is_none_or(|until| date > until)
        && !closures.dates.contains(&date)
}

/// The occurrence scheduled on a local date (whether or not the schedule meets then).
pub fn occurrence_on(schedule: &Schedule, date: NaiveDate) -> Occurrence {
    let start = local_to_instant(schedule.time_zone.tz(), date.and_time(schedule.start_time.to_naive()));
    Occurrence { start, end: start + Duration::minutes(i64::from(schedule.duration_minutes)), local_date: date }
}

/// Every occurrence starting in `[from, to]`, in order. Inactive and unscheduled meetings have none.
pub fn occurrences_between(meeting: &MeetingData, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
    each_occurrence(meeting, from, to).collect()
}

/// The occurrences starting in `[from, to]`, lazily, in order.
fn each_occurrence(
    meeting: &MeetingData,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = Occurrence> + '_ {
    let schedule = meeting.schedule.as_ref().filter(|_| meeting.attendance != Attendance::Inactive);
    let dates = schedule.map(|schedule| {
        let tz = schedule.time_zone.tz();
        // A local start lies within a day of its instant's local date, even across Apia's lost day.
        let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
        let last = to.with_timezone(&tz).date_naive() + Duration::days(1);
        (schedule, first, last)
    });
    dates
        .into_iter()
        .flat_map(move |(schedule, first, last)| {
            first
                .iter_days()
                .take_while(move |d| *d <= last)
                .filter(move |d| meets_on(schedule, &meeting.closures, *d))
                .map(move |d| occurrence_on(schedule, d))
        })
        .filter(move |o| from <= o.start && o.start <= to)
}

/// The occurrence a search at `at` reports: the running one (the later-starting if two run) when
/// `include_in_progress` and one runs, otherwise the next start within `window_minutes`.
pub fn reported_occurrence(
    meeting: &MeetingData,
    at: DateTime<Utc>,
    window_minutes: u32,
    include_in_progress: bool,
) -> Option<Occurrence> {
    let duration = Duration::minutes(i64::from(meeting.schedule.as_ref()?.duration_minutes));
    let horizon = at + Duration::minutes(i64::from(window_minutes));
    let earliest = if include_in_progress { at - duration } else { at };
    let mut running = None;
    for occurrence in each_occurrence(meeting, earliest, horizon) {
        if include_in_progress && occurrence.is_running(at) {
            running = Some(occurrence);
        } else if occurrence.start >= at {
            return running.or(Some(occurrence));
        }
    }
    running
}

/// Whole minutes from `at` (truncated to seconds) to `start`, rounded down; negative while running.
pub fn starts_in_minutes(start: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    (start.timestamp() - at.timestamp()).div_euclid(60)
}
