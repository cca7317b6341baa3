DROP TABLE IF EXISTS time_entry_changes;
DROP TABLE IF EXISTS time_entries;
