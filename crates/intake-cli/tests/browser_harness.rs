//! The browser harness itself, in a real headless chromium: a page is screenshotted, axe-core
//! finds a page's serious violations (so a clean result means something), and a page wider
//! than a phone is caught scrolling sideways at 375 px.

mod common;

use common::browser::{self, Browser, StaticSite};

const CLEAN: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Clean</title></head>\
    <body><main><h1>Contacts</h1><label for=\"f\">File</label> <input id=\"f\" type=\"file\"></main></body></html>";

/// An input without a label and an image without a text: both are critical for axe-core.
const BROKEN: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Broken</title></head>\
    <body><main><h1>Contacts</h1><input type=\"text\"><img src=\"/nothing.png\">\
    <div style=\"width: 900px\">too wide for a phone</div></main></body></html>";

#[test]
fn the_harness_screenshots_checks_accessibility_and_catches_a_page_too_wide_for_a_phone() {
    browser::run(async {
        let Some(mut browser) = Browser::start("browser_harness").await else { return };
        let site =
            StaticSite::start(vec![("/clean".into(), CLEAN.into()), ("/broken".into(), BROKEN.into())]);

        browser.client.goto(&format!("{}/clean", site.base)).await.expect("open the clean page");
        assert_eq!(browser.text_of("h1").await, "Contacts");
        browser.screenshot("clean").await;
        browser.axe("the clean page").await;
        browser.phone().await;
        browser.assert_no_horizontal_scroll("the clean page").await;

        browser.desktop().await;
        browser.client.goto(&format!("{}/broken", site.base)).await.expect("open the broken page");
        browser.screenshot("broken").await;
        let violations = browser.axe_violations("the broken page").await;
        let ids: Vec<&str> = violations.iter().filter_map(|v| v["id"].as_str()).collect();
        assert!(ids.contains(&"label"), "an input without a label is found: {ids:?}");
        assert!(ids.contains(&"image-alt"), "an image without a text is found: {ids:?}");
        browser.phone().await;
        let wide = browser
            .client
            .execute("return document.scrollingElement.scrollWidth;", vec![])
            .await
            .expect("measure the page");
        assert!(wide.as_u64().unwrap_or(0) > 375, "the 900 px block makes the page scroll sideways: {wide}");

        let shots = browser::target_dir().join("screenshots/browser_harness");
        for name in ["01-clean.png", "02-broken.png"] {
            let png = std::fs::read(shots.join(name)).expect("the screenshot was saved");
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
        }
        browser.finish().await;
    });
}
