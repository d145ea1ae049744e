//! Integration tests: the real app in process, against SQLite and PostgreSQL.

mod bmlt;
mod catalog;
mod golden;
mod history;
mod layers;
mod meeting_guide;
mod meetings;
mod openapi;
mod permissions;
mod publishing;
mod search;
mod storage;
mod support;
