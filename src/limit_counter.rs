//! `LimitCounter`: the Durable Object that counts one limiter scope (a virtual key, a gateway;
//! `docs/limits.md`). One object per scope, named by it (`key:vk_…`, `gateway:prod`).
//!
//! `POST /call` with a `gateway_core::limits::store::LimiterCall` as JSON runs it on the scope's
//! counter (`limits::store::apply`) and answers the `LimiterAnswer`. The counter lives in the
//! object's memory and is stored after every change (`counter` key of its storage), so a call is
//! decided synchronously, one at a time: that is what makes a limit exact however many isolates
//! send requests at once. An alarm at the next reservation's expiry releases the holds of
//! requests whose settlement never came, even when no other call arrives.

use std::cell::RefCell;

use gateway_core::limits::counter::Counter;
use gateway_core::limits::store::{apply, LimiterCall};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const STORAGE_KEY: &str = "counter";

/// One limiter scope's count.
#[durable_object]
pub struct LimitCounter {
    state: State,
    counter: RefCell<Option<Counter>>,
}

impl LimitCounter {
    /// The counter, read from storage the first time an instance needs it.
    async fn load(&self) -> Result<()> {
        if self.counter.borrow().is_none() {
            let stored: Option<Counter> = self.state.storage().get(STORAGE_KEY).await?;
            // Another call may have loaded it while this one waited.
            self.counter.borrow_mut().get_or_insert(stored.unwrap_or_default());
        }
        Ok(())
    }

    /// Stores the counter and sets the alarm at its next expiry.
    async fn save(&self) -> Result<()> {
        let (snapshot, next) = {
            let counter = self.counter.borrow();
            let counter = counter.as_ref().cloned().unwrap_or_default();
            let next = counter.next_expiry();
            (counter, next)
        };
        let storage = self.state.storage();
        storage.put(STORAGE_KEY, &snapshot).await?;
        if let Some(at) = next {
            storage.set_alarm(at).await?;
        }
        Ok(())
    }
}

impl DurableObject for LimitCounter {
    fn new(state: State, _env: Env) -> Self {
        LimitCounter { state, counter: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let text = req.text().await?;
        let call: LimiterCall =
            serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("bad limiter call: {e}")))?;
        let changes = !matches!(call, LimiterCall::Status { .. });
        self.load().await?;
        let answer = {
            let mut counter = self.counter.borrow_mut();
            let counter = counter.get_or_insert_with(Counter::default);
            apply(counter, call, js_sys::Date::now() as i64)
        };
        if changes {
            self.save().await?;
        }
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> Result<Response> {
        self.load().await?;
        if let Some(counter) = self.counter.borrow_mut().as_mut() {
            counter.expire(js_sys::Date::now() as i64);
        }
        self.save().await?;
        Response::ok("")
    }
}
