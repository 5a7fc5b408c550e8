use super::*;
use crate::logs::test_db::sample_entries;

#[test]
fn csv_quotes_what_needs_quoting() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("line1\nline2"), "\"line1\nline2\"");
    assert_eq!(csv_field("cr\r"), "\"cr\r\"");
    assert_eq!(csv_field(" padded"), "\" padded\"");
    assert_eq!(csv_field(""), "");
}

/// A minimal RFC 4180 reader, to check that the writer's output parses back.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_round_trips_awkward_values() {
    let mut entries = sample_entries(3, 41);
    entries[0].comment = Some("comma, \"quote\"\nnew line".into());
    entries[1].request_body = Some("{\"a\":\"b,c\"}\r\n".into());
    let csv = to_csv(&entries);
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], CSV_COLUMNS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r.len() == CSV_COLUMNS.len()));
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][col("comment")], "comma, \"quote\"\nnew line");
    assert_eq!(rows[2][col("request_body")], "{\"a\":\"b,c\"}\r\n");
    assert_eq!(rows[1][col("id")], entries[0].id);
    assert_eq!(rows[3][col("cost")], entries[2].cost.map(|c| c.to_string()).unwrap_or_default());
}

#[test]
fn jsonl_is_one_entry_per_line() {
    let entries = sample_entries(4, 42);
    let text = to_jsonl(&entries);
    let back: Vec<LogEntry> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(back, entries);
    assert!(text.ends_with('\n'));
}

#[test]
fn format_parameter() {
    assert_eq!(ExportFormat::from_query("limit=5").unwrap(), ExportFormat::Json);
    assert_eq!(ExportFormat::from_query("format=csv&limit=5").unwrap(), ExportFormat::Csv);
    assert_eq!(ExportFormat::from_query("format=jsonl").unwrap().content_type(), "application/x-ndjson");
    assert!(ExportFormat::from_query("format=xml").unwrap_err().message().contains("format"));
}

#[test]
fn formula_like_text_is_made_inert_and_numbers_are_left_alone() {
    for (value, expected) in [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        ("", ""),
    ] {
        assert_eq!(text_cell(value), expected, "{value:?}");
    }
    let mut entries = sample_entries(1, 7);
    entries[0].comment = Some("=cmd|' /C calc'!A0".into());
    entries[0].model = "@model".into();
    entries[0].request_body = Some("-1".into());
    let rows = parse_csv(&to_csv(&entries));
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][col("comment")], "'=cmd|' /C calc'!A0");
    assert_eq!(rows[1][col("model")], "'@model");
    assert_eq!(rows[1][col("request_body")], "'-1");
    assert_eq!(rows[1][col("duration_ms")], entries[0].duration_ms.to_string(), "numbers are not text cells");
}
