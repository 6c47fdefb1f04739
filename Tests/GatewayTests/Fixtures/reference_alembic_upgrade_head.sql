BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> aec6b39643db

CREATE TABLE users (
    id SERIAL NOT NULL, 
    name VARCHAR(128) NOT NULL, 
    email VARCHAR(256) NOT NULL, 
    hashed_password VARCHAR(256) NOT NULL, 
    PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE INDEX ix_users_id ON users (id);

INSERT INTO alembic_version (version_num) VALUES ('aec6b39643db') RETURNING alembic_version.version_num;

-- Running upgrade aec6b39643db -> 02fe4e9c4c15

CREATE TABLE refresh_tokens (
    id SERIAL NOT NULL, 
    user_id INTEGER NOT NULL, 
    token VARCHAR(512) NOT NULL, 
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
    revoked BOOLEAN NOT NULL, 
    created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
    user_agent VARCHAR(256), 
    ip_address VARCHAR(64), 
    PRIMARY KEY (id), 
    FOREIGN KEY(user_id) REFERENCES users (id), 
    UNIQUE (token)
);

CREATE INDEX ix_refresh_tokens_id ON refresh_tokens (id);

UPDATE alembic_version SET version_num='02fe4e9c4c15' WHERE alembic_version.version_num = 'aec6b39643db';

COMMIT;

