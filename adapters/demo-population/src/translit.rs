//! Bulgarian Cyrillic to Latin, as the Transliteration Act (2009) prescribes for names in
//! identity documents, which is what `LatinNames` carries.

/// The Latin spelling of a Bulgarian name: `Щерю Живков` → `Shteryu Zhivkov`. Letters outside
/// the Bulgarian alphabet pass through unchanged.
pub fn transliterate(cyrillic: &str) -> String {
    let chars: Vec<char> = cyrillic.chars().collect();
    let mut out = String::with_capacity(cyrillic.len());
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let next = chars.get(i + 1).copied();
        let after_i = i > 0 && matches!(chars[i - 1], 'и' | 'И');
        let ends_word = next.is_none_or(|c| !c.is_alphabetic());
        let latin = match lower {
            // The Act's one exception: "ия" ending a word is written "ia" (Мария → Maria).
            'я' if after_i && ends_word => "a",
            _ => match regway_xml_runtime::translit::bulgarian_latin(lower) {
                Some(latin) => latin,
                None => {
                    out.push(c);
                    continue;
                }
            },
        };
        if c.is_uppercase() {
            // A capital stays one capital (Ж → Zh) unless the whole word is in capitals.
            let all_caps = next.is_some_and(char::is_uppercase);
            let mut letters = latin.chars();
            if let Some(first) = letters.next() {
                out.push(first.to_ascii_uppercase());
            }
            for letter in letters {
                out.push(if all_caps {
                    letter.to_ascii_uppercase()
                } else {
                    letter
                });
            }
        } else {
            out.push_str(latin);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::transliterate;

    #[test]
    fn official_letter_values() {
        assert_eq!(transliterate("Щерю Живков"), "Shteryu Zhivkov");
        assert_eq!(transliterate("Цветанова"), "Tsvetanova");
        assert_eq!(transliterate("Чавдар Шишков"), "Chavdar Shishkov");
        assert_eq!(transliterate("Христо Бъчваров"), "Hristo Bachvarov");
        assert_eq!(transliterate("Ясен Йорданов"), "Yasen Yordanov");
        assert_eq!(transliterate("Жельо"), "Zhelyo");
        assert_eq!(transliterate("Юлиян"), "Yuliyan");
    }

    #[test]
    fn final_iya_is_ia_but_not_inside_a_word() {
        assert_eq!(transliterate("Мария"), "Maria");
        assert_eq!(transliterate("Юлия Илиянова"), "Yulia Iliyanova");
        assert_eq!(transliterate("Антония Бъчварова"), "Antonia Bachvarova");
        assert_eq!(transliterate("Лилия-Мария"), "Lilia-Maria");
    }

    #[test]
    fn capitals_and_foreign_letters() {
        assert_eq!(transliterate("ЖИВКО"), "ZHIVKO");
        assert_eq!(transliterate("МАРИЯ"), "MARIA");
        assert_eq!(transliterate("Ж. Ivanov-2"), "Zh. Ivanov-2");
    }
}
