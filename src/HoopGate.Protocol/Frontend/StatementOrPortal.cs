namespace HoopGate.Protocol.Frontend;

/// <summary>The Byte1 of Describe and Close that says whether the name is a prepared statement's or a portal's.</summary>
public enum StatementOrPortal : byte
{
    /// <summary>'S' a prepared statement.</summary>
    Statement = (byte)'S',

    /// <summary>'P' a portal.</summary>
    Portal = (byte)'P',
}
