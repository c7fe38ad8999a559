-- The shop's tables and rows (shared with the demo), then what the gateway's role may do with them.
\connect shop
\ir shop-tables.psql
GRANT CONNECT ON DATABASE shop TO og_shop;
GRANT USAGE ON SCHEMA public TO og_shop;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO og_shop;
