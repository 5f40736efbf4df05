//! Bulgarian Cyrillic to Latin, letter by letter, as the Transliteration Act (2009) prescribes:
//! one table for the codegen (Rust identifiers from Cyrillic schema names) and for adapters
//! (`LatinNames` of a person). Word-level rules (the Act's "ия" → "ia" at a word's end,
//! capitals) belong to the caller.

/// The Latin letters of one lower-case Bulgarian letter; `None` outside the Bulgarian alphabet.
pub fn bulgarian_latin(lower: char) -> Option<&'static str> {
    Some(match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "sht",
        'ъ' => "a",
        'ь' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}
