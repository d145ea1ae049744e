//! A tiny HTTP/1.1 server on a loopback port for tests of outside fetches: answers by request
//! target that a test may change while it runs, with `ETag`s (a matching `If-None-Match` gets 304),
//! redirects and delays; one request per connection, each on its own thread, for a bounded time.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the server answers one target.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The status (200 when 0).
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// Sent as `ETag`; a request with this `If-None-Match` gets 304.
    pub etag: Option<String>,
    /// Sent as `Location`.
    pub location: Option<String>,
    /// Waited before answering.
    pub delay: Duration,
}

impl Answer {
    /// 200 with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self { status: 200, body: body.into(), ..Self::default() }
    }

    /// `status` with a short body.
    pub fn status(status: u16) -> Self {
        Self { status, body: b"{}".to_vec(), ..Self::default() }
    }
}

/// Answers by request target (`/feed.json`, `/main_server/client_interface/json/?switcher=GetFormats`);
/// anything else is a 404.
pub type Answers = Arc<Mutex<BTreeMap<String, Answer>>>;

/// A running server; it stops serving when dropped or after its time is up.
pub struct FakeServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What it answers; change it while it runs.
    pub answers: Answers,
    /// Every request target served, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl FakeServer {
    /// Sets the answer of a target.
    pub fn set(&self, target: &str, answer: Answer) {
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).insert(target.to_owned(), answer);
    }

    /// How many requests reached `target`.
    pub fn hits(&self, target: &str) -> usize {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter().filter(|t| *t == target).count()
    }
}

/// Serves `answers` on 127.0.0.1 for at most 120 seconds.
pub fn serve(answers: BTreeMap<String, Answer>) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    listener.set_nonblocking(true).unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let answers: Answers = Arc::new(Mutex::new(answers));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (table, seen, stopped) = (Arc::clone(&answers), Arc::clone(&requests), Arc::clone(&stop));
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline && !stopped.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let (table, seen) = (Arc::clone(&table), Arc::clone(&seen));
                    std::thread::spawn(move || answer(stream, &table, &seen));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    FakeServer { base, answers, requests, stop }
}

fn answer(mut stream: TcpStream, table: &Answers, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let if_none_match = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("if-none-match").then(|| value.trim().to_owned())
    });
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(target.clone());
    let found = table.lock().unwrap_or_else(|e| e.into_inner()).get(&target).cloned();
    let mut answer = found.unwrap_or(Answer { status: 404, body: b"not here".to_vec(), ..Answer::default() });
    std::thread::sleep(answer.delay);
    if answer.etag.is_some() && answer.etag == if_none_match {
        answer = Answer { status: 304, etag: answer.etag, ..Answer::default() };
    }
    let mut reply = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        if answer.status == 0 { 200 } else { answer.status },
        answer.body.len()
    );
    if let Some(etag) = &answer.etag {
        reply.push_str(&format!("ETag: {etag}\r\n"));
    }
    if let Some(location) = &answer.location {
        reply.push_str(&format!("Location: {location}\r\n"));
    }
    reply.push_str("\r\n");
    let _ = stream.write_all(reply.as_bytes()).and_then(|()| stream.write_all(&answer.body));
}
