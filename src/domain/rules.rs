//! Format rules for the free-text fields that must still mean something: web addresses,
//! phone numbers and e-mail addresses. Each returns the problem, or `None` when the value is fine.

/// An absolute `http`/`https` URL with a host and no spaces.
pub fn url_problem(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = url.len() <= 2048
        && !url.chars().any(char::is_whitespace)
        && host.is_some_and(|h| (!h.is_empty() && h.contains('.')) || h.starts_with("localhost"));
    (!ok).then(|| format!("`{url}` is not an http or https URL with a host"))
}

/// A dialable number: digits with optional spaces, hyphens, dots, brackets and one leading `+`;
/// 4 to 20 digits. Passcodes and extensions belong in the notes.
pub fn phone_problem(phone: &str) -> Option<String> {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let ok = body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        && (4..=20).contains(&digits);
    (!ok).then(|| {
        format!("`{phone}` is not a phone number (digits, spaces, - . ( ) and a leading +; put passcodes in notes)")
    })
}

/// `local@domain.tld`, no spaces.
pub fn email_problem(email: &str) -> Option<String> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    (!ok).then(|| format!("`{email}` is not an e-mail address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for good in ["https://meet.example.org/j/123?pwd=x", "http://aa.org", "https://zoom.us/j/1"] {
            assert_eq!(url_problem(good), None, "{good}");
        }
        for bad in
            ["meet.example.org", "ftp://x.org", "https://", "https:///path", "https://a b.org", "javascript:alert(1)"]
        {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn phones_are_digits_with_separators() {
        for good in ["+1 555 0100", "(030) 123-456", "+44.20.7946.0958", "0800"] {
            assert_eq!(phone_problem(good), None, "{good}");
        }
        for bad in ["call me", "123", "+1 555 0100 ext 4", "++1 555 0100", "1".repeat(21).as_str()] {
            assert!(phone_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn emails_have_a_local_part_and_a_dotted_domain() {
        assert_eq!(email_problem("office@example.org"), None);
        for bad in ["office", "@example.org", "office@example", "a b@example.org", "a@b@c.org", "a@.org"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
