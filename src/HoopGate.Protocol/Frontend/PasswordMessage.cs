using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// PasswordMessage (F): <c>'p', Int32 len, String password</c>: a cleartext password, an md5 hash
/// (<c>"md5" + hex(md5(hex(md5(password + user)) + salt))</c>) or, for the gateway, an OIDC token.
/// </summary>
public sealed class PasswordMessage
{
    /// <summary>Creates the message.</summary>
    public PasswordMessage(string password)
    {
        Password = password;
    }

    /// <summary>The password. Never log it.</summary>
    public string Password { get; }

    /// <summary>Reads the body.</summary>
    public static PasswordMessage Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "PasswordMessage");
        string password = reader.ReadCString();
        reader.ExpectEnd();
        return new PasswordMessage(password);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.PasswordMessage, MessageWriter.CStringLength(Password));
        writer.WriteCString(Password);
        writer.Commit();
    }

    /// <summary>Hides the password from debuggers and accidental logging.</summary>
    public override string ToString() => "PasswordMessage { Password = *** }";
}
