//! Running a batch of the core's SQL statements in one transaction of a Durable Object's SQLite
//! storage: what the `LogShard` and `ControlPlane` objects share.
//!
//! workers-rs 0.8.7 has no wrapper for `ctx.storage.transactionSync`, so it is called through
//! `js_sys`: either every statement takes effect or none does.

use std::cell::RefCell;
use std::rc::Rc;

use gateway_core::logs::sql::Statement;
use gateway_core::logs::store::Row;
use gateway_core::logs::SqlValue;
use js_sys::Reflect;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Result, SqlStorage, Storage};

/// Columns a table gained after objects already had it: the statement listing the columns it
/// has (their names in `name`), and what turns that list into the `ALTER TABLE`s still to run.
pub type ColumnUpgrade = (&'static str, fn(&[String]) -> Vec<String>);

/// Creates the tables once per object instance: runs `schema` (idempotent `CREATE … IF NOT
/// EXISTS` statements) and then `upgrade`'s statements, unless `ready` says they already ran,
/// then sets it.
pub fn ensure_schema(
    storage: &Storage,
    ready: &std::cell::Cell<bool>,
    schema: &[&str],
    upgrade: Option<ColumnUpgrade>,
) -> Result<()> {
    if !ready.get() {
        let sql = storage.sql();
        for statement in schema {
            sql.exec(statement, None)?;
        }
        if let Some((list_columns, statements)) = upgrade {
            #[derive(serde::Deserialize)]
            struct Column {
                name: String,
            }
            let existing: Vec<String> =
                sql.exec(list_columns, None)?.to_array::<Column>()?.into_iter().map(|c| c.name).collect();
            for statement in statements(&existing) {
                sql.exec(&statement, None)?;
            }
        }
        ready.set(true);
    }
    Ok(())
}

fn binding(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
        SqlValue::Real(r) => JsValue::from_f64(*r),
        SqlValue::Text(t) => JsValue::from_str(t),
    }
}

/// Runs one statement; its rows and the number of rows it wrote.
fn exec(sql: &SqlStorage, (text, binds): &Statement) -> Result<(Vec<Row>, usize)> {
    let cursor = sql.exec_raw(text, binds.iter().map(binding).collect::<Vec<_>>())?;
    let rows = cursor.to_array::<Row>()?;
    Ok((rows, cursor.rows_written()))
}

/// Runs `statements` in one `transactionSync` of `storage`: rows per statement, and rows written
/// in all.
///
/// Errors: the first failing statement's SQLite error (then the whole batch is rolled back), or
/// the runtime refusing the transaction.
pub fn run_in_transaction(storage: &Storage, statements: Vec<Statement>) -> Result<(Vec<Vec<Row>>, usize)> {
    let raw: &JsValue = storage.as_raw().as_ref();
    let sql = storage.sql();
    let out: Rc<RefCell<(Vec<Vec<Row>>, usize)>> = Rc::default();
    let failure: Rc<RefCell<Option<String>>> = Rc::default();
    let body = {
        let (out, failure) = (Rc::clone(&out), Rc::clone(&failure));
        Closure::once(move || -> std::result::Result<JsValue, JsValue> {
            for statement in &statements {
                match exec(&sql, statement) {
                    Ok((rows, written)) => {
                        let mut out = out.borrow_mut();
                        out.0.push(rows);
                        out.1 += written;
                    }
                    Err(err) => {
                        *failure.borrow_mut() = Some(err.to_string());
                        // Throwing makes transactionSync roll the whole batch back.
                        return Err(JsValue::from_str("SQL batch failed"));
                    }
                }
            }
            Ok(JsValue::UNDEFINED)
        })
    };
    let transaction_sync: js_sys::Function = Reflect::get(raw, &"transactionSync".into())?.dyn_into()?;
    let result = transaction_sync.call1(raw, body.as_ref());
    if let Some(message) = failure.borrow_mut().take() {
        return Err(worker::Error::RustError(message));
    }
    result?;
    Ok(out.take())
}
