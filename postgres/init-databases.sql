-- Run once by the postgres image on an empty data directory (docker-compose.yml mounts this folder as
-- /docker-entrypoint-initdb.d): one database per service, as services/kit/src/platform.ts names them.
-- Each service's `migrate` step creates its tables (and would create its database too if it were missing).
CREATE DATABASE catalog;
CREATE DATABASE orders;
CREATE DATABASE payments;
