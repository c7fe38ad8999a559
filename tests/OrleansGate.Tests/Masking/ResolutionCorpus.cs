using static OrleansGate.Tests.Masking.BypassAttempt;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Attempts that hide a masked column from name matching, one group per class of the issue
/// "masking and blocking that cannot be talked around": alias column lists, join aliases used as
/// whole rows, functional notation, partial strategies on computed values, approved COPY of a
/// query, relations the catalog does not list. Every attempt reveals a secret on a direct
/// connection; through the gateway it gets rows (with a clean marker) and no secret, or is refused.
/// </summary>
public static class ResolutionCorpus
{
    public static IReadOnlyList<BypassAttempt> Attempts { get; } =
    [
        // 1. Alias column lists rename columns by position; names say nothing.
        Rows("alias-list-function", "SELECT b, upper(d) FROM customers AS x(a, b, c, d)"),
        Rows("alias-list-expression", "SELECT b, c || '', d || '', e || '' FROM customers AS x(a, b, c, d, e)"),
        Rows("alias-list-swap", "SELECT name, email || '' AS e, lower(ssn) FROM customers AS customers(id, name, email, ssn, card_number)"),
        Rows("alias-list-swap-qualified", "SELECT x.name, x.email || x.ssn FROM customers AS x(id, name, email, ssn)"),
        Rows("alias-list-rotated", "SELECT name, card_number || '', ssn || '' FROM customers AS t(id, name, card_number, ssn, email)"),
        Rows("alias-list-subquery", "SELECT b, upper(s) FROM (SELECT name, ssn FROM customers) AS q(b, s)"),
        Rows("alias-list-cte", "WITH q(b, s) AS (SELECT name, card_number FROM customers) SELECT b, s || '' FROM q"),
        Rows("alias-list-function-in-from", "SELECT c.name, u || '' FROM customers c, unnest(ARRAY[c.ssn]) AS f(u)"),
        Rows("alias-list-name-reuse", "SELECT name, upper(name2) FROM customers AS c(id, name0, name2), LATERAL (SELECT c.name0 AS name) n"),

        // 2. Join aliases (and other whole rows) carry every column of what they join.
        Rows("join-alias-row-to-json", "SELECT row_to_json(j), 'Ann' FROM (customers CROSS JOIN (SELECT 1) z) AS j", marker: null),
        Rows("join-alias-text", "SELECT j::text, 'x' FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j", marker: null),
        Rows("join-alias-star-expression", "SELECT j.name, (j.*)::text FROM (customers CROSS JOIN (SELECT 1 AS one) z) AS j"),
        Rows("join-alias-columns", "SELECT j.b, j.c || '' FROM (customers CROSS JOIN (SELECT 1) z) AS j(a, b, c)"),
        Rows("join-using-alias", "SELECT u.id, c1.name, to_json(c1)::text FROM customers c1 JOIN customers c2 USING (id) AS u"),
        Rows("lateral-whole-row", "SELECT c.name, l.r FROM customers c, LATERAL (SELECT c::text AS r) l"),
        Rows("whole-row-in-cte", "WITH w AS (SELECT c FROM customers c) SELECT (w.c).name, w.c::text FROM w"),

        // 3. Functional notation: c.f is f(c) for any function that takes the row.
        Rows("functional-quote-literal", "SELECT c.name, c.quote_literal FROM customers c"),
        Rows("functional-to-jsonb", "SELECT c.name, c.to_jsonb FROM customers c"),
        Rows("functional-record-out", "SELECT c.name, c.record_out FROM customers c"),
        Rows("functional-json-populate", "SELECT c.name, c.to_json FROM customers c"),
        Rows("functional-format", "SELECT customers.name, customers.quote_nullable FROM customers"),
        Rows("functional-on-subquery", "SELECT s.name, s.quote_literal FROM (SELECT name, ssn FROM customers) s"),
        Rows("functional-on-join-alias", "SELECT j.name, j.quote_literal FROM (customers CROSS JOIN (SELECT 1) z) AS j"),
        Rows("functional-nested-field", "SELECT (c).name, (c).ssn || '' FROM (SELECT c FROM customers c) t"),

        // 4. A partial strategy applied to whatever the query computed gives it back.
        Rows("email-rebuilt", "SELECT name, 'a@' || split_part(email, '@', 1), split_part(email, '@', 1) || '@x' FROM customers"),
        Rows("card-pieces", "SELECT name, '#####' || substr(card_number, 1, 4) AS p1, '#####' || substr(card_number, 5, 4) AS p2, " +
                            "'#####' || substr(card_number, 9, 4) AS p3, '#####' || substr(card_number, 13, 4) AS p4 FROM customers") with
        {
            // The first four digits of each card, which no masked form shows.
            AlsoForbidden = ["4111", "5500", "3400"],
        },
        Rows("card-reversed-partial", "SELECT name, reverse(card_number) FROM customers"),
        Rows("email-reversed", "SELECT name, reverse(email) || '@example.com' FROM customers"),
        Rows("ssn-padded", "SELECT name, lpad(replace(ssn, '-', ''), 16, '0') FROM customers"),
        Rows("union-of-pieces", "SELECT name, substr(card_number, 1, 8) FROM customers UNION ALL SELECT name, substr(card_number, 9) FROM customers") with
        {
            AlsoForbidden = ["41111111", "55000000", "34000000"],
        },

        // 6. COPY of a query while held: refused here (approved COPY is in ApprovedCopyCorpus).
        Refused("copy-alias-list-held", "COPY (SELECT b, upper(d) FROM customers AS x(a, b, c, d)) TO STDOUT"),
        Refused("copy-functional-binary", "COPY (SELECT c.quote_literal FROM customers c) TO STDOUT WITH (FORMAT binary)"),

    ];
}
