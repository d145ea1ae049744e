//! The upgrade path: a database written by an earlier release (`tests/fixtures/upgrade/`, SQL dumps
//! that `scripts/upgrade-fixture.sh` wrote with that release's own binary; `RELEASE` names it) opens
//! with this build, migrates forward and serves what it held, its history included; a database a
//! newer build migrated is refused, untouched.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use lantern::domain::clock::FixedClock;
use lantern::service::{Lantern, SeedSource};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestDatabase, issue_key, test_now};

/// A new database holding the previous release's dump.
fn previous_release(backend: Backend) -> Option<TestDatabase> {
    let db = TestDatabase::create(backend)?;
    let name = match backend {
        Backend::Sqlite => "previous.sqlite.sql",
        Backend::Postgres => "previous.postgres.sql",
    };
    let path = format!("{}/tests/fixtures/upgrade/{name}", env!("CARGO_MANIFEST_DIR"));
    execute(backend, &db.url, &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
    Some(db)
}

/// Runs `sql` on a connection of its own.
fn execute(backend: Backend, url: &str, sql: &str) {
    match backend {
        Backend::Sqlite => SqliteConnection::establish(url).map(|mut c| c.batch_execute(sql)),
        Backend::Postgres => PgConnection::establish(url).map(|mut c| c.batch_execute(sql)),
    }
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
}

fn open(url: &str) -> Result<Lantern, String> {
    Lantern::open(url, SeedSource::Builtin, Arc::new(FixedClock(test_now()))).map_err(|e| format!("{e:?}"))
}

fn names(page: &Value) -> Vec<&str> {
    page["results"].as_array().into_iter().flatten().filter_map(|m| m["name"].as_str()).collect()
}

/// How many migrations the database records as applied.
fn applied(backend: Backend, url: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations";
    match backend {
        Backend::Sqlite => SqliteConnection::establish(url)
            .ok()
            .and_then(|mut c| diesel::sql_query(count).get_result::<Count>(&mut c).ok()),
        Backend::Postgres => PgConnection::establish(url)
            .ok()
            .and_then(|mut c| diesel::sql_query(count).get_result::<Count>(&mut c).ok()),
    }
    .map_or(-1, |c| c.n)
}

async fn the_previous_release_upgrades_and_serves_what_it_held(backend: Backend) {
    let Some(db) = previous_release(backend) else { return };
    let before = applied(backend, &db.url);
    let lantern = open(&db.url).unwrap_or_else(|e| panic!("{e}"));
    let migrations =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).map_or(0, Iterator::count);
    let after = applied(backend, &db.url);
    assert!(
        before < after && after == i64::try_from(migrations).unwrap_or_default(),
        "migrated from {before} to {after} of {migrations}"
    );
    let app = TestApp { lantern: actix_web::web::Data::new(lantern), db };
    // Not seeded on top: the directory is the one it held.
    let (_, _, page) = app.get("/v1/meetings").await;
    assert_eq!(names(&page), ["Upgrade Meeting 1", "Upgrade Meeting 2"], "{page}");
    let (_, _, first) = app.get("/v1/meetings/1").await;
    let mut types: Vec<&str> = first["types"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    types.sort_unstable();
    assert_eq!(
        (&first["notes"], types, &first["version"]),
        (&json!("Side door"), vec!["D", "O"], &json!(2)),
        "{first}"
    );
    assert_eq!(first["schedule"]["weeks_of_month"], json!([-1, 1]), "{first}");
    let admin = issue_key(&app, "admin", None);
    let (_, _, keys) = app.send(Method::GET, "/v1/keys", Some(&admin), None).await;
    let key_names: Vec<&str> =
        keys["results"].as_array().into_iter().flatten().filter_map(|k| k["name"].as_str()).collect();
    assert!(key_names.contains(&"upgrade") && key_names.contains(&"Upgrade publisher"), "{keys}");
    let (_, _, private) = app.send(Method::GET, "/v1/meetings/2", Some(&admin), None).await;
    assert_eq!(private["contacts"][0]["email"], "s2@example.org", "{private}");
    // The history the previous release wrote reads back, and restores.
    let (status, _, history) = app.send(Method::GET, "/v1/meetings/1/history", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let (status, _, restored) = app.send(Method::POST, "/v1/meetings/3/restore", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["name"], "Upgrade Meeting 3", "{restored}");
    // The change log goes on from where it was: the feed reads the old changes and the new one.
    let (status, _, changes) = app.send(Method::GET, "/v1/changes?limit=100", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{changes}");
    let seqs: Vec<i64> =
        changes["results"].as_array().into_iter().flatten().filter_map(|c| c["seq"].as_i64()).collect();
    assert!(seqs.len() >= 3 && seqs.windows(2).all(|w| w[0] < w[1]), "{changes}");
    let (_, _, page) = app.get("/v1/meetings").await;
    assert_eq!(names(&page).len(), 3, "the restored meeting is back: {page}");
    let (status, _, feed) = app.get("/v1/feeds/meeting-guide.json").await;
    assert_eq!((status, feed.as_array().map(Vec::len).unwrap_or_default() >= 3), (StatusCode::OK, true), "{feed}");
}

crate::on_both_backends!(the_previous_release_upgrades_and_serves_what_it_held);

/// A database holding a migration this build does not know was migrated by a newer Lantern: this
/// build refuses it rather than running its own migrations or queries against a schema it does not
/// know, and leaves it as it was.
#[test]
fn a_database_from_a_newer_release_is_refused_untouched() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = previous_release(backend) else { continue };
        let newer = "INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000001')";
        execute(backend, &db.url, newer);
        let before = applied(backend, &db.url);
        let refused = open(&db.url).err().unwrap_or_else(|| panic!("{backend:?}: opened a newer schema"));
        assert!(refused.contains("newer Lantern") && refused.contains("20991231000001"), "{refused}");
        assert_eq!(applied(backend, &db.url), before, "nothing migrated");
    }
}
