using System.Net;

namespace HoopGate.Gateway.Authentication;

/// <summary>What a client presented at startup.</summary>
/// <param name="User">The user name from the StartupMessage.</param>
/// <param name="Database">The database it asked for.</param>
/// <param name="Password">The password message's content. Never log it.</param>
/// <param name="IsTls">Whether the client connection is encrypted.</param>
/// <param name="RemoteEndPoint">The client's address.</param>
public sealed record ClientCredentials(string User, string Database, string Password, bool IsTls, EndPoint? RemoteEndPoint)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => "ClientCredentials { User = " + User + ", Database = " + Database + ", Password = *** }";
}
