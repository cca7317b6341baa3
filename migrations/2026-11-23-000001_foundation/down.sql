DROP TABLE refresh_tokens;
DROP TABLE service_accounts;
DROP TABLE staff_users;
DROP TABLE units;
DROP TABLE municipalities;
