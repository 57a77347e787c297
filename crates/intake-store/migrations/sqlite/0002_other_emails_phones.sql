-- A contact's further e-mail addresses and phone numbers (a vCard or an export often has
-- several), `|`-separated, so that none of them is lost.
ALTER TABLE contacts ADD COLUMN other_emails TEXT;
ALTER TABLE contacts ADD COLUMN other_phones TEXT;
