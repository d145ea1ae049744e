//! The one type vocabulary for every fellowship: Meeting Guide codes as the base, fellowship
//! formats mapped onto them or prefixed (`NA-BT`), and Meeting Guide language codes mapped to ISO 639-1.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ids::{FellowshipCode, LanguageCode, TypeCode};

/// The languages the Meeting Guide vocabulary names its types in.
pub const NAME_LANGUAGES: [&str; 9] = ["en", "es", "fr", "ja", "nl", "pt", "sk", "sv", "th"];

/// Meeting Guide type codes that name a language rather than a format, with their ISO 639-1 code.
const MEETING_GUIDE_LANGUAGES: [(&str, &str); 38] = [
    ("AF", "af"),
    ("AM", "am"),
    ("AR", "ar"),
    ("BG", "bg"),
    ("DA", "da"),
    ("DE", "de"),
    ("EL", "el"),
    ("EN", "en"),
    ("FA", "fa"),
    ("FI", "fi"),
    ("FR", "fr"),
    ("HE", "he"),
    ("HI", "hi"),
    ("HR", "hr"),
    ("HU", "hu"),
    ("IS", "is"),
    ("ITA", "it"),
    ("JA", "ja"),
    ("KA", "ka"),
    ("KOR", "ko"),
    ("LT", "lt"),
    ("ML", "ml"),
    ("MT", "mt"),
    ("NE", "ne"),
    ("NL", "nl"),
    ("NO", "no"),
    ("POL", "pl"),
    ("POR", "pt"),
    ("PUN", "pa"),
    ("RUS", "ru"),
    ("S", "es"),
    ("SK", "sk"),
    ("SL", "sl"),
    ("SV", "sv"),
    ("TH", "th"),
    ("TL", "tl"),
    ("TUR", "tr"),
    ("UK", "uk"),
];

const MEETING_GUIDE_TYPES: &str = include_str!("../../seed-data/vocabulary/meeting-guide-types.json");
const NA_FORMATS: &str = include_str!("../../seed-data/vocabulary/na-formats.json");

/// Where a type code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeOrigin {
    /// A Meeting Guide base code, shared by every fellowship.
    MeetingGuide,
    /// A fellowship's own format with no base equivalent.
    Fellowship(FellowshipCode),
}

/// One code of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDefinition {
    /// The code.
    pub code: TypeCode,
    /// Its name per language (always has `en`).
    pub names: BTreeMap<String, String>,
    /// A longer explanation, where the source gives one.
    pub description: Option<String>,
    /// Base code or a fellowship's own.
    pub origin: TypeOrigin,
}

impl TypeDefinition {
    /// The name in `lang`, falling back to English.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).or_else(|| self.names.get("en")).map_or(self.code.as_str(), String::as_str)
    }
}

/// A fellowship format and what it means here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatMeaning {
    /// The format is this type code.
    Type(TypeCode),
    /// The format says what language the meeting is in.
    Language(LanguageCode),
}

/// A Meeting Guide language code and the language it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTypeCode {
    /// The Meeting Guide code (`S`).
    pub meeting_guide_code: String,
    /// The ISO 639-1 language (`es`).
    pub language: LanguageCode,
}

/// The whole vocabulary.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    types: BTreeMap<TypeCode, TypeDefinition>,
    languages: Vec<LanguageTypeCode>,
    fellowship_formats: BTreeMap<(FellowshipCode, String), FormatMeaning>,
    format_list: Vec<(FellowshipCode, FellowshipFormat)>,
}

#[derive(Deserialize)]
struct FormatFile {
    fellowship: FellowshipCode,
    formats: Vec<FormatEntry>,
}

#[derive(Deserialize)]
struct FormatEntry {
    bmlt_key: String,
    code: Option<TypeCode>,
    language: Option<LanguageCode>,
    name: Option<String>,
    description: Option<String>,
    bmlt_id: u32,
    bmlt_name: String,
    bmlt_description: String,
    world_id: Option<String>,
    format_type: String,
}

/// A fellowship's own format as its BMLT servers publish it (`GetFormats`), with its meaning here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FellowshipFormat {
    /// The key meetings carry (`JT`).
    pub key: String,
    /// BMLT's numeric id for it.
    pub id: u32,
    /// The NAWS world id (`JFT`), if it has one.
    pub world_id: Option<String>,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// BMLT's `format_type_enum` (`FC1`, `O`, …).
    pub format_type: String,
    /// What it means here.
    pub meaning: FormatMeaning,
}

impl Vocabulary {
    /// The vocabulary compiled into the binary from `seed-data/vocabulary/`.
    pub fn builtin() -> Result<Self, String> {
        let names: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(MEETING_GUIDE_TYPES).map_err(|e| format!("types: {e}"))?;
        let formats: FormatFile = serde_json::from_str(NA_FORMATS).map_err(|e| format!("formats: {e}"))?;
        let mut languages = Vec::new();
        for (mg, iso) in MEETING_GUIDE_LANGUAGES {
            let language = iso.parse().map_err(|e| format!("{mg}: {e}"))?;
            languages.push(LanguageTypeCode { meeting_guide_code: mg.to_owned(), language });
        }
        let mut types = BTreeMap::new();
        for (code, names) in names {
            if languages.iter().any(|l| l.meeting_guide_code == code) {
                continue;
            }
            let code: TypeCode = code.parse().map_err(|e| format!("types: {e}"))?;
            let origin = TypeOrigin::MeetingGuide;
            types.insert(code.clone(), TypeDefinition { code, names, description: None, origin });
        }
        let mut fellowship_formats = BTreeMap::new();
        let mut format_list = Vec::new();
        for entry in formats.formats {
            let meaning = match (entry.code, entry.language) {
                (Some(code), None) => FormatMeaning::Type(code),
                (None, Some(language)) => FormatMeaning::Language(language),
                _ => return Err(format!("format {} needs exactly one of code, language", entry.bmlt_key)),
            };
            format_list.push((
                formats.fellowship.clone(),
                FellowshipFormat {
                    key: entry.bmlt_key.clone(),
                    id: entry.bmlt_id,
                    world_id: entry.world_id.filter(|w| !w.is_empty()),
                    name: entry.bmlt_name,
                    description: entry.bmlt_description,
                    format_type: entry.format_type,
                    meaning: meaning.clone(),
                },
            ));
            if let (FormatMeaning::Type(code), Some(name)) = (&meaning, entry.name) {
                let names = BTreeMap::from([("en".to_owned(), name)]);
                let origin = TypeOrigin::Fellowship(formats.fellowship.clone());
                let description = entry.description;
                types.insert(code.clone(), TypeDefinition { code: code.clone(), names, description, origin });
            }
            fellowship_formats.insert((formats.fellowship.clone(), entry.bmlt_key), meaning);
        }
        let vocabulary = Self { types, languages, fellowship_formats, format_list };
        vocabulary.check()?;
        Ok(vocabulary)
    }

    fn check(&self) -> Result<(), String> {
        for meaning in self.fellowship_formats.values() {
            if let FormatMeaning::Type(code) = meaning
                && !self.types.contains_key(code)
            {
                return Err(format!("format maps to unknown type {code}"));
            }
        }
        Ok(())
    }

    /// Every type code, sorted by code.
    pub fn types(&self) -> impl Iterator<Item = &TypeDefinition> {
        self.types.values()
    }

    /// The definition of one code.
    pub fn get(&self, code: &TypeCode) -> Option<&TypeDefinition> {
        self.types.get(code)
    }

    /// The Meeting Guide language codes.
    pub fn language_codes(&self) -> &[LanguageTypeCode] {
        &self.languages
    }

    /// The language a Meeting Guide language code (`S`, `FR`) stands for.
    pub fn language_of(&self, meeting_guide_code: &str) -> Option<&LanguageCode> {
        self.languages.iter().find(|l| l.meeting_guide_code == meeting_guide_code).map(|l| &l.language)
    }

    /// What a fellowship's own format key (NA's `JT`) means here.
    pub fn fellowship_format(&self, fellowship: &FellowshipCode, key: &str) -> Option<&FormatMeaning> {
        self.fellowship_formats.get(&(fellowship.clone(), key.to_owned()))
    }

    /// A fellowship's own formats, in the order its BMLT servers list them.
    pub fn formats_of<'a>(&'a self, fellowship: &'a FellowshipCode) -> impl Iterator<Item = &'a FellowshipFormat> {
        self.format_list.iter().filter(move |(f, _)| f == fellowship).map(|(_, format)| format)
    }

    /// Explains why `code` is not a type, for error messages.
    pub fn explain_unknown(&self, code: &str) -> String {
        match self.language_of(code) {
            Some(language) => {
                format!("`{code}` is a Meeting Guide language code; use the language `{language}` instead")
            }
            None => format!("`{code}` is not a known type code (see GET /v1/types)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary::builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    fn code(s: &str) -> TypeCode {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn meeting_guide_codes_are_types_except_languages() {
        let v = vocabulary();
        let base = v.types().filter(|t| t.origin == TypeOrigin::MeetingGuide).count();
        assert_eq!(base + v.language_codes().len(), 87);
        assert_eq!(v.get(&code("BE")).map(|t| t.name_in("es")), Some("Principiantes"));
        assert!(v.get(&code("S")).is_none());
        assert_eq!(v.language_of("S").map(LanguageCode::as_str), Some("es"));
        assert!(v.explain_unknown("S").contains("`es`"));
    }

    #[test]
    fn na_formats_map_onto_base_codes_or_get_prefixed_codes() {
        let v = vocabulary();
        let na: FellowshipCode = "na".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.fellowship_format(&na, "B"), Some(&FormatMeaning::Type(code("BE"))));
        assert_eq!(v.fellowship_format(&na, "JT"), Some(&FormatMeaning::Type(code("NA-JFT"))));
        assert!(matches!(v.fellowship_format(&na, "ES"), Some(FormatMeaning::Language(_))));
        let jft = v.get(&code("NA-JFT")).map(|t| (t.name_in("fr"), t.origin.clone()));
        assert_eq!(jft, Some(("Just for Today", TypeOrigin::Fellowship(na))));
    }
}
