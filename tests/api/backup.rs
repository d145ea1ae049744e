//! `lantern backup` / `lantern restore`: a round trip SQLite → PostgreSQL → SQLite gives the same
//! directory, keys and change log; a restore writes all or nothing, and only into an empty database.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use lantern::domain::clock::FixedClock;
use lantern::fetch::Reach;
use lantern::service::sources::SourceSettings;
use lantern::service::{Lantern, SeedSource};
use lantern::storage::{Database, backup};
use serde_json::json;

use crate::support::{Backend, TestApp, TestDatabase, berlin_meeting, issue_key, small_seed, test_now};

fn dump(url: &str) -> String {
    let db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    backup::dump(&mut db.conn().unwrap_or_else(|e| panic!("{e}")), &mut out, test_now().naive_utc())
        .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

fn restore(url: &str, text: &str) -> Result<backup::Counts, String> {
    let db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    backup::restore(&mut db.conn().unwrap_or_else(|e| panic!("{e}")), &mut text.as_bytes()).map_err(|e| e.to_string())
}

/// The rows of a backup, without its header (which says when it was made).
fn rows(text: &str) -> Vec<&str> {
    text.lines().skip(1).collect()
}

fn open(url: &str) -> Lantern {
    Lantern::open(url, SeedSource::None, Arc::new(FixedClock(test_now()))).unwrap_or_else(|e| panic!("{e:?}"))
}

#[actix_web::test]
async fn a_backup_round_trips_sqlite_to_postgres_to_sqlite() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    app.lantern.set_source_settings(SourceSettings { reach: Reach::LoopbackOnly, ..SourceSettings::default() });
    let Some(postgres) = TestDatabase::create(Backend::Postgres) else { return };
    // Something of everything: keys (one revoked), a source, edits, a deletion, a pruned log, and a
    // service body whose parent was created after it.
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(2));
    let (status, _, me) = app.send(Method::GET, "/v1/keys/me", Some(&publisher), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, _, _) = app.send(Method::DELETE, &format!("/v1/keys/{}", me["id"]), Some(&admin), None).await;
    assert!(status.is_success(), "{status}");
    let body = |name: &str| json!({"name": name, "kind": "area", "parent_id": 1, "fellowship": "na", "time_zone": "America/New_York"});
    let (_, _, first) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(body("First Area"))).await;
    let (_, _, second) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(body("Second Area"))).await;
    let moved = json!({"parent_id": second["id"]});
    let (status, _, _) =
        app.send(Method::PATCH, &format!("/v1/service-bodies/{}", first["id"]), Some(&admin), Some(moved)).await;
    assert_eq!(status, StatusCode::OK);
    let source = json!({"url": "http://127.0.0.1:9/feed.json", "kind": "meeting-guide", "service_body_id": second["id"], "every_minutes": 60});
    let (status, _, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(source)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let (status, _, _) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, "Backed Up"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = app.send(Method::DELETE, "/v1/meetings/3", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let later =
        Lantern::open(&app.db.url, SeedSource::None, Arc::new(FixedClock(test_now() + chrono::Duration::days(30))))
            .unwrap_or_else(|e| panic!("{e:?}"));
    later.prune_changes(&lantern::domain::access::Caller::Operator, 7).unwrap_or_else(|e| panic!("{e:?}"));
    let (status, _, _) =
        app.send(Method::PATCH, "/v1/meetings/1", Some(&admin), Some(json!({"notes": "after the prune"}))).await;
    assert_eq!(status, StatusCode::OK);

    let from_sqlite = dump(&app.db.url);
    let counts = restore(&postgres.url, &from_sqlite).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.get("meetings"), Some(&8));
    assert_eq!(counts.get("change_log_pruned"), Some(&1));
    let from_postgres = dump(&postgres.url);
    assert_eq!(rows(&from_postgres), rows(&from_sqlite), "PostgreSQL holds what SQLite held, row for row");
    let Some(sqlite_again) = TestDatabase::create(Backend::Sqlite) else { return };
    restore(&sqlite_again.url, &from_postgres).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows(&dump(&sqlite_again.url)), rows(&from_sqlite), "and back again");

    // The restored database serves the same directory; the keys still work (their hashes came
    // along) and the revoked one still does not; new rows continue after the restored ids.
    let restored = open(&postgres.url);
    let snapshot = |l: &Lantern| {
        let d = l.directory();
        json!({"meetings": d.meetings().map(|m| m.as_ref().clone()).collect::<Vec<_>>(),
            "bodies": d.service_bodies().cloned().collect::<Vec<_>>()})
    };
    assert_eq!(snapshot(&restored), snapshot(&app.lantern));
    assert!(restored.authenticate(&admin, None).is_ok());
    assert!(restored.authenticate(&publisher, None).is_err());
    let node = TestApp { lantern: actix_web::web::Data::new(restored), db: postgres };
    let (status, _, created) =
        node.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, "After Restore"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], json!(9), "ids continue after the restored ones");
    let (_, _, changes) = node.send(Method::GET, "/v1/changes?since=0&limit=500", Some(&admin), None).await;
    assert_eq!(changes["type"], "urn:lantern:problem:gone", "the pruned point came along: {changes}");
}

#[actix_web::test]
async fn a_restore_writes_all_or_nothing_and_only_into_an_empty_database() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let text = dump(&app.db.url);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(target) = TestDatabase::create(backend) else { continue };
        // Cut off before its end line, a row changed to nonsense, a foreign file: each refused.
        let lines: Vec<&str> = text.lines().collect();
        let cut = lines[..lines.len() - 1].join("\n");
        let mut broken: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        broken[5] = r#"{"table": "meetings", "row": {"id": "seven"}}"#.to_owned();
        let miscounted = text.replace(r#""meetings":7"#, r#""meetings":8"#);
        for (what, bad) in [
            ("cut off", cut),
            ("a bad row", broken.join("\n")),
            ("miscounted", miscounted),
            ("not a backup", "[1,2,3]".to_owned()),
        ] {
            assert!(restore(&target.url, &bad).is_err(), "{what} on {backend:?}");
            let db = Database::open(&target.url).unwrap_or_else(|e| panic!("{e}"));
            let empty = lantern::storage::queries::is_empty(&mut db.conn().unwrap_or_else(|e| panic!("{e}")));
            assert!(empty.unwrap_or(false), "{what} on {backend:?} wrote nothing");
        }
        restore(&target.url, &text).unwrap_or_else(|e| panic!("{e}"));
        let again = restore(&target.url, &text);
        assert!(again.is_err_and(|e| e.contains("not empty")), "a second restore is refused");
        assert_eq!(rows(&dump(&target.url)), rows(&text));
    }
}
