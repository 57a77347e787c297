//! A migration step: tags (and lists) that differ only by case become one.
//!
//! intake matches tag and list names without case (`VIP`, `vip` and `Vip` are one tag, under
//! the first spelling the workspace had). Stores written before that rule can hold one tag
//! under several spellings, each with its own members; this step keeps the oldest spelling
//! (the lowest id) and moves the others' members onto it. A contact that had two spellings
//! keeps one membership. It runs once, inside the migration's transaction, in Rust because
//! SQLite's `lower()` folds ASCII letters only (`Ärger` and `ärger` are one tag too).

use std::collections::HashMap;

use rusqlite::{Connection, params};

/// A named kind of membership: the table of names and the tables that point at them.
struct Named {
    names: &'static str,
    column: &'static str,
    members: [&'static str; 2],
}

const KINDS: [Named; 2] = [
    Named { names: "tags", column: "tag_id", members: ["contact_tags", "import_tags"] },
    Named { names: "lists", column: "list_id", members: ["list_members", "import_lists"] },
];

/// Merges every workspace's tags and lists that differ only by case.
pub(crate) fn merge(conn: &Connection) -> rusqlite::Result<()> {
    for kind in &KINDS {
        for (keep, gone) in spellings_to_merge(conn, kind.names)? {
            for members in kind.members {
                // Members of both spellings keep the membership they had under the kept one.
                conn.execute(
                    &format!("UPDATE OR IGNORE {members} SET {col} = ?1 WHERE {col} = ?2", col = kind.column),
                    params![keep, gone],
                )?;
                conn.execute(&format!("DELETE FROM {members} WHERE {col} = ?1", col = kind.column), [gone])?;
            }
            conn.execute(&format!("DELETE FROM {} WHERE id = ?1", kind.names), [gone])?;
        }
    }
    Ok(())
}

/// (kept id, merged id) for every name of `table` that an older name of its workspace spells
/// in another case.
fn spellings_to_merge(conn: &Connection, table: &str) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare(&format!("SELECT id, workspace_id, name FROM {table} ORDER BY id"))?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    // Keyed by the name as `intake_core::normalize::same_name` compares it: lower case,
    // character by character.
    let mut kept: HashMap<(i64, String), i64> = HashMap::new();
    let mut merges = Vec::new();
    for row in rows {
        let (id, workspace, name) = row?;
        let folded: String = name.chars().flat_map(char::to_lowercase).collect();
        match kept.get(&(workspace, folded.clone())) {
            Some(older) => merges.push((*older, id)),
            None => {
                kept.insert((workspace, folded), id);
            }
        }
    }
    Ok(merges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_tag_become_the_oldest_and_keep_every_member_once() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, workspace_id INTEGER, name TEXT);
             CREATE TABLE lists (id INTEGER PRIMARY KEY, workspace_id INTEGER, name TEXT);
             CREATE TABLE contact_tags (workspace_id, contact_id, tag_id, import_id, PRIMARY KEY (workspace_id, contact_id, tag_id));
             CREATE TABLE import_tags (workspace_id, import_id, tag_id, PRIMARY KEY (workspace_id, import_id, tag_id));
             CREATE TABLE list_members (workspace_id, list_id, contact_id, import_id, PRIMARY KEY (workspace_id, list_id, contact_id));
             CREATE TABLE import_lists (workspace_id, import_id, list_id, PRIMARY KEY (workspace_id, import_id, list_id));
             INSERT INTO tags VALUES (1, 1, 'VIP'), (2, 1, 'vip'), (3, 1, 'Ärger'), (4, 1, 'ärger'),
                                     (5, 2, 'vip'), (6, 1, 'Lead');
             INSERT INTO lists VALUES (1, 1, 'News'), (2, 1, 'NEWS');
             INSERT INTO contact_tags VALUES (1, 10, 1, 7), (1, 10, 2, 8), (1, 11, 2, 8), (1, 11, 4, 8),
                                             (2, 20, 5, 9), (1, 12, 6, 8);
             INSERT INTO import_tags VALUES (1, 8, 2), (1, 7, 1);
             INSERT INTO list_members VALUES (1, 2, 10, 8);
             INSERT INTO import_lists VALUES (1, 8, 2);",
        )
        .unwrap();
        merge(&conn).unwrap();
        let all = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        assert_eq!(
            all("SELECT workspace_id || ':' || name FROM tags ORDER BY id"),
            ["1:VIP", "1:Ärger", "2:vip", "1:Lead"]
        );
        assert_eq!(
            all("SELECT contact_id || ':' || tag_id || ':' || import_id FROM contact_tags ORDER BY 1"),
            ["10:1:7", "11:1:8", "11:3:8", "12:6:8", "20:5:9"],
            "contact 10 had both spellings: it keeps one; another workspace's tag is its own"
        );
        assert_eq!(all("SELECT import_id || ':' || tag_id FROM import_tags ORDER BY 1"), ["7:1", "8:1"]);
        assert_eq!(all("SELECT name FROM lists"), ["News"]);
        assert_eq!(all("SELECT contact_id || ':' || list_id FROM list_members"), ["10:1"]);
        assert_eq!(all("SELECT import_id || ':' || list_id FROM import_lists"), ["8:1"]);
    }
}
