//! Pure logic, no I/O: meetings, schedules, zones, geometry, the vocabulary and the directory snapshot.

pub mod access;
pub mod address;
pub mod bmlt;
pub mod clock;
pub mod directory;
pub mod exports;
pub mod filter;
pub mod geo;
pub mod ids;
pub mod index;
pub mod meeting;
pub mod meeting_guide;
pub mod occurrence;
pub mod places;
pub mod rules;
pub mod schedule;
pub mod service_body;
pub mod source;
pub mod vocabulary;
pub mod weekmask;
pub mod zones;

#[cfg(test)]
mod directory_delta_tests;
#[cfg(test)]
mod directory_tests;
#[cfg(test)]
mod index_tests;
