-- The subscription statuses a contact is created with are not written as events: its row
-- tells them. The import that created it (`created_import_id`) and when (`created_at`) are
-- on the row, and its first status on a channel is the old status of the channel's first
-- event, or, while the channel has none, the status it has now, since every later change
-- writes an event. A million-row load into an empty store spent a tenth of its time writing
-- those events. (Stores written before this have them as rows; their first event's old
-- status is then `none`, and nothing is derived twice.)
--
-- `subscription_creations` gives those first statuses as events, `subscription_log` is the
-- whole consent log. A contact's creations are written as rows before it is deleted.
CREATE VIEW subscription_creations AS
SELECT workspace_id, contact_id, channel, 'none' AS old_status, new_status, source, 0 AS forced, at
FROM (
    SELECT c.workspace_id AS workspace_id, c.id AS contact_id, ch.channel AS channel,
           coalesce(
               (SELECT e.old_status FROM subscription_events e
                WHERE e.workspace_id = c.workspace_id AND e.contact_id = c.id AND e.channel = ch.channel
                ORDER BY e.id LIMIT 1),
               CASE ch.channel WHEN 'email' THEN c.email_subscription
                               WHEN 'sms' THEN c.sms_subscription
                               ELSE c.whatsapp_subscription END
           ) AS new_status,
           'import:' || c.created_import_id AS source,
           c.created_at AS at
    FROM contacts c,
         (SELECT 'email' AS channel UNION ALL SELECT 'sms' UNION ALL SELECT 'whatsapp') ch
    WHERE c.created_import_id IS NOT NULL
)
WHERE new_status != 'none';

CREATE VIEW subscription_log AS
SELECT workspace_id, contact_id, channel, old_status, new_status, source, forced, at FROM subscription_events
UNION ALL
SELECT workspace_id, contact_id, channel, old_status, new_status, source, forced, at FROM subscription_creations;
