//! Who may do what: the permission matrix of roles, service bodies and writes; slowing down
//! failed authentications; private fields only for keys with rights.

use actix_web::http::{Method, StatusCode, header};
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

// In the small seed the bodies are stored as 1 (Region), 2 (Berlin, below 1) and 3 (Suva); meeting 3
// belongs to body 1, meeting 1 to body 2 and meeting 4 to body 3.
const OWN: (i64, i64) = (1, 3);
const DESCENDANT: (i64, i64) = (2, 1);
const OTHER: (i64, i64) = (3, 4);

on_both_backends!(
    the_permission_matrix_holds_for_every_role_target_and_write,
    imports_sources_keys_and_the_catalog_hold_to_the_matrix,
    repeated_failed_authentications_get_429_with_retry_after,
    private_fields_and_drafts_show_only_to_keys_with_rights,
    every_valid_key_may_ask_who_it_is,
);

async fn the_permission_matrix_holds_for_every_role_target_and_write(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(1));
    let observer = issue_key(&app, "observer", Some(1));
    let roles: [(&str, Option<&str>); 4] =
        [("admin", Some(&admin)), ("publisher", Some(&publisher)), ("observer", Some(&observer)), ("public", None)];
    for (role, token) in roles {
        for (target, (body, meeting)) in [("own", OWN), ("descendant", DESCENDANT), ("other", OTHER)] {
            let allowed = role == "admin" || (role == "publisher" && target != "other");
            let refused = if role == "public" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
            let writes: [(Method, String, Option<Value>, StatusCode); 6] = [
                (
                    Method::POST,
                    "/v1/meetings".into(),
                    Some(berlin_meeting(body, &format!("{role} {target}"))),
                    StatusCode::CREATED,
                ),
                (
                    Method::PATCH,
                    format!("/v1/meetings/{meeting}"),
                    Some(json!({"notes": format!("by {role}")})),
                    StatusCode::OK,
                ),
                (Method::PUT, format!("/v1/meetings/{meeting}"), None, StatusCode::OK),
                (Method::DELETE, format!("/v1/meetings/{meeting}"), None, StatusCode::NO_CONTENT),
                // Undelete what the DELETE removed (for refused roles it was never deleted).
                (Method::POST, format!("/v1/meetings/{meeting}/restore"), None, StatusCode::OK),
                (Method::GET, format!("/v1/meetings/{meeting}/history"), None, StatusCode::OK),
            ];
            for (method, uri, body_json, ok) in writes {
                let body_json = match (&method, body_json) {
                    // PUT sends the meeting back as its owner sees it, renamed.
                    (&Method::PUT, _) => {
                        let (_, _, mut current) = app.send(Method::GET, &uri, Some(&admin), None).await;
                        current["name"] = json!(format!("{role} renamed"));
                        Some(current)
                    }
                    (_, b) => b,
                };
                let before = (app.change_count(), app.state());
                let (status, _, answer) = app.send(method.clone(), &uri, token, body_json).await;
                let what = format!("{role} {method} {target} ({uri})");
                let logged = i64::from(method != Method::GET);
                // Observers may read a meeting's history, like its other private fields.
                let allowed = allowed || (method == Method::GET && role == "observer" && target != "other");
                if allowed {
                    assert_eq!(status, ok, "{what}: {answer}");
                    assert_eq!(app.change_count(), before.0 + logged, "{what} logs one change");
                } else {
                    assert_eq!(status, refused, "{what}: {answer}");
                    assert_eq!(answer["status"], refused.as_u16(), "{what} answers problem+json");
                    assert_eq!((app.change_count(), app.state()), before, "{what} changes nothing");
                }
            }
        }
    }
    // Scope does not reveal existence; moving a meeting out of scope is refused.
    let (status, _, _) =
        app.send(Method::PATCH, "/v1/meetings/999", Some(&publisher), Some(json!({"notes": "x"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a publisher cannot tell a missing meeting from a foreign one");
    let (status, _, _) = app.send(Method::PATCH, "/v1/meetings/999", Some(&admin), Some(json!({"notes": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let before = app.state();
    let (status, _, _) =
        app.send(Method::PATCH, "/v1/meetings/1", Some(&publisher), Some(json!({"service_body_id": 3}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "publishers cannot move meetings out of their scope");
    assert_eq!(app.state(), before);
}

async fn repeated_failed_authentications_get_429_with_retry_after(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let last = if admin.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &admin[..admin.len() - 1]);
    for attempt in 0..lantern::service::keys::MAX_FAILURES {
        let (status, headers, problem) = app.send(Method::GET, "/v1/keys", Some(&forged), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}: {problem}");
        assert_eq!(headers.get(header::WWW_AUTHENTICATE).map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
    }
    // Past the threshold the failing attempts are throttled...
    let (status, headers, problem) = app.send(Method::GET, "/v1/keys", Some(&forged), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    let wait: u64 = headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or_default();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // ...but a valid key from the same address (everyone's, behind a proxy) is still accepted,
    let (status, _, problem) = app.send(Method::GET, "/v1/keys", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "a valid key is never locked out: {problem}");
    // an empty Authorization header counts as no header, and anonymous reads are not throttled.
    let empty = actix_web::test::TestRequest::get()
        .uri("/v1/meetings")
        .peer_addr("203.0.113.9:4000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header((header::AUTHORIZATION, ""));
    assert_eq!(app.call(empty).await.0, StatusCode::OK);
    assert_eq!(app.send(Method::GET, "/v1/meetings/1", None, None).await.0, StatusCode::OK);
    // Another address is not slowed down.
    let other = actix_web::test::TestRequest::get()
        .uri("/v1/keys")
        .peer_addr("198.51.100.1:4000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header((header::AUTHORIZATION, format!("Bearer {forged}")));
    assert_eq!(app.call(other).await.0, StatusCode::UNAUTHORIZED);
}

async fn private_fields_and_drafts_show_only_to_keys_with_rights(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let observer = issue_key(&app, "observer", Some(1));
    let outsider = issue_key(&app, "publisher", Some(3));
    let (_, headers, public) = app.get("/v1/meetings/1").await;
    assert!(public.get("contacts").is_none() && public.get("published").is_none(), "{public}");
    let vary = headers.get(header::VARY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(vary.contains("Authorization"), "Vary: {vary}");
    let (_, headers, seen) = app.send(Method::GET, "/v1/meetings/1", Some(&observer), None).await;
    assert_eq!(seen["contacts"][0]["email"], "contact@example.org", "{seen}");
    assert_eq!(seen["published"], true);
    assert_eq!(headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"private, no-cache"[..]));
    let (_, _, foreign) = app.send(Method::GET, "/v1/meetings/1", Some(&outsider), None).await;
    assert!(foreign.get("contacts").is_none(), "a key of another body sees the public view: {foreign}");
    // Meeting 6 is an unpublished draft of body 2.
    assert_eq!(app.get("/v1/meetings/6").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Method::GET, "/v1/meetings/6", Some(&outsider), None).await.0, StatusCode::NOT_FOUND);
    let (status, _, draft) = app.send(Method::GET, "/v1/meetings/6", Some(&observer), None).await;
    assert_eq!((status, &draft["published"]), (StatusCode::OK, &json!(false)));
    let (_, _, list) = app.send(Method::GET, "/v1/meetings?service_body=2", Some(&observer), None).await;
    let names: Vec<&str> =
        list["results"].as_array().into_iter().flatten().filter_map(|m| m["name"].as_str()).collect();
    assert!(names.contains(&"Hidden Draft"), "{names:?}");
    let (_, _, list) = app.get("/v1/meetings?service_body=2").await;
    assert!(!list.to_string().contains("Hidden Draft") && !list.to_string().contains("contacts"));
    let (status, _, _) = app.send(Method::GET, "/v1/meetings/1", Some("lantern_1_nonsense"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a bad key is refused even on public reads");
}

async fn every_valid_key_may_ask_who_it_is(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let observer = issue_key(&app, "observer", Some(2));
    let (status, headers, me) = app.send(Method::GET, "/v1/keys/me", Some(&observer), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    assert_eq!((me["role"].as_str(), me["service_body_id"].as_i64()), (Some("observer"), Some(2)), "{me}");
    assert!(observer.starts_with(&format!("lantern_{}_", me["id"])), "{me}");
    assert!(me.get("token").is_none() && !me.to_string().contains(&observer[observer.len() - 16..]), "{me}");
    let (_, _, me) = app.send(Method::GET, "/v1/keys/me", Some(&admin), None).await;
    assert_eq!((me["role"].as_str(), me["service_body_id"].as_i64()), (Some("admin"), None), "{me}");
    // No key, or a revoked one: 401.
    let (status, _, problem) = app.send(Method::GET, "/v1/keys/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    let id = me["id"].as_i64().unwrap_or_default();
    let (status, _, _) = app.send(Method::DELETE, &format!("/v1/keys/{id}"), Some(&admin), None).await;
    assert!(status.is_success(), "revoked");
    let (status, _, problem) = app.send(Method::GET, "/v1/keys/me", Some(&admin), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
}

/// Everything a refusal must leave as it was: the change log, the directory, the sources and the keys.
async fn everything(app: &TestApp, admin: &str) -> (i64, (Value, Value), Value, Value) {
    let sources = app.send(Method::GET, "/v1/sources", Some(admin), None).await.2;
    let mut keys = app.send(Method::GET, "/v1/keys", Some(admin), None).await.2;
    // A key's use is recorded even when what it asked for is refused.
    for key in keys["results"].as_array_mut().into_iter().flatten() {
        key["last_used_at"] = Value::Null;
    }
    (app.change_count(), app.state(), sources, keys)
}

/// The rest of the matrix: imports follow the meeting rights (admins anywhere, publishers in their
/// body and below, observers and the public never); service bodies, fellowships, sources and keys
/// are admins' alone. Each refusal is 401 (no key) or 403 and changes nothing.
async fn imports_sources_keys_and_the_catalog_hold_to_the_matrix(backend: Backend) {
    let Some(app) = app(backend) else { return };
    app.lantern.set_source_settings(lantern::service::sources::SourceSettings {
        reach: lantern::fetch::Reach::LoopbackOnly,
        timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    });
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(1));
    let observer = issue_key(&app, "observer", Some(1));
    let roles: [(&str, Option<&str>); 4] =
        [("publisher", Some(&publisher)), ("observer", Some(&observer)), ("public", None), ("admin", Some(&admin))];
    let feed = json!([{"slug": "matrix", "name": "Matrix", "day": 2, "time": "19:00", "latitude": 52.5, "longitude": 13.4, "types": ["O"]}]);
    // What the admin-only writes act on, made by the admin first.
    let source = json!({"url": "http://127.0.0.1:9/feed.json", "kind": "meeting-guide", "service_body_id": 3, "every_minutes": 60});
    let (status, _, added) = app.send(Method::POST, "/v1/sources", Some(&admin), Some(source.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let (status, _, issued) = app
        .send(
            Method::POST,
            "/v1/keys",
            Some(&admin),
            Some(json!({"name": "spare", "role": "observer", "service_body_id": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let (source_id, key_id) = (added["id"].clone(), issued["key"]["id"].clone());
    assert!(key_id.is_i64(), "{issued}");
    for (role, token) in roles {
        let refused = if role == "public" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
        for (target, (body, _)) in [("own", OWN), ("descendant", DESCENDANT), ("other", OTHER)] {
            let allowed = role == "admin" || (role == "publisher" && target != "other");
            let uri = format!("/v1/service-bodies/{body}/imports/meeting-guide");
            let before = everything(&app, &admin).await;
            let (status, _, answer) = app.send(Method::POST, &uri, token, Some(feed.clone())).await;
            let what = format!("{role} imports into {target}");
            if allowed {
                assert_eq!(status, StatusCode::OK, "{what}: {answer}");
            } else {
                assert_eq!(status, refused, "{what}: {answer}");
                assert_eq!(answer["status"], refused.as_u16(), "{what} answers problem+json");
                assert_eq!(everything(&app, &admin).await, before, "{what} changes nothing");
            }
        }
        let admin_only: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
            (
                Method::POST,
                "/v1/service-bodies".into(),
                Some(
                    json!({"name": format!("{role} area"), "kind": "area", "parent_id": 1, "fellowship": "aa", "time_zone": "Europe/Berlin"}),
                ),
                StatusCode::CREATED,
            ),
            (
                Method::PATCH,
                "/v1/service-bodies/2".into(),
                Some(json!({"website": format!("https://{role}.example.org")})),
                StatusCode::OK,
            ),
            (
                Method::POST,
                "/v1/fellowships".into(),
                Some(json!({"code": format!("x{}", role.len()), "name": format!("{role} Anonymous"), "website": null})),
                StatusCode::CREATED,
            ),
            (
                Method::POST,
                "/v1/sources".into(),
                Some(
                    json!({"url": format!("http://127.0.0.1:9/{role}.json"), "kind": "meeting-guide", "service_body_id": 2}),
                ),
                StatusCode::CREATED,
            ),
            (Method::POST, format!("/v1/sources/{source_id}/pull"), None, StatusCode::OK),
            (Method::GET, "/v1/keys".into(), None, StatusCode::OK),
            (
                Method::POST,
                "/v1/keys".into(),
                Some(json!({"name": format!("{role} key"), "role": "observer", "service_body_id": 1})),
                StatusCode::CREATED,
            ),
            (Method::POST, format!("/v1/keys/{key_id}/rotate"), None, StatusCode::OK),
            (Method::DELETE, format!("/v1/keys/{key_id}"), None, StatusCode::OK),
            (Method::DELETE, format!("/v1/sources/{source_id}"), None, StatusCode::NO_CONTENT),
        ];
        for (method, uri, body_json, ok) in admin_only {
            let what = format!("{role} {method} {uri}");
            let before = everything(&app, &admin).await;
            let (status, _, answer) = app.send(method, &uri, token, body_json).await;
            if role == "admin" {
                assert!(status == ok || (ok == StatusCode::OK && status.is_success()), "{what}: {status} {answer}");
            } else {
                assert_eq!(status, refused, "{what}: {answer}");
                assert_eq!(answer["status"], refused.as_u16(), "{what} answers problem+json");
                assert_eq!(everything(&app, &admin).await, before, "{what} changes nothing");
            }
        }
    }
}
