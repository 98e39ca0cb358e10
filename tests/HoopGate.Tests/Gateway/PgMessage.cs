using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Protocol.Backend;

namespace HoopGate.Tests.Gateway;

/// <summary>One backend message: type byte and body (after the length).</summary>
internal readonly record struct PgMessage(byte Code, byte[] Body)
{
    public bool IsCleartextPasswordRequest => Code == (byte)'R' && Body.Length == 4 && BinaryPrimitives.ReadInt32BigEndian(Body) == 3;

    public bool IsAuthenticationOk => Code == (byte)'R' && Body.Length == 4 && BinaryPrimitives.ReadInt32BigEndian(Body) == 0;

    public ErrorResponse AsError()
    {
        Assert.True(Code == (byte)'E', "expected an ErrorResponse, got " + this);
        return ErrorResponse.Read(new ReadOnlySequence<byte>(Body));
    }

    public NegotiateProtocolVersion AsNegotiateProtocolVersion()
    {
        Assert.True(Code == (byte)'v', "expected NegotiateProtocolVersion, got " + this);
        return NegotiateProtocolVersion.Read(new ReadOnlySequence<byte>(Body));
    }

    /// <summary>The first column of a DataRow as UTF-8 text; null for SQL NULL.</summary>
    public string? FirstColumnText()
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(2));
        return length < 0 ? null : Encoding.UTF8.GetString(Body, 6, length);
    }

    public override string ToString()
    {
        if (Code == (byte)'E' || Code == (byte)'N')
        {
            try
            {
                ErrorResponse error = ErrorResponse.Read(new ReadOnlySequence<byte>(Body));
                return (char)Code + "(" + error.Severity + " " + error.SqlState + ": " + error.Message + ")";
            }
            catch (HoopGate.Protocol.Errors.PgProtocolException)
            {
                return (char)Code + "(unparseable, " + Body.Length + " bytes)";
            }
        }

        if (Code == (byte)'R' && Body.Length >= 4)
        {
            return "R(" + BinaryPrimitives.ReadInt32BigEndian(Body) + ")";
        }

        return Code is >= 0x20 and < 0x7F
            ? (char)Code + "(" + Body.Length + " bytes)"
            : "0x" + Code.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "(" + Body.Length + " bytes)";
    }
}
