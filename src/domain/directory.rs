//! The directory snapshot: every live meeting, service body and fellowship, derived from the
//! database and answering list queries with the filters of `GET /v1/meetings`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::geo::BoundingBox;
use super::ids::{FellowshipCode, LanguageCode, MeetingId, ServiceBodyId, TypeCode};
use super::index::SearchIndex;
use super::meeting::{Attendance, Meeting};
use super::schedule::Weekday;
use super::service_body::{Fellowship, ServiceBody};

/// A meeting with what list queries need precomputed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The meeting.
    pub meeting: Arc<Meeting>,
    search_text: Box<str>,
}

impl Entry {
    /// Wraps a meeting, lowercasing its searchable text once.
    pub fn new(meeting: Arc<Meeting>) -> Self {
        let search_text = meeting.data.search_text().into_boxed_str();
        Self { meeting, search_text }
    }
}

/// An immutable picture of the directory; writers build a new one and publish it whole.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    fellowships: BTreeMap<FellowshipCode, Fellowship>,
    service_bodies: BTreeMap<ServiceBodyId, ServiceBody>,
    children: BTreeMap<ServiceBodyId, Vec<ServiceBodyId>>,
    meetings: BTreeMap<MeetingId, Entry>,
    index: SearchIndex,
    usage: Usage,
}

/// What the catalog endpoints report about the published meetings, counted once per snapshot.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Published meetings per fellowship.
    pub meetings_per_fellowship: BTreeMap<FellowshipCode, usize>,
    /// For each type code, the fellowships whose published meetings use it.
    pub fellowships_per_type: BTreeMap<TypeCode, BTreeSet<FellowshipCode>>,
}

impl Usage {
    fn count<'a>(meetings: impl Iterator<Item = &'a Arc<Meeting>>) -> Self {
        let mut usage = Self::default();
        for data in meetings.map(|m| &m.data).filter(|d| d.published) {
            *usage.meetings_per_fellowship.entry(data.fellowship.clone()).or_insert(0) += 1;
            for code in &data.types {
                usage.fellowships_per_type.entry(code.clone()).or_default().insert(data.fellowship.clone());
            }
        }
        usage
    }
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
    /// Include meetings that are not published (for keys that may see them).
    pub include_unpublished: bool,
}

impl MeetingFilter {
    fn matches(&self, entry: &Entry) -> bool {
        self.matches_meeting(&entry.meeting)
            && self.text.as_ref().is_none_or(|t| entry.search_text.contains(t.as_str()))
    }

    /// Every filter except `text`, which needs the precomputed search text.
    pub fn matches_meeting(&self, meeting: &Meeting) -> bool {
        let m = &meeting.data;
        (self.include_unpublished || m.published)
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
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page {
    /// The meetings on this page, by ascending id.
    pub meetings: Vec<Arc<Meeting>>,
    /// The last id of this page when more may follow.
    pub next_after: Option<MeetingId>,
}

impl Directory {
    /// Builds a snapshot from everything loaded from storage, with a search index whose
    /// time masks are exact within a year or so of `around` (the current instant).
    pub fn new(
        fellowships: Vec<Fellowship>,
        service_bodies: Vec<ServiceBody>,
        meetings: Vec<Meeting>,
        around: DateTime<Utc>,
    ) -> Self {
        let mut children: BTreeMap<ServiceBodyId, Vec<ServiceBodyId>> = BTreeMap::new();
        for body in &service_bodies {
            if let Some(parent) = body.data.parent_id {
                children.entry(parent).or_default().push(body.id);
            }
        }
        let meetings: Vec<Arc<Meeting>> = meetings.into_iter().map(Arc::new).collect();
        // The list entries and counts, and the search index, are independent: build them side by side.
        let (meetings, usage, index) = std::thread::scope(|scope| {
            let index = scope.spawn(|| SearchIndex::build(meetings.iter(), around));
            let entries: BTreeMap<MeetingId, Entry> =
                meetings.iter().map(|m| (m.id, Entry::new(Arc::clone(m)))).collect();
            let usage = Usage::count(meetings.iter());
            (entries, usage, index.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        });
        Self {
            fellowships: fellowships.into_iter().map(|f| (f.code.clone(), f)).collect(),
            service_bodies: service_bodies.into_iter().map(|b| (b.id, b)).collect(),
            children,
            meetings,
            index,
            usage,
        }
    }

    /// Published meetings per fellowship and type codes in use.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// The search index over the meetings that can start.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Every fellowship by code.
    pub fn fellowships(&self) -> impl Iterator<Item = &Fellowship> {
        self.fellowships.values()
    }

    /// One fellowship.
    pub fn fellowship(&self, code: &FellowshipCode) -> Option<&Fellowship> {
        self.fellowships.get(code)
    }

    /// Every service body by id.
    pub fn service_bodies(&self) -> impl Iterator<Item = &ServiceBody> {
        self.service_bodies.values()
    }

    /// One service body.
    pub fn service_body(&self, id: ServiceBodyId) -> Option<&ServiceBody> {
        self.service_bodies.get(&id)
    }

    /// The direct children of a service body, by id.
    pub fn children(&self, id: ServiceBodyId) -> &[ServiceBodyId] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }

    /// A service body and all its descendants.
    pub fn subtree(&self, root: ServiceBodyId) -> BTreeSet<ServiceBodyId> {
        let mut out = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if out.insert(id) {
                stack.extend_from_slice(self.children(id));
            }
        }
        out
    }

    /// One live meeting, published or not.
    pub fn meeting(&self, id: MeetingId) -> Option<&Arc<Meeting>> {
        self.meetings.get(&id).map(|e| &e.meeting)
    }

    /// Every live meeting by id.
    pub fn meetings(&self) -> impl Iterator<Item = &Arc<Meeting>> {
        self.meetings.values().map(|e| &e.meeting)
    }

    /// How many live meetings there are.
    pub fn meeting_count(&self) -> usize {
        self.meetings.len()
    }

    /// Up to `limit` matching meetings with ids above `after`, by ascending id.
    pub fn list(&self, filter: &MeetingFilter, after: Option<MeetingId>, limit: usize) -> Page {
        use std::ops::Bound::{Excluded, Unbounded};
        let lower = after.map_or(Unbounded, Excluded);
        let mut matching = self.meetings.range((lower, Unbounded)).map(|(_, e)| e).filter(|e| filter.matches(e));
        let meetings: Vec<Arc<Meeting>> = matching.by_ref().take(limit).map(|e| Arc::clone(&e.meeting)).collect();
        let more = matching.next().is_some();
        let next_after = if more { meetings.last().map(|m| m.id) } else { None };
        Page { meetings, next_after }
    }
}
