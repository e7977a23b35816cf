//! Bounded exponential backoff with full jitter, honouring `Retry-After`.
//!
//! Pure: the caller supplies the randomness (`jitter` in `[0, 1)`), so tests are exact and the
//! browser edge uses `Math.random()`.

/// How a request is retried. Defaults: 5 retries, 300 ms doubling up to 5 s, `Retry-After`
/// honoured up to 30 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub max_retries: u32,
    pub base_ms: u32,
    pub cap_ms: u32,
    /// A server asking for longer than this is not waited for: the flow gives up instead.
    pub max_retry_after_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_ms: 300,
            cap_ms: 5_000,
            max_retry_after_ms: 30_000,
        }
    }
}

impl Backoff {
    /// The wait before retry number `retry` (0 for the first retry), or `None` when the retries
    /// are used up or the server asks for too long. With `Retry-After`, never sooner than it.
    pub fn delay_ms(&self, retry: u32, retry_after_secs: Option<u32>, jitter: f64) -> Option<u32> {
        if retry >= self.max_retries {
            return None;
        }
        let ceiling = self
            .base_ms
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.cap_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Full jitter, but never less than a tenth of the step, so retries are not instant.
        let delay = ((f64::from(ceiling) * jitter) as u32).max(ceiling / 10);
        match retry_after_secs.map(|s| s.saturating_mul(1000)) {
            Some(asked) if asked > self.max_retry_after_ms => None,
            Some(asked) => Some(delay.max(asked)),
            None => Some(delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule() {
        let b = Backoff::default();
        assert_eq!(b.delay_ms(0, None, 0.999_999), Some(299));
        assert_eq!(b.delay_ms(1, None, 0.5), Some(300));
        assert_eq!(b.delay_ms(4, None, 1.0), Some(4_800));
        assert_eq!(b.delay_ms(0, None, 0.0), Some(30), "never instant");
        assert_eq!(b.delay_ms(5, None, 0.5), None, "bounded");
        assert_eq!(
            b.delay_ms(0, Some(2), 0.1),
            Some(2_000),
            "Retry-After is honoured"
        );
        assert_eq!(
            b.delay_ms(0, Some(60), 0.1),
            None,
            "but not waited for forever"
        );
        assert_eq!(b.delay_ms(2, None, f64::NAN), Some(120));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn delays_are_bounded_and_respect_retry_after(
            retry in 0u32..10, jitter in proptest::prelude::any::<f64>(), after in proptest::option::of(0u32..40)
        ) {
            let b = Backoff::default();
            match b.delay_ms(retry, after, jitter) {
                None => proptest::prop_assert!(retry >= b.max_retries || after.is_some_and(|a| a * 1000 > b.max_retry_after_ms)),
                Some(d) => {
                    proptest::prop_assert!(retry < b.max_retries);
                    proptest::prop_assert!(d >= 1);
                    proptest::prop_assert!(d <= b.cap_ms.max(after.unwrap_or(0) * 1000));
                    if let Some(a) = after {
                        proptest::prop_assert!(d >= a * 1000);
                    }
                }
            }
        }

        #[test]
        fn total_waiting_is_bounded(jitters in proptest::collection::vec(0.0f64..1.0, 5)) {
            let b = Backoff::default();
            let total: u32 = jitters.iter().enumerate().filter_map(|(i, j)| b.delay_ms(i as u32, None, *j)).sum();
            proptest::prop_assert!(total <= 300 + 600 + 1_200 + 2_400 + 4_800);
        }
    }
}
