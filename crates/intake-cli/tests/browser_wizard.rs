//! The web wizard in a real chromium (tests/common/browser.rs) against a real `intake serve`,
//! as a person uses it: sign in, upload a German Excel CSV, see the file read, change a
//! mapping, set options, review, fix the broken row in place, import, see the results,
//! download the results file (the CLI's for the same file, corrected, and choices; the
//! corrected row said so), undo. Every page is screenshotted,
//! checked with axe-core and read at a phone's 375 px without sideways scrolling; a cell
//! holding a script is shown as text and runs nowhere.

mod common;

use common::browser::{self, Browser};
use common::server::Server;
use common::web::add_user;
use common::{Workspace, path_str};

const PASSWORD: &str = "correct horse battery";

/// German Excel's CSV: Windows-1252, semicolons, a notes cell holding a script, a row whose
/// e-mail is `bert_email` (broken in the file the person uploads).
fn kontakte(bert_email: &str) -> Vec<u8> {
    let text = format!(
        "Vorname;Nachname;E-Mail;Handy;Notizen\r\n\
         Jürgen;Weiß;juergen@example.de;0171 2345678;Kunde seit 2019\r\n\
         Änne;Groß;aenne@example.de;0160 9876543;<script>alert('xss')</script>\r\n\
         Bert;Kaputt;{bert_email};;\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Clicks `css` and waits until the page shown is the step `step` (its body's `data-step`).
async fn click_to(browser: &Browser, css: &str, step: &str) {
    browser.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    browser
        .wait_until(&format!("the {step} page"), &format!("document.body.dataset.step === '{step}'"))
        .await;
}

/// A results file without the note of a row corrected in the review.
fn without_correction_note(results: &str) -> String {
    results.replace("corrected in the review by user:1", "")
}

async fn assert_script_shown_as_text(browser: &Browser, page: &str) {
    let text = browser.text_of("main").await;
    assert!(text.contains("<script>alert('xss')</script>"), "{page} shows the cell as text: {text}");
    assert!(browser.client.get_alert_text().await.is_err(), "no alert opened on {page}");
}

#[test]
fn a_person_imports_a_german_excel_file_through_the_wizard_as_the_cli_would_and_undoes_it() {
    browser::run(async {
        let Some(mut browser) = Browser::start("browser_wizard").await else { return };
        let ws = Workspace::new();
        add_user(&ws, "default", "anna@example.com", "admin", PASSWORD);
        let server = Server::start(&ws);
        let file = ws.path("kontakte.csv");
        std::fs::write(&file, kontakte("bert-at-example.de")).expect("write the file");

        // The CLI's results for the same file as the person corrects it, and the same choices.
        let cli = Workspace::new();
        let cli_results = cli.path("results.csv");
        let corrected = cli.path("kontakte.csv");
        std::fs::write(&corrected, kontakte("bert@example.de")).expect("write the corrected file");
        let args = ["--default-region", "DE", "--tag", "messe", "--skip", "Notizen", "--results"];
        let mut command = vec!["import", path_str(&corrected)];
        command.extend_from_slice(&args);
        command.push(path_str(&cli_results));
        cli.ok(&command);

        // Sign in.
        browser.client.goto(&format!("{}/", server.base)).await.expect("open the service");
        browser.wait_for("#sign-in-form").await;
        browser.check_page("sign-in").await;
        browser.wait_for("#email").await.send_keys("anna@example.com").await.expect("type the address");
        browser.wait_for("#password").await.send_keys(PASSWORD).await.expect("type the password");
        click_to(&browser, "#sign-in", "upload").await;
        browser.check_page("upload").await;

        // Upload: the file is read as German Excel writes it.
        browser.wait_for("#file").await.send_keys(path_str(&file)).await.expect("choose the file");
        click_to(&browser, "#upload", "file").await;
        let read_as = browser.text_of("#read-as").await;
        assert!(read_as.contains("windows-1252") && read_as.contains("';'"), "{read_as}");
        assert!(browser.text_of("#preview").await.contains("Jürgen"), "the umlauts are read");
        assert_script_shown_as_text(&browser, "the file page").await;
        browser.check_page("file").await;

        // Map: the suggestions are pre-selected; the person leaves the notes out.
        click_to(&browser, "#to-map", "map").await;
        let field_of = |header: &str| {
            format!(
                "[...document.querySelectorAll('#mapping tbody tr')].find(r => \
                 r.querySelector('th').firstChild.textContent.trim() === '{header}').querySelector('select').value"
            )
        };
        assert_eq!(browser.wait_until("Handy's field", &field_of("Handy")).await, "phone");
        assert_eq!(browser.wait_until("E-Mail's field", &field_of("E-Mail")).await, "email");
        assert_script_shown_as_text(&browser, "the mapping page").await;
        browser.check_page("map").await;
        let notes = browser
            .client
            .execute(
                "const row = [...document.querySelectorAll('#mapping tbody tr')].find(r => \
                 r.querySelector('th').firstChild.textContent.trim() === 'Notizen');
                 return row.querySelector('input[type=checkbox]').id;",
                vec![],
            )
            .await
            .expect("the Notizen row");
        let skip = format!("#{}", notes.as_str().expect("an id"));
        browser.wait_for(&skip).await.click().await.expect("skip Notizen");
        click_to(&browser, "#save-map", "options").await;

        // Options, then the review.
        browser.check_page("options").await;
        browser.wait_for("#tags").await.send_keys("messe").await.expect("a tag");
        browser.wait_for("#default_region").await.send_keys("DE").await.expect("the region");
        click_to(&browser, "#save-options", "review").await;
        browser.wait_for("#count-rows").await;
        assert_eq!(browser.text_of("#count-imported").await, "2");
        assert_eq!(browser.text_of("#count-errors").await, "1");
        browser.check_page("review").await;

        // Fix the broken row in place: its bad cell is marked with the reason; corrected by
        // keyboard and re-checked, the review counts it as imported.
        let email = browser.wait_for("#error-row-4 input[name='cell:E-Mail']").await;
        assert_eq!(email.attr("aria-invalid").await.expect("its state").as_deref(), Some("true"));
        let reason = email.attr("aria-describedby").await.expect("its reason").expect("described");
        assert!(!browser.text_of(&format!("#{reason}")).await.is_empty(), "the reason is shown");
        browser
            .client
            .execute("document.getElementById('error-row-4').scrollIntoView();", vec![])
            .await
            .expect("scroll to the row");
        browser.screenshot("error-row").await;
        email.clear().await.expect("clear the cell");
        email.send_keys("bert@example.de\u{E007}").await.expect("type the address and press Enter");
        browser.wait_for("#fixed-outcome").await;
        let outcome = browser.text_of("#fixed-outcome").await;
        assert!(outcome.contains("Row 4") && outcome.contains("imported"), "{outcome}");
        assert_eq!(browser.text_of("#count-imported").await, "3");
        assert_eq!(browser.text_of("#count-errors").await, "0");
        assert!(browser.text_of("#corrected-row-4").await.contains("bert@example.de"));
        browser.check_page("fix-in-place").await;

        // Import, and its results.
        click_to(&browser, "#start", "results").await;
        browser.wait_for("#download-results").await;
        assert_eq!(browser.text_of("#import-state").await, "completed");
        assert_eq!(browser.text_of("#count-imported").await, "3");
        browser.check_page("results").await;
        let link = browser.wait_for("#download-results").await;
        let href = link.attr("href").await.expect("its address").expect("an href");
        let id = href.trim_start_matches("/imports/").split('/').next().expect("the id").to_string();
        link.click().await.expect("download the results");
        let downloaded = browser.downloaded(&format!("import-{id}-results.csv")).await;
        let by_cli = std::fs::read(&cli_results).expect("the CLI's results");
        let (downloaded, by_cli) = (String::from_utf8_lossy(&downloaded), String::from_utf8_lossy(&by_cli));
        let bert = downloaded.lines().find(|l| l.starts_with("Bert;")).expect("Bert's row");
        assert!(
            bert.contains("corrected in the review by user:1"),
            "the row is recorded as corrected: {bert}"
        );
        assert_eq!(
            without_correction_note(&downloaded),
            by_cli,
            "the results file is the CLI's for the corrected file, but for the corrected row's note"
        );

        // The contacts, then undo.
        assert_eq!(ws.contact_by("email", "aenne@example.de")["notes"], "", "the notes were left out");
        browser.client.goto(&format!("{}/history", server.base)).await.expect("open the history");
        browser.wait_for("main").await;
        assert!(browser.text_of("main").await.contains("kontakte.csv"));
        browser.check_page("history").await;
        browser.client.goto(&format!("{}/imports/{id}/undo", server.base)).await.expect("open undo");
        assert_eq!(browser.text_of("#undo-deleted").await, "3", "the dry run says what undo deletes");
        browser.check_page("undo").await;
        browser.wait_for("#confirm-undo").await.click().await.expect("undo");
        assert_eq!(browser.text_of("#undo-done").await, "The import was undone.");
        browser.check_page("undone").await;
        assert!(ws.contacts().is_empty(), "its contacts are gone");
        browser.finish().await;
    });
}
