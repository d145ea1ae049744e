//! A tiny HTTP/1.1 server on a loopback port for tests of outside fetches: fixed answers by path
//! and query, one request per connection, for a bounded time.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An answer: status and body.
pub type Answer = (u16, Vec<u8>);

/// A running server; it stops serving when dropped or after its time is up.
pub struct FakeServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every request target served, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Serves `answers` (by request target, e.g. `/main_server/client_interface/json/?switcher=GetFormats`;
/// anything else is a 404) on 127.0.0.1 for at most 60 seconds.
pub fn serve(answers: BTreeMap<String, Answer>) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    listener.set_nonblocking(true).unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (seen, stopped) = (Arc::clone(&requests), Arc::clone(&stop));
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
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
            seen.lock().unwrap_or_else(|e| e.into_inner()).push(target.clone());
            let (status, body) = answers.get(&target).cloned().unwrap_or((404, b"not here".to_vec()));
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    FakeServer { base, requests, stop }
}
