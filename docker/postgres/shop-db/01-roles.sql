-- The demo target: a shop database, and the role only the gateway logs in as (docs/deployment.md:
-- no superuser, no role creation, read and write on the shop's tables only). The password is a
-- DEMO ONLY value; compose.yaml hands the same one to the silos and proxies.
CREATE ROLE og_shop LOGIN PASSWORD 'demo-only-shop-password' NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS;
CREATE DATABASE shop;
