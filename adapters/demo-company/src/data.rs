//! The generated dataset: invented name parts, legal forms and statuses, and the generator that
//! combines them. Name parts are made-up trade-name syllables; combinations, codes and
//! statuses are drawn from a fixed seed, so no record describes a real company.

use std::collections::HashSet;

use regway_adapter::synthetic::SplitMix64;

use crate::{uic, Company, LegalForm, Status};

/// How many companies the register holds.
pub(crate) const COMPANY_COUNT: usize = 3_000;

const SEED: u64 = 0x7265_6777_6179_5452;

/// Every legal form in the register with its share of the dataset (per mille).
pub(crate) const LEGAL_FORMS: &[(LegalForm, u32)] = &[
    (
        LegalForm {
            abbr: "ЕООД",
            name: "Еднолично дружество с ограничена отговорност",
        },
        440,
    ),
    (
        LegalForm {
            abbr: "ООД",
            name: "Дружество с ограничена отговорност",
        },
        250,
    ),
    (
        LegalForm {
            abbr: "ЕТ",
            name: "Едноличен търговец",
        },
        120,
    ),
    (
        LegalForm {
            abbr: "АД",
            name: "Акционерно дружество",
        },
        60,
    ),
    (
        LegalForm {
            abbr: "ЕАД",
            name: "Еднолично акционерно дружество",
        },
        50,
    ),
    (
        LegalForm {
            abbr: "КЧТ",
            name: "Клон на чуждестранен търговец",
        },
        20,
    ),
    (
        LegalForm {
            abbr: "КООП",
            name: "Кооперация",
        },
        20,
    ),
    (
        LegalForm {
            abbr: "КД",
            name: "Командитно дружество",
        },
        15,
    ),
    (
        LegalForm {
            abbr: "СД",
            name: "Събирателно дружество",
        },
        15,
    ),
    (
        LegalForm {
            abbr: "КДА",
            name: "Командитно дружество с акции",
        },
        10,
    ),
];

/// Status shares (per mille): most companies were registered directly in the commercial
/// register; older ones were re-registered from the court registers; some are closed.
const STATUSES: &[(Status, u32)] = &[
    (Status::New, 700),
    (Status::Reregistered, 150),
    (Status::NewClosed, 100),
    (Status::ReregisteredClosed, 50),
];

const STEMS: &[&str] = &[
    "Агро",
    "Алфа",
    "Бета",
    "Био",
    "Вега",
    "Вита",
    "Гео",
    "Дата",
    "Евро",
    "Еко",
    "Енерго",
    "Жар",
    "Зенит",
    "Инфо",
    "Кристал",
    "Лазур",
    "Меди",
    "Мега",
    "Нео",
    "Нова",
    "Омега",
    "Орбита",
    "Пико",
    "Про",
    "Сигма",
    "Софт",
    "Стил",
    "Строй",
    "Техно",
    "Терра",
    "Транс",
    "Хелио",
    "Хидро",
    "Цвет",
    "Чар",
    "Щит",
    "Юни",
];

const ENDINGS: &[&str] = &[
    "лукс",
    "комерс",
    "трейд",
    "инвест",
    "консулт",
    "систем",
    "плод",
    "билд",
    "тех",
    "лайн",
    "сервиз",
    "маркет",
    "мед",
    "логистик",
    "дизайн",
    "вижън",
    "пак",
    "ленд",
    "сфера",
    "форм",
    "нет",
    "вел",
];

const QUALIFIERS: &[&str] = &[
    "Груп",
    "Холдинг",
    "България",
    "Интернешънъл",
    "2000",
    "БГ",
    "97",
    "Плюс",
];

/// The whole dataset, in generation order; the same on every call.
pub(crate) fn generate() -> Vec<Company> {
    let mut rng = SplitMix64::new(SEED);
    let mut seen = HashSet::with_capacity(COMPANY_COUNT);
    let mut companies = Vec::with_capacity(COMPANY_COUNT);
    while companies.len() < COMPANY_COUNT {
        let status = *rng.weighted(STATUSES);
        let legal_form = *rng.weighted(LEGAL_FORMS);
        // Codes of re-registered companies are their older BULSTAT numbers (1…); codes the
        // commercial register issued itself start with 20.
        let body = if status.is_reregistered() {
            rng.between(10_000_000, 19_999_999)
        } else {
            rng.between(20_000_000, 20_999_999)
        };
        let Some(uic) = uic::from_body(body as u32) else {
            continue;
        };
        if !seen.insert(uic.clone()) {
            continue;
        }
        let name = company_name(&mut rng, legal_form);
        companies.push(Company {
            uic,
            name,
            legal_form,
            status,
        });
    }
    companies
}

/// An invented trade name: `Вегатрейд`, `Инфолайн Груп`, `Агроплод & Ко` (partnerships),
/// `Хидросистем - клон България` (a branch of a foreign trader).
fn company_name(rng: &mut SplitMix64, legal_form: LegalForm) -> String {
    let stem = *rng.pick(STEMS);
    let ending = *rng.pick(ENDINGS);
    let base = format!("{stem}{ending}");
    if legal_form.abbr == "КЧТ" {
        return format!("{base} - клон България");
    }
    // "& Ко" (and partners) only suits forms with several partners.
    let partnership = matches!(legal_form.abbr, "ООД" | "СД" | "КД" | "КДА");
    match rng.below(100) {
        0..=69 => base,
        90.. if partnership => format!("{base} & Ко"),
        _ => format!("{base} {}", rng.pick(QUALIFIERS)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_whole() {
        assert_eq!(LEGAL_FORMS.iter().map(|(_, w)| w).sum::<u32>(), 1000);
        assert_eq!(STATUSES.iter().map(|(_, w)| w).sum::<u32>(), 1000);
        let statuses: Vec<Status> = STATUSES.iter().map(|(s, _)| *s).collect();
        assert_eq!(statuses, Status::ALL);
    }
}
