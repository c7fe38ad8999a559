using OrleansGate.Proxy.Hosting;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Hosting;

/// <summary>
/// A proxy checks at start-up that libpg_query loads. The library cannot be taken away from a
/// running test process, so this checks the two halves: the check passes where it is installed,
/// and a failure to load becomes one line naming the package, while other failures are not hidden.
/// </summary>
public sealed class MissingParserTests
{
    [Fact]
    public void The_installed_parser_loads()
    {
        SqlParser.EnsureAvailable();
    }

    [Fact]
    public void A_parser_that_cannot_be_loaded_is_one_line_naming_the_package()
    {
        var line = GatewayHost.DescribeMissingParser(new DllNotFoundException("Unable to load shared library 'pg_query'\nor one of its dependencies"));

        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("libpg_query", line, StringComparison.Ordinal);
        Assert.Contains("apt-get install libpg-query-dev", line, StringComparison.Ordinal);
        Assert.Contains("Unable to load shared library 'pg_query' or one of its dependencies", line, StringComparison.Ordinal);
        Assert.Null(GatewayHost.DescribeMissingParser(new InvalidOperationException("something else")));
    }
}
