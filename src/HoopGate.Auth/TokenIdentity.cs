namespace HoopGate.Auth;

/// <summary>Who a validated token says the caller is.</summary>
/// <param name="Issuer">The token's issuer.</param>
/// <param name="Subject">The stable identifier of the caller.</param>
/// <param name="Email">A person's e-mail, when the token carries one.</param>
/// <param name="ClientId">A machine identity's client id (azp/client_id), when present.</param>
/// <param name="Groups">Groups from every configured group claim, distinct, in token order.</param>
/// <param name="ExpiresAt">When the token stops being valid.</param>
public sealed record TokenIdentity(
    string Issuer, string Subject, string? Email, string? ClientId, IReadOnlyList<string> Groups, DateTimeOffset ExpiresAt);
