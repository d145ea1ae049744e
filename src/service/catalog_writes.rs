//! Admin writes of the catalog: service bodies (create, replace or patch, soft delete) and
//! fellowships (create or replace), each logged in the same transaction.

use super::Lantern;
use super::error::{FieldErrors, ServiceError, push_error};
use super::guard::require_admin;
use super::publish::Precondition;
use crate::domain::access::Caller;
use crate::domain::directory::Directory;
use crate::domain::ids::ServiceBodyId;
use crate::domain::rules;
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData};
use crate::storage::change_log::{self, ChangeKind};
use crate::storage::{AnyConnection, queries, writes};

/// A service body as an admin sends it, with the problems found while decoding it.
#[derive(Debug, Clone)]
pub struct ServiceBodyWrite {
    /// The fields; those named in `problems` hold stand-ins.
    pub data: ServiceBodyData,
    /// Decoding problems by field.
    pub problems: FieldErrors,
}

impl Lantern {
    /// Creates a service body; admins only.
    pub fn create_service_body(&self, caller: &Caller, write: ServiceBodyWrite) -> Result<ServiceBody, ServiceError> {
        require_admin(caller)?;
        let directory = self.directory();
        let data = check_service_body(&directory, write, None)?;
        let now = self.clock().now();
        self.write_catalog(|conn| {
            let body = queries::insert_service_body(conn, &data, now)?;
            change_log::record(conn, caller.actor(), ChangeKind::Create, None, Some(&body), now)?;
            Ok(body)
        })
    }

    /// Replaces a live service body with what `edit` makes of it; admins only.
    pub fn update_service_body(
        &self,
        caller: &Caller,
        id: ServiceBodyId,
        precondition: &Precondition,
        edit: impl FnOnce(&ServiceBody) -> ServiceBodyWrite,
    ) -> Result<ServiceBody, ServiceError> {
        require_admin(caller)?;
        let directory = self.directory();
        let now = self.clock().now();
        self.write_catalog(|conn| {
            let current = live_body(conn, id)?;
            precondition.check(current.version)?;
            let data = check_service_body(&directory, edit(&current), Some(id))?;
            let next = ServiceBody { data, updated_at: now, version: current.version + 1, ..current.clone() };
            writes::update_service_body(conn, &next, None)?;
            change_log::record(conn, caller.actor(), ChangeKind::Update, Some(&current), Some(&next), now)?;
            Ok(next)
        })
    }

    /// Soft-deletes a service body that has no live meetings or child bodies; admins only.
    pub fn delete_service_body(
        &self,
        caller: &Caller,
        id: ServiceBodyId,
        precondition: &Precondition,
    ) -> Result<(), ServiceError> {
        require_admin(caller)?;
        let now = self.clock().now();
        self.write_catalog(|conn| {
            let current = live_body(conn, id)?;
            precondition.check(current.version)?;
            if let Some(source) = crate::storage::sources::of_body(conn, id)? {
                return Err(ServiceError::Conflict(format!(
                    "service body {id} follows source {source}; remove the source first"
                )));
            }
            let (meetings, children) = writes::dependents(conn, id)?;
            if meetings + children > 0 {
                return Err(ServiceError::Conflict(format!(
                    "service body {id} still has {meetings} meetings and {children} child bodies; move or delete them first"
                )));
            }
            let deleted = ServiceBody { updated_at: now, version: current.version + 1, ..current.clone() };
            writes::update_service_body(conn, &deleted, Some(now))?;
            change_log::record(conn, caller.actor(), ChangeKind::Delete, Some(&current), None, now)?;
            Ok(())
        })
    }

    /// Creates or replaces a fellowship; admins only. True when it was created.
    pub fn put_fellowship(&self, caller: &Caller, fellowship: Fellowship) -> Result<bool, ServiceError> {
        require_admin(caller)?;
        let mut errors = FieldErrors::new();
        if fellowship.name.trim().is_empty() || fellowship.name.chars().count() > 200 {
            push_error(&mut errors, "name", "must have 1 to 200 characters");
        }
        if let Some(problem) = fellowship.website.as_deref().and_then(rules::url_problem) {
            push_error(&mut errors, "website", problem);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.clock().now();
        self.write_catalog(|conn| {
            let before = writes::find_fellowship(conn, &fellowship.code)?;
            match &before {
                Some(_) => writes::update_fellowship(conn, &fellowship, now)?,
                None => queries::insert_fellowship(conn, &fellowship, now)?,
            }
            let kind = if before.is_some() { ChangeKind::Update } else { ChangeKind::Create };
            change_log::record(conn, caller.actor(), kind, before.as_ref(), Some(&fellowship), now)?;
            Ok(before.is_none())
        })
    }

    /// A catalog write, then the snapshot with the catalog read back inside the same transaction.
    fn write_catalog<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let (writer, (value, (fellowships, bodies))) = self.write_locked(|conn| {
            let value = f(conn)?;
            Ok((value, queries::load_catalog(conn)?))
        })?;
        self.snapshots.publish(&writer, |d| d.with_catalog(fellowships, bodies));
        Ok(value)
    }
}

fn live_body(conn: &mut AnyConnection, id: ServiceBodyId) -> Result<ServiceBody, ServiceError> {
    match writes::find_service_body(conn, id)? {
        Some((body, None)) => Ok(body),
        _ => Err(ServiceError::NotFound(format!("there is no service body {id}"))),
    }
}

/// Every rule of a service body, listing every problem with those found while decoding; `id` is
/// the body being replaced.
fn check_service_body(
    directory: &Directory,
    write: ServiceBodyWrite,
    id: Option<ServiceBodyId>,
) -> Result<ServiceBodyData, ServiceError> {
    let ServiceBodyWrite { data, problems: mut errors } = write;
    if errors.contains_key("name") {
        // Decoding already said what is wrong with it.
    } else if data.name.trim().is_empty() || data.name.chars().count() > 200 {
        push_error(&mut errors, "name", "must have 1 to 200 characters");
    }
    if let Some(parent) = data.parent_id {
        if directory.service_body(parent).is_none() {
            push_error(&mut errors, "parent_id", format!("there is no service body {parent}"));
        } else if id.is_some_and(|id| directory.is_within(parent, id)) {
            push_error(&mut errors, "parent_id", "a service body cannot sit below itself");
        }
    }
    if let Some(f) = data.fellowship.as_ref().filter(|f| directory.fellowship(f).is_none()) {
        push_error(&mut errors, "fellowship", format!("`{f}` is not a known fellowship"));
    }
    if let Some(problem) = data.website.as_deref().and_then(rules::url_problem) {
        push_error(&mut errors, "website", problem);
    }
    if let Some(problem) = data.email.as_deref().and_then(rules::email_problem) {
        push_error(&mut errors, "email", problem);
    }
    if let Some(problem) = data.phone.as_deref().and_then(rules::phone_problem) {
        push_error(&mut errors, "phone", problem);
    }
    if data.external_id.as_ref().is_some_and(|x| x.chars().count() > 200 || x.contains('\0')) {
        push_error(&mut errors, "external_id", "must have at most 200 characters and no NUL");
    }
    if let Some(contact) = &data.contact {
        if let Some(problem) = contact.email.as_deref().and_then(rules::email_problem) {
            push_error(&mut errors, "contact.email", problem);
        }
        if let Some(problem) = contact.phone.as_deref().and_then(rules::phone_problem) {
            push_error(&mut errors, "contact.phone", problem);
        }
    }
    if errors.is_empty() { Ok(data) } else { Err(ServiceError::Invalid(errors)) }
}
