namespace HoopGate.Demo;

/// <summary>
/// A person the development issuer's login page offers (authorization code flow): whoever picks the entry signs in as
/// them — there is no password, which is why the issuer serves loopback only.
/// </summary>
/// <param name="Subject">The <c>sub</c> claim.</param>
/// <param name="Name">The <c>name</c> claim, shown on the login page.</param>
/// <param name="Email">The <c>email</c> claim, or null.</param>
/// <param name="Groups">The <c>groups</c> claim.</param>
public sealed record DevelopmentUser(string Subject, string Name, string? Email, IReadOnlyList<string> Groups);
