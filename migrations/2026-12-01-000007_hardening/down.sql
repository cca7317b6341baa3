DROP TABLE login_throttles;
DROP TABLE idempotency_keys;
