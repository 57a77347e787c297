-- What a CRM keeps beyond the basics: the postal address (street lines joined, postal code,
-- state or province), the web site, the department, the parts of the name, and every
-- further address of a contact (`|`-separated, each on one line).
ALTER TABLE contacts ADD COLUMN street TEXT;
ALTER TABLE contacts ADD COLUMN postal_code TEXT;
ALTER TABLE contacts ADD COLUMN region TEXT;
ALTER TABLE contacts ADD COLUMN website TEXT;
ALTER TABLE contacts ADD COLUMN department TEXT;
ALTER TABLE contacts ADD COLUMN middle_name TEXT;
ALTER TABLE contacts ADD COLUMN name_prefix TEXT;
ALTER TABLE contacts ADD COLUMN name_suffix TEXT;
ALTER TABLE contacts ADD COLUMN nickname TEXT;
ALTER TABLE contacts ADD COLUMN gender TEXT;
ALTER TABLE contacts ADD COLUMN other_addresses TEXT;

-- A workspace may have declared one of these as a custom field: its values move into the new
-- column and the declaration goes, so that the store opens with one field of each name.
UPDATE contacts SET street = json_extract(custom, '$.street'), custom = json_remove(custom, '$.street')
    WHERE json_type(custom, '$.street') IS NOT NULL;
UPDATE contacts SET postal_code = json_extract(custom, '$.postal_code'), custom = json_remove(custom, '$.postal_code')
    WHERE json_type(custom, '$.postal_code') IS NOT NULL;
UPDATE contacts SET region = json_extract(custom, '$.region'), custom = json_remove(custom, '$.region')
    WHERE json_type(custom, '$.region') IS NOT NULL;
UPDATE contacts SET website = json_extract(custom, '$.website'), custom = json_remove(custom, '$.website')
    WHERE json_type(custom, '$.website') IS NOT NULL;
UPDATE contacts SET department = json_extract(custom, '$.department'), custom = json_remove(custom, '$.department')
    WHERE json_type(custom, '$.department') IS NOT NULL;
UPDATE contacts SET middle_name = json_extract(custom, '$.middle_name'), custom = json_remove(custom, '$.middle_name')
    WHERE json_type(custom, '$.middle_name') IS NOT NULL;
UPDATE contacts SET name_prefix = json_extract(custom, '$.name_prefix'), custom = json_remove(custom, '$.name_prefix')
    WHERE json_type(custom, '$.name_prefix') IS NOT NULL;
UPDATE contacts SET name_suffix = json_extract(custom, '$.name_suffix'), custom = json_remove(custom, '$.name_suffix')
    WHERE json_type(custom, '$.name_suffix') IS NOT NULL;
UPDATE contacts SET nickname = json_extract(custom, '$.nickname'), custom = json_remove(custom, '$.nickname')
    WHERE json_type(custom, '$.nickname') IS NOT NULL;
UPDATE contacts SET gender = json_extract(custom, '$.gender'), custom = json_remove(custom, '$.gender')
    WHERE json_type(custom, '$.gender') IS NOT NULL;
UPDATE contacts SET other_addresses = json_extract(custom, '$.other_addresses'), custom = json_remove(custom, '$.other_addresses')
    WHERE json_type(custom, '$.other_addresses') IS NOT NULL;
DELETE FROM fields WHERE name IN (
    'street', 'postal_code', 'region', 'website', 'department', 'middle_name',
    'name_prefix', 'name_suffix', 'nickname', 'gender', 'other_addresses'
);
