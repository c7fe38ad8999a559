namespace OrleansGate.Proxy.Masking;

/// <summary>What the relay does with a server frame after masking has seen it.</summary>
internal enum ServerFrameVerdict
{
    /// <summary>Relay it as it is.</summary>
    Forward,
    /// <summary>Send the rewritten bytes instead.</summary>
    Replace,
    /// <summary>
    /// Do not send the frame (a reply to a Describe the gateway sent, or the rest of a failed
    /// result); what masking wrote, if anything, goes in its place, but is not read as the frame.
    /// </summary>
    Drop,
    /// <summary>Send the written bytes, then the frame as it is.</summary>
    Prepend,
}
