//! Timers on the Workers runtime: a delay between retries, and a deadline that aborts a fetch.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::web_sys;

fn global() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// A promise that resolves after `ms` milliseconds.
pub fn delay(ms: u64) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let _ = global().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    })
}

/// Aborts a fetch whose response head has not arrived within a time limit. Must be cleared once
/// the head arrives, or the abort would cut the response body.
pub struct Deadline {
    controller: web_sys::AbortController,
    timer: i32,
    fired: Rc<Cell<bool>>,
    // Kept so that it is freed when the deadline is cleared (a `once_into_js` closure that never
    // runs would leak).
    _on_timeout: Closure<dyn FnMut()>,
}

impl Deadline {
    /// Starts the clock.
    pub fn start(ms: u64) -> Result<Deadline, JsValue> {
        let controller = web_sys::AbortController::new()?;
        let fired = Rc::new(Cell::new(false));
        let on_timeout = {
            let (controller, fired) = (controller.clone(), Rc::clone(&fired));
            Closure::<dyn FnMut()>::new(move || {
                fired.set(true);
                controller.abort();
            })
        };
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let timer =
            global().set_timeout_with_callback_and_timeout_and_arguments_0(on_timeout.as_ref().unchecked_ref(), ms)?;
        Ok(Deadline { controller, timer, fired, _on_timeout: on_timeout })
    }

    /// The signal to give the fetch.
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }

    /// Stops the clock; returns whether it had already fired.
    pub fn clear(self) -> bool {
        global().clear_timeout_with_handle(self.timer);
        self.fired.get()
    }
}

/// Waits for `promise` at most `ms` milliseconds: `None` when the time ran out first (the promise
/// is then left to settle on its own), otherwise how it settled. The timer is cleared either way,
/// so a promise that settles early leaves nothing pending.
pub async fn within(promise: &js_sys::Promise, ms: u64) -> Option<Result<JsValue, JsValue>> {
    let sentinel: JsValue = js_sys::Object::new().into();
    let mut timer = None;
    let timeout = js_sys::Promise::new(&mut |resolve, _reject| {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        timer = global().set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, ms, &sentinel).ok();
    });
    let raced = js_sys::Promise::race(&js_sys::Array::of2(promise, &timeout));
    let settled = wasm_bindgen_futures::JsFuture::from(raced).await;
    if let Some(timer) = timer {
        global().clear_timeout_with_handle(timer);
    }
    match settled {
        Ok(value) if js_sys::Object::is(&value, &sentinel) => None,
        other => Some(other),
    }
}
