//! The server as a process, as an operator runs it: signals, timeouts and the connection cap. Each
//! test starts the binary on a free loopback port over a fresh SQLite file with no seed.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Backend, TestDatabase};

static LOGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) address: String,
    pub(crate) token: String,
    pub(crate) db: TestDatabase,
    flags: Vec<String>,
    env: Vec<(String, String)>,
    /// Where its standard error goes (a file, so that a busy server never blocks on a full pipe).
    log: std::path::PathBuf,
}

impl Server {
    /// The binary with `flags` over a fresh SQLite file, and an admin key for its database;
    /// returns once it listens.
    pub(crate) fn start(flags: &[&str]) -> Self {
        Self::start_on(TestDatabase::create(Backend::Sqlite).unwrap_or_else(|| panic!("sqlite")), flags)
    }

    /// Like `start`, with environment variables set for the server.
    pub(crate) fn start_with_env(flags: &[&str], env: &[(&str, &str)]) -> Self {
        let db = TestDatabase::create(Backend::Sqlite).unwrap_or_else(|| panic!("sqlite"));
        Self::launch(db, flags, env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    /// Like `start`, over `db` (either backend).
    pub(crate) fn start_on(db: TestDatabase, flags: &[&str]) -> Self {
        Self::launch(db, flags, Vec::new())
    }

    fn launch(db: TestDatabase, flags: &[&str], env: Vec<(String, String)>) -> Self {
        let key = Command::new(env!("CARGO_BIN_EXE_lantern"))
            .args(["keys", "create", "--role", "admin", "--name", "process", "--no-seed", "--database-url", &db.url])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let token = String::from_utf8_lossy(&key.stdout).trim().to_owned();
        assert!(key.status.success() && !token.is_empty(), "{}", String::from_utf8_lossy(&key.stderr));
        let flags: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
        let log = std::env::temp_dir().join(format!(
            "lantern-server-{}-{}.log",
            std::process::id(),
            LOGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let (child, address) = Self::spawn(&db.url, &flags, &env, &log);
        Self { child, address, token, db, flags, env, log }
    }

    /// Starts the binary over `url` on a free loopback port and waits until it listens.
    fn spawn(url: &str, flags: &[String], env: &[(String, String)], log: &std::path::Path) -> (Child, String) {
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap_or_else(|e| panic!("{e}"));
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0);
        let address = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
            .args(["--no-seed", "--database-url", url, "--bind", &address])
            .args(if flags.iter().any(|f| f == "--follow-changes") {
                &[][..]
            } else {
                &["--follow-changes", "false"][..]
            })
            .args(flags)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(&address).is_err() {
            if Instant::now() > deadline || child.try_wait().is_ok_and(|exited| exited.is_some()) {
                let _ = child.kill();
                panic!("the server never listened: {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        (child, address)
    }

    /// SIGKILL, as a crash or the OOM killer would: nothing is flushed or finished.
    pub(crate) fn kill9(&mut self) {
        self.child.kill().unwrap_or_else(|e| panic!("{e}"));
        self.child.wait().unwrap_or_else(|e| panic!("{e}"));
    }

    /// Starts the binary again over the same database, with the same flags, on a new port.
    pub(crate) fn restart(&mut self) {
        let (child, address) = Self::spawn(&self.db.url, &self.flags, &self.env, &self.log);
        (self.child, self.address) = (child, address);
    }

    /// One request on its own connection: the status and the body.
    pub(crate) fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        http(&self.address, method, path, Some(&self.token), body)
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).unwrap_or_else(|e| panic!("{e}"));
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
        stream
    }

    /// Sends the head of a `POST /v1/fellowships` and the first part of its body, holding it in flight.
    fn start_slow_write(&self, stream: &mut TcpStream, body: &str, sent: usize) {
        write!(
            stream,
            "POST /v1/fellowships HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.address,
            self.token,
            body.len(),
            &body[..sent]
        )
        .unwrap_or_else(|e| panic!("{e}"));
        stream.flush().unwrap_or_else(|e| panic!("{e}"));
    }

    /// Kills the server; its log.
    pub(crate) fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log()
    }

    /// What it wrote to standard error so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// `method path` with an optional bearer token and JSON body, on a connection of its own; the
/// status (0 when the connection failed) and the body. Loopback only, 30 s at most.
pub(crate) fn http(address: &str, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(address) else { return (0, String::new()) };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let body = body.unwrap_or("");
    let sent = write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if sent.is_err() {
        return (0, String::new());
    }
    let answer = read_answer(&mut stream);
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// A test that fails half-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// SIGTERM while a request is in flight: the server stops accepting at once, finishes that request,
/// and exits cleanly. The request is held in flight by sending its body in two parts around the
/// signal.
#[test]
fn sigterm_mid_request_finishes_it_then_exits() {
    let mut server = Server::start(&["--shutdown-timeout", "10"]);
    let mut stream = server.connect();
    let body = r#"{"code": "sd", "name": "Shutdown Anonymous", "website": null}"#;
    server.start_slow_write(&mut stream, body, 10);
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    // The listener closes at once: new connections are refused while the request is still open.
    let refused_by = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&server.address).is_ok() {
        assert!(Instant::now() < refused_by, "still accepting connections after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Longer than actix's shutdown check interval (1 s): a server that did not wait would have
    // dropped the connection by now.
    std::thread::sleep(Duration::from_millis(2500));
    stream.write_all(&body.as_bytes()[10..]).unwrap_or_else(|e| panic!("{e}"));
    let answer = read_answer(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 201"), "the request in flight finished: {answer}");
    let status = server.child.wait().unwrap_or_else(|e| panic!("{e}"));
    let log = server.log();
    assert!(status.success(), "exit {status:?}: {log}");
    assert!(log.contains("shut down"), "{log}");
    // What the request wrote is in the database.
    let reopened = lantern::service::Lantern::open(
        &server.db.url,
        lantern::service::SeedSource::None,
        std::sync::Arc::new(lantern::domain::clock::FixedClock(crate::support::test_now())),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(reopened.directory().fellowships().any(|f| f.code.to_string() == "sd"));
}

/// A request that takes longer than `--request-timeout` (here a body that stops arriving) is
/// answered 503 problem+json, and writes nothing.
#[test]
fn a_request_past_the_timeout_is_answered_503() {
    let server = Server::start(&["--request-timeout", "1"]);
    let mut stream = server.connect();
    let started = Instant::now();
    server.start_slow_write(&mut stream, r#"{"code": "to", "name": "Timeout", "website": null}"#, 5);
    let answer = read_answer(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("application/problem+json") && answer.contains("urn:lantern:problem:timeout"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-request-id:"), "a timeout carries its request id: {answer}");
    assert!(started.elapsed() < Duration::from_secs(15), "answered when the time was up, not when the client gave up");
    let mut check = server.connect();
    write!(check, "GET /v1/fellowships HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let lookup = read_answer(&mut check);
    assert!(lookup.starts_with("HTTP/1.1 200") && !lookup.contains("\"code\":\"to\""), "nothing was written: {lookup}");
    server.stop();
}

/// `--max-connections`: past the cap a new connection waits to be served until one closes.
#[test]
fn connections_past_the_cap_wait_for_one_to_close() {
    let server = Server::start(&["--workers", "1", "--max-connections", "1", "--client-timeout", "30"]);
    // The first connection is served once and kept open, so it surely holds the only slot.
    let mut first = server.connect();
    write!(first, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
    let mut head = [0u8; 12];
    first.read_exact(&mut head).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&head, b"HTTP/1.1 200");
    let mut second = server.connect();
    write!(second, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
    second.set_read_timeout(Some(Duration::from_millis(1500))).unwrap_or_else(|e| panic!("{e}"));
    let mut byte = [0u8; 1];
    let waited = second.read(&mut byte);
    assert!(waited.is_err(), "the second connection was served while the first held the only slot: {waited:?}");
    drop(first);
    second.set_read_timeout(Some(Duration::from_secs(20))).unwrap_or_else(|e| panic!("{e}"));
    let answer = read_answer(&mut second);
    assert!(answer.starts_with("HTTP/1.1 200"), "served once the first closed: {answer}");
    server.stop();
}

/// Sends `head` (request line and headers, without the blank line) on a connection of its own; the
/// whole answer, head and body.
fn raw_request(server: &Server, head: &str) -> String {
    let mut stream = server.connect();
    let sent = write!(stream, "{head}\r\nHost: {}\r\nConnection: close\r\n\r\n", server.address);
    if sent.is_err() {
        return String::new();
    }
    read_answer(&mut stream)
}

/// Headers past actix's limit are refused with a 4xx and the server keeps answering; text that tries
/// to start a new header line (CR LF in a query value) never becomes one.
#[test]
fn huge_headers_and_header_injection_are_refused() {
    let server = Server::start(&[]);
    let huge = format!("GET /v1/meetings HTTP/1.1\r\nX-Padding: {}", "a".repeat(200_000));
    let answer = raw_request(&server, &huge);
    let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(answer.is_empty() || (400..500).contains(&status), "a 200 kB header: {}", &answer[..answer.len().min(300)]);
    let many: String = (0..200).map(|n| format!("\r\nX-Header-{n}: {n}")).collect();
    let answer = raw_request(&server, &format!("GET /v1/meetings HTTP/1.1{many}"));
    let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(answer.is_empty() || (400..500).contains(&status), "200 headers: {}", &answer[..answer.len().min(300)]);
    for (path, expected) in [
        ("/v1/meetings?cursor=x%0D%0ASet-Cookie:%20injected=1", "400"),
        ("/client_interface/jsonp/?switcher=GetServerInfo&callback=cb%0D%0ASet-Cookie:%20injected=1", "400"),
        ("/v1/meetings?q=%0D%0ASet-Cookie:%20injected=1", "200"),
        ("/v1/meetings/1%0D%0ASet-Cookie:%20injected=1", "404"),
    ] {
        let answer = raw_request(&server, &format!("GET {path} HTTP/1.1"));
        let head = answer.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase();
        assert!(answer.starts_with(&format!("HTTP/1.1 {expected}")), "{path}: {answer}");
        assert!(!head.contains("set-cookie") && !head.contains("injected"), "{path} made a header: {head}");
    }
    let (status, _) = server.request("GET", "/healthz", None);
    assert_eq!(status, 200, "the server still answers");
}
