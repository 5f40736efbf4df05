//! Deterministic pseudo-random numbers for adapters that generate demo datasets.
//!
//! Demo registries build their records from a fixed seed at start-up, so every run, test and
//! quick-start answers the same identifiers with the same data. SplitMix64 (Steele, Lea and
//! Flood, 2014) is enough for that: tiny, fast, and its output is fixed by its published
//! definition. It is not for anything that needs unpredictability.

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). Uses the high half of a 128-bit product rather than
    /// `%`, so small ranges are not skewed towards low values.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    /// True with a probability of `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// A uniformly chosen item.
    ///
    /// # Panics
    /// On an empty slice, like indexing: callers pass fixed, non-empty tables.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item chosen with probability proportional to its weight.
    ///
    /// # Panics
    /// When no item has a weight above 0: callers pass fixed tables.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        panic!("weighted choice from a table without weights")
    }
}

/// `n` items spread evenly over `items` (all of them when `n` is larger), always the same ones:
/// how a demo register offers a few known identifiers to tests and the quick start.
pub fn evenly_spaced<T>(items: &[T], n: usize) -> impl Iterator<Item = &T> {
    let n = n.min(items.len());
    (0..n).map(move |i| &items[i * items.len() / n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_sequence() {
        // First outputs of the reference implementation (Vigna, splitmix64.c) seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn ranges_stay_in_bounds_and_reach_both_ends() {
        let mut rng = SplitMix64::new(7);
        let draws: Vec<i64> = (0..2000).map(|_| rng.between(-3, 3)).collect();
        assert!(draws.iter().all(|d| (-3..=3).contains(d)));
        assert!(draws.contains(&-3) && draws.contains(&3));
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.between(5, 1), 5);
        assert_eq!(rng.below(0), 0);
        let picks: Vec<u8> = (0..100).map(|_| *rng.pick(&[1, 2])).collect();
        assert!(picks.contains(&1) && picks.contains(&2));
    }

    #[test]
    fn weighted_choice_follows_weights() {
        let mut rng = SplitMix64::new(1);
        let items = [("never", 0), ("rare", 1), ("common", 9)];
        let mut counts = [0u32; 3];
        for _ in 0..10_000 {
            let pick = rng.weighted(&items);
            counts[items.iter().position(|(i, _)| i == pick).unwrap()] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!((800..1200).contains(&counts[1]), "{counts:?}");
    }

    #[test]
    #[should_panic(expected = "without weights")]
    fn weighted_choice_needs_a_weight() {
        SplitMix64::new(1).weighted(&[("x", 0)]);
    }

    #[test]
    fn evenly_spaced_picks_spread_items_and_caps_at_the_length() {
        let items: Vec<u32> = (0..10).collect();
        let picked: Vec<u32> = evenly_spaced(&items, 3).copied().collect();
        assert_eq!(picked, [0, 3, 6]);
        assert_eq!(evenly_spaced(&items, 50).count(), 10);
        assert_eq!(evenly_spaced(&items, 0).count(), 0);
        assert_eq!(evenly_spaced::<u32>(&[], 5).count(), 0);
    }
}
