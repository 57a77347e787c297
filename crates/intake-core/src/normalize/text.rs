//! Text, choices and URLs.

/// Why a choice was rejected. The message names the unknown value only when it is one item
/// of several: the whole cell is in the message already (`value "gold": not one of …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}not one of the choices ({choices})", self.item_named())]
pub struct ChoiceError {
    /// The unknown value.
    pub value: String,
    /// The declared choices, comma-separated.
    pub choices: String,
    /// Whether `value` is one item of a cell that has others.
    pub in_list: bool,
}

impl ChoiceError {
    fn item_named(&self) -> String {
        match self.in_list {
            true => format!("{:?} is ", self.value),
            false => String::new(),
        }
    }
}

fn find_choice<'a>(value: &str, choices: &'a [String], in_list: bool) -> Result<&'a str, ChoiceError> {
    choices
        .iter()
        .find(|c| c.eq_ignore_ascii_case(value) || c.to_lowercase() == value.to_lowercase())
        .map(String::as_str)
        .ok_or_else(|| ChoiceError { value: value.to_string(), choices: choices.join(", "), in_list })
}

/// Normalizes a choice to its declared id, matched ignoring case.
pub fn normalize_choice(text: &str, choices: &[String]) -> Result<String, ChoiceError> {
    find_choice(text.trim(), choices, false).map(str::to_string)
}

/// Normalizes `|`-separated choices to their declared ids, without repeats, in the order given.
pub fn normalize_multi_choice(text: &str, choices: &[String]) -> Result<String, ChoiceError> {
    let mut ids: Vec<&str> = Vec::new();
    let parts = super::list_items(text);
    for &part in &parts {
        let id = find_choice(part, choices, parts.len() > 1)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(ChoiceError { value: text.to_string(), choices: choices.join(", "), in_list: false });
    }
    Ok(ids.join("|"))
}

/// Why a URL was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a web address (http or https)")]
pub struct UrlError;

/// Normalizes a web address; `example.com/x` is read as `https://example.com/x`.
pub fn normalize_url(text: &str) -> Result<String, UrlError> {
    let text = text.trim();
    // A scheme only at the start: `example.com/?next=https://x.org` has none.
    let has_scheme = text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let candidate = if has_scheme { text.to_string() } else { format!("https://{text}") };
    let url = url::Url::parse(&candidate).map_err(|_| UrlError)?;
    let host_ok = url.host_str().is_some_and(|h| h.contains('.') || h == "localhost");
    // User info is never part of a contact's web address: it is how an e-mail address
    // (`a@b.com`, `mailto:a@b.com`) in a URL column would otherwise get through.
    let has_user_info = !url.username().is_empty() || url.password().is_some();
    if !matches!(url.scheme(), "http" | "https")
        || !host_ok
        || has_user_info
        || text.contains(char::is_whitespace)
    {
        return Err(UrlError);
    }
    Ok(url.to_string())
}
