//! The generated dataset: name and town tables, and the generator that combines them.
//!
//! Names and towns are common Bulgarian ones; every combination, date and number is drawn from
//! a fixed seed, so no record describes a real person.

use std::collections::HashSet;

use regway_adapter::synthetic::SplitMix64;

use crate::{egn, Date, Gender, Nationality, Person};

/// How many people the register holds.
pub(crate) const PERSON_COUNT: usize = 5_000;

/// The date the dataset describes: nobody dies after it.
pub(crate) const SNAPSHOT: Date = Date {
    year: 2025,
    month: 1,
    day: 1,
};

const SEED: u64 = 0x7265_6777_6179_4e42;

/// Births are drawn from these years; a small share is born in the 1880s–1890s so the `+20`
/// month encoding of the EGN is exercised (all of them deceased).
const MODERN_BIRTHS: (Date, Date) = (
    Date {
        year: 1930,
        month: 1,
        day: 1,
    },
    Date {
        year: 2024,
        month: 12,
        day: 31,
    },
);
const OLD_BIRTHS: (Date, Date) = (
    Date {
        year: 1880,
        month: 1,
        day: 1,
    },
    Date {
        year: 1899,
        month: 12,
        day: 31,
    },
);
const BORN_1800S_PER_MILLE: u32 = 5;
const DECEASED_PER_MILLE: u32 = 50;
const DUAL_NATIONALITY_PER_MILLE: u32 = 20;

/// The EGN region numbers (digits 7–9) assigned to each former district, as the last number of
/// each range, with towns of that district used as the place of birth. Numbers above 925 are
/// "other/unknown" and not generated.
const REGIONS: &[(u16, &[&str])] = &[
    (
        43,
        &[
            "Благоевград",
            "Петрич",
            "Сандански",
            "Гоце Делчев",
            "Разлог",
        ],
    ),
    (
        93,
        &[
            "Бургас",
            "Поморие",
            "Несебър",
            "Созопол",
            "Айтос",
            "Карнобат",
        ],
    ),
    (139, &["Варна", "Провадия", "Девня"]),
    (169, &["Велико Търново", "Горна Оряховица", "Свищов"]),
    (183, &["Видин", "Белоградчик"]),
    (217, &["Враца", "Мездра", "Козлодуй"]),
    (233, &["Габрово", "Севлиево", "Трявна"]),
    (281, &["Кърджали", "Момчилград"]),
    (301, &["Кюстендил", "Дупница"]),
    (319, &["Ловеч", "Троян"]),
    (341, &["Монтана", "Лом", "Берковица"]),
    (377, &["Пазарджик", "Велинград", "Пещера"]),
    (395, &["Перник", "Радомир"]),
    (435, &["Плевен", "Левски", "Червен бряг"]),
    (501, &["Пловдив", "Асеновград", "Карлово"]),
    (527, &["Разград", "Исперих"]),
    (555, &["Русе", "Бяла"]),
    (575, &["Силистра", "Тутракан"]),
    (601, &["Сливен", "Нова Загора"]),
    (623, &["Смолян", "Мадан", "Чепеларе"]),
    (721, &["София"]),
    (751, &["Ботевград", "Самоков", "Ихтиман"]),
    (789, &["Стара Загора", "Казанлък", "Чирпан"]),
    (821, &["Добрич", "Балчик", "Каварна"]),
    (843, &["Търговище", "Попово"]),
    (871, &["Хасково", "Димитровград", "Харманли"]),
    (903, &["Шумен", "Нови пазар"]),
    (925, &["Ямбол", "Елхово"]),
];

/// Men's first names with the patronymic (бащино име) a child of that man carries.
const MALE_NAMES: &[(&str, &str)] = &[
    ("Александър", "Александров"),
    ("Ангел", "Ангелов"),
    ("Атанас", "Атанасов"),
    ("Бойко", "Бойков"),
    ("Борис", "Борисов"),
    ("Васил", "Василев"),
    ("Веселин", "Веселинов"),
    ("Владимир", "Владимиров"),
    ("Георги", "Георгиев"),
    ("Григор", "Григоров"),
    ("Димитър", "Димитров"),
    ("Добромир", "Добромиров"),
    ("Емил", "Емилов"),
    ("Жельо", "Желев"),
    ("Живко", "Живков"),
    ("Здравко", "Здравков"),
    ("Иван", "Иванов"),
    ("Илия", "Илиев"),
    ("Йордан", "Йорданов"),
    ("Калоян", "Калоянов"),
    ("Кирил", "Кирилов"),
    ("Красимир", "Красимиров"),
    ("Любомир", "Любомиров"),
    ("Мартин", "Мартинов"),
    ("Методи", "Методиев"),
    ("Никола", "Николов"),
    ("Огнян", "Огнянов"),
    ("Петър", "Петров"),
    ("Пламен", "Пламенов"),
    ("Радослав", "Радославов"),
    ("Стефан", "Стефанов"),
    ("Стоян", "Стоянов"),
    ("Тодор", "Тодоров"),
    ("Филип", "Филипов"),
    ("Хараламби", "Хараламбиев"),
    ("Христо", "Христов"),
    ("Цветан", "Цветанов"),
    ("Чавдар", "Чавдаров"),
    ("Щерю", "Щерев"),
    ("Юлиян", "Юлиянов"),
    ("Явор", "Яворов"),
    ("Ясен", "Ясенов"),
];

const FEMALE_NAMES: &[&str] = &[
    "Ана",
    "Антония",
    "Биляна",
    "Валентина",
    "Весела",
    "Галина",
    "Даниела",
    "Десислава",
    "Елена",
    "Живка",
    "Зорница",
    "Ивелина",
    "Йорданка",
    "Калина",
    "Красимира",
    "Лилия",
    "Мария",
    "Надежда",
    "Петя",
    "Радостина",
    "Росица",
    "Светла",
    "Силвия",
    "Стефка",
    "Таня",
    "Теодора",
    "Христина",
    "Цветелина",
    "Щилияна",
    "Юлия",
    "Яна",
];

/// Family names in the masculine form; the feminine adds `а` (Иванов → Иванова).
const FAMILY_NAMES: &[&str] = &[
    "Ангелов",
    "Атанасов",
    "Бъчваров",
    "Василев",
    "Гочев",
    "Георгиев",
    "Дачев",
    "Димитров",
    "Добрев",
    "Жеков",
    "Иванов",
    "Илиев",
    "Йорданов",
    "Колев",
    "Костов",
    "Кръстев",
    "Лазаров",
    "Маринов",
    "Михайлов",
    "Младенов",
    "Николов",
    "Павлов",
    "Петков",
    "Петров",
    "Попов",
    "Стефанов",
    "Стоянов",
    "Тодоров",
    "Хаджиев",
    "Христов",
    "Цветков",
    "Чолаков",
    "Шишков",
    "Щерев",
    "Юруков",
    "Янков",
];

const SECOND_NATIONALITIES: &[Nationality] = &[
    Nationality {
        code: "GR",
        name: "Гърция",
    },
    Nationality {
        code: "TR",
        name: "Турция",
    },
    Nationality {
        code: "DE",
        name: "Германия",
    },
    Nationality {
        code: "RO",
        name: "Румъния",
    },
    Nationality {
        code: "MK",
        name: "Северна Македония",
    },
];

/// The whole dataset, in generation order; the same on every call.
pub(crate) fn generate() -> Vec<Person> {
    let mut rng = SplitMix64::new(SEED);
    let mut seen = HashSet::with_capacity(PERSON_COUNT);
    let mut people = Vec::with_capacity(PERSON_COUNT);
    let snapshot = SNAPSHOT.to_days();
    while people.len() < PERSON_COUNT {
        let gender = if rng.chance(500) {
            Gender::Female
        } else {
            Gender::Male
        };
        let born_1800s = rng.chance(BORN_1800S_PER_MILLE);
        let (from, to) = if born_1800s {
            OLD_BIRTHS
        } else {
            MODERN_BIRTHS
        };
        let birth = rng.between(from.to_days(), to.to_days());
        // Even region numbers are men's, odd ones women's.
        let sequence = 2 * rng.below(463) as u16 + u16::from(gender == Gender::Female);
        let Some(egn) = egn::encode(Date::from_days(birth), sequence) else {
            continue;
        };
        if !seen.insert(egn.clone()) {
            continue;
        }
        let place_of_birth = *rng.pick(towns_of_region(sequence));
        let (male_first, _) = *rng.pick(MALE_NAMES);
        let female_first = *rng.pick(FEMALE_NAMES);
        let (_, patronymic) = *rng.pick(MALE_NAMES);
        let family = *rng.pick(FAMILY_NAMES);
        let dies = born_1800s || rng.chance(DECEASED_PER_MILLE);
        let death_date = dies.then(|| {
            let latest = snapshot.min(birth + 36_525);
            Date::from_days(rng.between(birth + 1, latest))
        });
        let second_nationality = rng
            .chance(DUAL_NATIONALITY_PER_MILLE)
            .then(|| *rng.pick(SECOND_NATIONALITIES));
        let (first_name, sur_name, family_name) = match gender {
            Gender::Male => (
                male_first.to_string(),
                patronymic.to_string(),
                family.to_string(),
            ),
            Gender::Female => (
                female_first.to_string(),
                format!("{patronymic}а"),
                format!("{family}а"),
            ),
        };
        people.push(Person {
            egn,
            gender,
            birth_date: Date::from_days(birth),
            death_date,
            first_name,
            sur_name,
            family_name,
            place_of_birth,
            second_nationality,
        });
    }
    people
}

/// The towns of the district that region number `sequence` belongs to.
pub(crate) fn towns_of_region(sequence: u16) -> &'static [&'static str] {
    REGIONS
        .iter()
        .find(|(last, _)| sequence <= *last)
        .map_or(&["София"], |(_, towns)| towns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_table_is_ordered_and_ends_where_generation_stops() {
        assert!(REGIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(REGIONS.last().map(|r| r.0), Some(2 * 462 + 1));
        assert_eq!(towns_of_region(0)[0], "Благоевград");
        assert_eq!(towns_of_region(43)[0], "Благоевград");
        assert_eq!(towns_of_region(44)[0], "Бургас");
        assert_eq!(towns_of_region(700), &["София"]);
    }

    #[test]
    fn name_tables_take_the_feminine_ending() {
        for stem in FAMILY_NAMES.iter().chain(MALE_NAMES.iter().map(|(_, p)| p)) {
            assert!(stem.ends_with("ов") || stem.ends_with("ев"), "{stem}");
        }
    }
}
