using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Grains.Masking;

/// <summary>
/// What each result column of a statement is, once every reference is resolved against the
/// catalog: clear (proven clean), a masked column itself (its own rule), or redacted whole. A
/// catalog snapshot as the catalog grain reads it: customers(id, name, ssn, email, card_number,
/// balance) with ssn Redact (rule 0), email Email (rule 1), card_number Partial (rule 2);
/// orders is a table without masked columns (the catalog does not list it).
/// </summary>
public sealed class ResultColumnTests
{
    private const int Clear = MaskPlan.Clear;
    private const int Redacted = MaskPlan.Redacted;
    private const int Ssn = 0;
    private const int Email = 1;
    private const int Card = 2;

    private static readonly SqlParser Parser = new(cacheEntries: 0);

    internal static readonly MaskingCatalog Catalog = new()
    {
        Version = 1,
        Rules =
        [
            new MaskRule("public.customers.ssn", MaskStrategy.Redact, 0, 0, [], []),
            new MaskRule("public.customers.email", MaskStrategy.Email, 0, 0, [], []),
            new MaskRule("public.customers.card_number", MaskStrategy.Partial, 0, 4, [], []),
        ],
        Origins =
        [
            new MaskedOrigin(16400, 3, 0, "public.customers.ssn", false),
            new MaskedOrigin(16400, 4, 1, "public.customers.email", false),
            new MaskedOrigin(16400, 5, 2, "public.customers.card_number", false),
        ],
        Relations = [new MaskedRelation(16400, "public", "customers", 'r', ["id", "name", "ssn", "email", "card_number", "balance"], [1, 2, 3, 4, 5, 6])],
        UserFunctions = ["public.get_ssn"],
        UserOperators = ["###"],
    };

    internal static MaskingAnalysis Analyze(string sql) => MaskingAnalyzer.Analyze(Assert.Single(Parser.Parse(sql)), Catalog);

    private static int[] Rules(string sql) => Analyze(sql).Plan.ResultColumns.Select(c => c.Rule).ToArray();

    [Theory]
    // Plain columns keep their own rule; unmasked ones and what is computed from them are clear.
    [InlineData("SELECT id, name, ssn, email, card_number FROM customers", new[] { Clear, Clear, Ssn, Email, Card })]
    [InlineData("SELECT upper(name), balance * 2, count(*) OVER () FROM customers", new[] { Clear, Clear, Clear })]
    [InlineData("SELECT c.name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id", new[] { Clear, Clear })]
    // Alias column lists rename by position: d is card_number, b is name.
    [InlineData("SELECT upper(d) FROM customers AS x(a, b, c, d)", new[] { Redacted })]
    [InlineData("SELECT b, upper(b) FROM customers AS x(a, b, c, d)", new[] { Clear, Clear })]
    [InlineData("SELECT email FROM customers AS x(id, name, email, ssn)", new[] { Ssn })]
    [InlineData("SELECT ssn FROM customers AS x(id, name, email, ssn)", new[] { Email })]
    [InlineData("SELECT lower(email) FROM customers AS x(id, name, email, ssn)", new[] { Redacted })]
    // Join aliases and whole rows.
    [InlineData("SELECT row_to_json(j) FROM (customers CROSS JOIN (SELECT 1) z) AS j", new[] { Redacted })]
    [InlineData("SELECT j.name FROM (customers CROSS JOIN (SELECT 1 AS one) z) AS j", new[] { Clear })]
    [InlineData("SELECT row_to_json(o) FROM orders o", new[] { Clear })]
    [InlineData("SELECT c FROM customers c", new[] { Redacted })]
    // Functional notation: c.f is f(c) for any function f.
    [InlineData("SELECT c.quote_literal FROM customers c", new[] { Redacted })]
    [InlineData("SELECT o.quote_literal FROM orders o", new[] { Clear })]
    // Partial rules only on the column itself.
    [InlineData("SELECT 'a@' || split_part(email, '@', 1) FROM customers", new[] { Redacted })]
    [InlineData("SELECT '#####' || substr(card_number, 1, 4), '#####' || substr(card_number, 5, 4) FROM customers", new[] { Redacted, Redacted })]
    // Subqueries, CTEs, set operations, LATERAL, VALUES.
    [InlineData("SELECT s FROM (SELECT ssn AS s, name FROM customers) t", new[] { Ssn })]
    [InlineData("SELECT n FROM (SELECT ssn AS s, name AS n FROM customers) t", new[] { Clear })]
    [InlineData("SELECT b FROM (SELECT ssn, name FROM customers) t(a, b)", new[] { Clear })]
    [InlineData("SELECT a FROM (SELECT ssn, name FROM customers) t(a, b)", new[] { Ssn })]
    [InlineData("WITH t(x, y) AS (SELECT name, email FROM customers) SELECT upper(y), x FROM t", new[] { Redacted, Clear })]
    // A set operation's column holds values of either side unchanged: clean ones, or ssn's own.
    [InlineData("SELECT name FROM customers UNION ALL SELECT ssn FROM customers", new[] { Ssn })]
    [InlineData("SELECT email FROM customers UNION ALL SELECT ssn FROM customers", new[] { Redacted })]
    [InlineData("SELECT ssn FROM customers UNION ALL SELECT ssn FROM customers", new[] { Ssn })]
    [InlineData("SELECT c.name, l.x FROM customers c, LATERAL (SELECT c.ssn || '' AS x) l", new[] { Clear, Redacted })]
    [InlineData("SELECT (SELECT max(email) FROM customers) FROM orders", new[] { Redacted })]
    [InlineData("SELECT (SELECT count(*) FROM customers WHERE ssn LIKE '1%') FROM orders", new[] { Redacted })]
    [InlineData("SELECT * FROM (VALUES (1, 'a')) v", new[] { Clear, Clear })]
    [InlineData("WITH RECURSIVE r(n, s) AS (SELECT 1, name FROM customers UNION ALL SELECT n + 1, s || ssn FROM r, customers WHERE n < 2) SELECT n, s FROM r",
        new[] { Clear, Redacted })]
    // A whole row passed through a subquery or CTE unchanged: its fields are its columns.
    [InlineData("WITH w AS (SELECT c FROM customers c) SELECT (w.c).name, (w.c).ssn FROM w", new[] { Clear, Redacted })]
    [InlineData("WITH w AS (SELECT c FROM customers AS c(id, name, email, card_number, ssn)) SELECT (w.c).name, w.c::text FROM w", new[] { Clear, Redacted })]
    [InlineData("SELECT (c).name, (c).ssn || '' FROM (SELECT c FROM customers c) t", new[] { Clear, Redacted })]
    // Stars expand to every column, by position.
    [InlineData("SELECT * FROM customers", new[] { Clear, Clear, Ssn, Email, Card, Clear })]
    [InlineData("SELECT x.* FROM customers AS x(a, b, c)", new[] { Clear, Clear, Ssn, Email, Card, Clear })]
    // User functions and operators: their bodies may read anything.
    [InlineData("SELECT get_ssn(1)", new[] { Redacted })]
    [InlineData("SELECT o.get_ssn FROM orders o", new[] { Redacted })]
    [InlineData("SELECT 1 ### 2", new[] { Redacted })]
    // A name nothing in scope has is not resolved: fail closed.
    [InlineData("SELECT nosuchcolumn FROM customers", new[] { Redacted })]
    // RETURNING, in the written relation's scope.
    [InlineData("UPDATE customers SET balance = 0 RETURNING name, ssn, upper(email)", new[] { Clear, Ssn, Redacted })]
    public void Result_columns_are_clear_only_when_proven_clean(string sql, int[] expected) =>
        Assert.Equal(expected, Rules(sql));

    [Fact]
    public void A_star_over_a_relation_the_catalog_does_not_know_is_a_run_of_clear_columns()
    {
        var columns = Analyze("SELECT o.*, upper(c.ssn) FROM orders o JOIN customers c ON c.id = o.customer_id").Plan.ResultColumns;

        Assert.Equal([new ResultColumn(Clear, true), new ResultColumn(Redacted, false)], columns);
    }

    [Theory]
    [InlineData("SELECT name FROM customers WHERE ssn LIKE '1%'", true)]
    [InlineData("SELECT name FROM customers ORDER BY 2", false)]
    [InlineData("SELECT name, ssn FROM customers ORDER BY 2", true)]
    [InlineData("SELECT a.name FROM customers a JOIN customers b USING (ssn)", true)]
    [InlineData("SELECT name AS s FROM customers ORDER BY s", false)]
    [InlineData("SELECT count(*) FROM customers GROUP BY ssn", true)]
    [InlineData("SELECT name FROM customers WHERE id > 1", false)]
    [InlineData("EXPLAIN ANALYZE SELECT id, ssn FROM customers ORDER BY id", true)]
    [InlineData("EXPLAIN (ANALYZE, COSTS OFF) SELECT upper(email) FROM customers", true)]
    [InlineData("EXPLAIN SELECT id, ssn FROM customers ORDER BY id", false)]
    [InlineData("EXPLAIN ANALYZE SELECT id, name FROM customers ORDER BY id", false)]
    public void Predicates_on_masked_columns_are_flagged(string sql, bool flagged) =>
        Assert.Equal(flagged, Analyze(sql).UsesMaskedColumnInPredicate);

    // Whether a computation over a masked value fails is a bit of that value, as a filter on it is.
    [Theory]
    [InlineData("SELECT 1 / (ascii(ssn) - 49) FROM customers", true)]
    [InlineData("SELECT ssn::int FROM customers", true)]
    [InlineData("SELECT CAST(email AS date) FROM customers", true)]
    [InlineData("SELECT ssn::text[] FROM customers", true)]
    [InlineData("SELECT length(ssn) + 2147483600 FROM customers", true)]
    [InlineData("SELECT chr(ascii(ssn) - 49) FROM customers", true)]
    [InlineData("SELECT substr('abc', 1, ascii(ssn) - 49) FROM customers", true)]
    [InlineData("SELECT 'abc' LIKE email FROM customers", true)]
    [InlineData("SELECT 'abc' ~ email FROM customers", true)]
    [InlineData("SELECT repeat(ssn, 100000000) FROM customers", true)]
    [InlineData("SELECT email LIKE '%@x' FROM customers", true)]
    [InlineData("SELECT ssn ~ '^(1|1)*(1|1)*x' FROM customers", true)]
    [InlineData("SELECT length(replace(left(ssn, 1), '1', rpad(name, 40000, 'z'))) FROM customers", true)]
    // An allowed name with another overload, and arguments whose content sets the result's size (a second attack, 2026-12-07).
    [InlineData("SELECT length('x'::bytea, concat('LATIN', translate(substr(ssn, 3, 1), '0123456789', '1111100000'))) FROM customers", true)]
    [InlineData("SELECT translate(repeat('1', 68000000), substr(ssn, 1, 1), '') FROM customers", true)]
    [InlineData("SELECT split_part(repeat('1', 68000000), substr(ssn, 1, 1), 1) FROM customers", true)]
    [InlineData("SELECT btrim(repeat('3', 68000000), ssn) FROM customers", true)]
    [InlineData("SELECT left(repeat('x', 68000000), strpos(concat(repeat('y', 67200000), '1'), substr(ssn, 1, 1))) FROM customers", true)]
    [InlineData("SELECT strpos(repeat('y', 67200000), substr(ssn, 1, 1)) FROM customers", true)]
    [InlineData("SELECT substring(ssn FROM '^1'), substring(ssn SIMILAR '1%' ESCAPE '#') FROM customers", true)]
    [InlineData("SELECT ARRAY[ssn] FROM customers", true)]
    [InlineData("SELECT sum(ascii(ssn) * 100000000) FROM customers", true)]
    // Conditional evaluation: the failing part reads no masked value, a masked value decides whether it runs.
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN 1 / (id - id) END FROM customers", true)]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN (SELECT 1 UNION ALL SELECT 2) END FROM customers", true)]
    [InlineData("SELECT coalesce(nullif(ssn, '123-45-6789'), (1 / (id - id))::text) FROM customers", true)]
    [InlineData("SELECT s FROM (SELECT CASE WHEN ssn LIKE '1%' THEN 0 ELSE 1 END AS s FROM customers) t WHERE 1 / s = 1", true)]
    // A step on clean values that a masked value decides to run: constants and parameters included (nothing folds them here).
    [InlineData("SELECT CASE WHEN ssn = 'x' THEN substr(name, 1, -1) END FROM customers", true)]
    [InlineData("SELECT CASE WHEN ssn = 'x' THEN substr(name, 1, $1) END FROM customers", true)]
    [InlineData("SELECT ssn = 'x' AND name ~ '(' FROM customers", true)]
    [InlineData("SELECT coalesce(nullif(left(ssn, 1), '1'), split_part(name, ' ', 0)) FROM customers", true)]
    [InlineData("SELECT CASE WHEN left(ssn, 1) = '1' THEN md5(rpad(name, 100000000)) END FROM customers", true)]
    [InlineData("SELECT ssn IN ('a', substr(name, 1, -1)) FROM customers", true)]
    [InlineData("SELECT count(substr(name, 1, -1)) FILTER (WHERE ssn = 'x') FROM customers", true)]
    [InlineData("SELECT CASE ssn WHEN 'x' THEN (SELECT name FROM orders) END FROM customers", true)]
    [InlineData("SELECT 1 / s FROM (SELECT CASE WHEN ssn LIKE '1%' THEN 0 ELSE 1 END AS s FROM customers) t", true)]
    // What accepts every value runs (its result masked).
    [InlineData("SELECT upper(email), lower(ssn), length(card_number), ssn::text, email::varchar(3) FROM customers", false)]
    [InlineData("SELECT substr(ssn, 1, 3), left(email, 2), ssn || '-' || name, concat(name, ssn) FROM customers", false)]
    [InlineData("SELECT coalesce(ssn, ''), coalesce(email, name, ''), ssn IS NULL, ssn = 'x', ssn IN ('a', name), row_to_json(c) FROM customers c", false)]
    [InlineData("SELECT id, email || ' (' || now() || ')', count(*) FILTER (WHERE id > 1) FROM customers GROUP BY id", false)]
    [InlineData("SELECT count(ssn), max(email), string_agg(ssn, ',') FROM customers", false)]
    [InlineData("SELECT CASE WHEN ssn = 'x' THEN 'a' WHEN email = 'y' THEN name ELSE NULL END FROM customers", false)]
    // Only constants and columns may be decided by a masked value: md5 of a clean column of megabytes takes a second.
    [InlineData("SELECT CASE WHEN ssn = 'x' THEN 'a' ELSE upper(name) END FROM customers", true)]
    // Failing computations over clean values alone say nothing of masked ones.
    [InlineData("SELECT ssn, 1 / id, name::int FROM customers", false)]
    [InlineData("SELECT name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) FROM customers c", false)]
    [InlineData("SELECT get_ssn(id), 1 / get_ssn(id)::int FROM customers", false)]
    [InlineData("SELECT CASE WHEN ssn LIKE '1%' THEN get_ssn(1) END FROM customers", true)]
    public void Computations_that_may_fail_on_a_masked_value_are_flagged(string sql, bool flagged) =>
        Assert.Equal(flagged, Analyze(sql).UsesMaskedColumnInPredicate);

    [Theory]
    [InlineData("INSERT INTO orders (id, customer_id, total, note) SELECT id, id, 1, ssn FROM customers x", true)]
    [InlineData("INSERT INTO orders (id, customer_id, total, note) SELECT a, a, 1, b FROM customers x(a, b)", false)]
    [InlineData("UPDATE orders SET note = d FROM customers AS c(a, b, e, d) WHERE c.a = orders.customer_id", true)]
    [InlineData("CREATE TABLE t AS SELECT upper(d) FROM customers AS x(a, b, c, d)", true)]
    [InlineData("SELECT set_config('x', j::text, false) FROM (customers CROSS JOIN (SELECT 1) z) AS j", true)]
    [InlineData("WITH w AS (INSERT INTO orders (note) SELECT c.quote_literal FROM customers c RETURNING 1) SELECT * FROM w", true)]
    [InlineData("UPDATE orders SET note = upper(note)", false)]
    public void Masked_values_written_anywhere_are_laundering(string sql, bool launders) =>
        Assert.Equal(launders, Analyze(sql).Launders);

    [Theory]
    [InlineData("COPY (SELECT upper(d) FROM customers AS x(a, b, c, d)) TO STDOUT", true)]
    [InlineData("COPY (SELECT id, name FROM customers) TO STDOUT", false)]
    [InlineData("COPY customers (id, name) TO STDOUT", false)]
    [InlineData("COPY customers TO STDOUT", true)]
    public void A_copy_carries_masked_columns_only_when_one_is_not_proven_clean(string sql, bool copies) =>
        Assert.Equal(copies, Analyze(sql).CopiesMaskedColumns);
}
