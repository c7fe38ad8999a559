using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Tests.Support;

/// <summary>
/// The extended-protocol messages raw-frame tests send (§55.7), as a client writes them: no
/// parameter types, no parameters, text results. Names default to the unnamed statement and portal.
/// </summary>
public static class ExtendedFrames
{
    public static MessageBuilder ParseFrame(this MessageBuilder b, string sql, string statement = "") =>
        b.Start((byte)'P').WriteCString(statement).WriteCString(sql).WriteInt16(0).Finish();

    public static MessageBuilder BindFrame(this MessageBuilder b, string statement = "", string portal = "") =>
        b.Start((byte)'B').WriteCString(portal).WriteCString(statement).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();

    /// <summary>Execute; <paramref name="rows"/> 0 runs the portal to its end, more stops it there with PortalSuspended.</summary>
    public static MessageBuilder ExecuteFrame(this MessageBuilder b, string portal = "", int rows = 0) =>
        b.Start((byte)'E').WriteCString(portal).WriteInt32(rows).Finish();

    public static MessageBuilder SyncFrame(this MessageBuilder b) => b.Start((byte)'S').Finish();

    public static MessageBuilder FlushFrame(this MessageBuilder b) => b.Start((byte)'H').Finish();
}
