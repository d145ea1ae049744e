//! Followed sources, served by a loopback HTTP server: a first pull adds, a changed feed updates,
//! an unchanged one answers 304 and changes nothing, failures (500, not JSON, a timeout, a
//! redirect loop) change only the status and back off; a BMLT server is followed as a subtree;
//! non-public addresses are refused without connecting; the follower pulls due sources, a slow
//! one holding only its own worker.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix_web::http::{Method, StatusCode, header};
use lantern::fetch::{BMLT_SWITCHERS, Reach};
use lantern::service::SeedSource;
use lantern::service::sources::{Follower, SourceSettings};
use serde_json::{Value, json};

use crate::fake_server::{self, Answer, FakeServer};
use crate::on_both_backends;
use crate::support::{Backend, TestApp, issue_key, small_seed, test_now};

on_both_backends!(a_followed_feed_adds_updates_and_survives_failures, a_bmlt_server_is_followed_as_a_subtree);

fn app(backend: Backend, reach: Reach) -> Option<TestApp> {
    let app = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))?;
    app.lantern.set_source_settings(SourceSettings {
        reach,
        timeout: Duration::from_secs(2),
        ..SourceSettings::default()
    });
    Some(app)
}

/// A new NA area under the small seed's region; its id.
async fn new_body(app: &TestApp, admin: &str, name: &str) -> i64 {
    let body =
        json!({"name": name, "kind": "area", "parent_id": 1, "fellowship": "na", "time_zone": "America/New_York"});
    let (status, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap_or_default()
}

fn record(slug: &str, name: &str) -> Value {
    json!({"slug": slug, "name": name, "day": 2, "time": "19:00", "latitude": 40.71, "longitude": -74.0, "types": ["O"]})
}

fn feed(records: &[Value], etag: &str) -> Answer {
    Answer { etag: Some(format!("\"{etag}\"")), ..Answer::ok(serde_json::to_vec(records).unwrap_or_default()) }
}

/// `http://user:secret@127.0.0.1:PORT{path}`: credentials that must never show.
fn with_credentials(server: &FakeServer, path: &str) -> String {
    format!("http://user:secret@{}{path}", server.base.trim_start_matches("http://"))
}

async fn pull(app: &TestApp, admin: &str, id: i64) -> Value {
    let (status, _, source) = app.send(Method::POST, &format!("/v1/sources/{id}/pull"), Some(admin), None).await;
    assert_eq!(status, StatusCode::OK, "{source}");
    source
}

fn diff(source: &Value) -> [i64; 5] {
    ["added", "updated", "unchanged", "removed", "rejected"].map(|k| source["last_diff"][k].as_i64().unwrap_or(-1))
}

async fn names_in(app: &TestApp, body: i64) -> Vec<String> {
    let (_, _, page) = app.get(&format!("/v1/meetings?service_body={body}&limit=100")).await;
    let mut names: Vec<String> = page["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// The instant `minutes` after the test clock's now, as the API writes instants.
fn after(minutes: i64) -> String {
    (test_now() + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn a_followed_feed_adds_updates_and_survives_failures(backend: Backend) {
    let Some(app) = app(backend, Reach::LoopbackOnly) else { return };
    let admin = issue_key(&app, "admin", None);
    let body = new_body(&app, &admin, "Followed intergroup").await;
    let first = [record("a", "Alpha"), record("b", "Bravo"), record("c", "Charlie")];
    let server = fake_server::serve(BTreeMap::from([("/feed.json".to_owned(), feed(&first, "v1"))]));

    let request = json!({"url": with_credentials(&server, "/feed.json"), "kind": "meeting-guide",
        "service_body_id": body, "every_minutes": 60});
    let (status, headers, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let id = added["id"].as_i64().unwrap_or_default();
    assert!(
        headers
            .get(header::LOCATION)
            .is_some_and(|l| l.to_str().is_ok_and(|l| l.ends_with(&format!("/v1/sources/{id}"))))
    );
    assert_eq!(added["url"], format!("{}/feed.json", server.base), "never the credentials");
    assert_eq!((added["last_status"].clone(), added["next_pull_at"].clone()), (Value::Null, json!(after(0))));

    // A first pull adds.
    let source = pull(&app, &admin, id).await;
    assert_eq!(source["last_status"], "imported", "{source}");
    assert_eq!(diff(&source), [3, 0, 0, 0, 0]);
    assert_eq!((source["last_error"].clone(), source["next_pull_at"].clone()), (Value::Null, json!(after(60))));
    assert_eq!(names_in(&app, body).await, ["Alpha", "Bravo", "Charlie"]);

    // Unchanged: the server answers 304 to the validator, nothing is applied or logged.
    let (state, changes) = (app.state(), app.change_count());
    let source = pull(&app, &admin, id).await;
    assert_eq!(source["last_status"], "not_modified", "{source}");
    assert_eq!(diff(&source), [3, 0, 0, 0, 0], "the last import's answer stays");
    assert_eq!((app.state(), app.change_count()), (state, changes));

    // Changed: one renamed, one gone.
    server.set("/feed.json", feed(&[record("a", "Alpha"), record("b", "Bravo Two")], "v2"));
    let source = pull(&app, &admin, id).await;
    assert_eq!((source["last_status"].as_str(), diff(&source)), (Some("imported"), [0, 1, 1, 1, 0]), "{source}");
    assert_eq!(names_in(&app, body).await, ["Alpha", "Bravo Two"]);
    let succeeded = source["last_success_at"].clone();

    // Failures change only the status, backing off 1, 2, 4, 8 minutes.
    let (state, changes) = (app.state(), app.change_count());
    let loop_back = Answer { status: 302, location: Some("/feed.json".to_owned()), ..Answer::default() };
    let slow = Answer { delay: Duration::from_secs(4), ..feed(&first, "v3") };
    let failures = [
        (Answer::status(500), "HTTP 500"),
        (Answer { etag: Some("\"v4\"".to_owned()), ..Answer::ok("<html>maintenance</html>") }, "not JSON"),
        (slow, "no complete answer within 2 s"),
        (loop_back, "more than 5 redirects"),
    ];
    for (n, (answer, says)) in failures.into_iter().enumerate() {
        server.set("/feed.json", answer);
        let source = pull(&app, &admin, id).await;
        assert_eq!(source["last_status"], "failed", "{source}");
        let error = source["last_error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{says}: {error}");
        assert!(!error.contains("secret"), "{error}");
        assert_eq!(source["next_pull_at"], after(1 << n), "backoff after {} failures", n + 1);
        assert_eq!(source["last_success_at"], succeeded);
        assert_eq!(diff(&source), [0, 1, 1, 1, 0], "the last import's answer stays");
        assert_eq!((app.state(), app.change_count()), (state.clone(), changes), "a failed pull changes no meeting");
    }
    // An empty feed is far more likely broken than every meeting closed: not applied.
    server.set("/feed.json", feed(&[], "v4b"));
    let source = pull(&app, &admin, id).await;
    assert_eq!(source["last_status"], "failed");
    assert!(source["last_error"].as_str().is_some_and(|e| e.contains("no meetings")), "{source}");
    assert_eq!((app.state(), app.change_count()), (state.clone(), changes));
    // Back: the interval again.
    server.set("/feed.json", feed(&[record("a", "Alpha"), record("b", "Bravo Two")], "v5"));
    let source = pull(&app, &admin, id).await;
    assert_eq!((source["last_status"].as_str(), diff(&source)), (Some("imported"), [0, 0, 2, 0, 0]), "{source}");
    assert_eq!(source["next_pull_at"], after(60));

    // Public status, never with credentials.
    let (status, _, list) = app.get("/v1/sources").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["results"][0]["id"], id);
    assert!(!list.to_string().contains("secret"), "{list}");
    let (status, _, one) = app.get(&format!("/v1/sources/{id}")).await;
    assert_eq!((status, one["last_status"].as_str()), (StatusCode::OK, Some("imported")));

    // Admins only; bad bodies name their fields; one source per body.
    let publisher = issue_key(&app, "publisher", Some(body));
    let (status, _, _) = app.send(Method::POST, "/v1/sources", Some(&publisher), Some(request.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.send(Method::POST, &format!("/v1/sources/{id}/pull"), None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bad = json!({"url": "ftp://example.org/x", "kind": "rss", "service_body_id": body, "every_minutes": 1});
    let (status, _, problem) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    for field in ["url", "kind", "every_minutes"] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let (status, _, problem) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    // Nor over another source's subtree: the region above the followed body.
    let mut above = request;
    above["service_body_id"] = json!(1);
    let (status, _, problem) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(above)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    // Removed: no longer followed; its meetings stay.
    let (status, _, _) = app.send(Method::DELETE, &format!("/v1/sources/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/v1/sources/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(names_in(&app, body).await, ["Alpha", "Bravo Two"]);
}

async fn a_bmlt_server_is_followed_as_a_subtree(backend: Backend) {
    let Some(app) = app(backend, Reach::LoopbackOnly) else { return };
    let admin = issue_key(&app, "admin", None);
    let body = new_body(&app, &admin, "New York NA").await;
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bmlt/import");
    let answers = BMLT_SWITCHERS
        .iter()
        .map(|s| {
            let bytes = std::fs::read(format!("{folder}/{s}.json")).unwrap_or_else(|e| panic!("{e}"));
            (format!("/main_server/client_interface/json/?switcher={s}"), Answer::ok(bytes))
        })
        .collect();
    let server = fake_server::serve(answers);
    let request = json!({"url": format!("{}/main_server", server.base), "kind": "bmlt", "service_body_id": body});
    let (status, _, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["every_minutes"], 360);
    let id = added["id"].as_i64().unwrap_or_default();
    let source = pull(&app, &admin, id).await;
    assert_eq!(source["last_status"], "imported", "{source}");
    assert_eq!((diff(&source), source["last_diff"]["service_bodies_added"].as_i64()), ([9, 0, 0, 0, 1], Some(44)));
    let (_, _, rows) =
        app.get(&format!("/client_interface/json/?switcher=GetSearchResults&services={body}&recursive=1")).await;
    assert_eq!(rows.as_array().map(Vec::len), Some(10));
    // BMLT servers send no validators: the import runs again and changes nothing.
    let changes = app.change_count();
    let source = pull(&app, &admin, id).await;
    assert_eq!((diff(&source), source["last_diff"]["service_bodies_added"].as_i64()), ([0, 0, 9, 0, 1], Some(0)));
    assert_eq!(app.change_count(), changes);
}

#[actix_web::test]
async fn private_addresses_are_refused_without_connecting() {
    let Some(app) = app(Backend::Sqlite, Reach::Public) else { return };
    let admin = issue_key(&app, "admin", None);
    let body = new_body(&app, &admin, "Somewhere").await;
    // Addresses written as such are refused when the source is added.
    for (url, range) in [
        ("http://127.0.0.1:9/feed.json", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.1.2.3/feed.json", "private"),
        ("http://0.0.0.0:9/", "unspecified"),
        // (IPv6 literals are refused as URLs before their range is looked at.)
        ("http://[::1]:9/feed.json", "http or https URL with a host"),
    ] {
        let request = json!({"url": url, "kind": "meeting-guide", "service_body_id": body});
        let (status, _, problem) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert!(problem["errors"]["url"][0].as_str().is_some_and(|m| m.contains(range)), "{url}: {problem}");
    }
    // A name is checked where it resolves, before any connection: the pull fails as refused
    // (not "connection refused"), and nothing listens on port 9 anyway.
    let request = json!({"url": "http://localhost:9/feed.json", "kind": "meeting-guide", "service_body_id": body});
    let (status, _, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let source = pull(&app, &admin, added["id"].as_i64().unwrap_or_default()).await;
    assert_eq!(source["last_status"], "failed");
    let error = source["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("a loopback address: refused"), "{error}");
    // The body has no meetings, but a source follows it: it cannot be deleted from under it.
    let (status, _, problem) =
        app.send(Method::DELETE, &format!("/v1/service-bodies/{body}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("source")), "{problem}");
}

#[actix_web::test]
async fn the_follower_pulls_due_sources_and_a_slow_one_holds_only_its_worker() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    app.lantern.set_source_settings(SourceSettings { reach: Reach::LoopbackOnly, ..SourceSettings::default() });
    let admin = issue_key(&app, "admin", None);
    let server = fake_server::serve(BTreeMap::from([
        ("/slow.json".to_owned(), Answer { delay: Duration::from_secs(6), ..feed(&[record("s", "Slow")], "s") }),
        ("/fast.json".to_owned(), feed(&[record("f", "Fast")], "f")),
    ]));
    let mut ids = Vec::new();
    for name in ["slow", "fast"] {
        let body = new_body(&app, &admin, name).await;
        let request =
            json!({"url": format!("{}/{name}.json", server.base), "kind": "meeting-guide", "service_body_id": body});
        let (status, _, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(request)).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        ids.push(added["id"].as_i64().unwrap_or_default());
    }
    let follower = Follower::start(app.lantern.clone().into_inner(), 2, Duration::from_millis(50));
    let status = |id: i64| app.lantern.source(id).map(|s| s.last_status.map(|p| p.name())).ok().flatten();
    // The fast source is pulled while the slow one, due first, is still being fetched.
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(ids[1]).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(ids[1]), Some("imported"));
    assert_eq!(status(ids[0]), None, "the slow source is still in flight");
    assert_eq!(server.hits("/slow.json"), 1, "and was asked once");
    while status(ids[0]).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    follower.stop();
    assert_eq!(status(ids[0]), Some("imported"));
    // Pulled once each: the next pull is an interval away.
    assert_eq!((server.hits("/slow.json"), server.hits("/fast.json")), (1, 1));
}
