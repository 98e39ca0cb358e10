using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;

namespace HoopGate.Tests.Gateway;

/// <summary>Frontend messages as bytes, well-formed or deliberately not.</summary>
internal static class RawWire
{
    public const int Protocol30 = StartupRequestCode.ProtocolVersion3;

    public static byte[] Startup(params (string Name, string Value)[] parameters) => Startup(Protocol30, parameters);

    public static byte[] Startup(int protocolVersion, params (string Name, string Value)[] parameters)
    {
        var output = new ArrayBufferWriter<byte>();
        new StartupMessage(protocolVersion, parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToList()).WriteTo(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The usual alice/postgres StartupMessage plus <paramref name="extra"/>.</summary>
    public static byte[] AliceStartup(params (string Name, string Value)[] extra) =>
        Startup([("user", GatewayInstance.User), ("database", "postgres"), .. extra]);

    public static byte[] SslRequest() => Int32s(8, StartupRequestCode.SslRequest);

    public static byte[] GssEncRequest() => Int32s(8, StartupRequestCode.GssEncRequest);

    public static byte[] CancelRequest(int processId, int secretKey) => Int32s(16, StartupRequestCode.CancelRequest, processId, secretKey);

    public static byte[] PasswordMessage(string password) => Message((byte)'p', CString(password));

    public static byte[] Query(string sql) => Message((byte)'Q', CString(sql));

    public static byte[] Terminate() => Message((byte)'X', []);

    /// <summary>A regular message with a correct length field.</summary>
    public static byte[] Message(byte code, byte[] body)
    {
        byte[] bytes = new byte[5 + body.Length];
        bytes[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), 4 + body.Length);
        body.CopyTo(bytes, 5);
        return bytes;
    }

    /// <summary>A message header alone, with whatever length field the test wants.</summary>
    public static byte[] Header(byte code, int length)
    {
        byte[] bytes = new byte[5];
        bytes[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), length);
        return bytes;
    }

    public static byte[] Int32s(params int[] values)
    {
        byte[] bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] CString(string value) => [.. Encoding.UTF8.GetBytes(value), 0];
}
