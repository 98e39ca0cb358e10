namespace HoopGate.Gateway.Listening;

/// <summary>One open session, as the admin API lists it.</summary>
/// <param name="Id">The connection id its log lines carry (and terminate takes).</param>
/// <param name="Subject">The token's subject.</param>
/// <param name="Identity">Its e-mail or client id, when the token has one.</param>
/// <param name="Groups">Its groups.</param>
/// <param name="Database">The database it uses.</param>
/// <param name="ClientAddress">Where it connects from.</param>
/// <param name="Application">Its application_name.</param>
/// <param name="StartedAt">When it started relaying.</param>
/// <param name="Statements">Statements answered so far.</param>
/// <param name="ClientTls">The client connected with TLS.</param>
public sealed record SessionInfo(
    long Id,
    string Subject,
    string? Identity,
    IReadOnlyList<string> Groups,
    string Database,
    string? ClientAddress,
    string? Application,
    DateTimeOffset StartedAt,
    long Statements,
    bool ClientTls);
