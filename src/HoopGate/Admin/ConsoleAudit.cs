using System.Security.Claims;
using HoopGate.Audit;
using Microsoft.AspNetCore.Http;

namespace HoopGate.Admin;

/// <summary>
/// Writes what people do and look at in the console into the audit trail (<see cref="ConsoleAccessEvent"/>, the
/// <c>hoopgate_audit.console_access</c> view): the records ride along with the gateway's next flush of its hash chain.
/// Without an audit trail (a test configuration) nothing is written.
/// </summary>
internal sealed class ConsoleAudit(AuditSpool? spool, ConsoleGroups groupClaims)
{
    public void Record(HttpContext context, ConsoleUser user, string action, string? target = null, int status = StatusCodes.Status200OK) =>
        spool?.Append(new ConsoleAccessEvent
        {
            Subject = user.Subject,
            Name = user.DisplayName,
            Groups = user.Groups,
            Action = action,
            Target = target,
            Status = status,
            ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
        });

    /// <summary>A sign-in, from the principal the identity provider's token made (roles are not known yet).</summary>
    public void SignedIn(HttpContext context, ClaimsPrincipal principal) =>
        spool?.Append(new ConsoleAccessEvent
        {
            Subject = principal.FindFirst("sub")?.Value ?? "",
            Name = principal.FindFirst("name")?.Value ?? principal.FindFirst("email")?.Value,
            Groups = ConsoleUser.GroupsOf(principal, groupClaims),
            Action = "sign_in",
            Status = StatusCodes.Status200OK,
            ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
        });
}
