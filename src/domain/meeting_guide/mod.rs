//! The Meeting Guide JSON feed (the format of the 12 Step Meeting List plugin, read by the Meeting
//! Guide app and TSML UI): meetings written as its records, and its records, however messy, read
//! back into meetings.
//!
//! The format has no monthly schedules, closures or suspensions. Lantern says them in `notes` as
//! sentences of a fixed form ([`Sentence`]), and reads those sentences back on import, so an
//! export imported again gives the same meetings.

pub mod export;
pub mod import;

use chrono::NaiveDate;

use super::meeting::Closures;
use super::schedule::{WeekOfMonth, Weekday};

/// Meeting Guide's day number: 0 = Sunday … 6 = Saturday.
pub fn day_number(day: Weekday) -> u8 {
    match day {
        Weekday::Sunday => 0,
        Weekday::Monday => 1,
        Weekday::Tuesday => 2,
        Weekday::Wednesday => 3,
        Weekday::Thursday => 4,
        Weekday::Friday => 5,
        Weekday::Saturday => 6,
    }
}

/// The day a Meeting Guide day number names.
pub fn day_of_number(n: u8) -> Option<Weekday> {
    Weekday::ALL.into_iter().find(|d| day_number(*d) == n)
}

fn capitalized(day: Weekday) -> String {
    let name = day.name();
    name[..1].to_uppercase() + &name[1..]
}

fn ordinal(week: WeekOfMonth) -> &'static str {
    match week.get() {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        4 => "4th",
        5 => "5th",
        _ => "last",
    }
}

fn joined(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What the format cannot carry, said in a line of `notes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sentence {
    /// `Meets on the 1st and 3rd Monday of the month.`
    Weeks(Weekday, Vec<WeekOfMonth>),
    /// `Closed on 2026-12-24 and 2026-12-31.`
    Closed(Vec<NaiveDate>),
    /// `Suspended until 2027-01-10.`
    Suspended(NaiveDate),
}

impl Sentence {
    /// The line as written into `notes`.
    pub fn text(&self) -> String {
        match self {
            Sentence::Weeks(day, weeks) => {
                let weeks: Vec<String> = weeks.iter().map(|w| ordinal(*w).to_owned()).collect();
                format!("Meets on the {} {} of the month.", joined(&weeks), capitalized(*day))
            }
            Sentence::Closed(dates) => {
                let dates: Vec<String> = dates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
                format!("Closed on {}.", joined(&dates))
            }
            Sentence::Suspended(date) => format!("Suspended until {}.", date.format("%Y-%m-%d")),
        }
    }

    /// Reads a line Lantern wrote; `None` for any other text.
    pub fn parse(line: &str) -> Option<Self> {
        let items = |list: &str| -> Vec<String> {
            list.split(", ").flat_map(|part| part.split(" and ")).map(str::to_owned).collect()
        };
        if let Some(rest) = line.strip_prefix("Meets on the ").and_then(|r| r.strip_suffix(" of the month.")) {
            let (weeks, day) = rest.rsplit_once(' ')?;
            let day = Weekday::ALL.into_iter().find(|d| capitalized(*d) == day)?;
            let weeks = items(weeks)
                .iter()
                .map(|w| (1..=5).chain([-1]).filter_map(|n| WeekOfMonth::try_from(n).ok()).find(|x| ordinal(*x) == w))
                .collect::<Option<Vec<_>>>()?;
            return Some(Sentence::Weeks(day, weeks));
        }
        if let Some(rest) = line.strip_prefix("Closed on ").and_then(|r| r.strip_suffix('.')) {
            let dates: Option<Vec<NaiveDate>> =
                items(rest).iter().map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
            return dates.map(Sentence::Closed);
        }
        let rest = line.strip_prefix("Suspended until ")?.strip_suffix('.')?;
        NaiveDate::parse_from_str(rest, "%Y-%m-%d").ok().map(Sentence::Suspended)
    }
}

/// The closures still ahead on `today` (the meeting's local date), as sentences: the closed dates
/// from today on, then the suspension if it has not ended.
pub fn closing_sentences(closures: &Closures, today: NaiveDate) -> Vec<Sentence> {
    let mut closing = Vec::new();
    let closed: Vec<_> = closures.dates.iter().copied().filter(|d| *d >= today).collect();
    if !closed.is_empty() {
        closing.push(Sentence::Closed(closed));
    }
    closing.extend(closures.suspended_until.filter(|until| *until >= today).map(Sentence::Suspended));
    closing
}

/// Splits notes into the publisher's text and the trailing lines Lantern wrote.
pub fn split_notes(notes: &str) -> (Option<String>, Vec<Sentence>) {
    let mut lines: Vec<&str> = notes.lines().collect();
    let mut sentences = Vec::new();
    while let Some(sentence) = lines.last().and_then(|l| Sentence::parse(l.trim())) {
        sentences.push(sentence);
        lines.pop();
    }
    sentences.reverse();
    let text = lines.join("\n").trim().to_owned();
    ((!text.is_empty()).then_some(text), sentences)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn days_number_from_sunday() {
        assert_eq!(day_number(Weekday::Sunday), 0);
        assert_eq!(day_number(Weekday::Saturday), 6);
        for n in 0..7 {
            assert_eq!(day_of_number(n).map(day_number), Some(n));
        }
        assert_eq!(day_of_number(7), None);
    }

    #[test]
    fn sentences_read_back_what_they_write() {
        let weeks = |w: &[i8]| w.iter().filter_map(|n| WeekOfMonth::try_from(*n).ok()).collect::<Vec<_>>();
        let cases = [
            (Sentence::Weeks(Weekday::Monday, weeks(&[1, 3])), "Meets on the 1st and 3rd Monday of the month."),
            (Sentence::Weeks(Weekday::Friday, weeks(&[-1])), "Meets on the last Friday of the month."),
            (Sentence::Weeks(Weekday::Sunday, weeks(&[1, 2, 4])), "Meets on the 1st, 2nd and 4th Sunday of the month."),
            (Sentence::Closed(vec![date("2026-12-24"), date("2026-12-31")]), "Closed on 2026-12-24 and 2026-12-31."),
            (Sentence::Suspended(date("2027-01-10")), "Suspended until 2027-01-10."),
        ];
        for (sentence, text) in cases {
            assert_eq!(sentence.text(), text);
            assert_eq!(Sentence::parse(text), Some(sentence));
        }
        assert_eq!(Sentence::parse("Closed on Christmas."), None);
        assert_eq!(Sentence::parse("Meets on the 6th Monday of the month."), None);
    }

    #[test]
    fn only_trailing_sentences_are_split_off() {
        let (text, sentences) = split_notes("Side door.\nClosed on 2026-12-24.\nSuspended until 2027-01-10.");
        assert_eq!(text.as_deref(), Some("Side door."));
        assert_eq!(sentences, [Sentence::Closed(vec![date("2026-12-24")]), Sentence::Suspended(date("2027-01-10"))]);
        let (text, sentences) = split_notes("Closed on 2026-12-24.\nBring a book.");
        assert_eq!(text.as_deref(), Some("Closed on 2026-12-24.\nBring a book."));
        assert!(sentences.is_empty());
        assert_eq!(split_notes("Suspended until 2027-01-10."), (None, vec![Sentence::Suspended(date("2027-01-10"))]));
    }
}
