using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Parse (F), the first step of the extended protocol: creates a prepared statement from a query string.
/// <code>
/// +-----+-----------+-------------+--------------+---------+---------------------+
/// | 'P' | Int32 len | String name | String query | Int16 n | Int32 type OID[n]   |
/// +-----+-----------+-------------+--------------+---------+---------------------+
/// </code>
/// An empty name is the unnamed statement; a type OID of 0 leaves that parameter's type to the server.
/// The count is unsigned on the server side, so up to 65535 parameter types are legal.
/// </summary>
public sealed class Parse
{
    /// <summary>Creates the message.</summary>
    /// <param name="statementName">The destination prepared statement, empty for the unnamed one.</param>
    /// <param name="queryString">The query string (a single statement).</param>
    /// <param name="parameterTypes">Parameter type OIDs the client specifies; may be fewer than the statement's parameters.</param>
    public Parse(string statementName, string queryString, IReadOnlyList<uint> parameterTypes)
    {
        StatementName = statementName;
        QueryString = queryString;
        ParameterTypes = parameterTypes;
    }

    /// <summary>The destination prepared statement, empty for the unnamed one.</summary>
    public string StatementName { get; }

    /// <summary>The query string to be parsed.</summary>
    public string QueryString { get; }

    /// <summary>The parameter data type OIDs the client specified (0 means unspecified).</summary>
    public IReadOnlyList<uint> ParameterTypes { get; }

    /// <summary>Reads the body.</summary>
    public static Parse Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Parse");
        string name = reader.ReadCString();
        string query = reader.ReadCString();
        int count = reader.ReadUInt16Count();
        reader.EnsureRemaining(count * 4L);
        uint[] types = count == 0 ? [] : new uint[count];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = reader.ReadOid();
        }

        reader.ExpectEnd();
        return new Parse(name, query, types);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = MessageWriter.CStringLength(StatementName) + MessageWriter.CStringLength(QueryString) + 2 + (4 * ParameterTypes.Count);
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Parse, length);
        writer.WriteCString(StatementName);
        writer.WriteCString(QueryString);
        writer.WriteUInt16Count(ParameterTypes.Count);
        for (int i = 0; i < ParameterTypes.Count; i++)
        {
            writer.WriteOid(ParameterTypes[i]);
        }

        writer.Commit();
    }
}
