//! One e-mail to the key that started an import: the file, how it ended, the counts, the
//! most common error reasons and the links to the results and error files, as plain text,
//! through the SMTP server of the settings (lettre's blocking transport, on the notifier's
//! thread). Addresses are never logged.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde_json::Value;

use super::worker::Outcome;
use crate::config::{NotifySettings, SmtpTls};

/// How long the SMTP server has for each step.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The SMTP server and the sender.
pub(crate) struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    /// The mailer the settings describe; `None` when they name no SMTP server.
    pub(crate) fn from_settings(settings: &NotifySettings) -> Result<Option<Mailer>, String> {
        let Some(host) = settings.smtp_host.as_deref().filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let from = settings.smtp_from.as_deref().ok_or("--smtp-from is needed with --smtp-host")?;
        let from: Mailbox = from.parse().map_err(|e| format!("--smtp-from {from:?}: {e}"))?;
        let builder = match settings.smtp_tls {
            SmtpTls::None => SmtpTransport::builder_dangerous(host),
            SmtpTls::Starttls => {
                SmtpTransport::starttls_relay(host).map_err(|e| format!("--smtp-host: {e}"))?
            }
            SmtpTls::Tls => SmtpTransport::relay(host).map_err(|e| format!("--smtp-host: {e}"))?,
        };
        let mut builder = builder
            .port(settings.smtp_port.unwrap_or(settings.smtp_tls.default_port()))
            .timeout(Some(TIMEOUT));
        match (&settings.smtp_user, &settings.smtp_password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => return Err("--smtp-user and --smtp-password go together".to_string()),
        }
        Ok(Some(Mailer { transport: builder.build(), from }))
    }

    /// Sends the e-mail of `body` (a notification's body as sent) to `to`.
    pub(crate) fn send(&self, delivery: i64, to: &str, body: &Value) -> Outcome {
        let to: Mailbox = match to.parse() {
            Ok(to) => to,
            Err(e) => return Outcome::permanent(format!("the address cannot be written to: {e}")),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject(body))
            .message_id(Some(self.message_id(delivery)))
            .header(ContentType::TEXT_PLAIN)
            .body(text(body));
        let message = match message {
            Ok(message) => message,
            Err(e) => return Outcome::permanent(format!("the message cannot be written: {e}")),
        };
        match self.transport.send(&message) {
            Ok(response) => Outcome::delivered(Some(i64::from(u16::from(response.code())))),
            Err(error) => {
                let status = error.status().map(|code| i64::from(u16::from(code)));
                match error.is_permanent() {
                    true => Outcome { status, ..Outcome::permanent(error.to_string()) },
                    false => Outcome::failed(status, error.to_string()),
                }
            }
        }
    }
}

impl Mailer {
    /// Sends a plain-text e-mail (a sign-in link) to `to`; the error says why not, without
    /// the address.
    pub(crate) fn send_text(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("the address cannot be written to: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(self.message_id(0)))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("the message cannot be written: {e}"))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| e.to_string())
    }

    /// `<intake.12.5f3a…@example.com>`: the delivery, something random (stores and retries
    /// differ) and the sender's domain, as RFC 5322 asks.
    fn message_id(&self, delivery: i64) -> String {
        let mut bytes = [0u8; 8];
        // Without randomness, the time: the id stays unique enough for a notification.
        if getrandom::fill(&mut bytes).is_err() {
            bytes = intake_store::now_ms().to_le_bytes();
        }
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("<intake.{delivery}.{random}@{}>", self.from.email.domain())
    }
}

/// `Import 7 (contacts.csv) completed: 120 rows, 3 errors`.
fn subject(body: &Value) -> String {
    let import = &body["import"];
    let name: String =
        import["file_name"].as_str().unwrap_or("").chars().filter(|c| !c.is_control()).collect();
    let count = |name: &str, one: &str, many: &str| {
        let n = import["counts"][name].as_u64().unwrap_or(0);
        format!("{n} {}", if n == 1 { one } else { many })
    };
    format!(
        "Import {} ({name}) {}: {}, {}",
        import["id"].as_str().unwrap_or("?"),
        import["state"].as_str().unwrap_or("ended"),
        count("rows", "row", "rows"),
        count("errors", "error", "errors"),
    )
}

/// The message: what ended how, the counts, the reasons, the links.
fn text(body: &Value) -> String {
    let import = &body["import"];
    let counts = &import["counts"];
    let mut text = format!(
        "The import {} of \"{}\" in workspace {} {}.\n\n",
        import["id"].as_str().unwrap_or("?"),
        import["file_name"].as_str().unwrap_or(""),
        body["workspace"].as_str().unwrap_or("?"),
        import["state"].as_str().unwrap_or("ended"),
    );
    for name in ["rows", "imported", "updated", "skipped", "errors"] {
        let count = counts[name].as_u64().unwrap_or(0);
        text.push_str(&format!("{:<10}{count:>10}\n", format!("{name}:")));
    }
    let reasons = import["top_error_reasons"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !reasons.is_empty() {
        text.push_str("\nMost common errors:\n");
        for reason in reasons {
            let rows = reason["rows"].as_u64().unwrap_or(0);
            text.push_str(&format!("{rows:>10} × {}\n", reason["reason"].as_str().unwrap_or("")));
        }
    }
    text.push_str(&format!(
        "\nResults file: {}\nError file:   {}\n\nThe links need an API key of the workspace \
         (Authorization: Bearer KEY).\n",
        import["results_url"].as_str().unwrap_or(""),
        import["errors_url"].as_str().unwrap_or(""),
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "workspace": "default",
            "import": {
                "id": "7", "file_name": "kontakte.csv", "state": "completed",
                "counts": { "rows": 5, "imported": 2, "updated": 0, "skipped": 0, "errors": 3 },
                "top_error_reasons": [{ "reason": "a first name is required to create a contact", "rows": 1 }],
                "results_url": "http://h/v1/imports/7/results.csv", "errors_url": "http://h/v1/imports/7/errors.csv",
            },
        })
    }

    #[test]
    fn the_message_names_the_file_the_counts_the_reasons_and_the_links() {
        assert_eq!(subject(&body()), "Import 7 (kontakte.csv) completed: 5 rows, 3 errors");
        let mut one = body();
        one["import"]["counts"]["rows"] = json!(1);
        one["import"]["counts"]["errors"] = json!(1);
        assert_eq!(subject(&one), "Import 7 (kontakte.csv) completed: 1 row, 1 error");
        let text = text(&body());
        for line in ["rows:              5", "imported:          2", "errors:            3"] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
        assert!(text.contains("1 × a first name is required to create a contact"), "{text}");
        assert!(text.contains("Results file: http://h/v1/imports/7/results.csv"), "{text}");
        assert!(text.contains("Error file:   http://h/v1/imports/7/errors.csv"), "{text}");
    }
}
