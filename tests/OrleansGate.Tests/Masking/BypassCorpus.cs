using static OrleansGate.Tests.Masking.BypassAttempt;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// The bypass corpus: ways to get ssn, email or card_number of the seeded customers out
/// through the gateway. Every attempt either gets rows (masked; the marker proves they came) or is
/// refused. length() is masked like any other value computed from a masked column: the length of a
/// value is itself information about it, and the gateway cannot tell harmless functions from others.
/// </summary>
public static class BypassCorpus
{
    /// <summary>Objects the corpus reads, made directly upstream (not through the gateway).</summary>
    public const string SetUpSql = """
        CREATE VIEW v_alias AS SELECT id, name, ssn AS x, card_number AS y FROM customers;
        CREATE VIEW v_upper AS SELECT id, name, upper(ssn) AS u, upper(email) AS e FROM customers;
        CREATE MATERIALIZED VIEW mv_customers AS SELECT id, name, ssn, email, card_number FROM customers;
        CREATE SEQUENCE leak_seq;
        CREATE SCHEMA evil;
        CREATE VIEW evil.customers AS SELECT id, name, ssn AS note, email AS contact, card_number AS pan FROM public.customers;
        CREATE FUNCTION get_ssn(int) RETURNS text LANGUAGE sql STABLE AS 'SELECT ssn FROM public.customers WHERE id = $1';
        CREATE FUNCTION leak_notice(int) RETURNS int LANGUAGE plpgsql AS
          $$ BEGIN RAISE NOTICE 'value %', (SELECT ssn FROM public.customers WHERE id = $1); RETURN 1; END $$;
        """;

    /// <summary>
    /// DDL inside an open transaction, which the catalog (read on a connection of its own) cannot
    /// see; run apart from the others, one at a time, because ALTER TABLE locks customers.
    /// </summary>
    public static IReadOnlyList<BypassAttempt> UncommittedDdl { get; } =
    [
        // Every column of a statement after DDL in the open transaction is masked (name too).
        new("temp-view-in-transaction", ["BEGIN", "CREATE TEMP VIEW tv3 AS SELECT name, ssn AS s, email AS e FROM customers", "SELECT * FROM tv3",
            "SELECT name, s || '' FROM tv3", "ROLLBACK"], Expect.Rows, Marker: null, MinRows: 6),

        new("rename-in-transaction", ["BEGIN", "ALTER TABLE customers RENAME COLUMN ssn TO x", "SELECT name, x, x || '' FROM customers", "ROLLBACK"],
            Expect.Rows, Marker: null, MinRows: 3),
        new("generated-column-in-transaction", ["BEGIN", "ALTER TABLE customers ADD COLUMN s2 text GENERATED ALWAYS AS (ssn || '') STORED",
            "SELECT name, s2 FROM customers", "ROLLBACK"], Expect.Rows, Marker: null, MinRows: 3),
        // Once the transaction ends, the catalog sees the truth again and name is no longer masked.
        new("view-in-transaction-then-commit", ["BEGIN", "CREATE TEMP VIEW tv4 AS SELECT name, ssn AS s FROM customers", "SELECT * FROM tv4", "COMMIT",
            "SELECT name, s, s || '' FROM tv4"], Expect.Rows, MinRows: 6),
    ];

    public static IReadOnlyList<BypassAttempt> Attempts { get; } =
    [
        // Names: aliases, qualification, quoting, Unicode escapes.
        Rows("plain", "SELECT name, ssn, email, card_number FROM customers", minRows: 3),
        Rows("star", "SELECT * FROM customers", minRows: 3),
        Rows("table-command", "TABLE customers", minRows: 3),
        Rows("alias", "SELECT name, ssn AS x, email AS y, card_number AS z FROM customers"),
        Rows("qualified", "SELECT customers.name, customers.ssn, public.customers.card_number FROM public.customers"),
        Rows("quoted", "SELECT \"name\", \"ssn\", \"email\" FROM \"public\".\"customers\""),
        Rows("alias-SSN-quoted", "SELECT \"N\", \"SSN\" FROM (SELECT name AS \"N\", ssn AS \"SSN\" FROM customers) t"),
        Rows("unicode-identifier", "SELECT name, U&\"\\0073sn\", U&\"\\0065mail\" FROM customers"),
        Rows("unicode-uescape", "SELECT name, U&\"!0073sn\" UESCAPE '!' FROM customers"),
        Rows("only", "SELECT name, ssn FROM ONLY customers"),
        Rows("parenthesised", "SELECT name, (ssn), ((card_number)) FROM customers"),
        Rows("collate", "SELECT name, ssn COLLATE \"C\", email COLLATE \"C\" FROM customers"),

        // CTEs and subqueries.
        Rows("cte", "WITH t AS (SELECT name, ssn, email FROM customers) SELECT * FROM t"),
        Rows("cte-materialized-expression", "WITH t AS MATERIALIZED (SELECT name, ssn || '' AS s FROM customers) SELECT name, s FROM t"),
        Rows("subquery-from", "SELECT name, s FROM (SELECT name, ssn AS s FROM customers) sub"),
        Rows("subquery-scalar", "SELECT name, (SELECT c2.ssn FROM customers c2 WHERE c2.id = c.id) FROM customers c"),
        Rows("lateral", "SELECT c.name, l.x FROM customers c, LATERAL (SELECT c.ssn || '' AS x) l"),
        Rows("recursive-cte", "WITH RECURSIVE r(n, name, s) AS (SELECT 1, name, ssn FROM customers UNION ALL SELECT n + 1, name, s FROM r WHERE n < 2) SELECT * FROM r",
            marker: null, minRows: 6),
        Rows("tablesample", "SELECT name, ssn, email FROM customers TABLESAMPLE SYSTEM (100)"),
        Rows("lateral-unnest", "SELECT name, x FROM customers CROSS JOIN LATERAL unnest(ARRAY[ssn, email, card_number]) AS x"),
        Rows("values-subquery", "SELECT c.name, v.s FROM customers c, (VALUES ((SELECT ssn FROM customers WHERE id = 1))) v(s)"),

        // Views, made upstream.
        Rows("view-alias", "SELECT * FROM v_alias"),
        Rows("view-upper", "SELECT * FROM v_upper"),
        Rows("view-expression", "SELECT name, x || '' FROM v_alias"),
        Rows("matview", "SELECT * FROM mv_customers"),

        // Set operations: their result columns have no origin, so every one of them is masked (name too).
        Rows("union", "SELECT name FROM customers UNION ALL SELECT ssn FROM customers UNION ALL SELECT card_number FROM customers", marker: null, minRows: 9),
        Rows("intersect", "SELECT name, ssn FROM customers INTERSECT SELECT name, ssn FROM customers", marker: null, minRows: 3),
        Rows("except", "SELECT name, email FROM customers EXCEPT SELECT 'x', 'y'", marker: null, minRows: 3),

        // Casts.
        Rows("cast-bytea", "SELECT name, ssn::bytea, email::bytea FROM customers"),
        Refused("cast-int-fails", "SELECT name, ssn::int FROM customers", sqlState: null),
        Refused("cast-int-in-where-fails", "SELECT name FROM customers WHERE ssn::int > 0", sqlState: null),
        Rows("cast-numeric", "SELECT name, card_number::numeric, card_number::bigint FROM customers"),
        Rows("cast-numeric-text", "SELECT name, card_number::numeric::text, (card_number::numeric + 0)::text FROM customers"),
        Rows("cast-varchar-char-name", "SELECT name, ssn::varchar, ssn::char(11), ssn::name FROM customers"),
        Rows("encode-hex", "SELECT name, encode(convert_to(ssn, 'UTF8'), 'hex') FROM customers"),
        Rows("encode-base64", "SELECT name, encode(ssn::bytea, 'base64'), encode(convert_to(card_number, 'LATIN1'), 'escape') FROM customers"),
        Rows("md5", "SELECT name, md5(ssn), md5(card_number) FROM customers"),

        // Functions.
        Rows("upper-lower", "SELECT name, upper(email), lower(ssn) FROM customers"),
        Rows("reverse", "SELECT name, reverse(ssn), reverse(card_number) FROM customers"),
        Rows("substr-reassembled", "SELECT name, substr(ssn, 1, 3) || substr(ssn, 4) FROM customers"),
        Rows("split-part", "SELECT name, split_part(ssn, '-', 1) || split_part(ssn, '-', 2) || split_part(ssn, '-', 3) FROM customers"),
        Rows("translate", "SELECT name, translate(ssn, '-', '') FROM customers"),
        Rows("replace", "SELECT name, replace(ssn, '-', ''), replace(email, '@', ' at ') FROM customers"),
        Rows("regexp-replace", "SELECT name, regexp_replace(ssn, '-', '', 'g') FROM customers"),
        Rows("left-right", "SELECT name, left(card_number, 8) || right(card_number, 8) FROM customers"),
        Rows("length", "SELECT name, length(ssn), length(card_number) FROM customers"),
        Rows("string-to-array", "SELECT name, string_to_array(ssn, '-') FROM customers"),

        // Aggregates.
        Rows("string-agg", "SELECT name, string_agg(ssn, ',') FROM customers GROUP BY name"),
        Rows("string-agg-all", "SELECT c.name, (SELECT string_agg(ssn || email || card_number, ',') FROM customers) FROM customers c"),
        Rows("array-agg", "SELECT name, array_agg(ssn), array_agg(card_number) FROM customers GROUP BY name"),
        Rows("max-min", "SELECT name, max(ssn), min(card_number) FROM customers GROUP BY name"),
        Rows("json-agg", "SELECT name, json_agg(email), jsonb_agg(ssn) FROM customers GROUP BY name"),

        // Whole rows.
        Rows("whole-row", "SELECT c.name, c FROM customers c"),
        Rows("whole-row-text", "SELECT name, c::text, (c.*)::text FROM customers c"),
        Rows("row-to-json", "SELECT name, row_to_json(c) FROM customers c"),
        Rows("to-jsonb", "SELECT name, to_jsonb(c), to_json(c)::text FROM customers c"),
        Rows("row-constructor", "SELECT name, ROW(c.*), ROW(c.ssn, c.email)::text FROM customers c"),
        Rows("jsonb-path", "SELECT name, jsonb_path_query(to_jsonb(c), '$.ssn') FROM customers c"),

        // JSON, XML and array builders.
        Rows("json-build-object", "SELECT name, json_build_object('s', ssn, 'e', email) FROM customers"),
        Rows("jsonb-build-array", "SELECT name, jsonb_build_array(ssn, card_number) FROM customers"),
        Rows("xmlelement", "SELECT name, xmlelement(name x, ssn), xmlelement(name y, xmlattributes(card_number AS c)) FROM customers"),
        Rows("xmlforest", "SELECT name, xmlforest(ssn, email) FROM customers"),
        Refused("query-to-xml", "SELECT query_to_xml('SELECT ssn FROM customers', true, false, '')", sqlState: null),
        Rows("array-constructor", "SELECT name, ARRAY[ssn], ARRAY[card_number]::text FROM customers"),
        Rows("array-to-string", "SELECT name, array_to_string(ARRAY[ssn, card_number], ',') FROM customers"),

        // String building and conditionals.
        Rows("format", "SELECT name, format('%s', ssn), format('%s/%s', email, card_number) FROM customers"),
        Rows("concat", "SELECT name, concat(ssn, ''), concat_ws('', ssn, email) FROM customers"),
        Rows("pipes", "SELECT name, ssn || '', '' || card_number FROM customers"),
        Rows("case-when", "SELECT name, CASE WHEN id > 0 THEN ssn ELSE 'x' END FROM customers"),
        Rows("coalesce-nullif-greatest", "SELECT name, COALESCE(ssn, 'x'), NULLIF(email, 'x'), GREATEST(card_number, '') FROM customers"),
        Rows("grouping-sets", "SELECT name, ssn, count(*) FROM customers GROUP BY GROUPING SETS ((name, ssn), ())"),
        Rows("window", "SELECT name, first_value(ssn) OVER (), lag(email) OVER (ORDER BY id), nth_value(card_number, 2) OVER () FROM customers"),

        // Prepared statements and cursors.
        new("sql-prepare-execute", ["PREPARE p AS SELECT name, ssn, ssn || '' AS s FROM customers", "EXECUTE p"], Expect.Rows),
        new("sql-prepare-execute-parameter", ["PREPARE q(int) AS SELECT name, upper(email) FROM customers WHERE id = $1", "EXECUTE q(1)"], Expect.Rows),
        new("cursor", ["BEGIN", "DECLARE cur CURSOR FOR SELECT name, ssn, email || '' FROM customers", "FETCH ALL FROM cur", "COMMIT"], Expect.Rows),
        new("cursor-same-batch", ["BEGIN; DECLARE cur CURSOR FOR SELECT name, upper(ssn) FROM customers ORDER BY id; FETCH 2 FROM cur; COMMIT"], Expect.Rows),
        new("cursor-with-hold", ["DECLARE held CURSOR WITH HOLD FOR SELECT name, c FROM customers c", "FETCH ALL FROM held", "CLOSE held"], Expect.Rows),

        // COPY while it is held for approval (the default).
        Refused("copy-table-held", "COPY customers TO STDOUT"),
        Refused("copy-csv-held", "COPY customers TO STDOUT WITH (FORMAT csv, HEADER)"),
        Refused("copy-columns-held", "COPY customers (name, ssn) TO STDOUT"),
        Refused("copy-query-held", "COPY (SELECT name, ssn FROM customers) TO STDOUT"),
        Refused("copy-view-query-held", "COPY (SELECT * FROM v_alias) TO STDOUT"),
        Refused("copy-binary", "COPY customers TO STDOUT WITH (FORMAT binary)"),

        // Name resolution tricks.
        new("search-path-view", ["SET search_path = evil, public", "SELECT * FROM customers"], Expect.Rows),
        new("search-path-view-expression", ["SET search_path = evil, public", "SELECT name, note || '', upper(contact) FROM customers"], Expect.Rows),
        new("search-path-same-batch", ["SET search_path = evil, public; SELECT name, pan FROM customers"], Expect.Rows),
        Rows("evil-qualified", "SELECT name, note, contact, pan FROM evil.customers"),

        // Functions whose bodies the gateway cannot see.
        Rows("udf", "SELECT name, get_ssn(id) FROM customers"),
        Rows("udf-from-unmasked-table", "SELECT note, get_ssn(customer_id) FROM orders", marker: "first"),
        Rows("udf-notice", "SELECT name, leak_notice(id) FROM customers"),
        Rows("udf-notice-no-relation", "SELECT leak_notice(2), 'Ann'", marker: null), // a user function masks every computed column
        Refused("udf-error-quotes-value", "SELECT name, get_ssn(id)::int FROM customers", sqlState: "22P02"),
        Rows("udf-in-from", "SELECT c.name, f FROM customers c, get_ssn(c.id) AS f"),

        // Views made through the gateway.
        // After DDL in the same batch every column is masked (name too).
        new("temp-view-same-batch", ["CREATE TEMP VIEW tv AS SELECT name, ssn AS s FROM customers; SELECT * FROM tv"], Expect.Rows, Marker: null, MinRows: 3),
        new("temp-view-later", ["CREATE TEMP VIEW tv2 AS SELECT name, upper(ssn) AS s, email AS e FROM customers", "SELECT * FROM tv2"], Expect.Rows),

        // RETURNING columns have no origin.
        Rows("update-returning", "UPDATE customers SET balance = balance WHERE id = 1 RETURNING name, ssn, email || ''", marker: null),
        new("delete-returning", ["BEGIN", "DELETE FROM customers WHERE id = 1 RETURNING *", "ROLLBACK"], Expect.Rows, Marker: null),

        // Statistics the server keeps about column values.
        new("statistics", ["ANALYZE customers", "SELECT attname, histogram_bounds::text, most_common_vals::text, 'Ann' FROM pg_stats WHERE tablename = 'customers'"],
            Expect.Refused, null, 0, "42501"),

        new("matview-through-gateway", ["CREATE MATERIALIZED VIEW IF NOT EXISTS mv_gw AS SELECT name, ssn AS s, upper(email) AS e FROM customers",
            "SELECT * FROM mv_gw"], Expect.Refused, null, 0, "42501"),

        // Laundering: masked values into a table.
        Refused("merge", "MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN UPDATE SET note = c.ssn"),
        Refused("create-table-as", "CREATE TEMP TABLE t1 AS SELECT name, ssn FROM customers"),
        Refused("select-into", "SELECT name, ssn INTO TEMP t2 FROM customers"),
        Refused("insert-select", "INSERT INTO orders (id, customer_id, total, note) SELECT 100 + id, id, 1, ssn FROM customers"),
        Refused("update-from", "UPDATE orders o SET note = c.ssn FROM customers c WHERE c.id = o.customer_id"),
        Refused("update-same-table", "UPDATE customers SET name = ssn WHERE id = 3"),
        Refused("data-modifying-cte", "WITH x AS (INSERT INTO orders (id, customer_id, total, note) SELECT 200 + id, id, 1, email FROM customers RETURNING 1) SELECT count(*) FROM x"),

        // Masked columns in predicates: flagged, not refused, by default.
        Rows("predicate-like", "SELECT name, ssn FROM customers WHERE ssn LIKE '1%'"),
        Rows("predicate-order-by", "SELECT name FROM customers ORDER BY ssn, card_number"),

        // Side channels: a masked value put somewhere a later statement can read without naming it.
        // (laundering into session state: refused).
        new("side-channel-setting", ["SELECT name, set_config('og.leak', ssn, false) FROM customers WHERE id = 1", "SELECT current_setting('og.leak'), 'Ann'"],
            Expect.Refused, null, 0, "42501"),
        new("side-channel-notify", ["LISTEN og_leak", "SELECT name, pg_notify('og_leak', ssn) FROM customers"], Expect.Refused, null, 0, "42501"),
        new("side-channel-sequence", ["SELECT name, setval('leak_seq', card_number::bigint) FROM customers WHERE id = 1", "SELECT last_value, 'Ann' FROM leak_seq"],
            Expect.Refused, null, 0, "42501"),
        new("side-channel-advisory-lock", ["SELECT name, pg_advisory_lock(card_number::bigint) FROM customers WHERE id = 1",
            "SELECT (classid::bigint << 32) | objid::bigint, 'Ann' FROM pg_locks WHERE locktype = 'advisory'"], Expect.Refused, null, 0, "42501"),
        Refused("side-channel-large-object", "SELECT name, lo_from_bytea(0, convert_to(ssn, 'UTF8')) FROM customers"),
        Refused("side-channel-do-block", "DO $$ BEGIN RAISE NOTICE '%', (SELECT string_agg(ssn, ',') FROM customers); END $$", sqlState: null),

        // SELECT INTO in a set operation's leftmost branch: PostgreSQL creates the table from it.
        new("select-into-union", ["select ssn, card_number, email into t_launder from customers union all select 'x','y','z'",
            "select *, 'Ann' from t_launder"], Expect.Refused, null, 0, "42501"),
        Refused("select-into-parenthesised-union", "(select name, ssn into temp t_launder2 from customers) union (select 'a', 'b')"),
        Refused("select-into-cte-union", "with w as (select name, email from customers) select name, email into unlogged t_launder3 from w union select 'a', 'b'"),

        // Functional notation: (x).f is f(x).
        Refused("functional-notation-ts-stat", "select (q).ts_stat from (select $$select to_tsvector('simple', ssn || ' ' || card_number) from customers$$::text q) s"),
        Refused("functional-notation-backend-activity", "select (s).pg_stat_get_backend_activity from pg_stat_get_backend_idset() s"),

        // EXECUTE's arguments run whatever the prepared statement is.
        new("execute-argument-query-to-xml", ["prepare px(text) as select $1, 'Ann'",
            "execute px(query_to_xml('select ssn, card_number from customers limit 2', true, false, '')::text)"], Expect.Refused, null, 0, "42501"),
        new("execute-argument-subquery-setting", ["prepare py(text) as select $1, 'Ann'",
            "execute py((select set_config('og.leak2', string_agg(ssn, ','), false) from customers))", "select current_setting('og.leak2', true), 'Ann'"],
            Expect.Refused, null, 0, "42501"),
    ];
}
