using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>CommandComplete ('C'): the command tag, e.g. "SELECT 5", "INSERT 0 1", "COPY 100000".</summary>
public sealed record CommandComplete(string Tag)
{
    /// <summary>The row count at the end of the tag, when the command reports one.</summary>
    public long? Rows
    {
        get
        {
            var space = Tag.LastIndexOf(' ');
            return space > 0 && long.TryParse(Tag.AsSpan(space + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var rows) ? rows : null;
        }
    }

    public static bool TryDecode(in ReadOnlySequence<byte> payload, out CommandComplete message)
    {
        var reader = new PayloadReader(payload);
        if (reader.TryReadCString(out var tag) && reader.End)
        {
            message = new CommandComplete(tag);
            return true;
        }

        message = null!;
        return false;
    }
}
