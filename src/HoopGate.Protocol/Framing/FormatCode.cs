namespace HoopGate.Protocol.Framing;

/// <summary>
/// The format of a parameter or column value
/// (https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES). The wire carries an
/// Int16 (an Int8 for the overall format of a COPY). Other values are kept as read: the server, not the codec,
/// rejects them with an ordinary ERROR.
/// </summary>
public enum FormatCode : short
{
    /// <summary>0, the type's text representation.</summary>
    Text = 0,

    /// <summary>1, the type's binary representation.</summary>
    Binary = 1,
}
