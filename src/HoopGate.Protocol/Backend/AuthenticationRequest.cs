using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// The Authentication* family (B).
/// <code>
/// +------+-----------+------------+---------------------------------------------+
/// | 'R'  | Int32 len | Int32 type | type-specific: salt[4] | mechanisms\0..\0 | data |
/// +------+-----------+------------+---------------------------------------------+
/// </code>
/// </summary>
public sealed class AuthenticationRequest
{
    private AuthenticationRequest(AuthenticationRequestType type, byte[] data, IReadOnlyList<string> mechanisms)
    {
        Type = type;
        Data = data;
        Mechanisms = mechanisms;
    }

    /// <summary>AuthenticationOk.</summary>
    public static AuthenticationRequest Ok { get; } = new(AuthenticationRequestType.Ok, [], []);

    /// <summary>AuthenticationCleartextPassword.</summary>
    public static AuthenticationRequest CleartextPassword { get; } = new(AuthenticationRequestType.CleartextPassword, [], []);

    /// <summary>Which message this is.</summary>
    public AuthenticationRequestType Type { get; }

    /// <summary>The MD5 salt (4 bytes), SASL continue/final data, or GSS data; empty otherwise.</summary>
    public byte[] Data { get; }

    /// <summary>The SASL mechanisms offered by AuthenticationSASL; empty otherwise.</summary>
    public IReadOnlyList<string> Mechanisms { get; }

    /// <summary>AuthenticationMD5Password with its salt.</summary>
    public static AuthenticationRequest MD5Password(byte[] salt)
    {
        ArgumentNullException.ThrowIfNull(salt);
        return salt.Length == 4 ? new(AuthenticationRequestType.MD5Password, salt, []) : throw new ArgumentException("the salt is four bytes", nameof(salt));
    }

    /// <summary>AuthenticationSASL listing mechanisms.</summary>
    public static AuthenticationRequest Sasl(IReadOnlyList<string> mechanisms) => new(AuthenticationRequestType.SASL, [], mechanisms);

    /// <summary>AuthenticationSASLContinue with server data.</summary>
    public static AuthenticationRequest SaslContinue(byte[] data) => new(AuthenticationRequestType.SASLContinue, data, []);

    /// <summary>AuthenticationSASLFinal with server data.</summary>
    public static AuthenticationRequest SaslFinal(byte[] data) => new(AuthenticationRequestType.SASLFinal, data, []);

    /// <summary>Any other request type, with its raw data.</summary>
    public static AuthenticationRequest Other(AuthenticationRequestType type, byte[] data) => new(type, data, []);

    /// <summary>Reads the body.</summary>
    public static AuthenticationRequest Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Authentication");
        var type = (AuthenticationRequestType)reader.ReadInt32();
        switch (type)
        {
            case AuthenticationRequestType.Ok:
            case AuthenticationRequestType.CleartextPassword:
            case AuthenticationRequestType.KerberosV5:
            case AuthenticationRequestType.GSS:
            case AuthenticationRequestType.SSPI:
                reader.ExpectEnd();
                return type switch
                {
                    AuthenticationRequestType.Ok => Ok,
                    AuthenticationRequestType.CleartextPassword => CleartextPassword,
                    _ => new AuthenticationRequest(type, [], []),
                };
            case AuthenticationRequestType.MD5Password:
                byte[] salt = reader.ReadBytes(4).ToArray();
                reader.ExpectEnd();
                return MD5Password(salt);
            case AuthenticationRequestType.SASL:
                var mechanisms = new List<string>(2);
                while (true)
                {
                    string mechanism = reader.ReadCString();
                    if (mechanism.Length == 0)
                    {
                        break;
                    }

                    mechanisms.Add(mechanism);
                }

                reader.ExpectEnd();
                return Sasl(mechanisms);
            default:
                return new AuthenticationRequest(type, reader.ReadRemaining().ToArray(), []);
        }
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 4 + Data.Length;
        if (Type == AuthenticationRequestType.SASL)
        {
            length += 1;
            foreach (string mechanism in Mechanisms)
            {
                length += MessageWriter.CStringLength(mechanism);
            }
        }

        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.Authentication, length);
        writer.WriteInt32((int)Type);
        if (Type == AuthenticationRequestType.SASL)
        {
            foreach (string mechanism in Mechanisms)
            {
                writer.WriteCString(mechanism);
            }

            writer.WriteByte(0);
        }
        else
        {
            writer.WriteBytes(Data);
        }

        writer.Commit();
    }
}
