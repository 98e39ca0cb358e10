using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// StartupMessage (F): the first packet of a normal connection.
/// <code>
/// +-------------+------------------+------------------------------------------+----+
/// | Int32 len   | Int32 196608     | (String name, String value)*             | \0 |
/// +-------------+------------------+------------------------------------------+----+
/// </code>
/// Parameters: <c>user</c> (required), <c>database</c>, <c>options</c>, <c>replication</c>, and any run-time setting.
/// </summary>
public sealed class StartupMessage
{
    /// <summary>Creates a startup message.</summary>
    public StartupMessage(int protocolVersion, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        ProtocolVersion = protocolVersion;
        Parameters = parameters;
    }

    /// <summary>The requested protocol version (major in the high 16 bits).</summary>
    public int ProtocolVersion { get; }

    /// <summary>Name/value pairs in the order sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    /// <summary>The value of a parameter, or <see langword="null"/> when absent.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (KeyValuePair<string, string> pair in Parameters)
            {
                if (string.Equals(pair.Key, name, StringComparison.Ordinal))
                {
                    return pair.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Reads a StartupMessage from a packet (after the length field, starting at the version).</summary>
    public static StartupMessage Read(ReadOnlySequence<byte> packet)
    {
        var reader = new MessageReader(packet, "startup packet");
        int version = reader.ReadInt32();
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            string name = reader.ReadCString();
            if (name.Length == 0)
            {
                break;
            }

            string value = reader.ReadCString();
            foreach (KeyValuePair<string, string> existing in parameters)
            {
                if (string.Equals(existing.Key, name, StringComparison.Ordinal))
                {
                    ThrowHelper.ThrowProtocolViolation("invalid startup packet: duplicate parameter \"" + name + "\"");
                }
            }

            parameters.Add(new KeyValuePair<string, string>(name, value));
        }

        reader.ExpectEnd();
        return new StartupMessage(version, parameters);
    }

    /// <summary>Writes the packet.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 1;
        foreach (KeyValuePair<string, string> pair in Parameters)
        {
            length += MessageWriter.CStringLength(pair.Key) + MessageWriter.CStringLength(pair.Value);
        }

        var writer = MessageWriter.BeginStartup(output, ProtocolVersion, length);
        foreach (KeyValuePair<string, string> pair in Parameters)
        {
            writer.WriteCString(pair.Key);
            writer.WriteCString(pair.Value);
        }

        writer.WriteByte(0);
        writer.Commit();
    }
}
