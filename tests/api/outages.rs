//! The database failing under a running node: a lock held elsewhere, a database that refuses
//! connections, a read-only file, a full disk. Each write answers a 5xx problem+json that names the
//! outage and carries the request id, writes nothing, and the reads from the snapshot keep answering.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use lantern::domain::clock::FixedClock;
use lantern::service::{Lantern, SeedSource};
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, call_node, issue_key, small_seed, test_now};

const NEARBY: &str = "/v1/meetings/nearby?lat=52.52&lon=13.40&radius_km=50&limit=5";
const LIST: &str = "/v1/meetings?limit=5";

fn seeded(backend: Backend, wait: Duration) -> Option<TestApp> {
    let app = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))?;
    let lantern = Arc::try_unwrap(app.lantern.into_inner()).unwrap_or_else(|_| panic!("one owner"));
    let lantern = lantern.with_database_wait(wait).unwrap_or_else(|e| panic!("{e:?}"));
    Some(TestApp { lantern: actix_web::web::Data::new(lantern), db: app.db })
}

/// Asserts a problem of `kind` whose body and `X-Request-Id` header carry the same request id.
fn assert_outage(answer: &(StatusCode, actix_web::http::header::HeaderMap, Value), status: u16, kind: &str) {
    let (got, headers, body) = answer;
    assert_eq!(got.as_u16(), status, "{body}");
    assert_eq!(body["type"], format!("urn:lantern:problem:{kind}"), "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("nothing was changed")), "{body}");
    let id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no request id"));
    assert_eq!(body["request_id"], id, "the problem names the request id it was logged under");
    assert_eq!(headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
}

/// Uses the key once, so that its last use is recorded before the fault and the refusals below come
/// from the write itself, not from recording the key's use (which is best effort anyway).
async fn touch(app: &TestApp, key: &str) {
    let (status, _, body) = app.send(Method::GET, "/v1/keys/me", Some(key), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn nearby_still_answers(app: &TestApp) {
    let (status, _, body) = app.get(NEARBY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = app.get(LIST).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["results"].as_array().is_some_and(|m| !m.is_empty()), "{body}");
}

/// Another writer holds the database's write lock (another process on SQLite, another node's
/// transaction on PostgreSQL) longer than the wait: the write answers 503 "busy" with Retry-After,
/// changes nothing, and goes through once the lock is free.
async fn a_write_behind_a_held_lock_answers_503_then_succeeds(backend: Backend) {
    let Some(app) = seeded(backend, Duration::from_millis(300)) else { return };
    let key = issue_key(&app, "admin", None);
    touch(&app, &key).await;
    let changes = app.change_count();
    let (snapshot_before, _) = app.state();
    let holder: Box<dyn std::any::Any> = match backend {
        Backend::Sqlite => {
            let mut other = SqliteConnection::establish(&app.db.url).unwrap_or_else(|e| panic!("{e}"));
            other.batch_execute("BEGIN IMMEDIATE").unwrap_or_else(|e| panic!("{e}"));
            Box::new(other)
        }
        Backend::Postgres => {
            let mut other = PgConnection::establish(&app.db.url).unwrap_or_else(|e| panic!("{e}"));
            other.batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7353012026)").unwrap_or_else(|e| panic!("{e}"));
            Box::new(other)
        }
    };
    let write = actix_web::test::TestRequest::post()
        .uri("/v1/meetings")
        .insert_header(("Authorization", format!("Bearer {key}")))
        .insert_header(("Origin", "https://office.example.org"))
        .set_json(berlin_meeting(1, "Held Lock"));
    let refused = app.call(write).await;
    assert_outage(&refused, 503, "database-busy");
    assert_eq!(
        refused.1.get("access-control-allow-origin").map(|v| v.as_bytes()),
        Some(&b"https://office.example.org"[..]),
        "a browser can read the problem"
    );
    assert_eq!(refused.1.get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
    nearby_still_answers(&app).await;
    drop(holder);
    assert_eq!(app.change_count(), changes, "the refused write logged nothing");
    assert_eq!(app.state().0, snapshot_before, "the refused write stored nothing");
    let (status, _, body) =
        app.send(Method::POST, "/v1/meetings", Some(&key), Some(berlin_meeting(1, "Held Lock"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.change_count(), changes + 1);
}

on_both_backends!(a_write_behind_a_held_lock_answers_503_then_succeeds);

/// PostgreSQL stops accepting connections to the database and its open connections are cut (what
/// a restart looks like from a node): writes and the change feed answer 503 "unavailable" within
/// the wait, searches keep answering from the snapshot, and it all
/// recovers by itself once the database takes connections again. `/readyz` stays ready (the node
/// still answers searches) and says the database is unreachable.
#[actix_web::test]
async fn a_database_refusing_connections_answers_503_and_recovers() {
    let Some(app) = seeded(Backend::Postgres, Duration::from_millis(500)) else { return };
    let key = issue_key(&app, "admin", None);
    touch(&app, &key).await;
    let changes = app.change_count();
    let name = app.db.url.rsplit('/').next().unwrap_or_default().to_owned();
    let mut admin = PgConnection::establish(&app.db.url.replace(&name, "postgres")).unwrap_or_else(|e| panic!("{e}"));
    let set_allowed = |admin: &mut PgConnection, allowed: bool| {
        admin
            .batch_execute(&format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {allowed}"))
            .unwrap_or_else(|e| panic!("{e}"));
    };
    set_allowed(&mut admin, false);
    admin
        .batch_execute(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    let refused = app.send(Method::POST, "/v1/meetings", Some(&key), Some(berlin_meeting(1, "During Outage"))).await;
    let waited = started.elapsed();
    assert_outage(&refused, 503, "database-unavailable");
    // Bounded: the wait, not forever (a generous margin, not a timing claim).
    assert!(waited < Duration::from_secs(30), "answered after {waited:?}");
    let (status, _, feed) = app.get("/v1/changes").await;
    assert_eq!(status.as_u16(), 503, "{feed}");
    nearby_still_answers(&app).await;
    let (status, _, ready) = app.get("/readyz").await;
    assert_eq!((status, &ready["database"]), (StatusCode::OK, &Value::from("unreachable")), "{ready}");
    set_allowed(&mut admin, true);
    // The pool reconnects by itself; how soon is r2d2's back-off, so retry (bounded) until it has.
    let mut answer = (StatusCode::SERVICE_UNAVAILABLE, Value::Null);
    for _ in 0..50 {
        let (status, _, body) =
            app.send(Method::POST, "/v1/meetings", Some(&key), Some(berlin_meeting(1, "After Outage"))).await;
        answer = (status, body);
        if status != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(answer.0, StatusCode::CREATED, "writes succeed again once the database is back: {}", answer.1);
    assert_eq!(app.change_count(), changes + 1, "only the acknowledged write is logged");
    let (status, _, ready) = app.get("/readyz").await;
    assert_eq!((status, &ready["database"]), (StatusCode::OK, &Value::from("ok")), "{ready}");
}

/// The SQLite file opened read-only (as when its disk is remounted read-only): writes answer 503
/// "read-only", reads keep answering, nothing changes.
#[actix_web::test]
async fn a_read_only_database_refuses_writes_and_keeps_answering_reads() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let key = issue_key(&app, "admin", None);
    touch(&app, &key).await;
    let changes = app.change_count();
    let (stored, _) = app.state();
    let read_only =
        Lantern::open(&format!("file:{}?mode=ro", app.db.url), SeedSource::None, Arc::new(FixedClock(test_now())))
            .unwrap_or_else(|e| panic!("{e:?}"));
    let node = actix_web::web::Data::new(read_only);
    let write = actix_web::test::TestRequest::post()
        .uri("/v1/meetings")
        .insert_header(("Authorization", format!("Bearer {key}")))
        .set_json(berlin_meeting(1, "Read Only"));
    let refused = call_node(&node, write).await;
    assert_outage(&refused, 503, "database-read-only");
    let (status, _, body) = call_node(&node, actix_web::test::TestRequest::get().uri(LIST)).await;
    assert!(status == StatusCode::OK && body["results"].as_array().is_some_and(|m| !m.is_empty()), "{body}");
    let (status, _, body) = call_node(&node, actix_web::test::TestRequest::get().uri("/v1/changes")).await;
    assert_eq!(status, StatusCode::OK, "reads from the database answer too: {body}");
    assert_eq!(app.change_count(), changes);
    assert_eq!(app.state().0, stored);
}

/// A full disk (SQLite's `max_page_count` at the file's size): writes succeed until there is no
/// room, then answer 507 "full" with nothing half written; the acknowledged ones are all stored,
/// and the database and the snapshot hold them, and reads keep answering.
#[actix_web::test]
async fn a_full_database_refuses_writes_with_507_and_keeps_what_was_acknowledged() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let key = issue_key(&app, "admin", None);
    let pages: i64 = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            page_count: i64,
        }
        let mut conn = SqliteConnection::establish(&app.db.url).unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query("PRAGMA page_count")
            .get_result::<Count>(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"))
            .page_count
    };
    let lantern = Arc::try_unwrap(app.lantern.into_inner()).unwrap_or_else(|_| panic!("one owner"));
    let limit = format!("PRAGMA max_page_count = {};", pages + 4);
    let lantern = lantern.map_database(|db| db.with_sqlite_setup(&limit)).unwrap_or_else(|e| panic!("{e:?}"));
    let app = TestApp { lantern: actix_web::web::Data::new(lantern), db: app.db };
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    for n in 0..500 {
        let mut meeting = berlin_meeting(1, &format!("Full Disk {n}"));
        meeting["notes"] = Value::String("n".repeat(1500));
        let answer = app.send(Method::POST, "/v1/meetings", Some(&key), Some(meeting)).await;
        match answer.0 {
            StatusCode::CREATED => acknowledged.push(answer.2["id"].clone()),
            _ => {
                refusal = Some(answer);
                break;
            }
        }
    }
    let refusal = refusal.unwrap_or_else(|| panic!("500 meetings of 2 kB fit in 4 pages"));
    assert_outage(&refusal, 507, "database-full");
    nearby_still_answers(&app).await;
    let (stored, snapshot) = app.state();
    let full_disk = |meetings: &Value| {
        let mut ids: Vec<Value> = meetings
            .as_array()
            .unwrap_or_else(|| panic!("meetings"))
            .iter()
            .filter(|m| m["name"].as_str().is_some_and(|n| n.starts_with("Full Disk")))
            .map(|m| m["id"].clone())
            .collect();
        ids.sort_by_key(|id| id.as_i64());
        ids
    };
    assert!(!acknowledged.is_empty(), "some writes fit before the disk filled");
    assert_eq!(full_disk(&stored["meetings"]), acknowledged, "exactly the acknowledged writes are stored");
    assert_eq!(full_disk(&snapshot), acknowledged, "and the snapshot holds them");
}
