//! Request bodies, all through one decoder: JSON read field by field into the struct that
//! documents the body, every problem collected under its dotted path instead of stopping at the
//! first (serde would); and RFC 7396 JSON merge patch.

use std::str::FromStr;

use serde_json::{Map, Value};

use super::problem::ApiError;
use crate::service::error::{FieldErrors, push_error};

/// The largest request body accepted, in bytes; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A body read field by field: the struct that documents it (`ToSchema`) is the one decoded.
pub trait JsonBody: Sized {
    /// The fields of the top-level object; anything else is reported as unknown.
    const FIELDS: &'static [&'static str];
    /// Reads the fields, recording problems; stand-ins fill what failed (the request fails then).
    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self;
}

/// Parses a body as JSON: malformed JSON is 400. Called once the caller is known, so that a
/// request without a valid key is 401 whatever it sends. (Bodies over the limit get 413 before.)
pub fn json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest { detail: format!("malformed JSON body: {e}"), errors: FieldErrors::new() })
}

/// Parses a body that must be a JSON object (a record, or a merge patch of one): 400 for
/// malformed JSON, 422 naming `body` for any other value, before any stored state is consulted.
pub fn json_object(bytes: &[u8]) -> Result<Value, ApiError> {
    let value = json(bytes)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::Unprocessable(FieldErrors::from([("body".to_owned(), vec!["must be a JSON object".to_owned()])])))
    }
}

/// Reads a JSON value as `T`, returning it with every problem found (for writes whose service
/// adds its own rules to the list).
pub fn read<T: JsonBody>(value: &Value) -> (T, FieldErrors) {
    let mut e = FieldErrors::new();
    let f = Fields::body(value, T::FIELDS, &mut e);
    let decoded = T::read(&f, &mut e);
    (decoded, e)
}

/// Decodes a body as `T`: 400 for malformed JSON, 422 naming every bad field.
pub fn decode<T: JsonBody>(bytes: &[u8]) -> Result<T, ApiError> {
    let (decoded, e) = read(&json(bytes)?);
    if e.is_empty() { Ok(decoded) } else { Err(ApiError::Unprocessable(e)) }
}

/// A JSON object being read, with the path of where it sits in the body.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    path: String,
}

/// `prefix.key`, or `key` at the top.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object whose keys are all in `known`; reports anything else.
    pub fn new(value: &'a Value, path: &str, known: &[&str], e: &mut FieldErrors) -> Option<Self> {
        let Some(obj) = value.as_object() else {
            push_error(e, if path.is_empty() { "body" } else { path }, "must be a JSON object");
            return None;
        };
        for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
            push_error(e, join(path, key), "is not a field of this object");
        }
        Some(Self { obj, path: path.to_owned() })
    }

    /// Reads a whole request body; one that is not an object is reported under `body` and read as
    /// an empty object, so that every required field is still named.
    pub fn body(value: &'a Value, known: &[&str], e: &mut FieldErrors) -> Self {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        Self::new(value, "", known, e).unwrap_or_else(|| Self { obj: &EMPTY, path: String::new() })
    }

    /// The dotted path of a field.
    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// A field's value; absent and `null` are the same.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// An optional string.
    pub fn text(&self, key: &str, e: &mut FieldErrors) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                push_error(e, self.path(key), "must be a string");
                None
            }
        }
    }

    /// An optional string, blank counted as absent.
    pub fn trimmed(&self, key: &str, e: &mut FieldErrors) -> Option<String> {
        self.text(key, e).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// A string that must be there.
    pub fn required_text(&self, key: &str, e: &mut FieldErrors) -> Option<String> {
        if self.get(key).is_none() {
            push_error(e, self.path(key), "is required");
            return None;
        }
        self.text(key, e)
    }

    /// An optional string parsed into `T`.
    pub fn parsed<T: FromStr<Err = E>, E: std::fmt::Display>(&self, key: &str, e: &mut FieldErrors) -> Option<T> {
        let text = self.text(key, e)?;
        text.parse().map_err(|err: E| push_error(e, self.path(key), err.to_string())).ok()
    }

    /// A string parsed into `T` that must be there.
    pub fn required<T: FromStr<Err = E>, E: std::fmt::Display>(&self, key: &str, e: &mut FieldErrors) -> Option<T> {
        if self.get(key).is_none() {
            push_error(e, self.path(key), "is required");
            return None;
        }
        self.parsed(key, e)
    }

    /// An optional integer.
    pub fn integer(&self, key: &str, e: &mut FieldErrors) -> Option<i64> {
        let value = self.get(key)?;
        value.as_i64().or_else(|| {
            push_error(e, self.path(key), "must be an integer");
            None
        })
    }

    /// An optional positive id.
    pub fn id<T: TryFrom<PositiveId>>(&self, key: &str, e: &mut FieldErrors) -> Option<T> {
        let raw = self.integer(key, e)?;
        if raw < 1 {
            push_error(e, self.path(key), format!("ids are positive integers, got {raw}"));
            return None;
        }
        T::try_from(PositiveId(raw)).ok()
    }

    /// An optional RFC 3339 instant.
    pub fn instant(&self, key: &str, e: &mut FieldErrors) -> Option<chrono::DateTime<chrono::Utc>> {
        let text = self.text(key, e)?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|err| push_error(e, self.path(key), format!("not an RFC 3339 instant: {err}")))
            .ok()
    }

    /// An optional finite number.
    pub fn number(&self, key: &str, e: &mut FieldErrors) -> Option<f64> {
        let value = self.get(key)?;
        value.as_f64().or_else(|| {
            push_error(e, self.path(key), "must be a number");
            None
        })
    }

    /// A boolean, `default` when absent.
    pub fn boolean(&self, key: &str, default: bool, e: &mut FieldErrors) -> bool {
        match self.get(key) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                push_error(e, self.path(key), "must be true or false");
                default
            }
        }
    }

    /// The items of an optional array (empty when absent).
    pub fn array(&self, key: &str, e: &mut FieldErrors) -> &'a [Value] {
        match self.get(key) {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                push_error(e, self.path(key), "must be an array");
                &[]
            }
        }
    }

    /// An optional array of strings, each parsed into `T`; problems are reported per item.
    pub fn list<T: FromStr<Err = E>, E: std::fmt::Display>(&self, key: &str, e: &mut FieldErrors) -> Vec<T> {
        let mut out = Vec::new();
        for (i, item) in self.array(key, e).iter().enumerate() {
            let path = format!("{}[{i}]", self.path(key));
            match item.as_str().map(str::parse::<T>) {
                Some(Ok(v)) => out.push(v),
                Some(Err(err)) => push_error(e, path, err.to_string()),
                None => push_error(e, path, "must be a string"),
            }
        }
        out
    }
}

/// An integer already checked to be positive, for the id newtypes.
#[derive(Debug, Clone, Copy)]
pub struct PositiveId(i64);

impl TryFrom<PositiveId> for crate::domain::ids::ServiceBodyId {
    type Error = crate::domain::ids::InvalidValue;
    fn try_from(id: PositiveId) -> Result<Self, Self::Error> {
        Self::new(id.0)
    }
}

/// Applies an RFC 7396 merge patch: objects merge key by key, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(fields) = target {
        for (key, change) in changes {
            if change.is_null() {
                fields.remove(key);
            } else {
                merge_patch(fields.entry(key.clone()).or_insert(Value::Null), change);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396_examples() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }

    #[test]
    fn fields_report_every_problem_with_its_path() {
        let body = json!({"name": 3, "days": ["monday", "funday", 4], "extra": true, "n": 1.5});
        let mut e = FieldErrors::new();
        let f = Fields::new(&body, "schedule", &["name", "days", "n", "missing"], &mut e).unwrap();
        assert_eq!(f.text("name", &mut e), None);
        let days: Vec<crate::domain::schedule::Weekday> = f.list("days", &mut e);
        assert_eq!(days.len(), 1);
        assert_eq!(f.integer("n", &mut e), None);
        assert_eq!(f.required_text("missing", &mut e), None);
        let keys: Vec<&str> = e.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "schedule.days[1]",
                "schedule.days[2]",
                "schedule.extra",
                "schedule.missing",
                "schedule.n",
                "schedule.name"
            ]
        );
    }
}
