//! Test helper: a real SQLite (rusqlite, bundled) standing in for the control Durable Object.

use std::cell::RefCell;

use async_trait::async_trait;
use rusqlite::Connection;

use crate::error::GatewayError;
use crate::logs::sql::Statement;
use crate::logs::store::Row;
use crate::logs::test_db;

use super::sql::SCHEMA;
use super::store::SqlRunner;

/// An in-memory database with the control schema; counts the statements it ran.
pub struct Sqlite {
    pub conn: Connection,
    pub statements_run: RefCell<usize>,
}

impl Sqlite {
    pub fn open() -> Sqlite {
        let conn = Connection::open_in_memory().unwrap();
        for statement in SCHEMA {
            conn.execute(statement, []).unwrap();
        }
        // Running the schema again must be harmless: the object runs it on every start.
        for statement in SCHEMA {
            conn.execute(statement, []).unwrap();
        }
        Sqlite { conn, statements_run: RefCell::new(0) }
    }

    /// Runs one statement, returning its rows as `sql.exec(...).toArray()` would.
    pub fn query(&self, statement: &Statement) -> Vec<Row> {
        *self.statements_run.borrow_mut() += 1;
        test_db::query(&self.conn, statement)
    }
}

#[async_trait(?Send)]
impl SqlRunner for Sqlite {
    async fn run(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        Ok(statements.iter().map(|s| self.query(s)).collect())
    }
}
