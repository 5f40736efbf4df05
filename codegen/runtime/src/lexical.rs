//! XSD built-in simple types as Rust values.
//!
//! Numbers that are exact in XSD but not in binary floating point (`xs:decimal`: money) and the
//! date/time family keep their lexical form: a `Decimal` is the validated text `"12.50"`, never an
//! `f64`, and a `Date` is `"2024-02-29"` with its time zone as written. Conversions to richer
//! types are the caller's choice; the wire form survives a read/write unchanged.

use std::borrow::Cow;

use crate::SimpleValue;

impl SimpleValue for String {
    const KIND: &'static str = "string";
    fn parse_text(text: &str) -> Option<Self> {
        Some(text.to_string())
    }
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl SimpleValue for bool {
    const KIND: &'static str = "boolean";
    fn parse_text(text: &str) -> Option<Self> {
        match text.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! number {
    ($($t:ty => $kind:literal),* $(,)?) => {$(
        impl SimpleValue for $t {
            const KIND: &'static str = $kind;
            fn parse_text(text: &str) -> Option<Self> {
                let t = text.trim();
                t.strip_prefix('+').unwrap_or(t).parse().ok()
            }
            fn to_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
number!(i8 => "byte", i16 => "short", i32 => "int", i64 => "long", u8 => "unsignedByte",
    u16 => "unsignedShort", u32 => "unsignedInt", u64 => "unsignedLong");

macro_rules! float {
    ($($t:ty => $kind:literal),* $(,)?) => {$(
        impl SimpleValue for $t {
            const KIND: &'static str = $kind;
            fn parse_text(text: &str) -> Option<Self> {
                match text.trim() {
                    "INF" => Some(<$t>::INFINITY),
                    "-INF" => Some(<$t>::NEG_INFINITY),
                    "NaN" => Some(<$t>::NAN),
                    t if t.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') => None,
                    t => t.parse().ok(),
                }
            }
            fn to_text(&self) -> Cow<'_, str> {
                Cow::Owned(if self.is_infinite() {
                    if *self > 0.0 { "INF".into() } else { "-INF".into() }
                } else if self.is_nan() {
                    "NaN".into()
                } else {
                    self.to_string()
                })
            }
        }
    )*};
}
float!(f32 => "float", f64 => "double");

fn digits(s: &str, n: usize) -> Option<&str> {
    let d = s.get(..n)?;
    d.bytes().all(|b| b.is_ascii_digit()).then(|| &s[n..])
}

fn timezone(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b'Z') => s.len() == 1,
        Some(b'+' | b'-') => digits(&s[1..], 2)
            .and_then(|r| r.strip_prefix(':'))
            .and_then(|r| digits(r, 2))
            .is_some_and(str::is_empty),
        _ => false,
    }
}

fn year(s: &str) -> Option<&str> {
    let s = s.strip_prefix('-').unwrap_or(s);
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n >= 4).then(|| &s[n..])
}

fn time_part(s: &str) -> Option<&str> {
    let r = digits(s, 2)?.strip_prefix(':')?;
    let r = digits(r, 2)?.strip_prefix(':')?;
    let r = digits(r, 2)?;
    match r.strip_prefix('.') {
        Some(f) => {
            let n = f.bytes().take_while(u8::is_ascii_digit).count();
            (n > 0).then(|| &f[n..])
        }
        None => Some(r),
    }
}

fn date_part(s: &str) -> Option<&str> {
    let r = year(s)?.strip_prefix('-')?;
    let r = digits(r, 2)?.strip_prefix('-')?;
    digits(r, 2)
}

fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    all(int) && all(frac) && !(int.is_empty() && frac.is_empty())
}

fn is_float(s: &str) -> bool {
    matches!(s, "INF" | "-INF" | "+INF" | "NaN")
        || (!s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            && s.parse::<f64>().is_ok())
}

impl Double {
    /// The value as a binary float (`INF`, `-INF`, `NaN` included).
    pub fn value(&self) -> f64 {
        f64::parse_text(&self.0).unwrap_or(f64::NAN)
    }
}

impl Float {
    /// The value as a binary float.
    pub fn value(&self) -> f32 {
        f32::parse_text(&self.0).unwrap_or(f32::NAN)
    }
}

fn is_duration(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    s.strip_prefix('P').is_some_and(|r| {
        !r.is_empty()
            && r.bytes().any(|b| b.is_ascii_digit())
            && r.bytes()
                .all(|b| b.is_ascii_digit() || b"YMDTHS.".contains(&b))
    })
}

macro_rules! lexical {
    ($($(#[$doc:meta])* $name:ident = $kind:literal, |$s:ident| $valid:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates `s` as a lexical form of this type (surrounding whitespace removed).
            pub fn new(s: &str) -> Option<Self> {
                let $s = s.trim();
                ($valid).then(|| $name($s.to_string()))
            }
            /// The lexical form, as read or given.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl SimpleValue for $name {
            const KIND: &'static str = $kind;
            fn parse_text(text: &str) -> Option<Self> {
                $name::new(text)
            }
            fn to_text(&self) -> Cow<'_, str> {
                Cow::Borrowed(&self.0)
            }
        }
    )*};
}

lexical! {
    /// `xs:decimal` (and integer types without a machine-size bound): exact, as written.
    Decimal = "decimal", |s| is_decimal(s);
    /// `xs:integer` and its unbounded derivatives (`nonNegativeInteger`, …).
    Integer = "integer", |s| is_decimal(s) && !s.contains('.');
    /// `xs:date`: `YYYY-MM-DD` with an optional time zone.
    Date = "date", |s| date_part(s).is_some_and(timezone);
    /// `xs:dateTime`.
    DateTime = "dateTime", |s| date_part(s)
        .and_then(|r| r.strip_prefix('T'))
        .and_then(time_part)
        .is_some_and(timezone);
    /// `xs:time`.
    Time = "time", |s| time_part(s).is_some_and(timezone);
    /// `xs:duration` (`P1Y2M`, `PT5M`).
    Duration = "duration", |s| is_duration(s);
    /// `xs:gYear`.
    GYear = "gYear", |s| year(s).is_some_and(timezone);
    /// `xs:gYearMonth`.
    GYearMonth = "gYearMonth", |s| year(s)
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|r| digits(r, 2))
        .is_some_and(timezone);
    /// `xs:gMonth` (`--MM`; the pre-2004 form `--MM--` is accepted too, as .NET writes it).
    GMonth = "gMonth", |s| s.strip_prefix("--")
        .and_then(|r| digits(r, 2))
        .map(|r| r.strip_prefix("--").unwrap_or(r))
        .is_some_and(timezone);
    /// `xs:gMonthDay`.
    GMonthDay = "gMonthDay", |s| s.strip_prefix("--")
        .and_then(|r| digits(r, 2))
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|r| digits(r, 2))
        .is_some_and(timezone);
    /// `xs:gDay`.
    GDay = "gDay", |s| s.strip_prefix("---").and_then(|r| digits(r, 2)).is_some_and(timezone);
    /// `xs:base64Binary`, kept as the transmitted text (line breaks included).
    Base64Binary = "base64Binary", |s| s.bytes().all(|b| b.is_ascii_alphanumeric()
        || b"+/=".contains(&b) || b.is_ascii_whitespace());
    /// `xs:double`, kept as written (`3.14159E0` stays so); [`Double::value`] converts.
    Double = "double", |s| is_float(s);
    /// `xs:float`, kept as written; [`Float::value`] converts.
    Float = "float", |s| is_float(s);
    /// `xs:hexBinary`.
    HexBinary = "hexBinary", |s| s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_forms_are_checked_and_kept() {
        assert_eq!(
            Decimal::new("012.50").map(|d| d.to_string()),
            Some("012.50".into())
        );
        assert!(Decimal::new("1e5").is_none());
        assert!(Date::new("2024-02-29+02:00").is_some());
        assert!(Date::new("2024-2-29").is_none());
        assert!(DateTime::new("2024-02-29T10:00:00.123Z").is_some());
        assert!(DateTime::new("2024-02-29").is_none());
        assert!(GMonth::new("--05--").is_some());
        assert!(Duration::new("P1Y2MT3H").is_some());
        assert_eq!(bool::parse_text(" 1 "), Some(true));
        assert_eq!(i32::parse_text("+7"), Some(7));
    }
}
