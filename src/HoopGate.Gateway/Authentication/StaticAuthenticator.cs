using System.Security.Cryptography;
using System.Text;
using HoopGate.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Authentication;

/// <summary>
/// Fixed user names and passwords from configuration. For tests only: the gateway refuses to start with it
/// unless <see cref="AuthenticationOptions.Insecure"/> is set.
/// </summary>
internal sealed class StaticAuthenticator : IClientAuthenticator
{
    private readonly Dictionary<string, byte[]> _passwords = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _groups = new(StringComparer.Ordinal);

    public StaticAuthenticator(IOptions<AuthenticationOptions> options)
    {
        foreach (StaticUser user in options.Value.StaticUsers)
        {
            _passwords[user.Name] = Encoding.UTF8.GetBytes(user.Password);
            _groups[user.Name] = [.. user.Groups];
        }
    }

    public bool IsInsecure => true;

    public bool RequiresTls => false;

    public ValueTask<AuthenticationResult> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken)
    {
        byte[] presented = Encoding.UTF8.GetBytes(credentials.Password);
        bool known = _passwords.TryGetValue(credentials.User, out byte[]? expected);

        // Compare even for unknown users so that timing does not tell which names exist.
        bool match = CryptographicOperations.FixedTimeEquals(presented, expected ?? presented) & known;
        return ValueTask.FromResult(match
            ? AuthenticationResult.Success(new GatewayIdentity(credentials.User, _groups[credentials.User]))
            : AuthenticationResult.InvalidCredential("password authentication failed for user \"" + credentials.User + "\""));
    }
}
