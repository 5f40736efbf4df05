//! The Bulgarian personal number (ЕГН): `YYMMDD` birth date, a 3-digit region/sequence number
//! whose last digit's parity is the gender, and a mod-11 check digit.

use crate::{Date, Gender};

const WEIGHTS: [u32; 9] = [2, 4, 8, 5, 10, 9, 7, 3, 6];

/// The check digit for the first nine digits: Σ digit·weight mod 11, where 10 becomes 0.
pub fn check_digit(first_nine: [u8; 9]) -> u8 {
    let sum: u32 = first_nine
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match sum % 11 {
        10 => 0,
        r => r as u8,
    }
}

/// The EGN of a person born on `birth` with region/sequence number `sequence` (0–999; even for
/// men, odd for women). `None` outside the years an EGN can encode (1800–2099) or for a
/// sequence over 999.
pub fn encode(birth: Date, sequence: u16) -> Option<String> {
    let month_offset = match birth.year {
        1800..=1899 => 20,
        1900..=1999 => 0,
        2000..=2099 => 40,
        _ => return None,
    };
    if sequence > 999 {
        return None;
    }
    let yy = birth.year.rem_euclid(100) as u16;
    let mm = u16::from(birth.month) + month_offset;
    let dd = u16::from(birth.day);
    let first_nine = [
        yy / 10,
        yy % 10,
        mm / 10,
        mm % 10,
        dd / 10,
        dd % 10,
        sequence / 100,
        sequence / 10 % 10,
        sequence % 10,
    ]
    .map(|d| d as u8);
    let digits: String = first_nine.iter().map(|d| char::from(b'0' + d)).collect();
    Some(format!("{digits}{}", check_digit(first_nine)))
}

/// The birth date and gender an EGN encodes, if it is structurally valid: ten digits, an
/// existing date, and a matching check digit.
pub fn decode(egn: &str) -> Option<(Date, Gender)> {
    let bytes = egn.as_bytes();
    if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let d: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
    let mut first_nine = [0u8; 9];
    first_nine.copy_from_slice(&d[..9]);
    if check_digit(first_nine) != d[9] {
        return None;
    }
    let yy = i32::from(d[0] * 10 + d[1]);
    let (century, month) = match d[2] * 10 + d[3] {
        m @ 1..=12 => (1900, m),
        m @ 21..=32 => (1800, m - 20),
        m @ 41..=52 => (2000, m - 40),
        _ => return None,
    };
    let birth = Date::new(century + yy, month, d[4] * 10 + d[5])?;
    let gender = if d[8] & 1 == 0 {
        Gender::Male
    } else {
        Gender::Female
    };
    Some((birth, gender))
}

/// Whether `egn` is a structurally valid EGN.
pub fn is_valid(egn: &str) -> bool {
    decode(egn).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn hand_computed_examples() {
        // 2001-03-15, male, region 640: 014315 640 → 0·2+1·4+4·8+3·5+1·10+5·9+6·7+4·3+0·6
        // = 160; 160 mod 11 = 6.
        assert_eq!(
            encode(date(2001, 3, 15), 640).as_deref(),
            Some("0143156406")
        );
        assert_eq!(
            decode("0143156406"),
            Some((date(2001, 3, 15), Gender::Male))
        );
        // 1899-12-31, female, region 001: 993231 001 → 18+36+24+10+30+9+0+0+6 = 133;
        // 133 mod 11 = 1.
        assert_eq!(encode(date(1899, 12, 31), 1).as_deref(), Some("9932310011"));
        assert_eq!(
            decode("9932310011"),
            Some((date(1899, 12, 31), Gender::Female))
        );
        // 1975-05-01, male, region 438: 750501 438 → 14+20+0+25+0+9+28+9+48 = 153;
        // 153 mod 11 = 10, written as 0.
        assert_eq!(encode(date(1975, 5, 1), 438).as_deref(), Some("7505014380"));
        assert!(is_valid("7505014380"));
    }

    #[test]
    fn rejects_invalid_numbers() {
        assert!(!is_valid("0143156407"), "wrong check digit");
        assert!(!is_valid("7505014381"), "10 must be written as 0");
        assert!(!is_valid("014315640"), "nine digits");
        assert!(!is_valid("01431564060"), "eleven digits");
        assert!(!is_valid("01431564O6"), "a letter O");
        assert!(!is_valid("０１４３１５６４０６"), "full-width digits");
        // Month 13 and 30 February, each with the check digit that would otherwise fit.
        for nine in [[7, 5, 1, 3, 0, 1, 4, 3, 8], [7, 5, 0, 2, 3, 0, 4, 3, 8]] {
            let digits: String = nine.iter().map(|d| char::from(b'0' + d)).collect();
            assert!(!is_valid(&format!("{digits}{}", check_digit(nine))));
        }
    }

    #[test]
    fn encodes_each_century_and_gender_and_refuses_others() {
        for (birth, seq) in [
            (date(1800, 1, 1), 0),
            (date(1950, 7, 20), 999),
            (date(2099, 12, 31), 500),
        ] {
            let egn = encode(birth, seq).unwrap();
            let gender = if seq % 2 == 0 {
                Gender::Male
            } else {
                Gender::Female
            };
            assert_eq!(decode(&egn), Some((birth, gender)), "{egn}");
        }
        assert_eq!(&encode(date(2010, 1, 2), 0).unwrap()[2..4], "41");
        assert_eq!(&encode(date(1810, 1, 2), 0).unwrap()[2..4], "21");
        assert_eq!(encode(date(1799, 12, 31), 0), None);
        assert_eq!(encode(date(2100, 1, 1), 0), None);
        assert_eq!(encode(date(2000, 1, 1), 1000), None);
    }
}
