using System.Security.Claims;
using HoopGate.Approvals;

namespace HoopGate.Admin;

/// <summary>
/// The signed-in person and what the console lets them do, from their ID token's groups: approvers decide, auditors read
/// everything and decide nothing, admins read everything and also list and end sessions. Anyone else has no role.
/// </summary>
internal sealed class ConsoleUser
{
    private readonly ApproverRoles _approvers;

    private ConsoleUser(string subject, string displayName, IReadOnlyList<string> groups, ApproverRoles approvers, bool auditor, bool admin)
    {
        Subject = subject;
        DisplayName = displayName;
        Groups = groups;
        _approvers = approvers;
        IsApprover = approvers.IsApprover(groups);
        IsAuditor = auditor;
        IsAdmin = admin;
    }

    public string Subject { get; }

    public string DisplayName { get; }

    public IReadOnlyList<string> Groups { get; }

    public bool IsApprover { get; }

    public bool IsAuditor { get; }

    public bool IsAdmin { get; }

    /// <summary>Whether the console has anything for them at all.</summary>
    public bool HasRole => IsApprover || IsAuditor || IsAdmin;

    /// <summary>Reads everything (auditors and admins) rather than only the requests they may decide.</summary>
    public bool ReadsAll => IsAuditor || IsAdmin || _approvers.SeesAll(Groups);

    public IEnumerable<string> Roles => new[] { (IsApprover, "approver"), (IsAuditor, "auditor"), (IsAdmin, "admin") }.Where(r => r.Item1).Select(r => r.Item2);

    /// <summary>Whether the inbox shows them this request.</summary>
    public bool Sees(ReviewRequest request) => ReadsAll || ApproverRoles.MayDecide(Groups, request);

    /// <summary>
    /// Whether they get the approve and deny buttons: in one of the request's approver groups and not its requester (the
    /// store checks both again).
    /// </summary>
    public bool MayDecide(ReviewRequest request) => request.RequesterSubject != Subject && ApproverRoles.MayDecide(Groups, request);

    /// <summary>The person behind a console cookie, or null when nobody is signed in.</summary>
    public static ConsoleUser? From(ClaimsPrincipal principal, ConsoleGroups groupClaims, ApproverRoles approvers, ConsoleOptions console, AdminOptions admin)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirst("sub")?.Value is not { Length: > 0 } subject)
        {
            return null;
        }

        List<string> groups = GroupsOf(principal, groupClaims);
        string name = principal.FindFirst("name")?.Value ?? principal.FindFirst("email")?.Value ?? subject;
        return new ConsoleUser(subject, name, groups, approvers,
            groups.Any(g => console.AuditorGroups.Contains(g, StringComparer.Ordinal)),
            groups.Any(g => admin.AdminGroups.Contains(g, StringComparer.Ordinal)));
    }

    /// <summary>
    /// The groups an ID token gave, from the claims named by <c>Oidc:GroupClaims</c>, named as the gateway names them
    /// (the sign-in issuer's <c>GroupPrefix</c>; see <see cref="HoopGate.Auth.IssuerGroups"/>).
    /// </summary>
    public static List<string> GroupsOf(ClaimsPrincipal principal, ConsoleGroups groupClaims) =>
        principal.Claims.Where(c => groupClaims.Claims.Contains(c.Type, StringComparer.Ordinal))
            .Select(c => groupClaims.Naming.Name(c.Value)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>Where the console finds a person's groups: the claims, and how the sign-in issuer's groups are named.</summary>
/// <param name="Claims">The claim types that hold groups (<c>Oidc:GroupClaims</c>).</param>
/// <param name="Naming">The sign-in issuer's group naming.</param>
internal sealed record ConsoleGroups(IReadOnlyList<string> Claims, HoopGate.Auth.IssuerGroups Naming)
{
    /// <summary>For the issuer people sign in with: <c>Console:Issuer</c>, else the first configured one.</summary>
    public static ConsoleGroups For(HoopGate.Auth.OidcOptions oidc, AdminOptions admin)
    {
        return new ConsoleGroups(oidc.GroupClaims, new HoopGate.Auth.IssuerGroups(oidc, ConsoleSignIn.Issuer(admin, oidc)?.Issuer ?? ""));
    }
}
