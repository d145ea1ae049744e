//! Weekly schedules in local wall-clock time: weekdays, start time, duration, IANA zone, month weeks.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::ids::InvalidValue;

/// A day of the week, named in full on the wire (`"monday"`). Wire formats with numbered days
/// convert at their edge; a bare integer day never crosses a module boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The lowercase English name used by the API.
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// The same day as chrono sees it.
    pub fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }

    /// The day chrono names.
    pub fn from_chrono(day: chrono::Weekday) -> Self {
        Self::ALL[day.num_days_from_monday() as usize]
    }
}

impl FromStr for Weekday {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| InvalidValue(format!("`{s}` is not a day (monday … sunday)")))
    }
}

/// A local wall-clock start time, written `HH:MM` (24-hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime {
    minutes: u16,
}

impl LocalTime {
    /// 00:00.
    pub const MIDNIGHT: LocalTime = LocalTime { minutes: 0 };

    /// A time from minutes after midnight (0–1439).
    pub fn from_minutes(minutes: u16) -> Result<Self, InvalidValue> {
        if minutes < 24 * 60 {
            Ok(Self { minutes })
        } else {
            Err(InvalidValue(format!("{minutes} minutes is not a time of day")))
        }
    }

    /// Minutes after local midnight.
    pub fn minutes(self) -> u16 {
        self.minutes
    }

    /// The time as chrono sees it.
    pub fn to_naive(self) -> chrono::NaiveTime {
        chrono::NaiveTime::MIN + chrono::Duration::minutes(i64::from(self.minutes))
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl FromStr for LocalTime {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidValue(format!("`{s}` is not a 24-hour time HH:MM"));
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit() || b == b':') {
            return Err(bad());
        }
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Self::from_minutes(h * 60 + m)
    }
}

impl TryFrom<String> for LocalTime {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<LocalTime> for String {
    fn from(t: LocalTime) -> String {
        t.to_string()
    }
}

/// Which weeks of the month a meeting meets: `1`–`5`, or `-1` for the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i8", into = "i8")]
pub struct WeekOfMonth(i8);

impl WeekOfMonth {
    /// The last such weekday of the month (may be the 4th or the 5th).
    pub const LAST: WeekOfMonth = WeekOfMonth(-1);

    /// The number as written on the wire (`1`–`5`, `-1`).
    pub fn get(self) -> i8 {
        self.0
    }
}

impl TryFrom<i8> for WeekOfMonth {
    type Error = InvalidValue;
    fn try_from(n: i8) -> Result<Self, Self::Error> {
        if (1..=5).contains(&n) || n == -1 {
            Ok(Self(n))
        } else {
            Err(InvalidValue(format!("{n} is not a week of the month (1–5, or -1 for the last)")))
        }
    }
}

impl From<WeekOfMonth> for i8 {
    fn from(w: WeekOfMonth) -> i8 {
        w.0
    }
}

/// An IANA time zone, written by its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(Tz);

impl TimeZone {
    /// The chrono-tz zone.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// The IANA name (`Europe/Berlin`).
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl From<Tz> for TimeZone {
    fn from(tz: Tz) -> Self {
        Self(tz)
    }
}

impl FromStr for TimeZone {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Tz>().map(Self).map_err(|_| InvalidValue(format!("`{s}` is not an IANA time zone name")))
    }
}

impl TryFrom<String> for TimeZone {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TimeZone> for String {
    fn from(z: TimeZone) -> String {
        z.name().to_owned()
    }
}

/// When a meeting meets, in its own zone's wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The weekdays it meets on: at least one, sorted Monday first, no repeats.
    pub days: Vec<Weekday>,
    /// Local start time.
    pub start_time: LocalTime,
    /// Elapsed duration in minutes, 1–1440.
    pub duration_minutes: u16,
    /// The zone its wall-clock times are in.
    pub time_zone: TimeZone,
    /// True when Lantern derived the zone from the coordinates rather than being told it.
    pub time_zone_derived: bool,
    /// Empty for every week; otherwise the weeks of the month it meets in.
    pub weeks_of_month: Vec<WeekOfMonth>,
}

/// The default duration when a publisher gives none.
pub const DEFAULT_DURATION_MINUTES: u16 = 60;

impl Schedule {
    /// Checks the invariants the fields cannot express alone, returning each broken rule with its field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.days.is_empty() {
            problems.push(("days", "at least one day is required".to_owned()));
        }
        if self.days.windows(2).any(|w| w[0] >= w[1]) {
            problems.push(("days", "days must be distinct".to_owned()));
        }
        if !(1..=1440).contains(&self.duration_minutes) {
            problems.push(("duration_minutes", "must be between 1 and 1440".to_owned()));
        }
        if self.weeks_of_month.windows(2).any(|w| w[0] == w[1]) {
            problems.push(("weeks_of_month", "weeks must be distinct".to_owned()));
        }
        problems
    }

    /// Sorts days and weeks so equal schedules compare equal.
    pub fn normalize(&mut self) {
        self.days.sort_unstable();
        self.days.dedup();
        self.weeks_of_month.sort_unstable();
        self.weeks_of_month.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_parse_strictly() {
        assert_eq!("07:05".parse::<LocalTime>().map(|t| t.minutes()), Ok(425));
        assert_eq!("23:59".parse::<LocalTime>().map(|t| t.to_string()), Ok("23:59".into()));
        for bad in ["24:00", "7:05", "07:5", "07-05", "ab:cd", "12:60", "+1:00", ""] {
            assert!(bad.parse::<LocalTime>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn weekdays_round_trip_through_names_and_chrono() {
        for day in Weekday::ALL {
            assert_eq!(day.name().parse::<Weekday>(), Ok(day));
            assert_eq!(Weekday::from_chrono(day.to_chrono()), day);
        }
        assert!("funday".parse::<Weekday>().is_err());
        assert!("Monday".parse::<Weekday>().is_err());
    }

    #[test]
    fn weeks_of_month_allow_one_to_five_and_last() {
        for n in [1, 2, 3, 4, 5, -1] {
            assert!(WeekOfMonth::try_from(n).is_ok());
        }
        for n in [0, 6, -2] {
            assert!(WeekOfMonth::try_from(n).is_err());
        }
    }

    #[test]
    fn zones_must_be_iana_names() {
        assert_eq!("Asia/Kathmandu".parse::<TimeZone>().map(TimeZone::name), Ok("Asia/Kathmandu"));
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
    }
}
