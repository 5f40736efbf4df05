//! How a consumer cites a legal basis.
//!
//! `CallContext/LawReason` must **start with the code** of a registered legal basis. The code
//! may be followed by free text after white space, `:`, `;` or `,`, which regway keeps for the
//! record but does not interpret:
//!
//! ```text
//! ZMVR-145                              the code alone
//! ZMVR-145: проверка по преписка 123    code, then free text
//! zmvr-145 some remark                  codes are matched case-insensitively
//! ```
//!
//! A code is ASCII letters, digits and `. _ / -`. RegiX only logged this field; regway enforces
//! it, so a reason in free text alone cites nothing.

/// The characters a legal-basis code is made of.
pub fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-')
}

/// A code as stored: upper case. `None` if the text is not a well-formed code.
pub fn normalize_code(code: &str) -> Option<String> {
    let code = code.trim();
    (!code.is_empty() && code.chars().all(is_code_char)).then(|| code.to_ascii_uppercase())
}

/// The code a `LawReason` cites, upper-cased; `None` when it cites none (absent, blank, or
/// free text that does not start with a code).
pub fn cited_code(law_reason: Option<&str>) -> Option<String> {
    let text = law_reason?.trim_start();
    let end = text.find(|c: char| !is_code_char(c)).unwrap_or(text.len());
    let (code, rest) = text.split_at(end);
    let separated = rest.is_empty()
        || rest.starts_with(|c: char| c.is_whitespace() || matches!(c, ':' | ';' | ','));
    (!code.is_empty() && separated).then(|| code.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_the_leading_token() {
        assert_eq!(cited_code(Some("ZMVR-145")).as_deref(), Some("ZMVR-145"));
        assert_eq!(
            cited_code(Some("  zmvr-145: по преписка")).as_deref(),
            Some("ZMVR-145")
        );
        assert_eq!(
            cited_code(Some("ZZLD/6.1.e; remark")).as_deref(),
            Some("ZZLD/6.1.E")
        );
        assert_eq!(cited_code(Some("A1 text")).as_deref(), Some("A1"));
    }

    #[test]
    fn free_text_and_blanks_cite_nothing() {
        assert_eq!(cited_code(None), None);
        assert_eq!(cited_code(Some("   ")), None);
        assert_eq!(cited_code(Some("Проверка по чл. 145")), None);
        // A code glued to other characters is not a code.
        assert_eq!(cited_code(Some("ZMVR145Закон")), None);
    }

    #[test]
    fn codes_are_normalized_or_refused() {
        assert_eq!(normalize_code(" zmvr-145 ").as_deref(), Some("ZMVR-145"));
        assert_eq!(normalize_code("ZMVR 145"), None);
        assert_eq!(normalize_code(""), None);
        assert_eq!(normalize_code("ЗМВР"), None);
    }
}
