//! The Bulgarian unified identification code (ЕИК, UIC) of a company: eight digits and a
//! mod-11 check digit (a 13-digit UIC of a branch adds four more, not generated here).

/// The check digit for the first eight digits: Σ digitᵢ·i (i = 1…8) mod 11; if that is 10,
/// Σ digitᵢ·(i+2) mod 11; if that is 10 again, 0.
pub fn check_digit(first_eight: [u8; 8]) -> u8 {
    let remainder = |offset: u32| {
        let sum: u32 = first_eight
            .iter()
            .zip(1u32..)
            .map(|(&d, i)| u32::from(d) * (i + offset))
            .sum();
        sum % 11
    };
    match remainder(0) {
        10 => match remainder(2) {
            10 => 0,
            r => r as u8,
        },
        r => r as u8,
    }
}

/// The UIC whose first eight digits are `body` (below 100,000,000).
pub fn from_body(body: u32) -> Option<String> {
    if body >= 100_000_000 {
        return None;
    }
    let text = format!("{body:08}");
    let mut first_eight = [0u8; 8];
    for (slot, b) in first_eight.iter_mut().zip(text.bytes()) {
        *slot = b - b'0';
    }
    Some(format!("{text}{}", check_digit(first_eight)))
}

/// Whether `uic` is a valid nine-digit UIC.
pub fn is_valid(uic: &str) -> bool {
    let bytes = uic.as_bytes();
    if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut first_eight = [0u8; 8];
    for (slot, b) in first_eight.iter_mut().zip(bytes) {
        *slot = b - b'0';
    }
    check_digit(first_eight) == bytes[8] - b'0'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_examples() {
        // 12345678: 1+4+9+16+25+36+49+64 = 204; 204 mod 11 = 6.
        assert_eq!(from_body(12_345_678).as_deref(), Some("123456786"));
        // 20000001: 2·1+1·8 = 10, so weights 3…10: 2·3+1·10 = 16; 16 mod 11 = 5.
        assert_eq!(from_body(20_000_001).as_deref(), Some("200000015"));
        // 20000090: 2·1+9·7 = 65 ≡ 10; 2·3+9·9 = 87 ≡ 10 again, so 0.
        assert_eq!(from_body(20_000_090).as_deref(), Some("200000900"));
        for uic in ["123456786", "200000015", "200000900"] {
            assert!(is_valid(uic), "{uic}");
        }
    }

    #[test]
    fn rejects_invalid_codes() {
        assert!(!is_valid("123456787"), "wrong check digit");
        assert!(
            !is_valid("200000010"),
            "a first-round 10 is not written as 0: weights 3…10 decide"
        );
        assert!(!is_valid("200000901"), "a second 10 is written as 0");
        assert!(!is_valid("12345678"));
        assert!(!is_valid("1234567860"));
        assert!(!is_valid("12345678a"));
        assert!(
            !is_valid("1234567860001"),
            "13-digit branch codes are not checked here"
        );
        assert_eq!(from_body(100_000_000), None);
    }

    #[test]
    fn every_body_gets_exactly_one_valid_check_digit() {
        for body in (0..100_000_000).step_by(99_991) {
            let uic = from_body(body).unwrap();
            assert!(is_valid(&uic));
            let last = uic.as_bytes()[8];
            for other in (b'0'..=b'9').filter(|&d| d != last) {
                let mut wrong = uic.clone().into_bytes();
                wrong[8] = other;
                assert!(!is_valid(std::str::from_utf8(&wrong).unwrap()));
            }
        }
    }
}
