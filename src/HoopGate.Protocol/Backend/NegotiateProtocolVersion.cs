using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// NegotiateProtocolVersion (B): the server's answer to a StartupMessage asking for a newer minor version
/// than it supports, or for protocol options (<c>_pq_.</c> parameters) it does not recognize.
/// <code>
/// +-----+-----------+--------------------+---------+------------------+
/// | 'v' | Int32 len | Int32 newest minor | Int32 n | String option[n] |
/// +-----+-----------+--------------------+---------+------------------+
/// </code>
/// </summary>
public sealed class NegotiateProtocolVersion
{
    /// <summary>Creates the message.</summary>
    /// <param name="newestMinorVersion">The newest minor version supported for the requested major version.</param>
    /// <param name="unrecognizedOptions">The protocol options the server did not recognize.</param>
    public NegotiateProtocolVersion(int newestMinorVersion, IReadOnlyList<string> unrecognizedOptions)
    {
        NewestMinorVersion = newestMinorVersion;
        UnrecognizedOptions = unrecognizedOptions;
    }

    /// <summary>The newest minor protocol version supported for the major version the client requested.</summary>
    public int NewestMinorVersion { get; }

    /// <summary>The names of the protocol options the server did not recognize.</summary>
    public IReadOnlyList<string> UnrecognizedOptions { get; }

    /// <summary>Reads the body.</summary>
    public static NegotiateProtocolVersion Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "NegotiateProtocolVersion");
        int newestMinor = reader.ReadInt32();
        int count = reader.ReadCount32();

        // Each name has at least its terminator.
        reader.EnsureRemaining(count);
        string[] options = count == 0 ? [] : new string[count];
        for (int i = 0; i < options.Length; i++)
        {
            options[i] = reader.ReadCString();
        }

        reader.ExpectEnd();
        return new NegotiateProtocolVersion(newestMinor, options);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 4 + 4;
        for (int i = 0; i < UnrecognizedOptions.Count; i++)
        {
            length += MessageWriter.CStringLength(UnrecognizedOptions[i]);
        }

        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.NegotiateProtocolVersion, length);
        writer.WriteInt32(NewestMinorVersion);
        writer.WriteInt32(UnrecognizedOptions.Count);
        for (int i = 0; i < UnrecognizedOptions.Count; i++)
        {
            writer.WriteCString(UnrecognizedOptions[i]);
        }

        writer.Commit();
    }
}
