namespace HoopGate.Gateway.Authentication;

/// <summary>Who a session belongs to, once authenticated.</summary>
/// <param name="Subject">The stable identifier of the caller (a token's subject; the user name for the static authenticator).</param>
/// <param name="Groups">Group names that grants and policy key on.</param>
/// <param name="Email">A person's e-mail, when known.</param>
/// <param name="ClientId">A machine identity's client id, when known.</param>
/// <param name="Issuer">The token's issuer (null for the static test authenticator).</param>
public sealed record GatewayIdentity(string Subject, IReadOnlyList<string> Groups, string? Email = null, string? ClientId = null, string? Issuer = null);
