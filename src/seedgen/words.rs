//! Word lists for plausible synthetic meetings; nothing here names a real group or person.

/// Fellowships: code, name, web site, share of meetings.
pub const FELLOWSHIPS: [(&str, &str, &str, f64); 6] = [
    ("aa", "Alcoholics Anonymous", "https://www.aa.org", 0.50),
    ("na", "Narcotics Anonymous", "https://na.org", 0.20),
    ("al-anon", "Al-Anon Family Groups", "https://al-anon.org", 0.12),
    ("ca", "Cocaine Anonymous", "https://ca.org", 0.07),
    ("oa", "Overeaters Anonymous", "https://oa.org", 0.07),
    ("ga", "Gamblers Anonymous", "https://www.gamblersanonymous.org", 0.04),
];

/// Meeting names per fellowship.
pub fn meeting_names(fellowship: &str) -> &'static [&'static str] {
    match fellowship {
        "aa" => &[
            "Serenity Seekers",
            "Keep It Simple",
            "Came to Believe",
            "Early Birds",
            "Happy Destiny",
            "Language of the Heart",
            "Back to Basics",
            "Sunrise",
            "Nooners",
            "Friday Night Live",
            "Into Action",
            "One Day at a Time",
            "Primary Purpose",
            "Big Book Study",
            "Daily Reflections",
            "Road to Recovery",
            "Twelve and Twelve",
            "Sober Sisters",
            "Brown Bag",
            "Candlelight",
        ],
        "na" => &[
            "Just for Today",
            "Clean and Serene",
            "Miracles Happen",
            "New Beginnings",
            "Never Alone",
            "Freedom Group",
            "Recovery in Action",
            "Living Clean",
            "It Works",
            "Spiritual Awakening",
        ],
        "al-anon" => &[
            "Courage to Change",
            "Hope for Today",
            "Serenity",
            "Detachment with Love",
            "Paths to Recovery",
            "Many Voices",
            "Keep Coming Back",
        ],
        "ca" => &["Hope Dealers", "Fresh Start", "Clear Path", "Solution Seekers", "Rock Bottom Up"],
        "oa" => &["Abstinence First", "Lifeline", "Strong Sponsorship", "Tools of Recovery", "Hunger for Change"],
        _ => &["Last Bet", "New Deal", "Even Odds", "Fresh Hand"],
    }
}

/// The base open/closed codes and the extras each fellowship's meetings draw from.
pub fn extra_types(fellowship: &str) -> &'static [&'static str] {
    match fellowship {
        "aa" => &[
            "D", "SP", "B", "ST", "TR", "12x12", "MED", "LIT", "BE", "W", "M", "Y", "LGBTQ", "X", "CAN", "DR", "GR",
            "ABSI", "LS", "11", "XB", "BA", "SEN", "OUT",
        ],
        "na" => &[
            "BE", "NA-BT", "NA-JFT", "NA-IW", "NA-SWG", "D", "SP", "ST", "TR", "NA-TO", "CAN", "NA-NS", "X", "W", "M",
            "NA-LC", "NA-QA",
        ],
        _ => &["D", "SP", "ST", "BE", "MED", "LIT", "X", "W"],
    }
}

/// Venue names.
pub const VENUES: [&str; 10] = [
    "St. Mark's Church Hall",
    "Community Center",
    "Public Library",
    "Recovery Clubhouse",
    "Hospital Conference Room",
    "Parish Hall",
    "Friends Meeting House",
    "Youth Center",
    "Senior Center",
    "Unitarian Fellowship",
];

/// Street names.
pub const STREETS: [&str; 12] =
    ["Main", "Church", "Oak", "Park", "Station", "Market", "Mill", "River", "Hill", "Lake", "King", "Garden"];

/// Optional notes.
pub const NOTES: [&str; 6] = [
    "Use the side entrance.",
    "Parking behind the building.",
    "Downstairs in the basement.",
    "Coffee from 15 minutes before.",
    "Literature table after the meeting.",
    "Ring the bell at the back door.",
];

/// Typical local start times (minutes after midnight) and weights.
pub const START_TIMES: [(u16, f64); 21] = [
    (6 * 60 + 30, 2.0),
    (7 * 60, 4.0),
    (7 * 60 + 30, 3.0),
    (8 * 60, 3.0),
    (9 * 60 + 30, 2.0),
    (10 * 60, 3.0),
    (12 * 60, 6.0),
    (12 * 60 + 15, 2.0),
    (17 * 60 + 30, 4.0),
    (18 * 60, 6.0),
    (18 * 60 + 30, 6.0),
    (19 * 60, 10.0),
    (19 * 60 + 30, 10.0),
    (20 * 60, 10.0),
    (20 * 60 + 30, 4.0),
    (21 * 60, 3.0),
    (22 * 60 + 30, 1.5),
    (23 * 60, 1.5),
    (23 * 60 + 30, 1.0),
    (0, 0.5),
    (30, 0.3),
];

/// The main language of a country's meetings (ISO 3166 → ISO 639-1); English elsewhere.
pub fn country_language(cc: &str) -> &'static str {
    match cc {
        "MX" | "ES" | "AR" | "CO" | "CL" | "PE" | "VE" | "EC" | "GT" | "CU" | "BO" | "DO" | "HN" | "PY" | "SV"
        | "NI" | "CR" | "PA" | "UY" | "PR" => "es",
        "BR" | "PT" | "AO" | "MZ" => "pt",
        "FR" | "BE" | "SN" | "CI" | "CM" | "HT" => "fr",
        "DE" | "AT" | "CH" => "de",
        "IT" => "it",
        "JP" => "ja",
        "NL" => "nl",
        "SE" => "sv",
        "RU" | "BY" | "KZ" => "ru",
        "UA" => "uk",
        "PL" => "pl",
        "KR" => "ko",
        "CN" | "TW" => "zh",
        "TR" => "tr",
        "IR" => "fa",
        "EG" | "SA" | "MA" | "DZ" | "IQ" => "ar",
        "TH" => "th",
        "ID" => "id",
        "VN" => "vi",
        "FI" => "fi",
        "NO" => "no",
        "DK" => "da",
        "GR" => "el",
        "HU" => "hu",
        "CZ" => "cs",
        "RO" => "ro",
        "IL" => "he",
        _ => "en",
    }
}
