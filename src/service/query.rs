//! Read use cases: listing and looking up meetings, and what the catalog endpoints show.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Lantern;
use super::error::{FieldErrors, ServiceError, push_error};
use crate::domain::access::Caller;
use crate::domain::directory::{Directory, MeetingFilter, Page, Unpublished};
use crate::domain::geo::BoundingBox;
use crate::domain::ids::{FellowshipCode, LanguageCode, MeetingId, ServiceBodyId, TypeCode};
use crate::domain::meeting::{Attendance, Meeting};
use crate::domain::schedule::Weekday;

/// The filters every meeting query shares, parsed but not yet checked against the directory.
#[derive(Debug, Clone, Default)]
pub struct CommonFilters {
    /// Any of these fellowships.
    pub fellowships: Vec<FellowshipCode>,
    /// Any of these service bodies, with their descendants.
    pub service_bodies: Vec<ServiceBodyId>,
    /// Has all of these types.
    pub types: Vec<TypeCode>,
    /// Has none of these types.
    pub exclude_types: Vec<TypeCode>,
    /// Any of these attendance options.
    pub attendance: Vec<Attendance>,
    /// Any of these languages.
    pub languages: Vec<LanguageCode>,
}

/// A page of meetings with, for each, whether the caller may see its private fields.
#[derive(Debug, Clone)]
pub struct VisiblePage {
    /// The meetings.
    pub page: Page,
    /// Parallel to `page.meetings`.
    pub private: Vec<bool>,
}

/// A meeting list request.
#[derive(Debug, Clone, Default)]
pub struct MeetingQuery {
    /// Fellowship, service body, type, attendance and language filters.
    pub common: CommonFilters,
    /// Meets on any of these days.
    pub days: Vec<Weekday>,
    /// Case-insensitive text in name, location or notes.
    pub text: Option<String>,
    /// Inside this box.
    pub bbox: Option<BoundingBox>,
    /// Changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Continue after this id.
    pub after: Option<MeetingId>,
    /// Page size.
    pub limit: usize,
}

impl Lantern {
    /// Checks the shared filters against the directory and the vocabulary, naming every unknown
    /// fellowship, service body and type; expands service bodies to their subtrees.
    pub(crate) fn resolve_filters(
        &self,
        directory: &Directory,
        common: CommonFilters,
    ) -> Result<MeetingFilter, ServiceError> {
        let mut errors = FieldErrors::new();
        for code in common.fellowships.iter().filter(|c| directory.fellowship(c).is_none()) {
            push_error(
                &mut errors,
                "fellowship",
                format!("`{code}` is not a known fellowship (see GET /v1/fellowships)"),
            );
        }
        let mut bodies = BTreeSet::new();
        for id in &common.service_bodies {
            if directory.service_body(*id).is_none() {
                push_error(&mut errors, "service_body", format!("there is no service body {id}"));
            }
            bodies.extend(directory.subtree(*id));
        }
        for (field, codes) in [("types", &common.types), ("exclude_types", &common.exclude_types)] {
            for code in codes.iter().filter(|c| self.vocabulary().get(c).is_none()) {
                push_error(&mut errors, field, self.vocabulary().explain_unknown(code.as_str()));
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::UnknownReference(errors));
        }
        Ok(MeetingFilter {
            fellowships: common.fellowships,
            service_bodies: (!common.service_bodies.is_empty()).then_some(bodies),
            types: common.types,
            exclude_types: common.exclude_types,
            attendance: common.attendance,
            languages: common.languages,
            ..MeetingFilter::default()
        })
    }

    /// One page of the meeting list as the caller may see it: published meetings, and for keys
    /// also the unpublished ones of their service bodies; each with whether its private fields show.
    pub fn list_meetings(&self, query: MeetingQuery, caller: &Caller) -> Result<VisiblePage, ServiceError> {
        let directory = self.directory();
        let unpublished = match caller {
            Caller::Public => Unpublished::Hidden,
            c if c.is_admin() => Unpublished::All,
            Caller::Key(key) => Unpublished::Within(Arc::new(
                key.service_body_id.map(|root| directory.subtree(root)).unwrap_or_default(),
            )),
            Caller::Operator => Unpublished::All,
        };
        let (after, limit) = (query.after, query.limit);
        let filter = self.meeting_filter(&directory, query, unpublished)?;
        let page = directory.list(&filter, after, limit);
        let private =
            page.meetings.iter().map(|m| caller.may_read_private(&directory, m.data.service_body_id)).collect();
        Ok(VisiblePage { page, private })
    }

    fn meeting_filter(
        &self,
        directory: &Directory,
        query: MeetingQuery,
        unpublished: Unpublished,
    ) -> Result<MeetingFilter, ServiceError> {
        Ok(MeetingFilter {
            days: query.days,
            text: query.text.map(|t| t.to_lowercase()),
            bbox: query.bbox,
            updated_since: query.updated_since,
            unpublished,
            ..self.resolve_filters(directory, query.common)?
        })
    }

    /// Every published meeting `query` matches (its `after` and `limit` aside), by id, with the
    /// snapshot they come from: what the exports write. Unpublished meetings never appear, whoever asks.
    pub fn export_meetings(&self, query: MeetingQuery) -> Result<(Arc<Directory>, Vec<Arc<Meeting>>), ServiceError> {
        let directory = self.directory();
        let filter = self.meeting_filter(&directory, query, Unpublished::Hidden)?;
        let meetings = directory.list(&filter, None, usize::MAX).meetings;
        Ok((directory, meetings))
    }

    /// One published meeting.
    pub fn meeting(&self, id: MeetingId) -> Result<Arc<Meeting>, ServiceError> {
        self.meeting_for(id, &Caller::Public).map(|(m, _)| m)
    }

    /// One meeting as the caller may see it: published ones for everybody, unpublished ones for
    /// keys with rights to their service body; with whether its private fields show.
    pub fn meeting_for(&self, id: MeetingId, caller: &Caller) -> Result<(Arc<Meeting>, bool), ServiceError> {
        let directory = self.directory();
        let meeting = directory.meeting(id).cloned();
        let private = meeting.as_ref().is_some_and(|m| caller.may_read_private(&directory, m.data.service_body_id));
        meeting
            .filter(|m| m.data.published || private)
            .map(|m| (m, private))
            .ok_or_else(|| ServiceError::NotFound(format!("there is no meeting {id}")))
    }
}
