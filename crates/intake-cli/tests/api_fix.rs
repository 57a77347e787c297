//! Fixing rows in the review ("fix in place") through a real `intake serve` and store: the
//! review lists its error rows with their cells and problems; a corrected row is re-checked at
//! once; the review, re-run, counts the corrected rows as they now are; the import stores the
//! corrected values, and its results file says which rows were corrected and by whom.

mod common;

use common::server::Server;
use common::{Workspace, big_file, checkpoint_rows, rows_of};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Three error rows: a bad e-mail (row 3), an impossible date (row 4), a phone that is no
/// number (row 5); rows 2 and 6 are good.
const FILE: &str = "First Name,Last Name,Email,Phone,Birthday\n\
                    Anna,Muster,anna@example.com,+49 151 23456789,1990-01-15\n\
                    Bert,Kaputt,bert-at-example.com,+49 160 1234567,1985-03-02\n\
                    Clara,Datum,clara@example.com,+49 170 7654321,1990-02-31\n\
                    Dora,Telefon,dora@example.com,call me maybe,1970-07-07\n\
                    Emil,Gut,emil@example.com,,\n";

fn new_key(ws: &Workspace, workspace: &str) -> String {
    let created = ws.ok(&["--workspace", workspace, "keys", "create", "--role", "member"]);
    created.lines().last().expect("a key").to_string()
}

/// Uploads [`FILE`], reviews it, and returns the import's id once it is reviewed.
fn uploaded_and_reviewed(server: &Server, key: &str) -> String {
    let (status, uploaded) = server.upload(key, "people.csv", FILE.as_bytes());
    assert_eq!(status, 201, "{uploaded}");
    let id = uploaded["id"].as_str().expect("an id").to_string();
    review(server, key, &id);
    id
}

fn review(server: &Server, key: &str, id: &str) -> Value {
    let (status, queued) = server.post(&format!("/v1/imports/{id}/review"), key, &json!({}));
    assert_eq!(status, 202, "{queued}");
    assert_eq!(server.finished(key, id)["state"], "reviewed");
    let (status, review) = server.get(&format!("/v1/imports/{id}/review"), key);
    assert_eq!(status, 200, "{review}");
    review
}

fn put_row(server: &Server, key: &str, id: &str, row: u64, cells: Value) -> (u16, Value) {
    let body = serde_json::to_vec(&json!({ "cells": cells })).expect("json");
    let (status, _, answer) =
        server.send("PUT", &format!("/v1/imports/{id}/rows/{row}"), key, "application/json", &body);
    (status, answer)
}

/// The problems of a row (an error row of the listing, or a check), as `(column, value)`.
fn problems(of: &Value) -> Vec<(String, String)> {
    of["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (p["column"].as_str().unwrap_or("").to_string(), p["value"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn error_rows_are_listed_corrected_rechecked_and_imported_with_the_corrected_values() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = uploaded_and_reviewed(&server, &key);

    // The review lists the three error rows with their cells and a reason per column.
    let (status, listed) = server.get(&format!("/v1/imports/{id}/review/errors"), &key);
    assert_eq!(status, 200, "{listed}");
    let rows = listed["rows"].as_array().expect("rows");
    assert_eq!(
        rows.iter().map(|r| r["row"].as_u64().unwrap_or(0)).collect::<Vec<_>>(),
        [3, 4, 5],
        "{listed}"
    );
    assert_eq!(rows[0]["cells"]["Email"], "bert-at-example.com");
    assert_eq!(rows[0]["cells"]["First Name"], "Bert");
    assert_eq!(problems(&rows[0]), [("Email".to_string(), "bert-at-example.com".to_string())]);
    assert_eq!(problems(&rows[1]), [("Birthday".to_string(), "1990-02-31".to_string())]);
    assert_eq!(problems(&rows[2]), [("Phone".to_string(), "call me maybe".to_string())]);
    assert!(rows.iter().all(|r| r["problems"][0]["reason"].as_str().is_some_and(|s| !s.is_empty())));
    assert_eq!((listed["outdated"].clone(), listed["next_after"].clone()), (json!(false), Value::Null));

    // A correction that fixes the row: it would be imported, with the value as stored.
    let (status, fixed) = put_row(&server, &key, &id, 3, json!({ "Email": " Bert@Example.com" }));
    assert_eq!(status, 200, "{fixed}");
    assert_eq!(fixed["check"]["outcome"], "import", "{fixed}");
    assert_eq!(fixed["check"]["problems"], json!([]));
    assert_eq!(fixed["check"]["as_stored"]["values"]["email"], "bert@example.com", "{fixed}");
    assert_eq!(fixed["check"]["as_stored"]["values"]["phone"], "+491601234567", "{fixed}");
    assert_eq!(fixed["as_read"]["Email"], "bert-at-example.com", "as read is the file's cell");
    assert_eq!(fixed["correction"]["corrected_by"], "key:1");

    // A correction that is still wrong answers the new problem.
    let (status, still) = put_row(&server, &key, &id, 4, json!({ "Birthday": "1990-02-30" }));
    assert_eq!(status, 200, "{still}");
    assert_eq!(still["check"]["outcome"], "error");
    assert_eq!(problems(&still["check"]), [("Birthday".to_string(), "1990-02-30".to_string())]);

    // A column the file does not have is refused, naming it, and nothing is stored.
    let (status, refused) = put_row(&server, &key, &id, 5, json!({ "Telefon": "+49 171 1111111" }));
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["details"]["column"], "Telefon", "{refused}");
    assert_eq!(server.get(&format!("/v1/imports/{id}/rows/5"), &key).1["correction"], Value::Null);

    // The review no longer holds: the import is uploaded again, its review outdated.
    let (_, import) = server.get(&format!("/v1/imports/{id}"), &key);
    assert_eq!(
        (import["state"].clone(), import["review_expires_at"].clone()),
        (json!("uploaded"), Value::Null)
    );
    assert_eq!(server.get(&format!("/v1/imports/{id}/review"), &key).1["outdated"], true);

    // Reviewed again, it counts the corrected rows as they now are.
    let review = review(&server, &key, &id);
    let counts = &review["counts"];
    assert_eq!((counts["imported"].as_u64(), counts["errors"].as_u64()), (Some(3), Some(2)), "{review}");
    let (_, page) = server.get(&format!("/v1/imports/{id}/review/errors?limit=1"), &key);
    assert_eq!(
        (page["rows"][0]["row"].clone(), page["next_after"].clone()),
        (json!(4), json!("4")),
        "{page}"
    );
    assert_eq!(page["rows"][0]["cells"]["Birthday"], "1990-02-30", "the review read the corrected cell");
    assert_eq!(page["rows"][0]["correction"]["cells"]["Birthday"], "1990-02-30");
    let (_, page) = server.get(&format!("/v1/imports/{id}/review/errors?limit=1&after=4"), &key);
    assert_eq!(
        (page["rows"][0]["row"].clone(), page["next_after"].clone()),
        (json!(5), Value::Null),
        "{page}"
    );

    // Another workspace's key finds none of it.
    let theirs = new_key(&ws, "other");
    assert_eq!(server.get(&format!("/v1/imports/{id}/review/errors"), &theirs).0, 404);
    assert_eq!(server.get(&format!("/v1/imports/{id}/rows/3"), &theirs).0, 404);
    assert_eq!(put_row(&server, &theirs, &id, 5, json!({ "Phone": "+49 171 1111111" })).0, 404);
    assert_eq!(server.delete(&format!("/v1/imports/{id}/rows/3"), &theirs).0, 404);

    let (status, started) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    assert_eq!(status, 202, "{started}");
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!((done["counts"]["imported"].as_u64(), done["counts"]["errors"].as_u64()), (Some(3), Some(2)));

    // The contact has the corrected value; the results file the corrected cell and the note.
    let bert = ws.contact_by("email", "bert@example.com");
    assert_eq!(bert["first_name"], "Bert");
    let (status, results) = server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &key);
    assert_eq!(status, 200);
    let results = rows_of(&results, b',');
    let bert_row = results.iter().find(|r| r["First Name"] == "Bert").expect("Bert's row");
    assert_eq!(bert_row["Email"], " Bert@Example.com", "the corrected cell as given");
    assert_eq!(bert_row["Import Status"], "Imported");
    assert!(bert_row["Import Notes"].contains("corrected in the review by key:1"), "{bert_row:?}");
    let anna_row = results.iter().find(|r| r["First Name"] == "Anna").expect("Anna's row");
    assert!(!anna_row["Import Notes"].contains("corrected"), "{anna_row:?}");
    let (_, errors) = server.get_bytes(&format!("/v1/imports/{id}/errors.csv"), &key);
    let errors = rows_of(&errors, b',');
    let names: Vec<&str> = errors.iter().map(|r| r["First Name"].as_str()).collect();
    assert_eq!(names, ["Clara", "Dora"], "{errors:?}");

    // Once started, its rows can no longer change.
    let (status, late) = put_row(&server, &key, &id, 5, json!({ "Phone": "+49 171 1111111" }));
    assert_eq!((status, late["error"]["code"].clone()), (409, json!("started")), "{late}");
    assert_eq!(server.delete(&format!("/v1/imports/{id}/rows/3"), &key).0, 409);

    // Each correction is in the audit log, with its row and columns but not its values.
    let (status, log) = server.get("/v1/audit", &key);
    assert_eq!(status, 200);
    let corrections: Vec<&Value> =
        log.as_array().expect("entries").iter().filter(|e| e["action"] == "import.row.correct").collect();
    assert_eq!(corrections.len(), 2, "{log}");
    assert!(
        !log.to_string().contains("Bert@Example.com") && !log.to_string().contains("1990-02-30"),
        "{log}"
    );

    // Its undo deletes what it created, the corrected row's contact too.
    let (status, undone) = server.post(&format!("/v1/imports/{id}/undo"), &key, &json!({}));
    assert_eq!((status, undone["deleted"].as_u64()), (200, Some(3)), "{undone}");
    assert!(ws.contacts().is_empty());
}

#[test]
fn a_correction_that_makes_a_row_a_duplicate_of_another_is_an_error_and_can_be_taken_back() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = uploaded_and_reviewed(&server, &key);

    let (status, twin) = put_row(&server, &key, &id, 5, json!({ "Email": "ANNA@example.com", "Phone": "" }));
    assert_eq!(status, 200, "{twin}");
    assert_eq!(twin["check"]["outcome"], "error", "{twin}");
    let problem = &twin["check"]["problems"][0];
    assert_eq!(
        (problem["column"].clone(), problem["value"].clone()),
        (json!("Email"), json!("ANNA@example.com"))
    );
    assert!(problem["reason"].as_str().is_some_and(|r| r.contains("2 rows of this file")), "{twin}");
    // Anna's own row, untouched, is now a duplicate too.
    let (status, anna) = server.get(&format!("/v1/imports/{id}/rows/2"), &key);
    assert_eq!(status, 200, "{anna}");
    assert_eq!((anna["check"]["outcome"].clone(), anna["correction"].clone()), (json!("error"), Value::Null));

    let (status, reverted) = server.delete(&format!("/v1/imports/{id}/rows/5"), &key);
    assert_eq!(status, 200, "{reverted}");
    assert_eq!(reverted["correction"], Value::Null);
    assert_eq!(problems(&reverted["check"]), [("Phone".to_string(), "call me maybe".to_string())]);
    assert_eq!(server.get(&format!("/v1/imports/{id}/rows/2"), &key).1["check"]["outcome"], "import");
    assert_eq!(server.delete(&format!("/v1/imports/{id}/rows/5"), &key).0, 404, "nothing left to take back");
    assert_eq!(server.get(&format!("/v1/imports/{id}/rows/99"), &key).0, 404, "the file has no row 99");
}

#[test]
fn the_error_rows_wait_for_a_review_and_a_correction_holds_settings_to_its_columns() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (_, uploaded) = server.upload(&key, "people.csv", FILE.as_bytes());
    let id = uploaded["id"].as_str().expect("an id").to_string();
    let (status, body) = server.get(&format!("/v1/imports/{id}/review/errors"), &key);
    assert_eq!((status, body["error"]["code"].clone()), (404, json!("not_found")), "{body}");
    // A correction before any review is re-checked all the same.
    let (status, fixed) = put_row(&server, &key, &id, 3, json!({ "Email": "bert@example.com" }));
    assert_eq!((status, fixed["check"]["outcome"].clone()), (200, json!("import")), "{fixed}");
    // A setting that reads the file without the column the correction names is refused.
    let headerless = json!({ "has_header": false, "mapping": { "Column 3": "email" } });
    let (status, refused) = server.patch(&format!("/v1/imports/{id}"), &key, &headerless);
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the correction of row 3 names the column \"Email\"")),
        "{refused}"
    );
}

#[test]
fn a_server_killed_in_the_middle_of_an_import_still_applies_the_corrections_after_a_restart() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let rows = 200_000;
    let (status, uploaded) = server.upload(&key, "big.csv", big_file(rows).as_bytes());
    assert_eq!(status, 201, "{uploaded}");
    let id = uploaded["id"].as_str().expect("an id").to_string();
    server.patch(&format!("/v1/imports/{id}"), &key, &json!({ "default_region": "DE" }));
    // Every 50th row of the big file has a broken e-mail: one early, one late in the file.
    for i in [7, 150_007] {
        let (status, fixed) =
            put_row(&server, &key, &id, i + 2, json!({ "Email": format!("fixed{i}@example.com") }));
        assert_eq!((status, fixed["check"]["outcome"].clone()), (200, json!("import")), "{fixed}");
    }
    server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    let numeric: i64 = id.parse().expect("a number");
    let started = Instant::now();
    while checkpoint_rows(&ws, numeric) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no batch within a minute");
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(server); // kill -9
    assert!(checkpoint_rows(&ws, numeric) < rows as u64, "killed in the middle");

    let server = Server::start(&ws);
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    let bad = rows.div_ceil(50) as u64 - 2;
    assert_eq!(done["counts"]["imported"].as_u64(), Some(rows as u64 - bad), "{done}");
    for i in [7, 150_007] {
        assert_eq!(
            ws.contact_by("email", &format!("fixed{i}@example.com"))["first_name"],
            format!("Name{i}")
        );
    }
    let (_, results) = server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &key);
    let results = rows_of(&results, b',');
    assert_eq!(results.len(), rows, "one results line per row, none twice");
    let noted = results.iter().filter(|r| r["Import Notes"].contains("corrected in the review")).count();
    assert_eq!(noted, 2);
}
