//! Where in the UTC week meetings can start: hour-of-week masks (which hour trees hold a meeting,
//! which a search walks) and minute-exact start windows (the cheap superset test a candidate passes
//! before its occurrences are computed exactly).

use chrono::{DateTime, Duration, Offset, TimeZone as _, Utc};
use chrono_tz::Tz;

use super::schedule::Schedule;

const HOURS: usize = 168;
const MINUTES_PER_WEEK: i64 = 7 * 1440;

/// A set of UTC hours of the week, Monday 00:00 UTC being hour 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekMask([u64; 3]);

impl WeekMask {
    /// Every hour.
    pub const ALL: WeekMask = WeekMask([u64::MAX, u64::MAX, u64::MAX]);

    fn set(&mut self, hour: usize) {
        self.0[hour / 64] |= 1 << (hour % 64);
    }

    /// Adds the hours touched by UTC minutes-of-week `[from, to]` (may wrap; any integers).
    pub fn add_minutes(&mut self, from: i64, to: i64) {
        if to - from >= MINUTES_PER_WEEK - 60 {
            *self = Self::ALL;
            return;
        }
        let mut hour = from.div_euclid(60);
        while hour <= to.div_euclid(60) {
            self.set(usize::try_from(hour.rem_euclid(168)).unwrap_or(0));
            hour += 1;
        }
    }

    /// The hours in the set, ascending.
    pub fn hours(&self) -> impl Iterator<Item = usize> + '_ {
        (0..HOURS).filter(|h| self.0[h / 64] & (1 << (h % 64)) != 0)
    }

    /// How many hours are in the set.
    pub fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The hours an instant window `[from, to]` touches.
    pub fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let mut mask = Self::default();
        let start = minute_of_week(from);
        mask.add_minutes(start, start + (to - from).num_minutes() + 1);
        mask
    }
}

/// Minutes since the last Monday 00:00 UTC (the Unix epoch was a Thursday).
pub fn minute_of_week(at: DateTime<Utc>) -> i64 {
    (at.timestamp().div_euclid(60) + 3 * 1440).rem_euclid(MINUTES_PER_WEEK)
}

/// The smallest and largest UTC offsets (minutes) a zone uses between two instants.
pub fn offset_range(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> (i64, i64) {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    let mut t = from;
    loop {
        let offset = i64::from(tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()) / 60;
        lo = lo.min(offset);
        hi = hi.max(offset);
        if t >= to {
            return (lo, hi);
        }
        t = (t + Duration::hours(6)).min(to);
    }
}

/// The UTC hours of the week in which a schedule can start, given its zone's offset range.
pub fn start_hours(schedule: &Schedule, range: (i64, i64)) -> WeekMask {
    let mut starts = WeekMask::default();
    for local in StartWindows::new(schedule).local_starts() {
        starts.0.iter_mut().zip(start_hours_of(local, range).0).for_each(|(a, b)| *a |= b);
    }
    starts
}

/// The UTC hours of the week in which a start at local minute of the week `local` can fall.
pub fn start_hours_of(local: u16, (lo, hi): (i64, i64)) -> WeekMask {
    let mut starts = WeekMask::default();
    starts.add_minutes(i64::from(local) - hi, i64::from(local) - lo);
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_of_week_counts_from_monday_utc() {
        let monday = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        assert_eq!(minute_of_week(monday), 0);
        assert_eq!(minute_of_week(monday + Duration::minutes(90)), 90);
        assert_eq!(minute_of_week(monday - Duration::minutes(1)), MINUTES_PER_WEEK - 1);
    }

    #[test]
    fn windows_wrap_around_the_week() {
        let sunday_late = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        let mask = WeekMask::window(sunday_late, sunday_late + Duration::minutes(60));
        // Sunday 23:00 is the week's last hour; the window runs on into Monday 00:00.
        assert_eq!(mask.hours().collect::<Vec<_>>(), [0, 167]);
        assert_eq!(mask.count(), 2);
    }

    #[test]
    fn offsets_cover_both_sides_of_dst() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
        assert_eq!(offset_range(chrono_tz::America::New_York, from, to), (-300, -240));
        assert_eq!(offset_range(chrono_tz::Australia::Lord_Howe, from, to), (630, 660));
        assert_eq!(offset_range(chrono_tz::Asia::Kathmandu, from, to), (345, 345));
    }
}

/// Where in the UTC week a schedule can start, to the minute, once the offsets its zone uses
/// around the query are known (a range as wide as a DST shift inside the window, usually none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartWindows {
    days: u8,
    start: u16,
    duration: u16,
    zone: Tz,
}

impl StartWindows {
    /// The windows of a schedule.
    pub fn new(schedule: &Schedule) -> Self {
        let days = schedule.days.iter().fold(0u8, |bits, d| bits | (1 << d.to_chrono().num_days_from_monday()));
        Self {
            days,
            start: schedule.start_time.minutes(),
            duration: schedule.duration_minutes,
            zone: schedule.time_zone.tz(),
        }
    }

    /// The schedule's zone.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The local minutes of the week at which it starts, Monday 00:00 being 0.
    pub fn local_starts(&self) -> impl Iterator<Item = u16> + '_ {
        (0..7u16).filter(|d| self.days & (1 << d) != 0).map(|d| d * 1440 + self.start)
    }

    /// Could an occurrence start in `[at, at + window]`, or (with `running`) be running at `at`,
    /// when the zone's offsets then lie in `lo..=hi` minutes?
    pub fn may_start(&self, at: DateTime<Utc>, window: i64, running: bool, offsets: (i64, i64)) -> bool {
        let back = if running { i64::from(self.duration) } else { 0 };
        self.local_starts().any(|local| may_start_at(i64::from(local), at, window, back, offsets))
    }
}

/// Could a start at local minute of the week `local` fall in `[at - back, at + window]` when the
/// zone's offsets lie in `lo..=hi` minutes?
pub fn may_start_at(local: i64, at: DateTime<Utc>, window: i64, back: i64, (lo, hi): (i64, i64)) -> bool {
    let (query_from, query_len, spread) = (minute_of_week(at) - back, window + back, hi - lo);
    if query_len + spread >= MINUTES_PER_WEEK {
        return true;
    }
    let start = local - hi;
    (query_from - start).rem_euclid(MINUTES_PER_WEEK) <= spread
        || (start - query_from).rem_euclid(MINUTES_PER_WEEK) <= query_len
}

/// The offsets a zone uses from a day before `from` to `to`: every offset an occurrence starting
/// in `[from, to]` can be converted with, the one before a gap included.
pub fn offsets_around(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> (i64, i64) {
    offset_range(tz, from - Duration::hours(30), to + Duration::hours(1))
}
