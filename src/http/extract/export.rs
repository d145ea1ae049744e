//! Streamed exports: the body is written piece by piece while it is sent, never held whole, and
//! still carries a strong `ETag` over its exact bytes: a first pass only hashes the pieces, the
//! second sends them (both from the same snapshot, so they are the same bytes).

use std::hash::Hasher as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::web::Bytes;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};

use super::problem::ApiError;

/// How many bytes a sent chunk gathers before it goes out.
const CHUNK: usize = 64 * 1024;

/// An export's body as a sequence of pieces.
pub trait Pieces: Unpin + 'static {
    /// Appends the next piece to `out`; false when there are no more.
    fn next_piece(&mut self, out: &mut Vec<u8>) -> bool;
}

/// Answers an export: `304` when `If-None-Match` has its tag, else `200` streaming the pieces of a
/// fresh `make()`. `make` must give the same pieces each time. The hashing pass runs on the
/// blocking pool, so that a large export does not hold up the worker's other requests.
pub async fn streamed<P: Pieces, M: Fn() -> P + Send + 'static>(
    req: &HttpRequest,
    content_type: &'static str,
    max_age: u32,
    make: M,
) -> Result<HttpResponse, ApiError> {
    let (tag, make) = actix_web::web::block(move || {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let (mut pieces, mut buffer) = (make(), Vec::with_capacity(CHUNK));
        while pieces.next_piece(&mut buffer) {
            if buffer.len() >= CHUNK {
                hasher.write(&buffer);
                buffer.clear();
            }
        }
        hasher.write(&buffer);
        (EntityTag::new_strong(format!("{:016x}", hasher.finish())), make)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let matches = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
        None => false,
    };
    let mut response = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")));
    if matches {
        return Ok(response.finish());
    }
    Ok(response.insert_header((header::CONTENT_TYPE, content_type)).body(Streamed { pieces: make(), done: false }))
}

struct Streamed<P> {
    pieces: P,
    done: bool,
}

impl<P: Pieces> MessageBody for Streamed<P> {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let mut chunk = Vec::with_capacity(CHUNK + CHUNK / 4);
        while !this.done && chunk.len() < CHUNK {
            this.done = !this.pieces.next_piece(&mut chunk);
        }
        Poll::Ready((!chunk.is_empty()).then(|| Ok(Bytes::from(chunk))))
    }
}

/// Pieces that write a JSON array: the records `records(i)` gives for each of `count` sources
/// (a meeting can give several), comma-separated, one source per piece.
pub struct JsonArray<F> {
    records: F,
    count: usize,
    next: usize,
    any: bool,
    opened: bool,
    closed: bool,
    open: &'static [u8],
    close: &'static [u8],
}

impl<F> JsonArray<F> {
    /// The array of the records of sources `0..count`.
    pub fn new(count: usize, records: F) -> Self {
        Self::wrapped(b"[", b"]", count, records)
    }

    /// The records, comma-separated, between `open` and `close` (a GeoJSON FeatureCollection's
    /// `features`, say).
    pub fn wrapped(open: &'static [u8], close: &'static [u8], count: usize, records: F) -> Self {
        Self { records, count, next: 0, any: false, opened: false, closed: false, open, close }
    }
}

impl<R: serde::Serialize, F: FnMut(usize) -> Vec<R> + Unpin + 'static> Pieces for JsonArray<F> {
    fn next_piece(&mut self, out: &mut Vec<u8>) -> bool {
        if !self.opened {
            self.opened = true;
            out.extend_from_slice(self.open);
        } else if self.next < self.count {
            for record in (self.records)(self.next) {
                if std::mem::replace(&mut self.any, true) {
                    out.push(b',');
                }
                // Plain records with string keys always serialize.
                if serde_json::to_writer(&mut *out, &record).is_err() {
                    out.extend_from_slice(b"null");
                }
            }
            self.next += 1;
        } else if !self.closed {
            self.closed = true;
            out.extend_from_slice(self.close);
        } else {
            return false;
        }
        true
    }
}

/// Pieces of a text file: a head, what `item(i)` writes for each of `count` sources, a tail.
pub struct Framed<F> {
    head: Option<Vec<u8>>,
    item: F,
    count: usize,
    next: usize,
    tail: Option<&'static [u8]>,
}

impl<F: FnMut(usize, &mut Vec<u8>) + Unpin + 'static> Framed<F> {
    /// The file.
    pub fn new(head: Vec<u8>, count: usize, item: F, tail: &'static [u8]) -> Self {
        Self { head: Some(head), item, count, next: 0, tail: Some(tail) }
    }
}

impl<F: FnMut(usize, &mut Vec<u8>) + Unpin + 'static> Pieces for Framed<F> {
    fn next_piece(&mut self, out: &mut Vec<u8>) -> bool {
        if let Some(head) = self.head.take() {
            out.extend_from_slice(&head);
        } else if self.next < self.count {
            (self.item)(self.next, out);
            self.next += 1;
        } else if let Some(tail) = self.tail.take() {
            out.extend_from_slice(tail);
        } else {
            return false;
        }
        true
    }
}
