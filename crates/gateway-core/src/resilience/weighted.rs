//! A weighted choice driven by an injected random number, shared by routes and key pools.
//!
//! The caller draws `random` in `[0, 1)` (in Workers, `Math.random()`), so the choice is
//! deterministic in tests and no random source is read here.

/// Picks the index of one item with probability proportional to its weight.
///
/// Runs whenever a route picks its primary target or a key pool picks a key. An item of weight 0
/// is never picked, which is how callers exclude items (a key in cool-down). `random` outside
/// `[0, 1)` is clamped into it; NaN counts as 0. Returns `None` when every weight is 0 (or there
/// are no items).
pub fn pick<T>(items: &[T], weight: impl Fn(&T) -> u32, random: f64) -> Option<usize> {
    let total: u64 = items.iter().map(|item| u64::from(weight(item))).sum();
    if total == 0 {
        return None;
    }
    let random = if random.is_nan() { 0.0 } else { random.clamp(0.0, 1.0) };
    // `as` saturates, and the `min` keeps random = 1.0 (or rounding) on the last unit.
    let mut target = ((random * total as f64) as u64).min(total - 1);
    for (index, item) in items.iter().enumerate() {
        let w = u64::from(weight(item));
        if target < w {
            return Some(index);
        }
        target -= w;
    }
    None
}

#[cfg(test)]
#[path = "weighted_tests.rs"]
mod tests;
