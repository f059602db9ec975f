//! The pseudo-random generator behind glibc's `rand()` (the `TYPE_3` additive feedback
//! generator, seeded with 1 as in a program that never calls `srand`).
//!
//! LIBSVM shuffles with `rand()` for cross-validation folds and for the internal 5-fold
//! cross-validation of Platt scaling. Using the same sequence makes our folds — and so our
//! probability models and `-v` results — match `svm-train`'s on Linux, and keeps every run
//! deterministic.
//!
//! The recurrence: `r₀ = seed`, `rᵢ = 16807·rᵢ₋₁ mod (2³¹ − 1)` for `i < 31`,
//! `rᵢ = rᵢ₋₃₁` for `31 ≤ i < 34`, then `rᵢ = rᵢ₋₃₁ + rᵢ₋₃ (mod 2³²)`; the first 310 values
//! after the seeding are discarded and each output is `rᵢ >> 1`.

/// glibc's `rand()` sequence.
#[derive(Clone, Debug)]
pub struct GlibcRand {
    state: [u32; 34],
    pos: usize,
}

impl GlibcRand {
    /// The generator after `srand(seed)` (`rand()` without `srand` uses seed 1).
    pub fn new(seed: u32) -> Self {
        let mut r = [0i64; 34];
        r[0] = if seed == 0 { 1 } else { seed as i64 };
        for i in 1..31 {
            let v = (16807 * r[i - 1]) % 2147483647;
            r[i] = if v < 0 { v + 2147483647 } else { v };
        }
        for i in 31..34 {
            r[i] = r[i - 31];
        }
        let mut g = GlibcRand {
            state: r.map(|v| v as u32),
            pos: 0,
        };
        for _ in 34..344 {
            g.step();
        }
        g
    }

    fn step(&mut self) -> u32 {
        // Ring buffer of the last 34 values: state[pos] is r_{i-34}.
        let r31 = self.state[(self.pos + 3) % 34];
        let r3 = self.state[(self.pos + 31) % 34];
        let v = r31.wrapping_add(r3);
        self.state[self.pos] = v;
        self.pos = (self.pos + 1) % 34;
        v
    }

    /// The next `rand()` value in `0..=2³¹ − 1`.
    pub fn next_rand(&mut self) -> u32 {
        self.step() >> 1
    }

    /// `rand() % n` (LIBSVM's way of drawing an index; `n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_rand() as usize) % n.max(1)
    }
}

impl Default for GlibcRand {
    fn default() -> Self {
        Self::new(1)
    }
}

#[cfg(test)]
mod tests {
    use super::GlibcRand;

    #[test]
    fn matches_glibc_rand_with_default_seed() {
        // The first values of `rand()` in a C program on glibc that never calls srand().
        let mut g = GlibcRand::default();
        let first: Vec<u32> = (0..5).map(|_| g.next_rand()).collect();
        assert_eq!(
            first,
            [1804289383, 846930886, 1681692777, 1714636915, 1957747793]
        );
    }
}
