//! What a notification says: the summary of an ended import (counts and reasons, never a
//! contact's data), recorded when it ends, and the body as sent, completed with the links,
//! the delivery's id and the time it is sent.

use intake_store::ImportRecord;
use serde_json::{Value, json};

/// How many of the most common error reasons a summary names.
const TOP_REASONS: usize = 5;

/// The event of an import that ended in `state`; `None` while it has not ended.
pub(crate) fn event_of(state: &str) -> Option<&'static str> {
    match state {
        "completed" => Some("import.completed"),
        "failed" => Some("import.failed"),
        "cancelled" => Some("import.cancelled"),
        _ => None,
    }
}

/// The summary of an ended import as recorded with its deliveries.
pub(crate) fn summary(record: &ImportRecord, workspace: &str, event: &str) -> Value {
    let counts = &record.checkpoint.counts;
    let reasons: Vec<Value> = counts
        .top_error_reasons(TOP_REASONS)
        .into_iter()
        .map(|(reason, rows)| json!({ "reason": reason, "rows": rows }))
        .collect();
    json!({
        "event": event,
        "workspace": workspace,
        "import": {
            "id": record.id.to_string(),
            "file_name": record.file_name,
            "state": record.state.as_str(),
            "counts": {
                "rows": counts.rows,
                "imported": counts.imported,
                "updated": counts.updated,
                "skipped": counts.skipped,
                "errors": counts.errors,
            },
            "top_error_reasons": reasons,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
        },
    })
}

/// The body of delivery `delivery` as sent at `sent_at` (seconds since the epoch): the
/// summary with the links to the import's files under `public_url`.
pub(crate) fn complete(summary: &Value, delivery: i64, public_url: &str, sent_at: i64) -> Value {
    let mut body = summary.clone();
    if let Some(import) = body.get_mut("import").and_then(Value::as_object_mut) {
        let id = import.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        let base = public_url.trim_end_matches('/');
        import.insert("results_url".into(), json!(format!("{base}/v1/imports/{id}/results.csv")));
        import.insert("errors_url".into(), json!(format!("{base}/v1/imports/{id}/errors.csv")));
    }
    if let Some(fields) = body.as_object_mut() {
        fields.insert("delivery".into(), json!(delivery.to_string()));
        fields.insert("sent_at".into(), json!(sent_at));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_body_links_the_files_and_names_its_delivery() {
        let summary = json!({ "event": "import.completed", "import": { "id": "7" } });
        let body = complete(&summary, 12, "https://intake.example.com/", 1_700_000_000);
        assert_eq!(body["import"]["results_url"], "https://intake.example.com/v1/imports/7/results.csv");
        assert_eq!(body["import"]["errors_url"], "https://intake.example.com/v1/imports/7/errors.csv");
        assert_eq!((body["delivery"].clone(), body["sent_at"].clone()), (json!("12"), json!(1_700_000_000)));
    }
}
