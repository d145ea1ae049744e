//! What list and search queries filter on (`MeetingFilter`), and the usage counts the catalog
//! endpoints report, kept per snapshot and adjusted on every write.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::geo::BoundingBox;
use super::ids::{FellowshipCode, LanguageCode, MeetingId, ServiceBodyId, TypeCode};
use super::meeting::{Attendance, Meeting};
use super::schedule::Weekday;

/// Which unpublished meetings a query may see.
#[derive(Debug, Clone, Default)]
pub enum Unpublished {
    /// None: the public view.
    #[default]
    Hidden,
    /// Those of these service bodies (a key's subtree).
    Within(Arc<BTreeSet<ServiceBodyId>>),
    /// All of them (admin keys, tests).
    All,
}

/// The filters of a meeting list; empty lists mean "no filter".
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    /// Any of these fellowships.
    pub fellowships: Vec<FellowshipCode>,
    /// Any of these service bodies or their descendants (expanded by `Directory::subtree`).
    pub service_bodies: Option<BTreeSet<ServiceBodyId>>,
    /// Meets on any of these days.
    pub days: Vec<Weekday>,
    /// Has every one of these types.
    pub types: Vec<TypeCode>,
    /// Has none of these types.
    pub exclude_types: Vec<TypeCode>,
    /// Any of these attendance options.
    pub attendance: Vec<Attendance>,
    /// In any of these languages.
    pub languages: Vec<LanguageCode>,
    /// Lowercased text found in name, location or notes.
    pub text: Option<String>,
    /// Has coordinates inside this box.
    pub bbox: Option<BoundingBox>,
    /// Updated at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Which unpublished meetings are included.
    pub unpublished: Unpublished,
    /// Meetings to skip whatever else they match: the directory sets it to the base entries its
    /// newer delta supersedes.
    pub exclude: Option<Arc<HashSet<MeetingId>>>,
}

impl MeetingFilter {
    /// Every filter except `text`, which needs the precomputed search text.
    pub fn matches_meeting(&self, meeting: &Meeting) -> bool {
        let m = &meeting.data;
        let visible = m.published
            || match &self.unpublished {
                Unpublished::Hidden => false,
                Unpublished::Within(bodies) => bodies.contains(&m.service_body_id),
                Unpublished::All => true,
            };
        visible
            && (self.fellowships.is_empty() || self.fellowships.contains(&m.fellowship))
            && self.service_bodies.as_ref().is_none_or(|s| s.contains(&m.service_body_id))
            && (self.days.is_empty()
                || m.schedule.as_ref().is_some_and(|s| s.days.iter().any(|d| self.days.contains(d))))
            && self.types.iter().all(|t| m.types.contains(t))
            && !self.exclude_types.iter().any(|t| m.types.contains(t))
            && (self.attendance.is_empty() || self.attendance.contains(&m.attendance))
            && (self.languages.is_empty() || m.languages.iter().any(|l| self.languages.contains(l)))
            && self.bbox.is_none_or(|b| m.coordinates().is_some_and(|c| b.contains(c)))
            && self.updated_since.is_none_or(|t| meeting.updated_at >= t)
            && self.exclude.as_ref().is_none_or(|ids| !ids.contains(&meeting.id))
    }
}

/// What the catalog endpoints report about the published meetings.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Published meetings per fellowship.
    pub meetings_per_fellowship: BTreeMap<FellowshipCode, usize>,
    /// For each type code, how many published meetings of each fellowship use it.
    pub fellowships_per_type: BTreeMap<TypeCode, BTreeMap<FellowshipCode, usize>>,
}

impl Usage {
    /// Counts the published meetings.
    pub fn count<'a>(meetings: impl Iterator<Item = &'a Arc<Meeting>>) -> Self {
        let mut usage = Self::default();
        for meeting in meetings {
            usage.add(meeting);
        }
        usage
    }

    /// Counts one more meeting (when published).
    pub fn add(&mut self, meeting: &Meeting) {
        let data = &meeting.data;
        if !data.published {
            return;
        }
        *self.meetings_per_fellowship.entry(data.fellowship.clone()).or_insert(0) += 1;
        for code in &data.types {
            *self.fellowships_per_type.entry(code.clone()).or_default().entry(data.fellowship.clone()).or_insert(0) +=
                1;
        }
    }

    /// Forgets a meeting counted before, dropping counts that reach zero.
    pub fn remove(&mut self, meeting: &Meeting) {
        let data = &meeting.data;
        if !data.published {
            return;
        }
        if let Some(n) = self.meetings_per_fellowship.get_mut(&data.fellowship) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.meetings_per_fellowship.remove(&data.fellowship);
            }
        }
        for code in &data.types {
            let Some(per) = self.fellowships_per_type.get_mut(code) else { continue };
            if let Some(n) = per.get_mut(&data.fellowship) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per.remove(&data.fellowship);
                }
            }
            if per.is_empty() {
                self.fellowships_per_type.remove(code);
            }
        }
    }
}
