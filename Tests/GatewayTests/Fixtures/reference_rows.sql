-- Rows as the reference service writes them: its own statements (SQLAlchemy's, captured
-- from the reference registering three users with the password Passw0rd! and logging
-- Alice in), with their values in place. Times are relative to now() so the tokens live.
INSERT INTO users (name, email, hashed_password) VALUES ('Alice', 'alice@example.com', '$argon2id$v=19$m=65536,t=3,p=2$9X5Pac1ZK2Ws9X4vhRACoA$t/Ue126cDS3kWeylsXlew8Mmj5Snv2yf66P+rtjOkGU') RETURNING users.id;
INSERT INTO users (name, email, hashed_password) VALUES ('Bob', 'bob@example.com', '$argon2id$v=19$m=65536,t=3,p=2$+r93bk2pFeIcg3BOyZkT4g$PXFkkcs+i34itegUYJ5b74IU879yxoJxH5iheHMMEKg') RETURNING users.id;
INSERT INTO users (name, email, hashed_password) VALUES ('Carol', 'carol@example.com', '$argon2id$v=19$m=65536,t=3,p=2$nxOCEMK4dy5FiBGCMCbEuA$v+jNBXiI1+3ZAsw5nU6BjwbZSYaNsYkasMexd9bYuTk') RETURNING users.id;
INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, created_at, user_agent, ip_address) VALUES (1, '19W1ASBMUtILaeU_rclaxNiVSMqOwjoLd4nkvwn_IMsay9WTvXwD44g316Gj8Un20B_ddaZftt-OtIjj3OVm_A', now() + interval '1 day', false, now(), NULL, NULL) RETURNING refresh_tokens.id;
INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, created_at, user_agent, ip_address) VALUES (1, 'WPFx4910fcvsT5iM9TbOzCx0-Y86jZPXv3jFlmyISDhNblo7hm_jg09oDsxE_a_Y8_wiP7hGJephvma04mQFLw', now() + interval '1 day', true, now(), 'ref-client/1.0', '127.0.0.1') RETURNING refresh_tokens.id;
