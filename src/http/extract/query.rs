//! Typed query strings: `Query<T>` parses into the same struct whose `IntoParams` documents the
//! endpoint, collecting every bad parameter into one 400. It reads what real clients send: comma
//! lists, repeated keys, `key[]=` arrays and keys without a value (`&get_used_formats&`).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::problem::ApiError;
use crate::service::error::{FieldErrors, push_error};

/// The pairs of a query string in order; `None` for a key sent without `=`. Keys lose a trailing `[]`.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(Vec<(String, Option<String>)>);

impl QueryPairs {
    /// Splits and percent-decodes a raw query string (`+` is a space, as forms send it).
    pub fn parse(raw: &str) -> Self {
        let pairs = raw.split('&').filter(|part| !part.is_empty()).filter_map(|part| {
            let (key, value) = form_urlencoded::parse(part.as_bytes()).next()?;
            let key = key.strip_suffix("[]").unwrap_or(&key).to_owned();
            Some((key, part.contains('=').then(|| value.into_owned())))
        });
        Self(pairs.collect())
    }

    /// Whether `key` was sent at all, with or without a value.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The values sent for `key`, trimmed, in order; an empty one (`?day=`, as forms send an
    /// unfilled field) counts as absent, while one of only spaces is a value (and fails to parse).
    pub fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .filter_map(|(_, v)| v.as_deref().filter(|v| !v.is_empty()).map(str::trim))
    }
}

/// Parses one parameter's text; the message names what was expected.
pub trait FromParam: Sized {
    /// The value, or why `raw` is not one.
    fn from_param(raw: &str) -> Result<Self, String>;
}

impl<T: std::str::FromStr<Err: std::fmt::Display>> FromParam for T {
    fn from_param(raw: &str) -> Result<Self, String> {
        raw.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// Reads parameters by name, recording every problem (and, for the layer test, every name read).
pub struct QueryReader<'a> {
    pairs: &'a QueryPairs,
    errors: FieldErrors,
    read: Vec<&'static str>,
}

impl<'a> QueryReader<'a> {
    /// A reader over parsed pairs.
    pub fn new(pairs: &'a QueryPairs) -> Self {
        Self { pairs, errors: FieldErrors::new(), read: Vec::new() }
    }

    /// Records a problem with a parameter.
    pub fn push(&mut self, name: &str, message: impl Into<String>) {
        push_error(&mut self.errors, name, message);
    }

    fn one(&mut self, name: &'static str) -> Option<&'a str> {
        self.read.push(name);
        let pairs = self.pairs;
        let mut values = pairs.values(name);
        let first = values.next()?;
        if values.next().is_some() {
            self.push(name, "is given more than once");
        }
        Some(first)
    }

    /// An optional parameter.
    pub fn optional<T: FromParam>(&mut self, name: &'static str) -> Option<T> {
        let raw = self.one(name)?;
        T::from_param(raw).map_err(|e| self.push(name, e)).ok()
    }

    /// A parameter with a default (the type's, as its schema documents it).
    pub fn or_default<T: FromParam + Default>(&mut self, name: &'static str) -> T {
        self.optional(name).unwrap_or_default()
    }

    /// A parameter that must be given; the type's default stands in when it is not (the request fails then).
    pub fn required<T: FromParam + Default>(&mut self, name: &'static str) -> T {
        if self.pairs.values(name).next().is_none() {
            self.read.push(name);
            self.push(name, "is required");
            return T::default();
        }
        self.or_default(name)
    }

    /// A list: comma-separated, repeated keys or `key[]=`, all alike; each bad item is reported.
    /// One empty value is an unfilled field (absent); an empty value beside others is an empty item.
    pub fn list<T: FromParam>(&mut self, name: &'static str) -> Vec<T> {
        self.read.push(name);
        let pairs = self.pairs;
        let sent = pairs.0.iter().filter(|(k, _)| k == name).count();
        if sent > 1 && pairs.0.iter().any(|(k, v)| k == name && v.as_deref() == Some("")) {
            self.push(name, "has an empty item");
        }
        let mut out = Vec::new();
        for item in pairs.values(name).flat_map(|v| v.split(',')).map(str::trim) {
            if item.is_empty() {
                self.push(name, "has an empty item");
                continue;
            }
            match T::from_param(item) {
                Ok(v) => out.push(v),
                Err(e) => self.push(name, e),
            }
        }
        out
    }

    /// A flag: true when the key is sent without a value, or as `true`; `false` when sent as `false`.
    pub fn flag(&mut self, name: &'static str) -> bool {
        if !self.pairs.has(name) {
            self.read.push(name);
            return false;
        }
        match self.one(name) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                self.push(name, format!("must be true or false, got `{other}`"));
                false
            }
        }
    }

    /// A parameter this endpoint refuses (an export's `limit`): a 400 with `why` when sent.
    /// Not documented, so not recorded as read.
    pub fn refuse(&mut self, name: &'static str, why: &str) {
        if self.pairs.has(name) {
            self.push(name, why);
        }
    }

    /// Whether the key was sent at all, whatever its value (BMLT's `&get_used_formats`); read the
    /// value with another method, which records the name.
    pub fn sent(&self, name: &str) -> bool {
        self.pairs.has(name)
    }

    /// The names read so far, in order.
    pub fn names_read(&self) -> &[&'static str] {
        &self.read
    }

    /// Fails with every recorded problem, if any.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }
}

/// A query struct: documented by its `IntoParams`, built by reading the parameters it documents.
pub trait FromQuery: Sized {
    /// Reads every parameter; problems go to the reader.
    fn from_query(q: &mut QueryReader<'_>) -> Self;
}

/// The keys (as sent, `[]` and all) of the pairs of `raw` whose key or value is not UTF-8 once
/// percent-decoded.
fn not_utf8(raw: &str) -> Vec<String> {
    let decoded = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (b'%', Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                (byte, _, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).is_ok()
    };
    raw.split('&')
        .filter(|part| !part.is_empty() && !decoded(part))
        .map(|part| {
            let key = part.split_once('=').map_or(part, |(k, _)| k);
            form_urlencoded::parse(key.as_bytes()).next().map_or_else(String::new, |(k, _)| k.into_owned())
        })
        .collect()
}

/// Parses `raw` into `T`, or a 400 naming every bad parameter.
pub fn parse_query<T: FromQuery>(raw: &str) -> Result<T, ApiError> {
    let pairs = QueryPairs::parse(raw);
    let mut reader = QueryReader::new(&pairs);
    // Percent-decoding replaces bytes that are not UTF-8 with U+FFFD, which would then match
    // nothing, silently: such a parameter is refused instead.
    for key in not_utf8(raw) {
        reader.push(&key, "is not UTF-8 once percent-decoded");
    }
    let value = T::from_query(&mut reader);
    reader.finish().map_err(ApiError::invalid_query)?;
    Ok(value)
}

/// The names `T` reads, in order (for the test that holds them to the document).
pub fn names_read<T: FromQuery>() -> Vec<&'static str> {
    let pairs = QueryPairs::default();
    let mut reader = QueryReader::new(&pairs);
    let _ = T::from_query(&mut reader);
    reader.read
}

/// The query-string extractor: named `Query` so that utoipa documents `T`'s parameters from the
/// handler's signature.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: FromQuery> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

/// Several query structs documented and parsed as one (an endpoint's own parameters and the
/// shared ones).
#[macro_export]
macro_rules! query_group {
    ($(#[$doc:meta])* $vis:vis struct $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug)]
        $vis struct $name { $(#[doc = stringify!($field)] pub $field: $ty),* }

        impl $crate::http::extract::query::FromQuery for $name {
            fn from_query(q: &mut $crate::http::extract::query::QueryReader<'_>) -> Self {
                Self { $($field: <$ty as $crate::http::extract::query::FromQuery>::from_query(q)),* }
            }
        }

        impl utoipa::IntoParams for $name {
            fn into_params(
                in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                let mut all = Vec::new();
                $(all.extend(<$ty as utoipa::IntoParams>::into_params(&in_provider));)*
                all
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_arrays_repeats_and_keys_without_values() {
        let pairs = QueryPairs::parse("a=1&b[]=x&b[]=y&flag&c=&d=caf%C3%A9+au+lait&b=z");
        assert_eq!(pairs.values("b").collect::<Vec<_>>(), ["x", "y", "z"]);
        assert!(pairs.has("flag"));
        assert_eq!(pairs.values("flag").count(), 0);
        assert_eq!(pairs.values("c").count(), 0, "an empty value counts as absent");
        assert_eq!(pairs.values("d").collect::<Vec<_>>(), ["café au lait"]);
    }

    #[test]
    fn lists_take_commas_and_repeats_and_report_each_bad_item() {
        let pairs = QueryPairs::parse("day=monday,funday&day[]=sunday&day=,");
        let mut q = QueryReader::new(&pairs);
        let days: Vec<crate::domain::schedule::Weekday> = q.list("day");
        assert_eq!(days.len(), 2);
        assert_eq!(q.finish().map_err(|e| e.get("day").map(Vec::len)), Err(Some(3)));
        // One empty value is an unfilled field; empty values among repeats are empty items.
        let pairs = QueryPairs::parse("day=&types=&types=&types=O");
        let mut q = QueryReader::new(&pairs);
        let _: Vec<crate::domain::schedule::Weekday> = q.list("day");
        let _: Vec<crate::domain::ids::TypeCode> = q.list("types");
        assert_eq!(q.finish().err().unwrap_or_default().keys().collect::<Vec<_>>(), ["types"]);
    }

    #[test]
    fn scalars_given_twice_and_missing_required_ones_are_errors() {
        let pairs = QueryPairs::parse("limit=3&limit=4&on&off=false");
        let mut q = QueryReader::new(&pairs);
        let _: Option<u32> = q.optional("limit");
        let _: u32 = q.required("lat");
        assert!(q.flag("on"));
        assert!(!q.flag("off"));
        assert!(!q.flag("absent"));
        let errors = q.finish().err().unwrap_or_default();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["lat", "limit"]);
    }
}
