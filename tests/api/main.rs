//! Integration tests: the real app in process, against SQLite and PostgreSQL.

mod answers;
mod backup;
mod bmlt;
mod bmlt_import;
mod catalog;
mod console;
mod embed;
mod exports;
mod fake_server;
mod following;
mod golden;
mod history;
mod layers;
mod limits;
mod meeting_guide;
mod meetings;
mod openapi;
mod operations;
mod permissions;
mod places;
mod process;
mod publishing;
mod search;
mod sources;
mod storage;
mod support;
