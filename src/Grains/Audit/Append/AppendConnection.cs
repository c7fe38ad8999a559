using Npgsql;

namespace OrleansGate.Grains.Audit.Append;

/// <summary>
/// One audit writer's connection with <see cref="MultiStreamAppend"/> prepared on it: opened on
/// first use, and again after <see cref="CloseAsync"/>, so a commit after the database came back
/// starts from a fresh connection.
/// </summary>
public sealed class AppendConnection(NpgsqlDataSource dataSource, MultiStreamAppend append) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _command;

    /// <summary>Runs the append for one batch; a statement, so it commits on its own.</summary>
    public async Task ExecuteAsync(object[] values, CancellationToken cancellationToken)
    {
        var command = _command ?? await PrepareAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<NpgsqlCommand> PrepareAsync(CancellationToken cancellationToken)
    {
        _connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(append.Sql, _connection);
        foreach (var type in MultiStreamAppend.ParameterTypes)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type });
        }

        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        _command = command;
        return command;
    }

    /// <summary>Drops the connection (it may be dead); the next append opens another.</summary>
    public async Task CloseAsync()
    {
        if (_command is not null)
        {
            await _command.DisposeAsync().ConfigureAwait(false);
            _command = null;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
