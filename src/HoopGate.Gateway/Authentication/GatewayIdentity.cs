namespace HoopGate.Gateway.Authentication;

/// <summary>Who a session belongs to, once authenticated.</summary>
/// <param name="Subject">The stable identifier of the caller (a token's subject; the user name for the static authenticator).</param>
/// <param name="Groups">Group names that grants and policy key on.</param>
public sealed record GatewayIdentity(string Subject, IReadOnlyList<string> Groups);
