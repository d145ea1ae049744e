//! Validated identifiers and codes: ids, fellowship codes, slugs, type and language codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a value could not become one of the validated newtypes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

macro_rules! positive_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a positive database id.
            pub fn new(raw: i64) -> Result<Self, InvalidValue> {
                if raw > 0 {
                    Ok(Self(raw))
                } else {
                    Err(InvalidValue(format!("ids are positive integers, got {raw}")))
                }
            }

            /// The raw integer, as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let raw: i64 = s
                    .parse()
                    .map_err(|_| InvalidValue(format!("`{s}` is not a positive integer id")))?;
                Self::new(raw)
            }
        }
    };
}

positive_id!(
    /// The id of a meeting.
    MeetingId
);
positive_id!(
    /// The id of a service body (intergroup, area, district, region).
    ServiceBodyId
);

fn is_lower_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The text of a code: on the heap, or inline for the short ASCII codes that a million meetings
/// repeat (no allocation per meeting for each fellowship, type and language code).
pub trait CodeText: Clone + Eq + Ord + std::hash::Hash + fmt::Debug {
    /// Stores `s`, or `None` when it does not fit.
    fn store(s: &str) -> Option<Self>;
    /// The stored text.
    fn text(&self) -> &str;
}

impl CodeText for String {
    fn store(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
    fn text(&self) -> &str {
        self
    }
}

/// Up to `N` ASCII bytes kept inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InlineStr<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> CodeText for InlineStr<N> {
    fn store(s: &str) -> Option<Self> {
        if s.len() > N || !s.is_ascii() {
            return None;
        }
        let mut bytes = [0; N];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(Self { len: u8::try_from(s.len()).ok()?, bytes })
    }
    fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl<const N: usize> PartialOrd for InlineStr<N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> Ord for InlineStr<N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text().cmp(other.text())
    }
}

macro_rules! string_code {
    ($(#[$doc:meta])* $name:ident, $store:ty, $check:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name($store);

        impl $name {
            /// The code as text.
            pub fn as_str(&self) -> &str {
                self.0.text()
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let check: fn(&str) -> bool = $check;
                match <$store as CodeText>::store(s).filter(|_| check(s)) {
                    Some(stored) => Ok(Self(stored)),
                    None => Err(InvalidValue(format!(concat!("`{}` is not ", $what), s))),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_code!(
    /// A fellowship code such as `aa`, `na` or `al-anon`.
    FellowshipCode,
    InlineStr<32>,
    |s| s.len() <= 32 && is_lower_word(s),
    "a fellowship code (lowercase letters, digits and single hyphens, at most 32)"
);
string_code!(
    /// A URL-friendly name, unique within a service body.
    Slug,
    String,
    |s| s.len() <= 100 && is_lower_word(s),
    "a slug (lowercase letters, digits and single hyphens, at most 100)"
);
string_code!(
    /// A meeting type code from the shared vocabulary (`O`, `BE`, `NA-BT`); case-sensitive.
    TypeCode,
    InlineStr<16>,
    |s| (1..=16).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-'),
    "a type code (letters, digits and hyphens, at most 16)"
);
string_code!(
    /// An ISO 639-1 language code (`en`, `es`).
    LanguageCode,
    InlineStr<2>,
    |s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()),
    "an ISO 639-1 language code (two lowercase letters)"
);

impl Slug {
    /// Derives a slug from free text: ASCII letters and digits kept, everything else a hyphen.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(100).collect();
        Self::try_from(trimmed.trim_end_matches('-').to_owned()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive() {
        assert!(MeetingId::new(0).is_err());
        assert!(MeetingId::new(-4).is_err());
        assert_eq!(MeetingId::new(7).map(MeetingId::get), Ok(7));
        assert!("12a".parse::<MeetingId>().is_err());
        assert_eq!("42".parse::<ServiceBodyId>().map(ServiceBodyId::get), Ok(42));
    }

    #[test]
    fn codes_are_validated() {
        assert!("al-anon".parse::<FellowshipCode>().is_ok());
        assert!("AA".parse::<FellowshipCode>().is_err());
        assert!("-aa".parse::<FellowshipCode>().is_err());
        assert!("NA-BT".parse::<TypeCode>().is_ok());
        assert!("O".parse::<TypeCode>().is_ok());
        assert!("a b".parse::<TypeCode>().is_err());
        assert!("es".parse::<LanguageCode>().is_ok());
        assert!("ES".parse::<LanguageCode>().is_err());
        assert!("spa".parse::<LanguageCode>().is_err());
    }

    #[test]
    fn slugs_derive_from_names() {
        assert_eq!(
            Slug::from_text("  Saturday Night Live!  ").map(String::from),
            Some("saturday-night-live".to_owned())
        );
        assert_eq!(Slug::from_text("¡¡!!"), None);
        assert_eq!(Slug::from_text("Café 12 & 12").map(String::from), Some("caf-12-12".to_owned()));
    }
}
