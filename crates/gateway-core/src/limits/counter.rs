//! The count of one limiter scope (a virtual key, a gateway): its meters' windows and the
//! reservations in flight. Pure and deterministic: its Durable Object (one per scope) holds one
//! [`Counter`], runs one call at a time (that is what makes the limits exact under concurrency)
//! and stores it after each change; tests drive it with a fake clock.
//!
//! A request is charged in two steps. [`Counter::reserve`] checks every meter the request falls
//! under against what is spent and what is reserved in flight, and, only if all have room, counts
//! the request at once and holds its token estimate and worst-case cost. [`Counter::settle`]
//! replaces the holds with what the request really used (nothing for a failure), in the windows
//! they were made in. A hold whose settlement never comes (its isolate died) is released when it
//! expires; a settlement that comes later still counts what was used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::window::{Span, Technique};

/// What a meter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Requests,
    /// Input and output tokens.
    Tokens,
    /// US dollars.
    Usd,
}

/// One limit of a scope as its counter sees it. Sent with every call, so that a changed limit
/// applies on the next request without touching the stored state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meter {
    /// Unique within the scope and stable across calls: `requests`, `tokens/minute`,
    /// `budget/month`, `rule/2/gpt-4o`; a meter's count is kept under its name.
    pub name: String,
    pub unit: Unit,
    pub limit: f64,
    pub span: Span,
    pub technique: Technique,
}

/// How much of one meter a request asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    pub meter: Meter,
    pub amount: f64,
}

/// What a request really used, for its settlement.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Actual {
    pub tokens: f64,
    pub usd: f64,
}

/// A held amount, and the window it was held in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub meter: String,
    pub unit: Unit,
    pub span: Span,
    pub start: i64,
    pub amount: f64,
}

/// Where one meter stands after a granted reservation, for the `x-ratelimit-*` headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub meter: String,
    pub unit: Unit,
    pub limit: f64,
    pub remaining: f64,
    /// When the current window ends (epoch ms).
    pub reset_ms: i64,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub meter: String,
    pub unit: Unit,
    pub span: Span,
    pub limit: f64,
    /// Spent and reserved in the window when the request came.
    pub spent: f64,
    /// What the request asked for.
    pub asked: f64,
    /// When trying again may succeed (epoch ms): the window's end. For a sliding window, the
    /// earliest that can be (the previous window's weight keeps falling after it).
    pub retry_at_ms: i64,
    /// The request alone is more than the limit: it can never pass.
    pub never: bool,
}

/// The answer to a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Granted: the holds to settle later, and where each meter stands.
    Granted {
        holds: Vec<Hold>,
        standing: Vec<Standing>,
    },
    Refused(Refusal),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Window {
    start: i64,
    used: f64,
    previous: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reservation {
    expires_ms: i64,
    holds: Vec<Hold>,
}

/// The stored state of one scope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Counter {
    windows: BTreeMap<String, Window>,
    reservations: BTreeMap<String, Reservation>,
}

impl Window {
    /// Moves the window forward to the one holding `now_ms`.
    fn roll(&mut self, span: Span, now_ms: i64) {
        let current = span.start(now_ms);
        if self.start == current {
            return;
        }
        self.previous = if span.previous(current) == self.start { self.used } else { 0.0 };
        self.used = 0.0;
        self.start = current;
    }

    /// The settled count at `now_ms` (after [`Window::roll`]).
    fn count(&self, meter: &Meter, now_ms: i64) -> f64 {
        match meter.technique {
            Technique::Fixed => self.used,
            Technique::Sliding => {
                let len = (meter.span.next(self.start) - self.start).max(1) as f64;
                let elapsed = (now_ms - self.start).clamp(0, len as i64) as f64;
                self.previous * (1.0 - elapsed / len) + self.used
            }
        }
    }
}

impl Counter {
    /// Drops reservations expired at `now_ms`: their holds are released (the request counted
    /// when it was granted stays counted).
    pub fn expire(&mut self, now_ms: i64) {
        self.reservations.retain(|_, r| r.expires_ms > now_ms);
    }

    /// What is held in flight on `meter`, weighted like the settled count.
    fn held(&self, meter: &Meter, window: &Window, now_ms: i64) -> f64 {
        let len = (meter.span.next(window.start) - window.start).max(1) as f64;
        let previous_weight = match meter.technique {
            Technique::Fixed => 0.0,
            Technique::Sliding => 1.0 - ((now_ms - window.start).clamp(0, len as i64) as f64) / len,
        };
        let previous_start = meter.span.previous(window.start);
        self.reservations
            .values()
            .flat_map(|r| &r.holds)
            // A request hold is counted when granted, not held.
            .filter(|h| h.meter == meter.name && h.unit != Unit::Requests)
            .map(|h| {
                if h.start == window.start {
                    h.amount
                } else if h.start == previous_start {
                    h.amount * previous_weight
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// Reserves `charges` for request `id` until `expires_ms`, all or nothing: refused when any
    /// meter's spent + held + asked would pass its limit (the first such meter in `charges`
    /// order is named). A granted request is counted at once on its request meters; its token
    /// and dollar charges are held until [`Counter::settle`] or expiry.
    pub fn reserve(&mut self, id: &str, charges: &[Charge], now_ms: i64, expires_ms: i64) -> Verdict {
        self.expire(now_ms);
        let mut standing = Vec::with_capacity(charges.len());
        for charge in charges {
            let meter = &charge.meter;
            let window = {
                let window = self.windows.entry(meter.name.clone()).or_default();
                window.roll(meter.span, now_ms);
                window.clone()
            };
            let spent = window.count(meter, now_ms) + self.held(meter, &window, now_ms);
            let reset_ms = meter.span.next(window.start);
            // A little slack for float sums of prices: a budget is not refused for 1e-12 of a cent.
            if spent + charge.amount > meter.limit * (1.0 + 1e-9) {
                return Verdict::Refused(Refusal {
                    meter: meter.name.clone(),
                    unit: meter.unit,
                    span: meter.span,
                    limit: meter.limit,
                    spent,
                    asked: charge.amount,
                    retry_at_ms: reset_ms,
                    never: charge.amount > meter.limit,
                });
            }
            standing.push(Standing {
                meter: meter.name.clone(),
                unit: meter.unit,
                limit: meter.limit,
                remaining: (meter.limit - spent - charge.amount).max(0.0),
                reset_ms,
            });
        }
        let mut holds = Vec::new();
        for charge in charges {
            let Some(window) = self.windows.get_mut(&charge.meter.name) else { continue };
            if charge.meter.unit == Unit::Requests {
                window.used += charge.amount;
            }
            let meter = &charge.meter;
            holds.push(Hold {
                meter: meter.name.clone(),
                unit: meter.unit,
                span: meter.span,
                start: window.start,
                amount: charge.amount,
            });
        }
        if holds.iter().any(|h| h.unit != Unit::Requests) {
            self.reservations.insert(id.to_string(), Reservation { expires_ms, holds: holds.clone() });
        }
        Verdict::Granted { holds, standing }
    }

    /// Settles request `id`: drops its reservation (if it has not expired) and counts `actual`
    /// in the windows its `holds` were made in (nothing when that window is gone). With
    /// `cancel`, the request was never sent (another scope refused it): its request count is
    /// taken back too. Settling twice counts twice: the caller settles once.
    pub fn settle(&mut self, id: &str, holds: &[Hold], actual: Actual, cancel: bool, now_ms: i64) {
        self.reservations.remove(id);
        for hold in holds {
            let used = match hold.unit {
                Unit::Tokens => actual.tokens,
                Unit::Usd => actual.usd,
                Unit::Requests if cancel => -hold.amount,
                Unit::Requests => continue,
            };
            let Some(window) = self.windows.get_mut(&hold.meter) else { continue };
            window.roll(hold.span, now_ms);
            if window.start == hold.start {
                window.used = (window.used + used).max(0.0);
            } else if hold.span.previous(window.start) == hold.start {
                window.previous = (window.previous + used).max(0.0);
            }
        }
        self.expire(now_ms);
    }

    /// Where `meter` stands at `now_ms` without changing anything: settled count, held in
    /// flight, and the window's end. For the usage API.
    pub fn status(&self, meter: &Meter, now_ms: i64) -> (f64, f64, i64) {
        let mut window = self.windows.get(&meter.name).cloned().unwrap_or_default();
        window.roll(meter.span, now_ms);
        let live: Counter = Counter {
            windows: BTreeMap::new(),
            reservations: self
                .reservations
                .iter()
                .filter(|(_, r)| r.expires_ms > now_ms)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        (window.count(meter, now_ms), live.held(meter, &window, now_ms), meter.span.next(window.start))
    }

    /// The names of the meters counted so far that start with `prefix`.
    pub fn meter_names(&self, prefix: &str) -> Vec<String> {
        self.windows.keys().filter(|name| name.starts_with(prefix)).cloned().collect()
    }

    /// Whether the counter holds nothing worth storing (no count, no reservation).
    pub fn is_idle(&self) -> bool {
        self.reservations.is_empty() && self.windows.values().all(|w| w.used == 0.0 && w.previous == 0.0)
    }

    /// When the next reservation expires, for the object's alarm; `None` with none in flight.
    pub fn next_expiry(&self) -> Option<i64> {
        self.reservations.values().map(|r| r.expires_ms).min()
    }
}

#[cfg(test)]
#[path = "counter_tests.rs"]
mod tests;
