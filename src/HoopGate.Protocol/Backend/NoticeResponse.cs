using System.Buffers;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// NoticeResponse (B): <c>'N'</c> with the same body as ErrorResponse (field code, value pairs, then a NUL),
/// so it reads into and writes from an <see cref="ErrorResponse"/>. The severity is WARNING, NOTICE, DEBUG,
/// INFO or LOG, and the session goes on unaffected.
/// </summary>
public static class NoticeResponse
{
    /// <summary>Reads the body.</summary>
    public static ErrorResponse Read(ReadOnlySequence<byte> body) => ErrorResponse.Read(body, "NoticeResponse");

    /// <summary>Writes <paramref name="notice"/> as a NoticeResponse.</summary>
    public static void Write(IBufferWriter<byte> output, ErrorResponse notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        notice.WriteNoticeTo(output);
    }
}
