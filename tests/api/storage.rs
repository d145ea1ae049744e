//! Storage on both backends: the seed round-trips through the database unchanged, every record
//! is in the change log, a failed import leaves nothing behind, and URLs pick the backend.

use std::sync::Arc;

use lantern::domain::clock::FixedClock;
use lantern::service::seed::{self, SeedFile};
use lantern::service::{BUILTIN_SEED, Lantern, SeedSource};
use lantern::storage::{Database, change_log, queries};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, TestDatabase, small_seed, test_now};

on_both_backends!(
    the_seed_round_trips_through_the_database_field_for_field,
    a_failed_import_writes_nothing,
    the_builtin_seed_covers_the_world,
);

async fn the_seed_round_trips_through_the_database_field_for_field(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    // Reopen from the database alone: what was loaded must equal what was written.
    let reopened = Lantern::open(&app.db.url, SeedSource::None, Arc::new(FixedClock(test_now())))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let written = app.lantern.directory();
    let read = reopened.directory();
    let mut expected = small_seed();
    for m in &mut expected.meetings {
        m.normalize();
    }
    let stored: Vec<_> = read.meetings().map(|m| m.data.clone()).collect();
    assert_eq!(stored.len(), expected.meetings.len());
    for (stored, expected) in stored.iter().zip(&expected.meetings) {
        let mut expected = expected.clone();
        expected.service_body_id = stored.service_body_id;
        assert_eq!(stored, &expected);
    }
    assert_eq!(
        read.meetings().map(|m| m.created_at).collect::<Vec<_>>(),
        written.meetings().map(|m| m.created_at).collect::<Vec<_>>()
    );
    assert_eq!(read.service_bodies().count(), 3);
    let mut conn = reopened.database().conn().unwrap_or_else(|e| panic!("{e}"));
    // Three fellowships, three service bodies, seven meetings.
    assert_eq!(change_log::count(&mut conn).unwrap_or_default(), 13);
}

async fn a_failed_import_writes_nothing(backend: Backend) {
    let Some(db) = TestDatabase::create(backend) else { return };
    let database = Database::open(&db.url).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = database.conn().unwrap_or_else(|e| panic!("{e}"));
    let mut broken: SeedFile = small_seed();
    // The same slug twice in one service body: the database's unique index refuses the second.
    let copy = broken.meetings[0].clone();
    broken.meetings.push(copy);
    assert!(seed::insert(&mut conn, &broken, test_now()).is_err());
    assert!(queries::is_empty(&mut conn).unwrap_or(false), "nothing of the failed import remains");
    assert_eq!(change_log::count(&mut conn).unwrap_or(-1), 0);
    // Validation names the problem before anything is written.
    let vocabulary = lantern::domain::vocabulary::Vocabulary::builtin().unwrap_or_else(|e| panic!("{e}"));
    match seed::validate(&mut broken, &vocabulary) {
        Err(lantern::service::ServiceError::Invalid(errors)) => {
            assert!(errors.contains_key("meetings[7].slug"), "{errors:?}")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn the_builtin_seed_covers_the_world(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Builtin) else { return };
    let directory = app.lantern.directory();
    assert!(directory.meeting_count() >= 3000);
    assert!(directory.fellowships().count() >= 4);
    let zones: std::collections::BTreeSet<&str> =
        directory.meetings().filter_map(|m| m.data.schedule.as_ref().map(|s| s.time_zone.name())).collect();
    let names: Vec<&str> = zones.iter().copied().collect();
    assert!(zones.len() >= 15, "{names:?}");
    let continents: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.split('/').next()).collect();
    for continent in ["America", "Europe", "Asia", "Africa", "Australia"] {
        assert!(continents.contains(continent), "{continent} missing");
    }
    assert!(names.contains(&"Asia/Kathmandu") && names.contains(&"Australia/Adelaide"), "30- and 45-minute offsets");
    let southern = directory.meetings().filter(|m| m.data.coordinates().is_some_and(|c| c.latitude() < -20.0));
    let southern_zones: std::collections::BTreeSet<&str> =
        southern.filter_map(|m| m.data.schedule.as_ref().map(|s| s.time_zone.name())).collect();
    assert!(southern_zones.len() >= 2, "{southern_zones:?}");
    let monthly =
        directory.meetings().filter(|m| m.data.schedule.as_ref().is_some_and(|s| !s.weeks_of_month.is_empty())).count();
    let spanning = directory
        .meetings()
        .filter(|m| m.data.schedule.as_ref().is_some_and(|s| s.start_time.minutes() + s.duration_minutes > 24 * 60))
        .count();
    assert!(monthly > 0 && spanning > 0, "monthly {monthly}, midnight-spanning {spanning}");
}

#[test]
fn the_committed_seed_is_what_the_generator_makes() {
    let generated = lantern::seedgen::build(3200, 2026).unwrap_or_else(|e| panic!("{e}"));
    let mut json = serde_json::to_string_pretty(&generated).unwrap_or_default();
    json.push('\n');
    assert!(
        json == BUILTIN_SEED,
        "seed-data/directory.json is stale: run `cargo run -- generate --out seed-data/directory.json`"
    );
}

#[test]
fn a_postgres_url_that_cannot_connect_is_an_error_not_an_sqlite_file() {
    let url = "postgres://nobody@127.0.0.1:1/nothing";
    let result = Database::open(url);
    assert!(result.is_err());
    assert!(!std::path::Path::new(url).exists());
    assert_eq!(lantern::storage::Backend::from_url("postgresql://x/y"), lantern::storage::Backend::Postgres);
    assert_eq!(lantern::storage::Backend::from_url("lantern.db"), lantern::storage::Backend::Sqlite);
}

on_both_backends!(two_nodes_writing_one_meeting_at_once_lose_no_update);

/// Two nodes over one database, each editing the same meeting without `If-Match`: the writers'
/// lock (PostgreSQL advisory lock, SQLite write lock taken first) makes every edit see the one
/// before, so versions and change-log sequence numbers rise together with none lost.
async fn two_nodes_writing_one_meeting_at_once_lose_no_update(backend: Backend) {
    use lantern::domain::access::Caller;
    use lantern::domain::ids::MeetingId;
    use lantern::service::publish::{MeetingWrite, Precondition};
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let clock = std::sync::Arc::new(lantern::domain::clock::FixedClock(test_now()));
    let other = lantern::service::Lantern::open(&app.db.url, SeedSource::None, clock)
        .unwrap_or_else(|e| panic!("second node: {e:?}"));
    let id = MeetingId::new(1).unwrap_or_else(|e| panic!("{e:?}"));
    let edits_per_node = 8;
    std::thread::scope(|scope| {
        for (node, lantern) in [("a", app.lantern.get_ref()), ("b", &other)] {
            scope.spawn(move || {
                for i in 0..edits_per_node {
                    let edit = |m: &lantern::domain::meeting::Meeting| {
                        let mut data = m.data.clone();
                        data.notes = Some(format!("{node}{i}"));
                        MeetingWrite { data, derive_zone: false, problems: Default::default() }
                    };
                    lantern
                        .update_meeting(&Caller::Operator, id, &Precondition::None, edit)
                        .unwrap_or_else(|e| panic!("node {node} edit {i}: {e:?}"));
                }
            });
        }
    });
    let mut conn = app.lantern.database().conn().unwrap_or_else(|e| panic!("{e}"));
    let changes =
        lantern::storage::change_log::of_entity(&mut conn, lantern::storage::change_log::EntityKind::Meeting, "1")
            .unwrap_or_else(|e| panic!("{e}"));
    let versions: Vec<i64> = changes
        .iter()
        .filter_map(|c| serde_json::from_str::<serde_json::Value>(c.after_json.as_deref()?).ok()?["version"].as_i64())
        .collect();
    let expected: Vec<i64> = (1..=1 + 2 * edits_per_node).collect();
    assert_eq!(versions, expected, "one change per edit, versions rising with the sequence");
}

on_both_backends!(keys_are_managed_without_loading_the_directory);

/// `lantern keys` opens the database without the directory; scope checks go to the database.
async fn keys_are_managed_without_loading_the_directory(backend: Backend) {
    use lantern::domain::access::Caller;
    use lantern::domain::access::NewKey;
    use lantern::domain::ids::ServiceBodyId;
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let tool = Lantern::open_database(&app.db.url, SeedSource::None, Arc::new(FixedClock(test_now())))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(tool.directory().meeting_count(), 0, "nothing loaded");
    let key = |body: i64| NewKey {
        name: "office".into(),
        role: lantern::domain::access::Role::Publisher,
        service_body_id: Some(ServiceBodyId::new(body).unwrap_or_else(|e| panic!("{e:?}"))),
        expires_at: None,
    };
    let refused = tool.create_key(&Caller::Operator, key(99));
    assert!(
        matches!(refused, Err(lantern::service::ServiceError::Invalid(ref e)) if e.contains_key("service_body_id"))
    );
    let issued = tool.create_key(&Caller::Operator, key(2)).unwrap_or_else(|e| panic!("{e:?}"));
    let (status, _, _) = app
        .send(
            actix_web::http::Method::PATCH,
            "/v1/meetings/1",
            Some(&issued.token),
            Some(serde_json::json!({"notes": "x"})),
        )
        .await;
    assert_eq!(status, actix_web::http::StatusCode::OK, "the running server accepts the tool's key");
}
