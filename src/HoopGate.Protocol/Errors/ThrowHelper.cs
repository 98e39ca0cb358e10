using System.Diagnostics.CodeAnalysis;

namespace HoopGate.Protocol.Errors;

/// <summary>Keeps throw sites out of hot methods so that they stay small and inlinable.</summary>
public static class ThrowHelper
{
    /// <summary>Throws a 08P01 protocol violation.</summary>
    [DoesNotReturn]
    public static void ThrowProtocolViolation(string message) => throw new PgProtocolException(message);

    /// <summary>Throws a protocol violation for a message that ended before its fields did.</summary>
    [DoesNotReturn]
    public static void ThrowTruncated(string messageName) =>
        throw new PgProtocolException("invalid " + messageName + " message: truncated");

    /// <summary>Throws a protocol violation for a length field outside the allowed range.</summary>
    [DoesNotReturn]
    public static void ThrowInvalidLength(int length) =>
        throw new PgProtocolException("invalid message length " + length.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Throws a protocol violation for a message longer than the configured limit.</summary>
    [DoesNotReturn]
    public static void ThrowMessageTooLong(int length, int max) =>
        throw new PgProtocolException(
            "message of " + length.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + " bytes exceeds the limit of " + max.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes");

    /// <summary>Throws for a string that cannot be written as a protocol string because it contains a NUL.</summary>
    [DoesNotReturn]
    public static void ThrowStringContainsNul(string paramName) =>
        throw new ArgumentException("a protocol string cannot contain a NUL character", paramName);

    /// <summary>Throws a protocol violation for an unknown message type.</summary>
    [DoesNotReturn]
    public static void ThrowUnknownMessageType(byte code) =>
        throw new PgProtocolException("invalid frontend message type " + code.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
