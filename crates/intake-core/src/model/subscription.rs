//! Subscription status per channel, and the one rule that protects it.

use std::fmt;

/// A messaging channel a contact can be subscribed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// E-mail.
    Email,
    /// SMS to the contact's phone.
    Sms,
    /// WhatsApp.
    Whatsapp,
}

impl Channel {
    /// Every channel, in the order used by `[SubscriptionStatus; 3]` arrays.
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Whatsapp];

    /// The channel's name as used in field names and the store (`email`, `sms`, `whatsapp`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
        }
    }

    /// The name of the pseudo-field a column maps to (`email_subscription`, …).
    pub fn field_name(self) -> &'static str {
        match self {
            Channel::Email => "email_subscription",
            Channel::Sms => "sms_subscription",
            Channel::Whatsapp => "whatsapp_subscription",
        }
    }

    /// Position in `[SubscriptionStatus; 3]` arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The channel named `name` (`email`, `sms`, `whatsapp`).
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Whether a contact may be messaged on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SubscriptionStatus {
    /// Nothing is known.
    #[default]
    None,
    /// The contact agreed to be messaged.
    Subscribed,
    /// The contact said no. Imports never undo this unless forced.
    Unsubscribed,
}

impl SubscriptionStatus {
    /// The status as stored and exported (`none`, `subscribed`, `unsubscribed`).
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::None => "none",
            SubscriptionStatus::Subscribed => "subscribed",
            SubscriptionStatus::Unsubscribed => "unsubscribed",
        }
    }

    /// Parses a stored or imported status, ignoring case and surrounding spaces.
    pub fn parse(text: &str) -> Option<SubscriptionStatus> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SubscriptionStatus::None),
            "subscribed" => Some(SubscriptionStatus::Subscribed),
            "unsubscribed" => Some(SubscriptionStatus::Unsubscribed),
            _ => None,
        }
    }

    /// Reads what people write in a subscription column of a file: a status (`subscribed`,
    /// `unsubscribed`, `none`), `opt-in`/`opt-out`, or a yes/no word as boolean fields read it
    /// (`yes`, `ja`, `oui`, `sí`, `true`, `1` are `subscribed`; `no`, `nein`, `non`, `false`,
    /// `0` are `unsubscribed`: the person said no). Any case.
    pub fn parse_answer(text: &str) -> Option<SubscriptionStatus> {
        let text = text.trim();
        if let Some(status) = SubscriptionStatus::parse(text) {
            return Some(status);
        }
        let opt = text.get(..3).filter(|p| p.eq_ignore_ascii_case("opt")).map(|_| &text[3..]);
        match opt.map(|rest| rest.trim_start_matches(['-', ' ', '_'])) {
            Some(rest) if rest.eq_ignore_ascii_case("in") => return Some(SubscriptionStatus::Subscribed),
            Some(rest) if rest.eq_ignore_ascii_case("out") => {
                return Some(SubscriptionStatus::Unsubscribed);
            }
            _ => {}
        }
        crate::normalize::boolean_word(text).map(|yes| match yes {
            true => SubscriptionStatus::Subscribed,
            false => SubscriptionStatus::Unsubscribed,
        })
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
